"""Disjoint, balanced, seeded splits of any challenge, at any length.

How strings are assigned to splits
    Every string has a *split key* (the string itself for numbers; the left-hand side ``a+b`` for
    equations, so that a problem and all its near misses land in the same split). A keyed 64-bit
    hash of the key picks the split: 80% train, 10% val, 10% test. The assignment depends on the
    string alone -- not on the seed, the sample size or the challenge -- so train, val and test are
    disjoint as sets at any sample size. Lengths beyond the training range belong to test only.

How a sample is drawn
    ``sample(challenge, split, n, seed, length)`` returns ``n // 2`` members and ``n - n // 2``
    non-members (shuffled), drawn with replacement from the strings of the split: short lengths may
    hold fewer distinct strings than ``n``. Without ``length``, each example's length is uniform
    over the split's lengths in the training range that hold both classes. Lengths with few strings
    (at most ``ENUMERATION_LIMIT``) are listed exhaustively, so a class that is empty in a split is
    known exactly: asking for such a length raises :class:`EmptyClass` (there is no 1-digit prime
    in base 2, and only the strings "0".."9" have length 1 in base 10).

Determinism
    The generator is seeded from (challenge id, split, length, n, seed) and nothing else, so the
    same arguments give the same bytes on every run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from .errors import EmptyClass, InvalidArgument
from .examples import SPLITS, Examples, Split

if TYPE_CHECKING:
    from .core import Challenge

SPLIT_FRACTIONS = {"train": 0.8, "val": 0.1, "test": 0.1}
ENUMERATION_LIMIT = 4096
MAX_LENGTH = 100_000
MAX_SAMPLES = 10_000_000
MAX_SAMPLE_BYTES = 2 << 30  # a sample whose strings alone would take more memory is refused

_BUCKETS = 1000
_BUCKET_EDGES = np.array([800, 900, 1000])  # train < 800 <= val < 900 <= test
_FNV_PRIME = np.uint64(0x100000001B3)
_KEYED_OFFSET = np.uint64(0xCBF29CE484222325 ^ 0x486F667374616474)  # FNV offset ^ b"Hofstadt"


def split_of(keys: np.ndarray) -> np.ndarray:
    """Index into ``SPLITS`` (0 train, 1 val, 2 test) of every split key.

    FNV-1a over the UCS-4 code points with a keyed offset, then the splitmix64 finaliser so that
    nearby strings land in unrelated buckets. Vectorised over the batch; one column per character.

    >>> [SPLITS[i] for i in split_of(np.array(["2225", "3333", "12+29"]))]
    ['train', 'train', 'train']
    """
    keys = np.ascontiguousarray(keys, dtype=np.str_)
    if keys.size == 0:
        return np.zeros(0, dtype=np.int64)
    codes = keys.view(np.uint32).reshape(keys.size, -1).astype(np.uint64)
    state = np.full(keys.size, _KEYED_OFFSET, dtype=np.uint64)
    for column in codes.T:
        # NUL is numpy's padding, never a character of a key: skip it so width does not matter.
        state = np.where(column != 0, (state ^ column) * _FNV_PRIME, state)
    state ^= state >> np.uint64(30)
    state *= np.uint64(0xBF58476D1CE4E5B9)
    state ^= state >> np.uint64(27)
    state *= np.uint64(0x94D049BB133111EB)
    state ^= state >> np.uint64(31)
    return np.searchsorted(_BUCKET_EDGES, (state % np.uint64(_BUCKETS)).astype(np.int64), "right")


def assign_split(challenge: Challenge, texts: np.ndarray) -> np.ndarray:
    """The split index of each string of ``challenge``.

    No strings have no splits; answered here, because a family's ``split_keys`` need not handle an
    empty array (numpy >= 2.3's ``np.strings.partition`` raises on one).

    >>> from challenges import get_challenge
    >>> assign_split(get_challenge("add-base2"), np.array([], dtype=np.str_)).shape
    (0,)
    """
    texts = np.asarray(texts, dtype=np.str_)
    if texts.size == 0:
        return np.zeros(0, dtype=np.int64)
    return split_of(challenge.language.split_keys(texts))


def check_split(split: str) -> Split:
    if split not in SPLITS:
        raise InvalidArgument(f"unknown split '{split}': choose one of {', '.join(SPLITS)}")
    return split  # type: ignore[return-value]


def check_length_limits(length: int) -> int:
    """A length from 1 to ``MAX_LENGTH`` (the one place these limits are checked, the CLI included)."""
    if not isinstance(length, (int, np.integer)) or isinstance(length, bool):
        raise InvalidArgument(f"length must be a whole number, got {length!r}")
    if length < 1:
        raise InvalidArgument(f"length must be at least 1, got {length}")
    if length > MAX_LENGTH:
        raise InvalidArgument(f"length {length} is absurd: the limit is {MAX_LENGTH}")
    return int(length)


def check_length(challenge: Challenge, split: Split, length: int) -> int:
    """Validate a requested length for a split, with a message that says what is allowed."""
    check_length_limits(length)
    low, high = challenge.train_lengths
    if split != "test" and not low <= length <= high:
        raise InvalidArgument(
            f"split '{split}' covers lengths {low}-{high} of {challenge.id}; "
            f"length {length} is in the test split only (length extrapolation)"
        )
    return int(length)


def check_count(n: int) -> int:
    """A number of examples from 1 to ``MAX_SAMPLES`` (checked here only, the CLI included)."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise InvalidArgument(f"the number of examples must be a whole number, got {n!r}")
    if n < 1:
        raise InvalidArgument(f"the number of examples must be at least 1, got {n}")
    if n > MAX_SAMPLES:
        raise InvalidArgument(f"{n} examples is absurd: the limit is {MAX_SAMPLES:,}")
    return int(n)


def check_sample_size(challenge: Challenge, n: int, longest: int) -> None:
    """Refuse, before any work, a sample of ``n`` strings up to ``longest`` that memory cannot hold.

    The estimate is the strings as numpy stores them (4 bytes a character; an equation's string is
    about three numbers long), twice: the drawn strings and the array they are gathered into.

    >>> from challenges import get_challenge
    >>> check_sample_size(get_challenge("div7-base10"), 10_000_000, 100_000)
    Traceback (most recent call last):
    ...
    challenges.errors.InvalidArgument: 10,000,000 strings of up to 100,000 symbols need about 7.3 TiB of memory; the limit is 2 GiB: ask for fewer or shorter
    """
    characters = 3 * longest + 2 if challenge.family == "arithmetic" else longest
    needed = 2 * 4 * characters * n
    if needed > MAX_SAMPLE_BYTES:
        raise InvalidArgument(
            f"{n:,} strings of up to {longest:,} symbols need about {_bytes(needed)} of memory; "
            f"the limit is {_bytes(MAX_SAMPLE_BYTES)}: ask for fewer or shorter"
        )


def _bytes(count: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if count < 1024:
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}".replace(".0 ", " ")
        count /= 1024
    return f"{count:.1f} TiB"


def generator_for(
    challenge_id: str, split: str, length: int | None, n: int, seed: int, *extra: int
) -> np.random.Generator:
    """A generator seeded by the sample's full identity and nothing else."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise InvalidArgument(f"seed must be a non-negative whole number, got {seed!r}")
    tag = int.from_bytes(hashlib.sha256(f"{challenge_id}|{split}".encode()).digest()[:8], "little")
    return np.random.default_rng(
        [int(seed), tag, 0 if length is None else int(length), int(n), *map(int, extra)]
    )


@lru_cache(maxsize=4096)
def _listed_pools(challenge: Challenge, split: Split, length: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(members, non-members) of a split at a short length, listed exhaustively; else None."""
    if split != "test" and length > challenge.max_train_length:
        return None
    listed = challenge.language.enumerate(length)
    if listed is None:
        return None
    texts, labels = listed
    if length > challenge.max_train_length:  # extrapolation lengths are test-only
        in_split = np.ones(len(texts), dtype=bool)
    else:
        in_split = assign_split(challenge, texts) == SPLITS.index(split)
    return texts[in_split & labels], texts[in_split & ~labels]


@lru_cache(maxsize=4096)
def classes_available(challenge: Challenge, split: Split, length: int) -> tuple[bool, bool]:
    """Whether the split holds at least one member / non-member of ``length``.

    Exact for short lengths (listed exhaustively); longer lengths hold thousands of strings of
    both classes, so both are taken to be present there.
    """
    pools = _listed_pools(challenge, split, length)
    if pools is not None:
        return bool(len(pools[0])), bool(len(pools[1]))
    if length <= challenge.max_train_length:
        keys = challenge.language.enumerate_keys(length)
        if keys is not None:
            present = bool((split_of(keys) == SPLITS.index(split)).any())
            return present, present
    return True, True


def sample_lengths(challenge: Challenge, split: Split) -> tuple[int, ...]:
    """Training-range lengths at which ``split`` holds both members and non-members."""
    return tuple(
        length
        for length in range(challenge.train_lengths[0], challenge.train_lengths[1] + 1)
        if all(classes_available(challenge, split, length))
    )


def _draw_class(
    challenge: Challenge, split: Split, length: int, n: int, member: bool, rng: np.random.Generator
) -> np.ndarray:
    """``n`` strings of one class, split and length (with replacement)."""
    if n == 0:
        return np.array([], dtype=np.str_)
    pools = _listed_pools(challenge, split, length)
    if pools is not None:
        pool = pools[0] if member else pools[1]
        if len(pool) == 0:
            raise _empty(challenge, split, length, member)
        return pool[rng.integers(0, len(pool), size=n)]
    if not classes_available(challenge, split, length)[0 if member else 1]:
        raise _empty(challenge, split, length, member)
    wanted = SPLITS.index(split)
    test_only = length > challenge.max_train_length
    chunks: list[np.ndarray] = []
    have = 0
    share = 1.0 if test_only else SPLIT_FRACTIONS[split]
    for _attempt in range(10_000):
        # Beyond the training range every string is test: draw exactly what is missing, since
        # long strings (1000-digit primes) are expensive. In range, over-draw for the rejection.
        batch = n - have if test_only else max(16, int((n - have) / share * 1.1) + 8)
        drawn = challenge.language.draw(length, batch, member, rng)
        if not test_only:
            drawn = drawn[assign_split(challenge, drawn) == wanted]
        chunks.append(drawn)
        have += len(drawn)
        if have >= n:
            return np.concatenate(chunks)[:n]
    raise _empty(challenge, split, length, member)


def _empty(challenge: Challenge, split: str, length: int, member: bool) -> EmptyClass:
    kind = "member" if member else "non-member"
    usable = sample_lengths(challenge, split) if split in SPLITS else ()
    return EmptyClass(
        f"{challenge.id} has no {kind} of length {length} in split '{split}'"
        + (f"; lengths with both classes: {_ranges(usable)}" if usable else "")
    )


def _ranges(values: tuple[int, ...]) -> str:
    """``(1, 2, 3, 5)`` -> ``'1-3, 5'``."""
    parts, start = [], None
    for i, v in enumerate(values):
        if start is None:
            start = v
        if i + 1 == len(values) or values[i + 1] != v + 1:
            parts.append(f"{start}" if start == v else f"{start}-{v}")
            start = None
    return ", ".join(parts)


def sample(
    challenge: Challenge,
    split: Split,
    n: int,
    seed: int = 0,
    length: int | None = None,
    length_range: tuple[int, int] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> Examples:
    """Balanced examples of ``challenge`` from ``split``: a pure function of its arguments.

    ``on_rows`` hears how many rows each (length, class) draw filled: a progress bar for slow ones.

    >>> from challenges import get_challenge
    >>> ex = sample(get_challenge("even-base3"), "train", n=6, seed=1, length=3)
    >>> ex.labels.sum(), len(ex), set(ex.lengths.tolist())
    (np.int64(3), 6, {3})
    """
    split = check_split(split)
    n = check_count(n)
    if length is not None:
        length = check_length(challenge, split, length)
    bounds: tuple[int, ...] = ()
    if length_range is not None:  # a narrower training range draws its own stream
        low, high = (check_length(challenge, split, v) for v in length_range)
        bounds = (low, high)
    longest = length or (bounds[1] if bounds else challenge.max_train_length)
    check_sample_size(challenge, n, longest)
    rng = generator_for(challenge.id, split, length, n, seed, *bounds)
    labels = np.zeros(n, dtype=bool)
    labels[: n // 2] = True
    rng.shuffle(labels)
    if length is not None:
        lengths = np.full(n, length, dtype=np.int64)
    else:
        usable = sample_lengths(challenge, split)
        if length_range is not None:
            usable = tuple(v for v in usable if low <= v <= high)
        if not usable:
            raise EmptyClass(f"{challenge.id}: split '{split}' holds no length with both classes")
        lengths = np.asarray(usable, dtype=np.int64)[rng.integers(0, len(usable), size=n)]
    drawn: list[tuple[np.ndarray, np.ndarray]] = []
    for value in np.unique(lengths):
        for member in (True, False):
            rows = np.flatnonzero((lengths == value) & (labels == member))
            if rows.size:
                drawn.append((rows, _draw_class(challenge, split, int(value), rows.size, member, rng)))
                if on_rows is not None:
                    on_rows(int(rows.size))
    width = max(strings.dtype.itemsize // 4 for _, strings in drawn)
    texts = np.empty(n, dtype=f"<U{width}")
    for rows, strings in drawn:
        texts[rows] = strings
    return Examples(texts, labels, lengths, split)

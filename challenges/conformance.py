"""The contract every challenge must honour, checked by code: at registration, in tests, on demand.

Oracle and sampler are written separately, so each checks the other: every sampled label must be
the oracle's verdict, every string well formed, of the length it was asked for and in the split it
was drawn from; samples are balanced and a pure function of their arguments. Each ``check_*``
function returns the problems it found, as sentences (an empty list: none), so the same code serves
the test suite (large samples), plugin registration (a small, seeded, time-bounded sample; see
:func:`check_challenge`) and a command that reports on any challenge.

>>> from challenges import get_challenge
>>> check_challenge(get_challenge("div7-base10"))
[]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager

import numpy as np

from .core import SPLITS, Challenge, Split
from .deadline import deadline
from .errors import ChallengeError, NonConformant
from .splits import assign_split, sample_lengths

TIME_LIMIT_SECONDS = 30.0  # a plugin whose checks take longer is refused (an oracle that never returns)
_SHOWN = 3  # offending strings quoted per problem


def check_labels(challenge: Challenge, split: Split, n: int = 64, seed: int = 0,
                 length: int | None = None) -> list[str]:  # fmt: skip
    """Sampled labels are the oracle's verdicts, and strings are well formed and as long as stated."""
    examples = challenge.sample(split, n=n, seed=seed, length=length)
    where = f"{split} split" + (f", length {length}" if length is not None else "")
    problems = []
    alphabet = set(challenge.alphabet)
    foreign = [t for t in examples.texts.tolist() if not set(t) <= alphabet]
    if foreign:
        return [f"{where}: strings outside the alphabet {challenge.alphabet!r}: {_quote(map(repr, foreign))}"]
    try:
        truth = challenge.label(examples.texts)
        measured = np.array([challenge.check(t).length for t in examples.texts.tolist()], dtype=np.int64)
    except ChallengeError as error:
        return [f"{where}: the oracle rejects a sampled string: {error}"]
    wrong = [f"{t!r} labelled {'member' if y else 'non-member'}"
             for t, y in zip(examples.texts[truth != examples.labels].tolist(),
                             examples.labels[truth != examples.labels].tolist())]  # fmt: skip
    if wrong:
        problems.append(f"{where}: {len(wrong)} of {n} labels differ from the oracle: {_quote(wrong)}")
    off = examples.lengths != measured
    if off.any():
        shown = [f"{t!r} (length {m}) recorded as length {L}" for t, m, L in
                 zip(examples.texts[off].tolist(), measured[off].tolist(), examples.lengths[off].tolist())]
        problems.append(f"{where}: {int(off.sum())} strings of the wrong length: {_quote(shown)}")
    if length is not None and (examples.lengths != length).any():
        problems.append(f"{where}: lengths other than {length} were returned")
    return problems


def check_splits(challenge: Challenge, n: int = 64, seed: int = 0) -> list[str]:
    """Each string lies in the split it was drawn from, so the splits are disjoint."""
    problems = []
    for index, split in enumerate(SPLITS):
        examples = challenge.sample(split, n=n, seed=seed)
        stray = examples.texts[assign_split(challenge, examples.texts) != index].tolist()
        if stray:
            problems.append(
                f"{split} split: {len(stray)} strings belong to another split: {_quote(map(repr, stray))}"
            )
    return problems


def check_balance(challenge: Challenge, lengths: tuple[int, ...] | None = None, n: int = 51,
                  seed: int = 0) -> list[str]:  # fmt: skip
    """Half the strings (rounded down) are members at each length, and all are of that length."""
    problems = []
    for length in sample_lengths(challenge, "train") if lengths is None else lengths:
        examples = challenge.sample("train", n=n, seed=seed, length=length)
        if examples.labels.sum() != n // 2 or (examples.lengths != length).any():
            problems.append(
                f"length {length}: {int(examples.labels.sum())} members of {n} (expected {n // 2})"
            )
    return problems


def check_determinism(challenge: Challenge, n: int = 64, seed: int = 11) -> list[str]:
    """The same arguments give the same bytes; another seed gives other strings."""
    first = challenge.sample("val", n=n, seed=seed)
    again = challenge.sample("val", n=n, seed=seed)
    other = challenge.sample("val", n=n, seed=seed + 1)
    problems = []
    if first.texts.tobytes() != again.texts.tobytes() or first.labels.tobytes() != again.labels.tobytes():
        problems.append("the same arguments gave different samples (the sampler is not seeded by its rng)")
    if first.texts.tobytes() == other.texts.tobytes():
        problems.append("two seeds gave the same sample (the sampler ignores its rng)")
    return problems


def check_challenge(challenge: Challenge, n: int = 32, seed: int = 0) -> list[str]:
    """Every check on a small, seeded sample; the problems found (empty: the challenge conforms).

    Covers each split over the training range, a few single lengths (the shortest and longest
    usable ones, one in between) and the first extrapolation length. Fast for a sane challenge
    (well under a second for the built-ins); a check that raises is reported as a problem.
    """
    usable = sample_lengths(challenge, "train")
    picked = tuple(dict.fromkeys((usable[0], usable[len(usable) // 2], usable[-1]))) if usable else ()
    checks: list[tuple[str, Callable[[], list[str]]]] = [
        *((f"labels ({s})", lambda s=s: check_labels(challenge, s, n, seed)) for s in SPLITS),
        *((f"labels (length {L})", lambda L=L: check_labels(challenge, "train", n, seed, L)) for L in picked),
        ("splits", lambda: check_splits(challenge, n, seed)),
        ("balance", lambda: check_balance(challenge, picked, n + 1, seed)),
        ("determinism", lambda: check_determinism(challenge, n, seed + 11)),
    ]  # fmt: skip
    if not usable:
        return ["no training length holds both members and non-members in the train split"]
    if challenge.extrapolation_lengths:
        first = challenge.extrapolation_lengths[0]
        checks.append((f"labels (length {first})",
                       lambda: check_labels(challenge, "test", 2, seed, first)))  # fmt: skip
    problems: list[str] = []
    for name, check in checks:
        try:
            problems += check()
        except ChallengeError as error:
            problems.append(f"{name}: {error}")
        except Exception as error:  # noqa: BLE001 - foreign code: any failure is a finding
            problems.append(f"{name}: {type(error).__name__}: {error}")
    return problems


class _OutOfTime(BaseException):
    """Raised by the alarm; a BaseException so that no check's error handling swallows it."""


def require_conformance(challenge: Challenge, time_limit: float | None = None) -> None:
    """Raise :class:`NonConformant` naming the first problems, if ``challenge`` breaks the contract.

    The checks get ``time_limit`` seconds (default ``TIME_LIMIT_SECONDS``) in all.
    """
    time_limit = TIME_LIMIT_SECONDS if time_limit is None else time_limit
    try:
        with _deadline(time_limit):
            problems = check_challenge(challenge)
    except _OutOfTime:
        raise NonConformant(
            f"challenge '{challenge.id}' fails the conformance checks: they did not finish within "
            f"{time_limit:g} s (an oracle or sampler that never returns?)"
        ) from None
    if problems:
        more = f" (and {len(problems) - 2} more)" if len(problems) > 2 else ""
        raise NonConformant(
            f"challenge '{challenge.id}' fails the conformance checks: {'; '.join(problems[:2])}{more}"
        )


def _deadline(seconds: float) -> AbstractContextManager[None]:
    """The conformance checks' bound: :class:`_OutOfTime` after ``seconds``."""
    return deadline(seconds, _OutOfTime)


def _quote(items: Iterable[str]) -> str:
    """The first few ``items``, joined; '...' when there are more."""
    items = list(dict.fromkeys(items))
    return ", ".join(items[:_SHOWN]) + (", ..." if len(items) > _SHOWN else "")

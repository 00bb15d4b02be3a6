"""An on-disk cache of samples that cannot lie: keyed by everything that decides them, verified on load.

Sampling is a pure function of (challenge id, version, split, length or length range, n, seed) and
of the sampling code itself, so a sample can be stored once and reused by every model and run (test
sets, and the training and validation sets every model of a seed shares). Only slow samples are
worth it; fast ones are drawn anew. Set ``HOFSTADTER_CACHE`` to move the cache, or to ``off`` to
disable it.

A cached file is never trusted blindly. Each is a compressed ``.npz`` holding the arrays, the key
they were drawn for and an HMAC-SHA256 of their bytes, keyed with a secret kept outside the cache
(``~/.config/hofstadter-challenges/cache.key``, made on first use, mode 0600; ``HOFSTADTER_CACHE_KEY``
names another file). On load the key, shapes, dtypes, balance and that keyed checksum are checked --
so a file whose labels were edited, with its checksum recomputed, is refused on every load unless
the editor could read the secret -- and the labels and lengths of a random subset of rows (64,
plus the first and last) are re-derived from the challenge's oracle, which also catches a file
drawn by a stale sampler. Any failure -- an unreadable or truncated file, a bad CRC, a checksum or
label mismatch, a file signed with another machine's secret -- discards the file with a one-line
warning and draws the sample again, so a tampered or stale file can cost time but never change a
figure.

Why a keyed checksum rather than the oracle on every row (``python -m benchmarks.bench_cache_check``,
on a loaded 2-core machine): re-deriving every label and length on load costs 0.6-1.5 s for a
1000-digit addition or multiplication test set of 1000 strings (parsing), 0.2-0.5 s for 1000
100-digit primes and about 8 s for 100 1000-digit base-10 primes (primality tests), on every load
in every process; the keyed checksum costs under 70 ms and covers every label and length.

``SAMPLER_VERSION`` is part of every file name. Bump it whenever a change to the sampling code
(:mod:`challenges.splits`, a family's ``draw`` / ``enumerate`` / ``split_keys``, or the numbers they
use) can change which strings a given key draws; a challenge's own ``version`` covers changes to its
language (what is a member).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
import time
import warnings
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .core import SPLITS, Challenge, Examples, Split
from .errors import ChallengeWarning

SAMPLER_VERSION = 3  # 1: unverified, uncompressed files; 2: unkeyed checksums; see the module docstring
CHECKSUM_FIELD = "hmac_sha256"
VERIFIED_ROWS = 64  # rows whose labels and lengths are re-derived from the oracle on every load

_SLOW_SECONDS = 0.5  # samples that took longer than this are written to disk
_MEMORY_BYTES = 1 << 30  # the in-process copy keeps the most recent samples up to this size
_MEMORY: OrderedDict[tuple, Examples] = OrderedDict()


class CacheWarning(ChallengeWarning):
    """A cached file was unusable and has been discarded (the sample is drawn again)."""


class _Unusable(Exception):
    """Why a cached file cannot be trusted."""


def cache_dir() -> Path | None:
    """Where samples are cached, or None when caching is off."""
    setting = os.environ.get("HOFSTADTER_CACHE", "")
    if setting.lower() == "off":
        return None
    return Path(setting) if setting else Path.home() / ".cache" / "hofstadter-challenges"


def cache_path(
    challenge: Challenge, split: Split, n: int, seed: int, length: int | None,
    length_range: tuple[int, int] | None,
) -> Path | None:  # fmt: skip
    """The file a sample is cached in (None when caching is off).

    >>> from challenges import get_challenge
    >>> path = cache_path(get_challenge("div7-base10"), "test", 100, 0, 1000, None)
    >>> path is None or path.name == f"v1-s{SAMPLER_VERSION}-test-L1000-n100-s0.npz"
    True
    """
    directory = cache_dir()
    if directory is None:
        return None
    lengths = f"L{length}" if length_range is None else f"R{length_range[0]}-{length_range[1]}"
    name = f"v{challenge.version}-s{SAMPLER_VERSION}-{split}-{lengths}-n{n}-s{seed}.npz"
    return directory / challenge.id / name


def cached_sample(
    challenge: Challenge,
    split: Split,
    n: int,
    seed: int,
    length: int | None = None,
    length_range: tuple[int, int] | None = None,
) -> Examples:
    """``challenge.sample(...)``, from memory or disk when it was drawn before (and still checks out).

    Every call returns arrays of its own, never the ones kept in memory: a model that shuffles its
    data in place (through ``torch.from_numpy``, which ignores NumPy's read-only flag, or after
    setting the flag back) changes only its own copy, never what the next model of the cell sees.

    >>> from challenges import get_challenge
    >>> first = cached_sample(get_challenge("div3-base10"), "val", 8, 0)
    >>> first.labels[:] = False  # a careless model
    >>> int(cached_sample(get_challenge("div3-base10"), "val", 8, 0).labels.sum())
    4
    """
    key = (challenge.id, challenge.version, SAMPLER_VERSION, split, length, length_range, n, seed)
    if key in _MEMORY:
        _MEMORY.move_to_end(key)
        return _own_copy(_MEMORY[key])
    path = cache_path(challenge, split, n, seed, length, length_range)
    if path is not None and path.exists():
        try:
            examples = _load(path, challenge, split, n, length, length_range, key)
            return _own_copy(_remember(key, examples))
        except _Unusable as why:
            warnings.warn(f"discarded cached sample {path}: {why}; drawing it again", CacheWarning,
                          stacklevel=2)  # fmt: skip
            path.unlink(missing_ok=True)
    started = time.perf_counter()
    drawn = challenge.sample(split, n=n, seed=seed, length=length, length_range=length_range)
    examples = _remember(key, drawn)
    if path is not None and time.perf_counter() - started > _SLOW_SECONDS:
        _write_atomically(path, examples, key)
    return _own_copy(examples)


def _own_copy(examples: Examples) -> Examples:
    """Fresh arrays for one caller: what it does to them reaches no one else."""
    return Examples(examples.texts.copy(), examples.labels.copy(), examples.lengths.copy(), examples.split)


def checksum(texts: np.ndarray, labels: np.ndarray, lengths: np.ndarray, key: tuple) -> str:
    """HMAC-SHA256, keyed with :func:`secret`, over the key and the arrays' dtypes, shapes and bytes."""
    digest = hmac.new(secret(), repr(key).encode(), hashlib.sha256)
    for array in (texts, labels, lengths):
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def secret_path() -> Path:
    """Where the checksums' secret is kept: ``HOFSTADTER_CACHE_KEY``, else the user's config folder."""
    if os.environ.get("HOFSTADTER_CACHE_KEY"):
        return Path(os.environ["HOFSTADTER_CACHE_KEY"])
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "hofstadter-challenges" / "cache.key"


_SECRETS: dict[Path, bytes] = {}


def secret() -> bytes:
    """The secret that keys every cached file's checksum: read, or made once (32 random bytes, 0600).

    Where it cannot be kept (no writable config folder), a secret for this process alone: files
    it writes are then refused by other processes and drawn again -- slower, never wrong.
    """
    path = secret_path()
    if path not in _SECRETS:
        _SECRETS[path] = _read_or_make_secret(path)
    return _SECRETS[path]


def _read_or_make_secret(path: Path) -> bytes:
    try:
        made = path.read_bytes()
        if len(made) >= 16:
            return made
    except OSError:
        pass
    fresh = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".cache-key-")
        try:
            os.write(descriptor, fresh)  # mkstemp made it 0600
            os.close(descriptor)
            os.link(temporary, path)  # atomic: of two processes making it at once, one wins
        except FileExistsError:
            pass
        finally:
            Path(temporary).unlink(missing_ok=True)
        made = path.read_bytes()
        return made if len(made) >= 16 else fresh
    except OSError:
        return fresh


def _load(
    path: Path, challenge: Challenge, split: Split, n: int, length: int | None,
    length_range: tuple[int, int] | None, key: tuple,
) -> Examples:  # fmt: skip
    """The examples in ``path`` if every check passes; else :class:`_Unusable` saying why."""
    try:
        with np.load(path, allow_pickle=False) as data:
            texts, labels, lengths = data["texts"], data["labels"], data["lengths"]
            stored_sum, stored_key = str(data[CHECKSUM_FIELD]), str(data["key"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile) as error:
        raise _Unusable(f"unreadable ({type(error).__name__}: {error})") from None
    except Exception as error:  # noqa: BLE001 - zlib.error and friends from a damaged archive
        raise _Unusable(f"unreadable ({type(error).__name__}: {error})") from None
    if stored_key != repr(key):
        raise _Unusable("drawn for another key")
    if texts.dtype.kind != "U" or labels.dtype != np.bool_ or lengths.dtype != np.int64:
        raise _Unusable(f"wrong dtypes {texts.dtype}, {labels.dtype}, {lengths.dtype}")
    if not (texts.shape == labels.shape == lengths.shape == (n,)):
        raise _Unusable(f"wrong shapes {texts.shape}, {labels.shape}, {lengths.shape} for n={n}")
    if not hmac.compare_digest(stored_sum, checksum(texts, labels, lengths, key)):
        raise _Unusable("checksum mismatch (edited, or signed with another secret)")
    if int(labels.sum()) != n // 2:
        raise _Unusable(f"{int(labels.sum())} members of {n}, not {n // 2}")
    low, high = (length, length) if length is not None else (length_range or challenge.train_lengths)
    if lengths.min(initial=low) < low or lengths.max(initial=high) > high:
        raise _Unusable(f"lengths outside {low}-{high}")
    _verify_rows(challenge, split, texts, labels, lengths)
    return Examples(texts, labels, lengths, split)


def _verify_rows(
    challenge: Challenge, split: Split, texts: np.ndarray, labels: np.ndarray, lengths: np.ndarray
) -> None:
    """Re-derive labels and lengths of a fresh random subset of rows (and the first and last).

    The subset is drawn from the operating system's entropy on every load, so no fixed set of
    rows is ever the only one checked.
    """
    from .splits import assign_split

    n = len(texts)
    rows = np.unique(np.concatenate([
        np.random.default_rng().choice(n, size=min(n, VERIFIED_ROWS), replace=False), [0, n - 1]
    ]))  # fmt: skip
    language = challenge.language
    try:
        parsed = [language.parse(str(t)) for t in texts[rows]]
    except Exception as error:  # noqa: BLE001 - a malformed string is a damaged file
        raise _Unusable(f"malformed string ({error})") from None
    wrong = [int(r) for r, p, y in zip(rows, parsed, labels[rows]) if language.is_member(p) != bool(y)]
    if wrong:
        raise _Unusable(
            f"row {wrong[0]} is labelled against the oracle ({len(wrong)} of {len(rows)} checked)"
        )
    if any(language.length_of(p) != int(L) for p, L in zip(parsed, lengths[rows])):
        raise _Unusable("a string's length is not the one recorded")
    in_range = lengths[rows] <= challenge.max_train_length
    if (assign_split(challenge, texts[rows][in_range]) != SPLITS.index(split)).any():
        raise _Unusable(f"a string does not belong to split '{split}'")


def _remember(key: tuple, examples: Examples) -> Examples:
    """Keep ``examples`` in memory, read-only (callers get copies: :func:`_own_copy`), within the
    size bound."""
    for array in (examples.texts, examples.labels, examples.lengths):
        array.flags.writeable = False
    _MEMORY[key] = examples
    while len(_MEMORY) > 1 and sum(_size(e) for e in _MEMORY.values()) > _MEMORY_BYTES:
        _MEMORY.popitem(last=False)
    return examples


def _size(examples: Examples) -> int:
    return examples.texts.nbytes + examples.labels.nbytes + examples.lengths.nbytes


def _write_atomically(path: Path, examples: Examples, key: tuple) -> None:
    texts, labels, lengths = examples.texts, examples.labels, examples.lengths
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
            temporary = handle.name
            np.savez_compressed(
                handle, texts=texts, labels=labels, lengths=lengths, key=np.str_(repr(key)),
                **{CHECKSUM_FIELD: np.str_(checksum(texts, labels, lengths, key))},
            )  # fmt: skip
        os.replace(handle.name, path)
    except OSError:
        # A cache that cannot be written (a full disk) is only slower, never wrong; the partial
        # file goes, so a full disk is not left fuller.
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)

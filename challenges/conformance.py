"""The contract every challenge must honour, checked by code: at registration, in tests, on demand.

Oracle and sampler are written separately, so each checks the other: every sampled label must be
the oracle's verdict, every string well formed, of the length it was asked for and in the split it
was drawn from; samples are balanced and a pure function of their arguments. Each ``check_*``
function returns the problems it found, as sentences (an empty list: none), so the same code serves
the test suite (large samples), plugin registration (a small, seeded, time-bounded sample; see
:func:`check_challenge`) and a command that reports on any challenge.

Registration checks every declared length -- each training length's balance and labels over the
range, and a member and a non-member at every extrapolation length -- so a sampler whose labels
turn wrong at 1000 digits is refused, not benchmarked. Each check has :data:`TIME_LIMIT_SECONDS`;
one that swallows the interrupt (and would run for ever) ends the command with one line. A pass is
remembered in the sample cache, keyed by a fingerprint of the challenge and of the code that
decides it (:func:`fingerprint`), so a plugin of 10,000 challenges is checked once, not by every
command.

>>> from challenges import get_challenge
>>> check_challenge(get_challenge("div7-base10"))
[]
"""

from __future__ import annotations

import hashlib
import hmac
import pickle
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, ExitStack, nullcontext
from functools import lru_cache
from pathlib import Path

import numpy as np

from .cache import cache_dir, secret
from .core import SPLITS, Challenge, Split
from .deadline import deadline, hard_stop
from .errors import ChallengeError, NonConformant
from .registry import current_origin
from .splits import assign_split, sample_lengths

TIME_LIMIT_SECONDS = 30.0  # per check: a plugin whose check takes longer is refused (it never returns?)
GRACE_SECONDS = 10.0  # a check still running this long after its limit swallowed the interrupt
PROGRESS_SECONDS = 10.0  # registration checks that take longer say how far they are, this often
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
        outside = _quote(map(_shown, foreign))
        return [f"{where}: strings outside the alphabet {challenge.alphabet!r}: {outside}"]
    try:
        truth = challenge.label(examples.texts)
        measured = np.array([challenge.check(t).length for t in examples.texts.tolist()], dtype=np.int64)
    except ChallengeError as error:
        return [f"{where}: the oracle rejects a sampled string: {error}"]
    wrong = [f"{_shown(t)} labelled {'member' if y else 'non-member'}"
             for t, y in zip(examples.texts[truth != examples.labels].tolist(),
                             examples.labels[truth != examples.labels].tolist())]  # fmt: skip
    if wrong:
        problems.append(f"{where}: {len(wrong)} of {n} labels differ from the oracle: {_quote(wrong)}")
    off = examples.lengths != measured
    if off.any():
        shown = [f"{_shown(t)} (length {m}) recorded as length {L}" for t, m, L in
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
                f"{split} split: {len(stray)} strings belong to another split: {_quote(map(_shown, stray))}"
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


def check_determinism(challenge: Challenge, n: int = 64, seed: int = 11, split: Split = "val",
                      length: int | None = None) -> list[str]:  # fmt: skip
    """The same arguments give the same bytes; another seed gives other strings (over the split's
    length range; at one ``length``, only the first, since two seeds may meet on a short length)."""
    first = challenge.sample(split, n=n, seed=seed, length=length)
    again = challenge.sample(split, n=n, seed=seed, length=length)
    where = "" if length is None else f" at length {length}"
    problems = []
    if first.texts.tobytes() != again.texts.tobytes() or first.labels.tobytes() != again.labels.tobytes():
        problems.append(f"the same arguments gave different samples{where} (the sampler is not seeded by "
                        "its rng)")  # fmt: skip
    other = None if length is not None else challenge.sample(split, n=n, seed=seed + 1)
    if other is not None and first.texts.tobytes() == other.texts.tobytes():
        problems.append("two seeds gave the same sample (the sampler ignores its rng)")
    return problems


def check_declared_lengths(challenge: Challenge) -> list[str]:
    """``tested_train_lengths`` lie in the training range; ``shortcut_free_lengths`` are test lengths.

    >>> from challenges import get_challenge
    >>> check_declared_lengths(get_challenge("add-base10"))
    []
    """
    low, high = challenge.train_lengths
    problems = []
    stray = [L for L in challenge.tested_train_lengths or () if not low <= L <= high]
    if stray:
        problems.append(f"tested_train_lengths {stray} lie outside the training range {low}-{high}")
    untested = [L for L in challenge.shortcut_free_lengths or () if L not in challenge.lengths("test")]
    if untested:
        problems.append(f"shortcut_free_lengths {untested} are not test lengths")
    return problems


def check_challenge(challenge: Challenge, n: int = 32, seed: int = 0,
                    time_limit: float | None = None) -> list[str]:  # fmt: skip
    """Every check on a small, seeded sample; the problems found (empty: the challenge conforms).

    Covers each split over the training range, a few single lengths (the shortest and longest
    usable ones, one in between), and one member and one non-member at every extrapolation
    length. Fast for a sane challenge (a second or two for the built-ins, a few more for hard
    primes in a large base); a check that raises is reported as a problem. With ``time_limit``,
    each check gets that many seconds, and the first that runs out ends the checks.
    """
    usable: list[int] = []
    problems, stopped = _timed(challenge, "training lengths", time_limit,
                               lambda: usable.extend(sample_lengths(challenge, "train")) or [])  # fmt: skip
    if problems or stopped:
        return problems
    if not usable:
        return ["no training length holds both members and non-members in the train split"]
    picked = tuple(dict.fromkeys((usable[0], usable[len(usable) // 2], usable[-1])))
    checks: list[tuple[str, Callable[[], list[str]]]] = [
        ("declared lengths", lambda: check_declared_lengths(challenge)),
        *((f"labels ({s})", lambda s=s: check_labels(challenge, s, n, seed)) for s in SPLITS),
        *((f"labels (length {L})", lambda L=L: check_labels(challenge, "train", n, seed, L)) for L in picked),
        ("splits", lambda: check_splits(challenge, n, seed)),
        ("balance", lambda: check_balance(challenge, picked, n + 1, seed)),
        ("determinism", lambda: check_determinism(challenge, n, seed + 11)),
        # Every declared length, cheaply: one member and one non-member each (long ones are costly),
        # drawn twice, so a sampler that turns nondeterministic at 1000 digits is caught too.
        *((f"labels (length {L})", lambda L=L: check_labels(challenge, "test", 2, seed, L)
           + check_determinism(challenge, 2, seed, "test", L)) for L in challenge.extrapolation_lengths),
    ]  # fmt: skip
    for name, check in checks:
        found, stopped = _timed(challenge, name, time_limit, check)
        problems += found
        if stopped:  # the rest would wait out their limits one by one
            break
    return problems


def _timed(challenge: Challenge, name: str, time_limit: float | None,
           check: Callable[[], list[str]]) -> tuple[list[str], bool]:  # fmt: skip
    """The problems ``check`` finds (a failure of it is one), and whether it ran out of time."""
    try:
        with _bounded(challenge, name, time_limit):
            return check(), False
    except _OutOfTime:
        return [f"{name}: did not finish within {time_limit:g} s (an oracle or sampler that never "
                "returns?)"], True  # fmt: skip
    except ChallengeError as error:
        return [f"{name}: {error}"], False
    except Exception as error:  # noqa: BLE001 - foreign code: any failure is a finding
        return [f"{name}: {type(error).__name__}: {error}"], False


class _OutOfTime(BaseException):
    """Raised by the alarm; a BaseException so that no check's error handling swallows it."""


def require_conformance(challenge: Challenge, time_limit: float | None = None) -> None:
    """Raise :class:`NonConformant` naming the first problems, if ``challenge`` breaks the contract.

    Each check gets ``time_limit`` seconds (default ``TIME_LIMIT_SECONDS``). A challenge that
    passed before, unchanged (:func:`fingerprint`), is not checked again.
    """
    time_limit = TIME_LIMIT_SECONDS if time_limit is None else time_limit
    passed = _verdict_path(challenge)
    if passed is not None and _sealed(passed):
        return
    started = time.perf_counter()
    try:
        problems = check_challenge(challenge, time_limit=time_limit)
    finally:
        _progress(time.perf_counter() - started)
    if problems:
        more = f" (and {len(problems) - 2} more)" if len(problems) > 2 else ""
        raise NonConformant(
            f"challenge '{challenge.id}' fails the conformance checks: {'; '.join(problems[:2])}{more}"
        )
    if passed is not None:
        try:
            passed.parent.mkdir(parents=True, exist_ok=True)
            passed.write_text(_seal(passed.stem), encoding="ascii")
        except OSError:  # a read-only cache costs time on the next command, nothing else
            pass


def _bounded(challenge: Challenge, check: str, time_limit: float | None) -> AbstractContextManager[None]:
    """``time_limit`` seconds for one check, then :class:`_OutOfTime`; a check that swallows that
    and is still running :data:`GRACE_SECONDS` later ends the process with one line naming it."""
    if time_limit is None:
        return nullcontext()
    origin = current_origin()
    bounds = ExitStack()
    bounds.enter_context(hard_stop(time_limit + GRACE_SECONDS, lambda: (
        f"{origin} was refused: challenge '{challenge.id}': its conformance check '{check}' did not "
        f"finish within {time_limit:g} s and ignored the interrupt (a sampler that catches every "
        "exception?)")))  # fmt: skip
    bounds.enter_context(_deadline(time_limit))
    return bounds


def _deadline(seconds: float) -> AbstractContextManager[None]:
    """The conformance checks' bound: :class:`_OutOfTime` after ``seconds``."""
    return deadline(seconds, _OutOfTime)


_checking = {"challenges": 0, "seconds": 0.0, "said": 0.0}


def _progress(seconds: float) -> None:
    """Registration checks that add up to minutes (thousands of plugin challenges) say so, now and then."""
    _checking["challenges"] += 1
    _checking["seconds"] += seconds
    if _checking["seconds"] - _checking["said"] >= PROGRESS_SECONDS:
        _checking["said"] = _checking["seconds"]
        print(f"checking plugin challenges: {_checking['challenges']:,} checked in "
              f"{_checking['seconds']:.0f} s (each pass is remembered: later commands skip it)",
              file=sys.stderr, flush=True)  # fmt: skip


def fingerprint(challenge: Challenge) -> str | None:
    """What a registration verdict depends on, hashed: the challenge's fields and its language's
    state (pickled), the source of every module its language's classes come from (all of a
    package's files), and this package's (the checks and the sampling code). None when any of it
    cannot be read (nothing is remembered then).

    A change elsewhere -- a helper module outside the language's package that its sampler calls
    -- is not seen: raise the challenge's ``version``, or delete the cache's ``conformance`` folder.

    >>> from challenges.families import divisibility
    >>> same, other = fingerprint(divisibility(13, 7)), fingerprint(divisibility(13, 6))
    >>> same == fingerprint(divisibility(13, 7)) != other
    True
    """
    try:
        state = pickle.dumps(challenge, protocol=4)
    except Exception:  # noqa: BLE001 - foreign objects: anything may fail to pickle
        return None
    digest = hashlib.sha256(state)
    for root in dict.fromkeys([Path(__file__).parent, *map(_code_root, type(challenge.language).__mro__)]):
        if root is None:
            return None
        if root.name:  # builtins and abc have no source, and need none
            digest.update(_source_digest(root).encode())
    return digest.hexdigest()


def _code_root(cls: type) -> Path | None:
    """The file of ``cls``'s module, or its top-level package's folder; Path() for built-in classes."""
    if cls.__module__ in ("builtins", "abc"):
        return Path()
    top = sys.modules.get(cls.__module__.partition(".")[0])
    where = getattr(top, "__file__", None)
    if where is None:
        return None
    return Path(where).parent if hasattr(top, "__path__") else Path(where)


@lru_cache(maxsize=None)
def _source_digest(root: Path) -> str:
    """sha256 over the Python files of ``root`` (a file, or a package folder), read once a process."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
        digest.update(str(path.relative_to(root.parent)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _seal(key: str) -> str:
    """What a pass marker holds: an HMAC of its fingerprint, keyed with the cache's secret
    (:func:`challenges.cache.secret`), so that touching a file in the cache forges no pass."""
    return hmac.new(secret(), f"conformance passed {key}".encode(), hashlib.sha256).hexdigest()


def _sealed(path: Path) -> bool:
    """Whether ``path`` is a pass marker this machine's secret sealed (anything else: check again)."""
    try:
        with open(path, "rb") as handle:
            held = handle.read(65).decode("ascii")  # a seal is 64 hex digits; read no more
    except (OSError, UnicodeDecodeError):  # none, or an unreadable cache folder: check again
        return False
    return hmac.compare_digest(held, _seal(path.stem))


def _verdict_path(challenge: Challenge) -> Path | None:
    """Where a pass of ``challenge`` is remembered (None: caching is off, or no fingerprint)."""
    directory = cache_dir()
    key = None if directory is None else fingerprint(challenge)
    return None if key is None else directory / "conformance" / f"{key}.passed"


def _shown(text: str, keep: int = 24) -> str:
    """``text`` quoted, its middle left out when long, so that a problem stays one readable line.

    >>> _shown("12"), _shown("7" * 1000)
    ("'12'", "'777777777777...777777777777' (1000 symbols)")
    """
    if len(text) <= keep + 8:
        return repr(text)
    return f"{text[: keep // 2]!r}"[:-1] + "..." + f"{text[-(keep // 2):]!r}"[1:] + f" ({len(text)} symbols)"


def _quote(items: Iterable[str]) -> str:
    """The first few ``items``, joined; '...' when there are more."""
    items = list(dict.fromkeys(items))
    return ", ".join(items[:_SHOWN]) + (", ..." if len(items) > _SHOWN else "")

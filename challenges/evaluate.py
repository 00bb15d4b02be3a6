"""Score any model per length: the training range and the extrapolation lengths.

Test sets are drawn with a fixed evaluation seed, independent of the training seed, so every model
and every seed is scored on the same strings; they are cached on disk (see :mod:`challenges.cache`)
because 1000-digit primes take a while to find.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

import numpy as np

from .cache import cached_sample
from .core import Challenge, Examples
from .deadline import deadline
from .errors import ChallengeError
from .splits import classes_available

EVAL_SEED = 0
# Drawing one test set may take this long (the full profile's 200 uniform 1000-digit primes, at
# about a second each, take minutes); a sampler that never returns fails its cells instead.
TEST_SET_SECONDS = 1800.0
_SHOWN = 3  # offending answers quoted


class InvalidPredictions(ChallengeError):
    """A model's ``predict`` returned something that is not one yes/no answer per string."""


class TestSetTimeout(ChallengeError):
    """A test set that could not be drawn within :data:`TEST_SET_SECONDS`."""

    __test__ = False  # not a pytest test class, despite its name


# Test sets that ran out of time in this process (and in the workers forked after it): their
# cells fail at once with the same reason, instead of waiting out the limit again, cell by cell.
_TIMED_OUT: dict[tuple, str] = {}


@dataclass(frozen=True)
class Metric:
    """Accuracy of one model on one (split, length); the unit of every result record."""

    split: str
    length: int
    accuracy: float
    n: int

    def to_dict(self) -> dict:
        return asdict(self)


def scored_lengths(challenge: Challenge, lengths: Iterable[int] | None = None) -> tuple[int, ...]:
    """The lengths to score: the given ones, or the whole test split (training range + beyond)."""
    chosen = tuple(sorted(set(lengths))) if lengths is not None else challenge.lengths("test")
    return tuple(L for L in chosen if all(classes_available(challenge, "test", L)))


def evaluation_set(challenge: Challenge, length: int, n: int, seed: int = EVAL_SEED) -> Examples:
    """The (cached) balanced test examples of one length, drawn within :data:`TEST_SET_SECONDS`.

    A draw that does not finish in time raises :class:`TestSetTimeout` (and so does every later
    request for the same test set in this process, at once).
    """
    key = (challenge.id, challenge.version, length, n, seed)
    if key in _TIMED_OUT:
        raise TestSetTimeout(_TIMED_OUT[key])
    limit = TEST_SET_SECONDS
    reason = (f"drawing the test set of {challenge.id} at length {length} ({n} strings) did not "
              f"finish within {limit:g} s (a sampler that never returns?)")  # fmt: skip
    try:
        with deadline(limit, lambda: TestSetTimeout(reason)):
            return cached_sample(challenge, "test", n=n, seed=seed, length=length)
    except TestSetTimeout:
        remember_timeout(challenge, length, n, reason, seed)
        raise


def remember_timeout(challenge: Challenge, length: int, n: int, reason: str, seed: int = EVAL_SEED) -> None:
    """Every later request for this test set, in this process, fails at once with ``reason``."""
    _TIMED_OUT[(challenge.id, challenge.version, length, n, seed)] = reason


def checked_predictions(guesses: object, count: int) -> np.ndarray:
    """``guesses`` as a boolean array of ``count`` answers, or :class:`InvalidPredictions` saying why.

    An answer is a bool, or an integer 0 or 1. Anything else would be scored as something it is
    not -- NumPy reads NaN, 0.2 and the string "no" as True, and broadcasts a column of shape
    (n, 1) against the labels into an n x n comparison that scores about 0.5 -- so it fails the cell.

    >>> checked_predictions(np.array([1, 0]), 2).tolist()
    [True, False]
    >>> try:
    ...     checked_predictions([0.2, 1.0], 2)
    ... except InvalidPredictions as error:
    ...     print(error)
    predict must return booleans (or integers 0 and 1), got float64 values: 0.2, 1.0
    """
    try:
        array = np.asarray(guesses)
    except (ValueError, TypeError) as error:  # ragged lists, objects numpy cannot hold
        raise InvalidPredictions(f"predict must return an array of answers: {error}") from None
    if array.shape != (count,):
        raise InvalidPredictions(
            f"predict must return one answer per string, shape ({count},), got "
            f"{type(guesses).__name__} of shape {array.shape}"
        )
    if array.dtype == bool:
        return array
    if np.issubdtype(array.dtype, np.integer):
        stray = array[(array != 0) & (array != 1)]
        if stray.size == 0:
            return array.astype(bool)
        shown = stray
    else:
        shown = array
    values = ", ".join(list(dict.fromkeys(map(repr, shown.ravel()[:1000].tolist())))[:_SHOWN])
    raise InvalidPredictions(
        f"predict must return booleans (or integers 0 and 1), got {array.dtype} values: {values}"
    )


def score(
    predict: Callable[[np.ndarray], np.ndarray],
    challenge: Challenge,
    lengths: Iterable[int] | None = None,
    n: int | Callable[[int], int] = 1000,
    seed: int = EVAL_SEED,
    on_length: Callable[[int], None] | None = None,
) -> list[Metric]:
    """Accuracy of ``predict`` on the test split at every length.

    ``n`` may be a function of the length, so that long, expensive lengths can use fewer strings.
    """
    metrics = []
    for length in scored_lengths(challenge, lengths):
        count = n(length) if callable(n) else n
        examples = evaluation_set(challenge, length, count, seed)
        guesses = checked_predictions(predict(examples.texts), len(examples))
        accuracy = float((guesses == examples.labels).mean())
        metrics.append(Metric("test", length, accuracy, len(examples)))
        if on_length is not None:
            on_length(length)
    return metrics

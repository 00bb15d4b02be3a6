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
from .splits import classes_available

EVAL_SEED = 0


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
    """The (cached) balanced test examples of one length."""
    return cached_sample(challenge, "test", n=n, seed=seed, length=length)


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
        guesses = np.asarray(predict(examples.texts), dtype=bool)
        accuracy = float((guesses == examples.labels).mean())
        metrics.append(Metric("test", length, accuracy, len(examples)))
        if on_length is not None:
            on_length(length)
    return metrics

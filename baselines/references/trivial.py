"""Trivial baselines: what a model gets from the class balance, the last digits, or the length.

Each learns one lookup table from the training split -- key -> the majority label of the training
strings with that key -- and answers the overall majority for keys it never saw. Ties go to
"non-member" (the balanced training sets make the overall vote a tie or one vote short of it).

``majority``     one key for every string: the majority class.
``last-digits``  the last ``k`` characters (k=2 by default): the result's last digits, for
                 equations; enough for "even in base 10", not for "multiple of 3".
``length-only``  the number of characters of the string.

>>> from challenges import get_challenge
>>> c = get_challenge("prime-base10")
>>> model = LastDigits(k=1)
>>> _ = model.fit(c, c.sample("train", n=2000, seed=0), c.sample("val", n=10), seed=0)
>>> model.predict(np.array(["1234", "1237"])).tolist()  # primes > 5 end in 1, 3, 7 or 9
[False, True]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from baselines.base import FitReport, Model, learner_view_of, register_model
from baselines.configured import ConfiguredModel
from challenges.core import Examples, LearnerView
from challenges.errors import InvalidArgument


@dataclass(frozen=True)
class MajorityTable:
    """Key -> majority label, learned from labelled keys; unseen keys get ``fallback``.

    >>> table = MajorityTable.learn(np.array([3, 3, 3, 5]), np.array([True, True, False, False]))
    >>> table.lookup(np.array([3, 5, 7])).tolist()
    [True, False, False]
    """

    keys: np.ndarray  # sorted, unique
    labels: np.ndarray  # bool, one per key
    fallback: bool

    @classmethod
    def learn(cls, keys: np.ndarray, labels: np.ndarray) -> "MajorityTable":
        labels = np.asarray(labels, dtype=bool)
        unique, inverse = np.unique(keys, return_inverse=True)
        members = np.bincount(inverse, weights=labels, minlength=unique.size)
        totals = np.bincount(inverse, minlength=unique.size)
        return cls(unique, 2 * members > totals, bool(2 * labels.sum() > labels.size))

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        keys = np.asarray(keys)
        if self.keys.size == 0:
            return np.full(keys.shape, self.fallback)
        where = np.searchsorted(self.keys, keys).clip(max=self.keys.size - 1)
        found = self.keys[where] == keys
        return np.where(found, self.labels[where], self.fallback)


class _TableModel(Model):
    """A model that answers the majority label of a key computed from each string."""

    trainable = True
    answers_with = "rule"

    def keys(self, texts: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def fit(self, task: LearnerView, train: Examples, val: Examples, seed: int) -> FitReport:
        super().fit(learner_view_of(task), train, val, seed)
        self.table = MajorityTable.learn(self.keys(train.texts), train.labels)
        return FitReport(extra={"table_size": int(self.table.keys.size)})

    def predict(self, texts: np.ndarray) -> np.ndarray:
        return self.table.lookup(self.keys(np.asarray(texts, dtype=np.str_)))

    def parameter_count(self) -> int:
        return int(self.table.keys.size) + 1


@register_model
class Majority(_TableModel):
    """The majority class of the training split, whatever the string."""

    id = "majority"
    description = "majority class of the training split (ties: non-member)"

    def keys(self, texts: np.ndarray) -> np.ndarray:
        return np.zeros(len(texts), dtype=np.int8)


@dataclass(frozen=True)
class LastDigitsConfig:
    k: int = 2  # how many trailing characters form the key

    def __post_init__(self) -> None:
        if not isinstance(self.k, int) or not 1 <= self.k <= 8:
            raise InvalidArgument(f"k must be a whole number from 1 to 8, got {self.k!r}")


@register_model
class LastDigits(_TableModel, ConfiguredModel):
    """The majority label of the training strings that end in the same ``k`` characters."""

    id = "last-digits"
    description = "lookup table on the last k characters (k=2), learned from train"
    Config = LastDigitsConfig

    def keys(self, texts: np.ndarray) -> np.ndarray:
        return np.strings.slice(texts, -self.config.k, None)


@register_model
class LengthOnly(_TableModel):
    """The majority label of the training strings with the same number of characters."""

    id = "length-only"
    description = "majority label per string length, learned from train"

    def keys(self, texts: np.ndarray) -> np.ndarray:
        return np.strings.str_len(texts)

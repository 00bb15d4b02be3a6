"""The Challenge contract: what is asked (an exact oracle) and how data is drawn (a sampler).

A :class:`Challenge` is a frozen record of facts (id, version, base, alphabet, whether the language
is regular and how many states its minimal automaton has, the training and extrapolation lengths)
around a :class:`Language`, which supplies the two behaviours that tests check against each other:

* the **oracle** -- ``parse`` a string (rejecting malformed ones with what is wrong and where),
  decide membership with exact integer arithmetic, and say why in words;
* the **sampler** -- draw members and non-members of a given length.

Everything else (splits, balance, seeding) is generic and lives in :mod:`challenges.splits`;
labelled strings are :class:`~challenges.examples.Examples` (named here too, where callers look).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import InvalidInput
from .examples import SPLITS, Examples, Split
from .splits import sample


@dataclass(frozen=True)
class Verdict:
    """The oracle's answer for one string: membership and the reason in words."""

    text: str
    member: bool
    reason: str
    length: int


class Language(ABC):
    """The exact oracle and the raw sampler of one family member (e.g. multiples of 7 in base 10).

    Subclasses live in :mod:`challenges.families`. ``alphabet`` is every symbol a string may use.
    """

    base: int
    alphabet: str

    # --- oracle -------------------------------------------------------------------------------
    @abstractmethod
    def parse(self, text: str) -> Any:
        """Validate ``text`` and return its parsed form; raise :class:`InvalidInput` if malformed."""

    @abstractmethod
    def length_of(self, parsed: Any) -> int:
        """The length of a parsed string (digit count, or digit count of the longer operand)."""

    @abstractmethod
    def is_member(self, parsed: Any) -> bool:
        """Exact membership of a parsed string."""

    @abstractmethod
    def explain(self, parsed: Any) -> str:
        """One sentence saying why the string is or is not a member."""

    def label_many(self, texts: np.ndarray) -> np.ndarray:
        """Membership of many strings (override with a vectorised version where it pays)."""
        return np.fromiter(
            (self.is_member(self.parse(str(t))) for t in texts), dtype=bool, count=len(texts)
        )

    # --- sampler ------------------------------------------------------------------------------
    @abstractmethod
    def draw(self, length: int, n: int, member: bool, rng: np.random.Generator) -> np.ndarray:
        """``n`` strings of ``length`` that are members (or non-members), from any split."""

    def split_keys(self, texts: np.ndarray) -> np.ndarray:
        """The part of each string that decides its split (the whole string by default)."""
        return texts

    def enumerate(self, length: int) -> tuple[np.ndarray, np.ndarray] | None:
        """All strings of ``length`` with labels, when there are few enough to list; else None."""
        return None

    def enumerate_keys(self, length: int) -> np.ndarray | None:
        """All split keys of ``length`` when there are few (used to find empty splits)."""
        listed = self.enumerate(length)
        return None if listed is None else self.split_keys(listed[0])


@dataclass(frozen=True)
class LearnerView:
    """What a learner may know of a challenge: its symbols and the lengths it trains on.

    The information wall of the benchmark. A learned model's ``fit`` receives this, never the
    :class:`Challenge`: no id (``div29`` names the answer), no oracle, no minimal state count,
    no ``regular`` flag, no extrapolation lengths. Only references built from the rule (models
    with ``knows_rule``) see the challenge itself.

    >>> from challenges import get_challenge
    >>> get_challenge("div7-base10").learner_view()
    LearnerView(alphabet='0123456789', base=10, train_lengths=(1, 6))
    """

    alphabet: str
    base: int
    train_lengths: tuple[int, int]


@dataclass(frozen=True)
class Challenge:
    """One benchmark task. Ids and versions are public interface: results are keyed by both.

    >>> from challenges import get_challenge
    >>> c = get_challenge("div3-base10")
    >>> c.check("2225").reason
    '2225 is not a multiple of 3: 2225 = 3 x 741 + 2'
    >>> c.train_lengths, c.extrapolation_lengths
    ((1, 6), (12, 30, 60, 100, 1000))
    """

    id: str
    description: str
    language: Language = field(repr=False, compare=False)
    family: str
    train_lengths: tuple[int, int]
    extrapolation_lengths: tuple[int, ...]
    regular: bool
    min_states: int | None = None
    version: int = 1
    parameters: tuple[tuple[str, Any], ...] = ()
    # Strings beyond 100 digits are slow to draw (primes): profiles test fewer of them there.
    costly_long_samples: bool = False
    # The test lengths at which the non-members are built so that no shortcut -- no rule that
    # does not compute the answer (benchmarks/shortcut_battery.py) -- is right on more than 75%
    # of the strings; () where none is claimed; None where the question does not arise (a regular
    # language: a finite automaton is a solution, not a shortcut). Tables mark the other lengths.
    shortcut_free_lengths: tuple[int, ...] | None = None
    # The training lengths the test split scores; None: all. Hard primes leave out the lengths
    # whose test split holds too few distinct strings (13 bits: 8 semiprimes) to measure anything.
    tested_train_lengths: tuple[int, ...] | None = None

    @property
    def base(self) -> int:
        return self.language.base

    @property
    def alphabet(self) -> str:
        return self.language.alphabet

    @property
    def max_train_length(self) -> int:
        return self.train_lengths[1]

    def learner_view(self, train_lengths: tuple[int, int] | None = None) -> LearnerView:
        """What a learner may know: alphabet, base, and the lengths it trains on."""
        low, high = train_lengths or self.train_lengths
        return LearnerView(self.alphabet, self.base, (int(low), int(high)))

    def lengths(self, split: Split) -> tuple[int, ...]:
        """Lengths a split covers: train and val the training range; test also extrapolates (and
        scores the training lengths in ``tested_train_lengths``, where it names them)."""
        in_range = tuple(range(self.train_lengths[0], self.train_lengths[1] + 1))
        if split != "test":
            return in_range
        tested = in_range if self.tested_train_lengths is None else self.tested_train_lengths
        return tested + self.extrapolation_lengths

    def check(self, text: str) -> Verdict:
        """The oracle's verdict on ``text``; raises :class:`InvalidInput` if it is malformed."""
        if not isinstance(text, str):
            raise InvalidInput(f"expected a string, got {type(text).__name__}")
        parsed = self.language.parse(text)
        return Verdict(
            text=text,
            member=self.language.is_member(parsed),
            reason=self.language.explain(parsed),
            length=self.language.length_of(parsed),
        )

    def is_member(self, text: str) -> bool:
        """Exact membership of one string."""
        return self.language.is_member(self.language.parse(text))

    def label(self, texts: np.ndarray | list[str]) -> np.ndarray:
        """Exact membership of many strings (raises on the first malformed one)."""
        return self.language.label_many(np.asarray(texts, dtype=np.str_))

    def sample(
        self,
        split: Split,
        n: int,
        seed: int = 0,
        length: int | None = None,
        length_range: tuple[int, int] | None = None,
        on_rows: Callable[[int], None] | None = None,
    ) -> Examples:
        """Balanced, seeded examples of one split; see :func:`challenges.splits.sample`."""
        return sample(self, split, n=n, seed=seed, length=length, length_range=length_range,
                      on_rows=on_rows)  # fmt: skip


# SPLITS, Split and Examples live in challenges.examples; named here, where callers look for them.
__all__ = ["SPLITS", "Challenge", "Examples", "Language", "LearnerView", "Split", "Verdict"]

"""How the soft automaton chooses among the ways it can answer: the smaller, unless the larger is
significantly better.

Every candidate -- a soft network, a hardened DFA, the DFA an observation table reads off -- is
scored on the same validation strings. Choosing the most accurate one lets a larger automaton win
by a single string, and with noisy labels that string is as likely a flipped label fitted as a
true one learned: on multiples of 7 with 10% of the labels flipped, a 16-state DFA right on 451
of 500 validation strings beat the 7 residues' 450 (development seed 0) and was wrong at 1000
digits. So a larger candidate must beat a smaller one by a **sign test** (McNemar's) on the
strings where the two disagree: with ``g`` strings only the larger gets right and ``l`` only the
smaller gets right, it wins if ``g - l > z sqrt(g + l)``; ``z`` is the config's ``significance``.
The test knows nothing of the noise: on clean labels a larger automaton right on 5 more strings
(and wrong on none the smaller gets right) still wins at ``z = 2``. ``z = 0`` is the plain rule:
the more accurate, the smaller on a tie.

Size ranks by state count, and a soft network of K states ranks above a DFA of K states (it is
not a finite automaton at all): the DFA is kept unless the network is significantly better.

>>> right = torch.tensor([True] * 90 + [False] * 10)
>>> one_more = right.clone(); one_more[95] = True
>>> small = Candidate("hard", 0.90, 7, restart=0, right=right)
>>> large = Candidate("hard", 0.91, 16, restart=0, right=one_more)
>>> replaces(large, small, significance=2.0), replaces(large, small, significance=0.0)
(False, True)
>>> replaces(small, large, significance=2.0)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Protocol

import torch


class Scored(Protocol):
    """What the rule reads of a candidate: its validation accuracy, size and per-string verdicts."""

    accuracy: float
    size: float
    right: torch.Tensor | None


@dataclass(frozen=True)
class Hardened:
    """One restart's DFA -- hardened, or read off by the table -- with its validation accuracy,
    minimal size and which validation strings it gets right (None: a start given by hand)."""

    restart: int
    table: torch.Tensor  # [n, symbols] int64: n = K when hardened, n <= K when read off
    accepting: torch.Tensor  # [n] bool
    accuracy: float
    minimal_states: int
    right: torch.Tensor | None = None  # [validation strings] bool

    @property
    def size(self) -> float:
        return self.minimal_states


@dataclass(frozen=True)
class Candidate:
    """One way a trained soft automaton can answer, scored on validation.

    ``size`` is the minimal DFA's state count, or K plus one half for the soft automaton (a
    network of K states ranks above a DFA of as many); ``hard`` holds the DFA for the hard modes,
    ``read`` the table's DFA whatever the mode (to retrain from).
    """

    mode: Literal["soft", "hard", "table"]
    accuracy: float
    size: float
    restart: int
    hard: Hardened | None = None
    read: Hardened | None = None
    right: torch.Tensor | None = None  # [validation strings] bool


def significantly_better(better: torch.Tensor, worse: torch.Tensor, significance: float) -> bool:
    """Whether verdicts ``better`` beat ``worse`` beyond chance: a one-sided sign test on the
    strings where they differ, ``gains - losses > significance x sqrt(gains + losses)``.

    >>> a, b = torch.tensor([True, True, True, False]), torch.tensor([False, False, True, True])
    >>> significantly_better(a, b, 0.0), significantly_better(a, b, 1.0)
    (True, False)
    """
    gains = int((better & ~worse).sum())
    losses = int((worse & ~better).sum())
    return gains - losses > significance * math.sqrt(gains + losses)


def replaces(challenger: Scored, incumbent: Scored, significance: float) -> bool:
    """Whether ``challenger`` should be kept instead of ``incumbent`` (see the module's docstring).

    The same size: the more accurate (the incumbent on a tie). Smaller: unless the incumbent is
    significantly better. Larger: only if significantly better.
    """
    if challenger.size == incumbent.size:
        return challenger.accuracy > incumbent.accuracy
    if challenger.right is None or incumbent.right is None:
        raise ValueError("both candidates need their validation verdicts to be compared")
    if challenger.size > incumbent.size:
        return significantly_better(challenger.right, incumbent.right, significance)
    return not significantly_better(incumbent.right, challenger.right, significance)


def better_read(current: Hardened | None, new: Hardened | None, significance: float) -> Hardened | None:
    """The table DFA to retrain from next: ``new`` if it :func:`replaces` ``current``."""
    if new is None or current is not None and not replaces(new, current, significance):
        return current
    return new

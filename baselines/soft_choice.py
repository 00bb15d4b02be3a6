"""How the soft automaton chooses among the ways it can answer (soft, hardened, read off).

>>> first = Hardened(0, torch.zeros(1, 2, dtype=torch.int64), torch.ones(1, dtype=torch.bool), 0.9, 1)
>>> _better_read(None, first) is first
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch  # noqa: F401  # the doctest builds tables

from .soft_network import Hardened


@dataclass(frozen=True)
class Candidate:
    """One way a trained soft automaton can answer, scored on validation.

    ``size`` is the minimal DFA's state count (K for the soft automaton); ``hard`` holds the DFA
    for the hard modes, ``read`` the table's DFA whatever the mode (to retrain from).
    """

    mode: Literal["soft", "hard", "table"]
    accuracy: float
    size: int
    restart: int
    hard: "Hardened | None" = None
    read: "Hardened | None" = None


def _better_read(current: Hardened | None, new: Hardened | None) -> Hardened | None:
    """The more accurate table DFA on validation (then the smaller): the next retraining's start."""
    if new is None or current is not None and (current.accuracy, -current.minimal_states) >= (
        new.accuracy, -new.minimal_states
    ):
        return current
    return new

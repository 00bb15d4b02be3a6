"""Settings of the soft automaton, and the ladder of state counts it tries.

>>> SoftAutomatonConfig().sizes()
[8, 16, 32, 64]
>>> SoftAutomatonConfig(states=0)
Traceback (most recent call last):
...
challenges.errors.InvalidArgument: states must be at least 1, got 0
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from baselines.training.memory import check_fits, training_bytes
from baselines.training.train import TrainConfig
from challenges.errors import InvalidArgument

# Default restarts: up to 8 (div7 and div9 were exact on 3 seeds of 3 with 8, on 1 of 3 with 3),
# as long as they cost no more per step than one automaton of 90 states (div29 at 3x has 87).
_MAX_RESTARTS, _RESTART_BUDGET = 8, 90


@dataclass
class SoftAutomatonConfig(TrainConfig):
    """Settings of the soft automaton (and of the loop, see :class:`TrainConfig`).

    The state count K is chosen from data: the first automata have ``start_states`` states, and
    while none is perfect on validation K doubles, up to ``max_states`` (``states`` fixes K
    instead). Every size but the largest trains for at most ``rung_steps`` steps (and stops
    earlier by ``patience``). ``restarts`` left None is as many automata (at most 8) as cost no
    more per step than one of 90 states: a step costs restarts x K^2, and small automata are
    cheap to train several times over.

    ``read_table`` adds the DFA an observation table reads off the hardened automaton as a
    candidate; ``retrain`` then, while nothing is perfect on validation, trains a fresh automaton
    ``retrain_factor`` times the best table DFA's size, started ``retrain_sharpness`` logits from
    it, on the budget the sizes (``first_share`` of the largest one's) left, for at most
    ``max_rounds`` rounds. ``merge`` finally merges the kept DFA's states that no training string
    tells apart (:func:`~baselines.automata.dfa_tables.merge_states`). Batches of 64 were measured best per
    step on div29-base10 (CHANGELOG.md).

    ``significance`` is how many standard deviations of a sign test on the validation strings a
    larger candidate must beat a smaller one by to be kept instead (:mod:`.soft_choice`); 0 keeps
    the more accurate, the smaller on a tie.
    """

    lr: float = 0.1
    batch_size: int = 64
    patience: int = 5
    target_accuracy: float | None = None
    states: int | None = None
    start_states: int = 8
    max_states: int = 64
    rung_steps: int = 500
    restarts: int | None = None
    init: Literal["random", "permutation"] = "random"
    temperature_start: float = 1.0
    temperature_end: float = 1.0
    entropy: float = 0.0
    harden: bool = True
    read_table: bool = True
    retrain: bool = True
    first_share: float = 0.7
    retrain_sharpness: float = 5.0
    retrain_factor: float = 1.5
    max_rounds: int = 4
    merge: bool = True
    significance: float = 2.0

    def __post_init__(self) -> None:
        super().__post_init__()
        # `is not None`, not `or`: states=0 and restarts=0 are mistakes, not "choose for me"
        # (they passed as such and divided by zero in the middle of a run).
        counts = {"states": self.states, "start_states": self.start_states, "max_states": self.max_states,
                  "rung_steps": self.rung_steps, "restarts": self.restarts}  # fmt: skip
        for name, count in counts.items():
            if count is not None and count < 1:
                raise InvalidArgument(f"{name} must be at least 1, got {count}")
        if self.start_states > self.max_states:
            raise InvalidArgument(
                f"start_states ({self.start_states}) exceeds max_states ({self.max_states})"
            )
        if self.init not in ("random", "permutation"):
            raise InvalidArgument(f"unknown init '{self.init}': choose 'random' or 'permutation'")
        if self.retrain_factor < 1:
            raise InvalidArgument(f"retrain_factor must be at least 1, got {self.retrain_factor}")
        if not 0 < self.first_share <= 1:
            raise InvalidArgument(f"first_share must be in (0, 1], got {self.first_share}")
        if not self.significance >= 0:  # `not >=`: NaN is refused too
            raise InvalidArgument(f"significance must be at least 0, got {self.significance}")
        if not (self.temperature_start > 0 and self.temperature_end > 0):
            raise InvalidArgument("temperatures must be positive")
        self.check_memory(symbols=2, longest=1)  # the least any challenge asks; build() checks the data's

    def check_memory(self, symbols: int, longest: int) -> None:
        """Refuse in one line automata that cannot train in this machine's (or device's) memory.

        Counted: the largest size's restarts (or a retrained one, up to ``retrain_factor`` times
        as large), and the state of every restart after every symbol of one batch's strings.
        """
        largest = self.sizes()[-1]
        if self.read_table and self.retrain:
            largest = max(largest, math.ceil(self.retrain_factor * largest))
        restarts = self.restarts_for(largest)
        parameters = restarts * largest * (symbols * largest + 1)
        activations = restarts * self.batch_size * longest * (symbols + 1) * largest
        side_by_side = f" ({restarts} side by side)" if restarts > 1 else ""
        what = f"a soft automaton of {largest:,} states{side_by_side}"
        check_fits(training_bytes(parameters, activations), what, self.device)

    def sizes(self) -> list[int]:
        """The state counts tried, smallest first, while none is perfect on validation.

        >>> SoftAutomatonConfig().sizes(), SoftAutomatonConfig(states=5).sizes()
        ([8, 16, 32, 64], [5])
        """
        return doubling_ladder(self.states, self.start_states, self.max_states)

    def restarts_for(self, states: int) -> int:
        """How many automata of ``states`` states train side by side.

        >>> [SoftAutomatonConfig().restarts_for(k) for k in (6, 18, 45, 58, 64)]
        [8, 8, 4, 1, 1]
        """
        if self.restarts is not None:
            return self.restarts
        return max(1, min(_MAX_RESTARTS, (_RESTART_BUDGET // states) ** 2))


def doubling_ladder(fixed: int | None, start: int, stop: int) -> list[int]:
    """``[fixed]``, or ``start`` doubled while it stays within ``stop``: the sizes a learner tries.

    >>> doubling_ladder(None, 4, 40), doubling_ladder(5, 4, 40)
    ([4, 8, 16, 32], [5])
    """
    if fixed is not None:
        return [fixed]
    sizes = [start]
    while sizes[-1] * 2 <= stop:
        sizes.append(sizes[-1] * 2)
    return sizes


"""Settings of the linear RNN (:mod:`baselines.automaton_learners.linear_rnn`): the width ladder,
the rate, batch and patience at each width, and the read-off's switches.

>>> LinearRNNConfig().widths(), [LinearRNNConfig().batch_at(w) for w in (32, 128)]
([32, 64, 128, 256], [256, 1024])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from baselines.training.memory import check_fits, training_bytes
from baselines.training.train import TrainConfig
from challenges.errors import InvalidArgument

LR_WIDTH = 32  # the width the learning rate is given for (where it was measured): see lr_at


@dataclass
class LinearRNNConfig(TrainConfig):
    """Settings of the linear RNN (and of the loop, see :class:`TrainConfig`).

    The width is the state's size: the largest Hankel rank it can represent. Left None, it is
    chosen from the data (:meth:`widths`): ``start_width`` first, doubled while no DFA read off
    agrees with every labelled string; a width that may still double gives up after
    ``grow_patience`` evaluations without gain. ``width`` fixes it instead. Matrices start at
    the identity plus Gaussian noise of standard deviation ``init_noise / sqrt(width)``, so that
    early products neither vanish nor explode. ``table_states`` bounds the DFA read off (and
    sizes the checkpoint's table), ``table_prefixes`` the table's rows (its prefixes, shortest
    first: every one-symbol extension of the prefixes that may open a state is a row, up to 16
    symbols and prefixes of 3); ``merge`` merges the DFA's states that no training string
    tells apart (:func:`~baselines.automata.dfa_tables.merge_states`); ``tolerant`` groups the table's
    rows by Hamming distance, judged on the training strings, instead of by equality (a
    network wrong on 1-2% of strings: :func:`~baselines.automata.observation_table.tolerant_states`);
    ``descend`` then points each transition where the labelled strings want it
    (:func:`~baselines.automata.transition_descent.descend_transitions`). The batch grows with
    the width up to ``max_batch_size`` (:meth:`batch_at`). **The budget grows with the ladder**:
    each width has its own allowance of steps and safety-cap seconds, ``max_steps`` and
    ``max_seconds`` at ``start_width`` and in proportion to the width above it (:meth:`steps_at`),
    since a width is tried only once every narrower one failed to fit the labelled strings; with
    ``fresh_widths`` each wider network starts afresh, not as the narrower one (a network started
    as a narrower one stays near its solution: multiples of 91 in base 12, development seeds 0-2,
    stalled at 98-99% where a fresh width-128 one was exact).
    Measured choices: CHANGELOG.md and docs/noise-and-size.md.
    """

    lr: float = 0.02  # Adam's rate for a network LR_WIDTH wide; see lr_at
    batch_size: int = 256
    patience: int = 10
    max_grad_norm: float | None = 1.0  # clip the gradient's norm (products of matrices can explode)
    width: int | None = None
    start_width: int = 32
    grow_patience: int = 3
    init_noise: float = 0.5
    read_table: bool = True
    table_states: int = 256
    table_prefixes: int = 8192
    merge: bool = True
    tolerant: bool = True
    descend: bool = True
    max_batch_size: int = 1024
    fresh_widths: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        width = 1 if self.width is None else self.width  # None: chosen from data; 0 is a mistake
        if min(width, self.start_width, self.grow_patience) < 1 or self.table_states < 2:
            raise InvalidArgument(
                "width, start_width and grow_patience must be at least 1 and table_states at least 2, "
                f"got {self.width}, {self.start_width}, {self.grow_patience}, {self.table_states}"
            )
        if self.init_noise < 0:
            raise InvalidArgument(f"init_noise must be non-negative, got {self.init_noise}")
        if self.table_prefixes < 1:
            raise InvalidArgument(f"table_prefixes must be at least 1, got {self.table_prefixes}")
        self.check_memory(symbols=2, longest=1)  # the least any challenge asks; build() checks the data's

    def check_memory(self, symbols: int, longest: int) -> None:
        """Refuse in one line a network that cannot train in this machine's (or device's) memory.

        Counted: the matrices, start and readout, and one batch's products of every state by
        every symbol's matrix at every step (what :meth:`LinearRNN.states` computes).
        """
        width = self.widths()[-1]
        parameters = symbols * width * width + 2 * width
        activations = self.batch_at(width) * longest * (symbols + 1) * width
        check_fits(training_bytes(parameters, activations), f"a linear RNN of width {width:,}", self.device)

    def lr_at(self, width: int) -> float:
        """The learning rate of a network ``width`` wide: ``lr`` scaled by ``LR_WIDTH / width``.

        Adam moves every entry of a matrix by about the rate a step, so a d x d matrix's norm
        by about rate x d: a wider network needs proportionally smaller steps (as muP prescribes
        for hidden matrices, Yang and Hu 2021). Measured on multiples of 53, seed 0, width 64:
        0.01 exact after 2,200 steps, 0.02 after 2,900 (a plateau of 1,300 steps at chance
        first); width 128 at 0.02 never left chance (CHANGELOG.md).

        >>> LinearRNNConfig().lr_at(32), LinearRNNConfig().lr_at(64), LinearRNNConfig().lr_at(16)
        (0.02, 0.01, 0.04)
        """
        return self.lr * LR_WIDTH / width

    def batch_at(self, width: int) -> int:
        """The batch of a network ``width`` wide: ``batch_size`` times ``width / LR_WIDTH``, at
        least ``batch_size`` and at most ``max_batch_size``. A wider network has more entries
        for the gradient's noise to move: at width 128 on multiples of 97 (development seed 0),
        256 strings a step left validation swinging between 84% and 98% for 2,000 steps, where
        1,024 settled at 98.6% and read off a DFA of 97 states (CHANGELOG.md).

        >>> [LinearRNNConfig().batch_at(w) for w in (16, 32, 64, 128, 256)]
        [256, 256, 512, 1024, 1024]
        """
        scaled = self.batch_size * width // LR_WIDTH
        return max(self.batch_size, min(self.max_batch_size, scaled))

    def steps_at(self, width: int) -> tuple[int, float]:
        """(steps, safety-cap seconds) a network ``width`` wide may train: ``max_steps`` and
        ``max_seconds`` times ``width / start_width`` (at least once each).

        >>> [LinearRNNConfig(max_steps=3000, max_seconds=120).steps_at(w) for w in (32, 128)]
        [(3000, 120.0), (12000, 480.0)]
        """
        scale = max(1.0, width / self.start_width)
        return round(self.max_steps * scale), float(self.max_seconds * scale)

    def at_width(self, width: int) -> "LinearRNNConfig":
        """The training settings of a network ``width`` wide: its rate, batch, patience and budget."""
        steps, seconds = self.steps_at(width)
        return replace(self, lr=self.lr_at(width), max_steps=steps, max_seconds=seconds,
                       patience=self.patience_at(width), batch_size=self.batch_at(width))  # fmt: skip

    def ladder(self) -> "LinearRNNConfig":
        """These settings with the whole ladder's budget (every width's, summed): what progress
        is counted against."""
        budgets = [self.steps_at(width) for width in self.widths()]
        return replace(self, max_steps=sum(steps for steps, _ in budgets),
                       max_seconds=sum(seconds for _, seconds in budgets))  # fmt: skip

    def patience_at(self, width: int) -> int:
        """Evaluations without gain before a network ``width`` wide gives up: ``patience`` for the
        widest (or a fixed width); before widening, ``grow_patience`` at ``start_width`` and in
        proportion to the width above it, since a wider network takes longer to settle (fresh,
        multiples of 29 took 500-900 steps at width 32, multiples of 41 and 53 1,400-2,200 at 64).

        >>> [LinearRNNConfig().patience_at(w) for w in (32, 64, 128, 256)]
        [3, 6, 12, 10]
        """
        if width == self.widths()[-1]:
            return self.patience
        return math.ceil(self.grow_patience * width / self.start_width)

    def widths(self) -> list[int]:
        """The widths tried, narrowest first, while none reads a DFA right on every labelled string.

        The ladder ends where a wider network could not be read: a linear RNN of width d can
        behave like a DFA of d states, and no table reads more than ``table_states``.

        >>> LinearRNNConfig().widths(), LinearRNNConfig(width=40).widths()
        ([32, 64, 128, 256], [40])
        """
        if self.width is not None:
            return [self.width]
        widths = [self.start_width]
        while widths[-1] < self.table_states:
            widths.append(widths[-1] * 2)
        return widths


def widening_pays(score: float, best: float, strings: int) -> bool:
    """Whether a wider network's read, right on a share ``score`` of the labelled strings, beats
    the narrower one's ``best``: it fits every string, or it is ahead by more than two standard
    errors of ``best`` over the ``strings`` validation strings. A gain inside that is what a
    wider network gets from fitting label noise (multiples of 29 with 10% flipped, development
    seed 0: width 256 at 89.95% over 128 at 89.90%, and its 101-state read was not the language).

    >>> widening_pays(0.976, 0.94, 2000), widening_pays(0.8995, 0.899, 2000), widening_pays(1.0, 0.9995, 2000)
    (True, False, True)
    """
    return score >= 1.0 or _ahead(score, best, strings)


def _ahead(score: float, best: float, strings: int) -> bool:
    """``score`` beats ``best`` by more than two standard errors of ``best`` over ``strings``."""
    return score - best > 2 * math.sqrt(best * (1 - best) / max(1, strings))


def ladder_pays(wider: tuple[float, float], narrower: tuple[float, float], strings: int) -> bool:
    """Whether a widening paid, from each network's (read, own) validation accuracy -- the read
    0.0 where no DFA could be read off it. The reads decide (:func:`widening_pays`); where neither
    network reads a DFA, their own accuracies do, by two standard errors alone (version 7; a
    network right on every validation string is no fit there: no DFA was read off it).
    Version 6 widened on regardless there, so binary sums and products, which read no DFA at any
    width, climbed to width 256 on each width's allowance: up to 45,000 steps and 30 minutes a cell.

    >>> ladder_pays((0.0, 0.61), (0.0, 0.60), 2000), ladder_pays((0.0, 0.70), (0.0, 0.60), 2000)
    (False, True)
    >>> ladder_pays((0.97, 0.96), (0.0, 0.99), 2000), ladder_pays((0.0, 0.99), (0.88, 0.88), 2000)
    (True, False)
    >>> ladder_pays((0.0, 1.0), (0.0, 1.0), 2000)
    False
    """
    (read, own), (best_read, best_own) = wider, narrower
    if read == 0.0 and best_read == 0.0:
        return _ahead(own, best_own, strings)
    return widening_pays(read, best_read, strings)

"""The linear RNN: one learned matrix per symbol, fitted by gradient descent, read off as a DFA.

The state is a vector ``h`` of ``width`` numbers, starting at a learned ``start``; each symbol
multiplies it by that symbol's learned matrix, and the answer is ``h . readout`` (above 1/2:
a member). No nonlinearity anywhere: this is a weighted finite automaton (a rational series),
the linear recurrence at the heart of modern state-space models, with the input choosing the
matrix. Its inductive bias is the right one for regular languages: a language is regular exactly
when its indicator's Hankel matrix has finite rank, and a linear RNN of width ``d`` represents
exactly the series of Hankel rank at most ``d`` (Fliess, 1974). Multiples of 29 need rank 29;
width 32 holds them.

Training fits the labels by **least squares** (binary cross-entropy, tried first, pushes the
scores to grow without bound and stalls about 95% on multiples of 29), with Adam, clipped
gradients and the shared loop of :mod:`baselines.train`. A linear recurrence run for 1000 steps
amplifies any error in its matrices, so the kept model is a **DFA read off the network by an
observation table** (:mod:`baselines.observation_table`), asking only about strings of training
length. The table is cheap here: a prefix's state times a suffix's backward vector is the answer,
so a table of 1,024 prefixes by 1,000 suffixes is one matrix product. Every validation check reads
a table and scores its DFA on the validation and the training strings, so training stops as soon
as the DFA agrees with every labelled string (RPNI's criterion); the network's own answers are
kept instead only where no DFA does as well on validation.

>>> net = LinearRNN("ab", width=2)
>>> with torch.no_grad():  # count the a's modulo 2 with a swap matrix; accept an even count
...     _ = net.matrices.copy_(torch.stack([torch.tensor([[0.0, 1.0], [1.0, 0.0]]), torch.eye(2)]))
...     _ = net.start.copy_(torch.tensor([1.0, 0.0])); _ = net.readout.copy_(torch.tensor([1.0, 0.0]))
>>> ids = torch.tensor([[0, 0, 1], [0, 1, 2]])  # "aab" and "ab" (2 is padding)
>>> (net(ids, torch.tensor([3, 2])) > 0).tolist()
[True, False]
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from challenges.core import LearnerView
from challenges.errors import InvalidArgument

from .automata import DFA
from .base import FitReport, register_model
from .hardening import hardened_dfa, merge_states, pad_table, run_table
from .learned import NetworkModel
from .memory import check_fits, training_bytes
from .observation_table import observation_table_automaton
from .train import Classifier, LabelledBatch, TrainConfig, accuracies

_CERTAIN = 30.0  # the logit a DFA answers with (as the hardened soft automaton does)


@dataclass
class LinearRNNConfig(TrainConfig):
    """Settings of the linear RNN (and of the loop, see :class:`TrainConfig`).

    ``width`` is the state's size: the largest Hankel rank it can represent (the same for every
    challenge; nothing is read from the rule). Matrices start at the identity plus Gaussian noise
    of standard deviation ``init_noise / sqrt(width)``, so that early products neither vanish
    nor explode. ``table_states`` bounds the DFA read off (and sizes the checkpoint's table);
    ``merge`` merges the DFA's states that no training string tells apart
    (:func:`~baselines.hardening.merge_states`). Measured choices: docs/learned.md.
    """

    lr: float = 0.02
    batch_size: int = 256
    patience: int = 10
    max_grad_norm: float | None = 1.0  # clip the gradient's norm (products of matrices can explode)
    width: int = 32
    init_noise: float = 0.5
    read_table: bool = True
    table_states: int = 256
    merge: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.width < 1 or self.table_states < 2:
            raise InvalidArgument(
                f"width must be at least 1 and table_states at least 2, got {self.width}, {self.table_states}"
            )
        if self.init_noise < 0:
            raise InvalidArgument(f"init_noise must be non-negative, got {self.init_noise}")
        self.check_memory(symbols=2, longest=1)  # the least any challenge asks; build() checks the data's

    def check_memory(self, symbols: int, longest: int) -> None:
        """Refuse in one line a network that cannot train in this machine's (or device's) memory.

        Counted: the matrices, start and readout, and one batch's products of every state by
        every symbol's matrix at every step (what :meth:`LinearRNN.states` computes).
        """
        width = self.width
        parameters = symbols * width * width + 2 * width
        activations = self.batch_size * longest * (symbols + 1) * width
        check_fits(training_bytes(parameters, activations), f"a linear RNN of width {width:,}", self.device)


class LinearRNN(Classifier):
    """A linear RNN over ``alphabet``: logits are ``start . M[s1] ... M[sn] . readout - 1/2``.

    Once :meth:`set_hard` gives it a DFA, it answers with that instead (integer lookups, exact at
    any length). Padding (id ``len(alphabet)``) multiplies by the identity.
    """

    def __init__(self, alphabet: str, width: int, init_noise: float = 0.5, table_states: int = 256) -> None:
        super().__init__()
        symbols = len(alphabet)
        self.alphabet, self.symbols, self.width, self.init_noise = alphabet, symbols, width, init_noise
        self.matrices = nn.Parameter(torch.zeros(symbols, width, width))
        self.start = nn.Parameter(torch.zeros(width))
        self.readout = nn.Parameter(torch.zeros(width))
        self.register_buffer("hardened", torch.tensor(False))
        self.register_buffer("table", torch.zeros(table_states, symbols, dtype=torch.int64))
        self.register_buffer("accepting", torch.zeros(table_states, dtype=torch.bool))
        self.pieces: LabelledBatch | None = None  # training strings, for tables read while training

    def reset_parameters(self, generator: torch.Generator) -> None:
        scale = self.init_noise / self.width**0.5
        with torch.no_grad():
            self.matrices.copy_(
                torch.eye(self.width) + scale * torch.randn(self.matrices.shape, generator=generator)
            )
            self.start.copy_(torch.randn(self.width, generator=generator) / self.width**0.5)
            self.readout.copy_(torch.randn(self.width, generator=generator) / self.width**0.5)

    # --- answers ----------------------------------------------------------------------------------
    def states(self, ids: torch.Tensor) -> torch.Tensor:
        """The state ``[B, width]`` after each right-padded string of ``ids`` ``[B, T]``.

        One step multiplies the states by every symbol's matrix at once and gathers the one read
        (faster on CPU than gathering a matrix per row).
        """
        identity = torch.eye(self.width, dtype=self.matrices.dtype, device=self.matrices.device)
        every = torch.cat([self.matrices, identity[None]])  # [symbols + 1, d, d]
        flat = every.permute(1, 0, 2).reshape(self.width, -1)  # [d, (symbols + 1) d]
        state = self.start.expand(ids.shape[0], self.width)
        for column in ids.T:
            products = (state @ flat).view(-1, self.symbols + 1, self.width)
            state = products.gather(1, column.view(-1, 1, 1).expand(-1, 1, self.width)).squeeze(1)
        return state

    def backward_vectors(self, ids: torch.Tensor) -> torch.Tensor:
        """``M[s1] ... M[sn] . readout`` ``[B, width]`` for each right-padded string: what a state
        must be multiplied by to give the answer after reading that string."""
        identity = torch.eye(self.width, dtype=self.matrices.dtype, device=self.matrices.device)
        every = torch.cat([self.matrices, identity[None]])
        vector = self.readout.expand(ids.shape[0], self.width)
        for column in ids.T.flip(0):
            vector = torch.bmm(every[column], vector.unsqueeze(2)).squeeze(2)
        return vector

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.hardened:
            return torch.where(run_table(self.table, self.accepting, ids), _CERTAIN, -_CERTAIN)
        return self.states(ids) @ self.readout - 0.5

    def loss(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Least squares on the answer (logit + 1/2) against the 0/1 label."""
        return ((logits + 0.5 - targets) ** 2).mean()

    # --- the DFA it behaves like ----------------------------------------------------------------
    def answers(self, ids: torch.Tensor) -> torch.Tensor:
        """Accepted or not ``[B]`` bool: the network as an oracle for an observation table."""
        with torch.no_grad():
            return self.states(ids) @ self.readout > 0.5

    def rows(self, prefixes: torch.Tensor, suffixes: torch.Tensor) -> torch.Tensor:
        """The whole table at once: prefix states times suffix backward vectors."""
        with torch.no_grad():
            return self.states(prefixes) @ self.backward_vectors(suffixes).T > 0.5

    def read_table(
        self, train_set: LabelledBatch, table_states: int
    ) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The DFA an observation table reads off this network (see :mod:`.observation_table`)."""
        ids = train_set.ids.cpu()
        return observation_table_automaton(
            _TableView(self), ids, self.symbols, ids.shape[1], max_states=table_states
        )

    def validate(self, batch: LabelledBatch) -> tuple[float, float]:
        """(accuracy of the DFA a table reads off, the network's own accuracy) while training
        strings are attached: the DFA is what extrapolates, so it leads, and a network right on
        every validation string goes on training until its DFA is too. The DFA's accuracy is
        the worse of validation and training: like RPNI's, it must agree with every labelled
        string the learner has. Without training strings: (own accuracy, 0)."""
        soft = float(accuracies(self, batch))
        if self.pieces is None:
            return soft, 0.0
        read = self.read_table(self.pieces, len(self.table))
        if read is None:  # more states than a table may have: no DFA yet
            return 0.0, soft
        table, accepting = (part.to(batch.ids.device) for part in read)
        return min(_agreement(table, accepting, batch), _agreement(table, accepting, self.pieces)), soft

    def set_hard(self, table: torch.Tensor, accepting: torch.Tensor) -> None:
        """Answer with the DFA ``table`` ``[n, symbols]`` / ``accepting`` ``[n]`` from now on."""
        table, accepting = pad_table(table.cpu(), accepting.cpu(), len(self.table))
        self.table.copy_(table)
        self.accepting.copy_(accepting)
        self.hardened.fill_(True)


def _agreement(table: torch.Tensor, accepting: torch.Tensor, batch: LabelledBatch) -> float:
    """The share of ``batch``'s strings on which the DFA ``table`` / ``accepting`` is right."""
    return float((run_table(table, accepting, batch.ids) == batch.labels.bool()).float().mean())


class _TableView:
    """A :class:`LinearRNN` seen as a table oracle (its ``__call__`` is the module's forward)."""

    def __init__(self, network: LinearRNN) -> None:
        self.network = network

    def __call__(self, ids: torch.Tensor) -> torch.Tensor:
        return self.network.answers(ids.to(self.network.matrices.device)).cpu()

    def rows(self, prefixes: torch.Tensor, suffixes: torch.Tensor) -> torch.Tensor:
        device = self.network.matrices.device
        return self.network.rows(prefixes.to(device), suffixes.to(device)).cpu()


@register_model
class LinearRNNModel(NetworkModel):
    """A linear RNN fitted by least squares, kept as the DFA a table reads off it."""

    id = "linear-rnn"
    description = "linear RNN (a matrix per symbol, least squares), kept as the DFA a table reads off it"
    Config = LinearRNNConfig

    def build(self, alphabet: str, task: LearnerView | None) -> LinearRNN:
        c = self.config
        if task is not None:
            c.check_memory(len(alphabet), task.train_lengths[1])
        return LinearRNN(alphabet, c.width, c.init_noise, c.table_states)

    def before_training(self, train_set: LabelledBatch) -> None:
        network = self.network
        assert isinstance(network, LinearRNN)
        network.pieces = train_set if self.config.read_table else None

    def after_training(
        self,
        report: FitReport,
        train_set: LabelledBatch,
        val_set: LabelledBatch,
        generator: torch.Generator,
    ) -> FitReport:
        """Keep the table's DFA (merged) if it does at least as well on validation as the network.

        ``best_val_accuracy`` becomes the validation accuracy of what answers from now on (during
        training it was the DFA's score on the worse of validation and training).
        """
        network = self.network
        assert isinstance(network, LinearRNN)
        network.pieces = None
        soft = float(accuracies(network, val_set))
        report.extra.update(mode="soft", soft_val_accuracy=soft)
        report.best_val_accuracy = soft
        read = network.read_table(train_set, self.config.table_states) if self.config.read_table else None
        if read is None:
            return report
        table, accepting = read
        val_cpu = LabelledBatch(val_set.ids.cpu(), val_set.lengths.cpu(), val_set.labels.cpu())
        hard = _agreement(table, accepting, val_cpu)
        report.extra.update(table_states=len(table), table_val_accuracy=hard)
        if hard < soft:
            return report
        # Minimised first (exact, and fast): merging then starts from fewer states (0.8 s -> 0.5 s
        # on div29's 70-state table DFA).
        minimal = DFA(table.numpy(), 0, accepting.numpy(), network.alphabet).minimize()
        table, accepting = torch.tensor(minimal.transitions), torch.tensor(minimal.accepting)
        if self.config.merge:
            merged = merge_states(table, accepting, train_set.ids.cpu(), train_set.labels.cpu())
            merged_accuracy = _agreement(*merged, val_cpu)
            if merged_accuracy >= hard:
                (table, accepting), hard = merged, merged_accuracy
                report.extra.update(merged_states=len(table))
        network.set_hard(table, accepting)
        report.extra["mode"] = "table"
        report.best_val_accuracy = hard
        return report

    def as_dfa(self) -> DFA | None:
        """The DFA read off the network; None where the network answers itself."""
        network = self.network
        if not isinstance(network, LinearRNN):
            raise InvalidArgument("the linear RNN must be fitted (or loaded) first")
        return hardened_dfa(network)

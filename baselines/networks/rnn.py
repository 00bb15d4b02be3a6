"""Elman, GRU and LSTM classifiers: the assignment's networks, read left to right.

Each digit enters as a one-hot vector (the classroom assignment's encoding; padding is the zero
vector), the network runs over the whole padded batch, and the answer is read from the hidden
state at each string's own last symbol. The network is causal, so what follows a string's end --
padding -- cannot change its answer. A linear head turns that state into a membership logit.

>>> import numpy as np
>>> from challenges import get_challenge
>>> model = GRUModel(hidden_size=8, max_steps=30)
>>> c = get_challenge("div3-base10")
>>> report = model.fit(c, c.sample("train", 256), c.sample("val", 64), seed=0)
>>> model.predict(np.array(["12", "13"])).dtype, report.steps <= 30
(dtype('bool'), True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import nn

from baselines.base import register_model
from baselines.training.memory import check_fits, training_bytes
from baselines.training.network_model import NetworkModel
from baselines.training.train import Classifier, TrainConfig
from challenges.core import LearnerView
from challenges.errors import InvalidArgument

Cell = Literal["rnn", "gru", "lstm"]
_CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
_GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # weight blocks per layer (torch's gate_size / hidden_size)


@dataclass
class RNNConfig(TrainConfig):
    """A recurrent classifier: the cell, its size, and the loop's settings (see TrainConfig)."""

    cell: Cell = "gru"
    hidden_size: int = 64
    layers: int = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.cell not in _CELLS:
            raise InvalidArgument(f"unknown cell '{self.cell}': choose one of {', '.join(_CELLS)}")
        if self.hidden_size < 1 or self.layers < 1:
            raise InvalidArgument(
                f"hidden_size and layers must be at least 1, got {self.hidden_size} and {self.layers}"
            )
        # The fewest symbols and the shortest strings any challenge has: a size that cannot fit
        # even then is refused when the option is read; build() checks again with the data's.
        self.check_memory(symbols=2, longest=1)

    def parameters(self, symbols: int) -> int:
        """Learned parameters of this network over ``symbols`` symbols (torch's count).

        >>> GRUConfig(hidden_size=64).parameters(10) == sum(
        ...     p.numel() for p in RecurrentClassifier(10, GRUConfig(hidden_size=64)).parameters())
        True
        """
        gates, hidden = _GATES[self.cell], self.hidden_size
        first = gates * hidden * (symbols + hidden + 2)  # input and hidden weights, two biases
        deeper = gates * hidden * (2 * hidden + 2)
        return first + (self.layers - 1) * deeper + hidden + 1  # and the head

    def check_memory(self, symbols: int, longest: int) -> None:
        """Refuse in one line a network that cannot train in this machine's (or device's) memory.

        Activations counted: each layer's output at every step of one batch, which backward keeps.
        """
        activations = self.batch_size * longest * (symbols + self.layers * self.hidden_size)
        what = f"a {self.cell} network of hidden_size={self.hidden_size:,} and layers={self.layers:,}"
        check_fits(training_bytes(self.parameters(symbols), activations), what, self.device)


@dataclass
class ElmanConfig(RNNConfig):
    """An Elman network needs a smaller learning rate than the gated cells: on div3-base10 it
    reached 0.86 validation accuracy at the GRU's 0.01 and 1.00 at 0.003 (CHANGELOG.md)."""

    cell: Cell = "rnn"
    lr: float = 3e-3


@dataclass
class GRUConfig(RNNConfig):
    cell: Cell = "gru"


@dataclass
class LSTMConfig(RNNConfig):
    cell: Cell = "lstm"


class RecurrentClassifier(Classifier):
    """One-hot symbols -> recurrent layers -> the state at the last true symbol -> a logit."""

    def __init__(self, symbols: int, config: RNNConfig) -> None:
        super().__init__()
        self.symbols = symbols
        self.rnn = _CELLS[config.cell](symbols, config.hidden_size, config.layers, batch_first=True)
        self.head = nn.Linear(config.hidden_size, 1)

    def reset_parameters(self, generator: torch.Generator) -> None:
        # torch's own default for recurrent layers, U(-1/sqrt(h), 1/sqrt(h)), drawn from our generator.
        bound = 1 / math.sqrt(self.rnn.hidden_size)
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.uniform_(-bound, bound, generator=generator)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        # The padding id is `symbols`; one-hot over symbols + 1 and dropping it makes padding zero.
        inputs = F.one_hot(ids, self.symbols + 1)[..., : self.symbols].to(self.head.weight.dtype)
        states, _ = self.rnn(inputs)
        last = (lengths - 1).clamp(min=0)
        final = states[torch.arange(len(ids), device=ids.device), last]
        return self.head(final).squeeze(-1)


class RecurrentModel(NetworkModel):
    """A recurrent network of one cell type: subclasses set ``Config`` (whose ``cell`` default names
    the type), ``id`` and ``description``."""

    Config = RNNConfig

    def __init__(self, config: RNNConfig | None = None, **options: Any) -> None:
        super().__init__(config, **options)
        cell = self.Config.__dataclass_fields__["cell"].default
        if self.config.cell != cell:
            raise InvalidArgument(f"model '{self.id}' is a {cell} network; use model '{self.config.cell}'")

    def build(self, alphabet: str, task: LearnerView | None) -> RecurrentClassifier:
        if task is not None:  # before training: the data's alphabet and longest strings
            self.config.check_memory(len(alphabet), task.train_lengths[1])
        return RecurrentClassifier(len(alphabet), self.config)


@register_model
class ElmanModel(RecurrentModel):
    Config = ElmanConfig
    id = "rnn"
    description = "Elman recurrent network (tanh), one-hot digits, trained with Adam"


@register_model
class GRUModel(RecurrentModel):
    Config = GRUConfig
    id = "gru"
    description = "GRU recurrent network, one-hot digits, trained with Adam"


@register_model
class LSTMModel(RecurrentModel):
    Config = LSTMConfig
    id = "lstm"
    description = "LSTM recurrent network, one-hot digits, trained with Adam"

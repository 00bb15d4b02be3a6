"""Hidden states of the benchmark's recurrent models, one step at a time, for extraction.

Each adapter turns a fitted model into a :class:`baselines.automata.extraction.Recurrence`: the initial
state, one step on a batch of symbols, and the model's own verdict on a state. It reads the
model's public torch module and never changes it; :func:`recurrence_of` picks the adapter.

>>> from challenges import get_challenge
>>> from baselines.references.compiled import CompiledRNN
>>> model = CompiledRNN()
>>> _ = model.fit(get_challenge("div3-base10"), None, None, seed=0)
>>> net = recurrence_of(model)
>>> state = net.step(net.initial(1), np.array([2]))  # read "2": residue 2
>>> state.tolist(), net.accepts(net.step(state, np.array([1]))).tolist()  # "21" = 3 x 7
([[0.0, 0.0, 1.0]], [True])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from baselines.automata.extraction import Recurrence
from baselines.automaton_learners.linear_rnn import LinearRNN, LinearRNNModel
from baselines.automaton_learners.state_regularised_gru import StateRegularisedGRUModel
from baselines.base import Model
from baselines.networks.rnn import RecurrentModel
from baselines.networks.snapped_network import StateRegularisedGRU
from baselines.references.compiled import CompiledRNN
from baselines.training.network_model import one_torch_thread
from challenges.errors import NotApplicable


class CompiledRecurrence:
    """``rnn-compiled``: its network already exposes ``initial``, ``step`` and ``readout``."""

    def __init__(self, model: CompiledRNN) -> None:
        self.network = model.network
        self.alphabet = model.dfa.alphabet

    def initial(self, rows: int) -> np.ndarray:
        return self.network.initial(rows).numpy().copy()

    @torch.no_grad()
    def step(self, hidden: np.ndarray, symbols: np.ndarray) -> np.ndarray:
        state = torch.from_numpy(hidden).to(self.network.h0.dtype)
        return self.network.step(state, torch.from_numpy(np.asarray(symbols, dtype=np.int64))).numpy()

    @torch.no_grad()
    def accepts(self, hidden: np.ndarray) -> np.ndarray:
        return (self.network.readout(torch.from_numpy(hidden).to(self.network.h0.dtype)) > 0.5).numpy()


class TorchRecurrence:
    """``rnn``, ``gru``, ``lstm``: their ``nn.RNN``/``nn.GRU``/``nn.LSTM`` layer run one step at a
    time from a given state, and their linear head on the top layer's output.

    The state is every layer's hidden vector side by side (and, for an LSTM, every cell vector
    after them): the whole of what the network carries from one symbol to the next.
    """

    def __init__(self, model: RecurrentModel) -> None:
        network = model.network
        self.rnn, self.head, self.symbols = network.rnn, network.head, network.symbols
        self.alphabet = model.alphabet
        self.parts = 2 if isinstance(self.rnn, torch.nn.LSTM) else 1
        self.width = self.rnn.num_layers * self.rnn.hidden_size

    def initial(self, rows: int) -> np.ndarray:
        # torch starts every layer at zero when no state is passed: so do we.
        return np.zeros((rows, self.parts * self.width), dtype=np.float32)

    def _unpack(self, hidden: np.ndarray) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Rows of flat states -> the ``(layers, rows, hidden)`` tensor(s) torch's layer takes."""
        tensor = torch.from_numpy(np.ascontiguousarray(hidden, dtype=np.float32))
        layers = [
            part.reshape(len(hidden), self.rnn.num_layers, self.rnn.hidden_size).transpose(0, 1).contiguous()
            for part in tensor.split(self.width, dim=1)
        ]
        return tuple(layers) if self.parts == 2 else layers[0]

    @torch.no_grad()
    @one_torch_thread()  # as the model's own fit and predict: small steps gain nothing from two
    def step(self, hidden: np.ndarray, symbols: np.ndarray) -> np.ndarray:
        symbols_t = torch.from_numpy(np.asarray(symbols, dtype=np.int64))
        inputs = torch.nn.functional.one_hot(symbols_t, self.symbols)
        _, state = self.rnn(inputs[:, None, :].to(self.head.weight.dtype), self._unpack(hidden))
        parts = state if self.parts == 2 else (state,)
        return torch.cat([p.transpose(0, 1).reshape(len(hidden), -1) for p in parts], dim=1).numpy()

    @torch.no_grad()
    def accepts(self, hidden: np.ndarray) -> np.ndarray:
        state = self._unpack(hidden)
        top = (state[0] if self.parts == 2 else state)[-1]  # the top layer's h is its output
        return (self.head(top).squeeze(-1) > 0).numpy()


class LinearRecurrence:
    """``linear-rnn``: its state vector, multiplied by the symbol's matrix at each step; its own
    verdict (state . readout above 1/2), not the DFA read off it."""

    def __init__(self, model: LinearRNNModel) -> None:
        network = model.network
        assert isinstance(network, LinearRNN)
        self.network, self.alphabet = network, network.alphabet

    def initial(self, rows: int) -> np.ndarray:
        return self.network.start.detach().expand(rows, -1).numpy().copy()

    @torch.no_grad()
    def step(self, hidden: np.ndarray, symbols: np.ndarray) -> np.ndarray:
        state = torch.from_numpy(np.ascontiguousarray(hidden, dtype=np.float32))
        matrices = self.network.matrices[torch.from_numpy(np.asarray(symbols, dtype=np.int64))]
        return torch.bmm(state[:, None, :], matrices).squeeze(1).numpy()

    @torch.no_grad()
    def accepts(self, hidden: np.ndarray) -> np.ndarray:
        return (torch.from_numpy(np.asarray(hidden, dtype=np.float32)) @ self.network.readout > 0.5).numpy()


class SnappedRecurrence:
    """``sr-gru``: its GRU cell and snap one step at a time, exactly as its forward pass runs them
    (the hard snap of eval mode), and its head's verdict."""

    def __init__(self, model: StateRegularisedGRUModel) -> None:
        network = model.network
        assert isinstance(network, StateRegularisedGRU)
        self.network, self.alphabet = network.eval(), model.alphabet

    def initial(self, rows: int) -> np.ndarray:
        return self.network.initial(rows).numpy().copy()

    @torch.no_grad()
    @one_torch_thread()
    def step(self, hidden: np.ndarray, symbols: np.ndarray) -> np.ndarray:
        state = torch.from_numpy(np.ascontiguousarray(hidden, dtype=np.float32))
        return self.network.step(state, torch.from_numpy(np.asarray(symbols, dtype=np.int64))).numpy()

    @torch.no_grad()
    def accepts(self, hidden: np.ndarray) -> np.ndarray:
        state = torch.from_numpy(np.ascontiguousarray(hidden, dtype=np.float32))
        return (self.network.head(state).squeeze(-1) > 0).numpy()


# Adapters by model class (the first that matches is used).
ADAPTERS: list[tuple[type, Callable[[Model], Recurrence]]] = [
    (CompiledRNN, CompiledRecurrence),
    (RecurrentModel, TorchRecurrence),
    (LinearRNNModel, LinearRecurrence),
    (StateRegularisedGRUModel, SnappedRecurrence),
]


def recurrence_of(model: Model) -> Recurrence:
    """The step-by-step view of a fitted ``model``; :class:`NotApplicable` if it has none."""
    reason = why_no_hidden_states(model)
    if reason:
        raise NotApplicable(reason)
    return next(adapter for cls, adapter in ADAPTERS if isinstance(model, cls))(model)


def why_no_hidden_states(model: Model) -> str | None:
    """None if ``model``'s hidden states can be read (fitted or not), else why not."""
    if any(isinstance(model, cls) for cls, _ in ADAPTERS):
        return None
    return (
        f"model '{model.id}' has no hidden states to read; explain works on "
        f"{', '.join(sorted(explainable_models()))}"
    )


def explainable_models() -> list[str]:
    """Ids of the registered models whose hidden states can be read."""
    from baselines.base import MODELS

    return [model_id for model_id, cls in MODELS.items() if any(issubclass(cls, a) for a, _ in ADAPTERS)]

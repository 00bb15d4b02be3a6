"""``rnn-compiled``: a DFA written into the weights of a recurrent network, with no training.

It shows that the regular challenges are within reach of a small recurrent network: whatever a
trained RNN fails to do, the weights exist. Two constructions, for an automaton with ``m`` states
over ``k`` symbols (transition function delta, start state s0, accepting set F):

``second-order`` (the default; Giles et al. 1992)
    Hidden size ``m``: the state as a one-hot vector. Input: the symbol, one-hot. One tensor
    ``W`` of shape ``(k, m, m)`` with ``W[a, j, i] = 1`` iff delta(i, a) = j, and

        h_0 = e_{s0},    h_t = sum_a x_t[a] W[a] h_{t-1} = W[x_t] h_{t-1},    y = 1_F . h_T

    ``k * m**2`` weights. Each column of ``W[a]`` holds a single 1, so a one-hot vector stays
    exactly one-hot: every product and sum is of 0s and 1s, exact in any float type, at any length.

``first-order`` (a plain Elman network with a hard threshold; Minsky 1967, Omlin & Giles 1996)
    Hidden size ``m * k``: unit ``(j, a)`` means "entered state j by reading a". With the
    Heaviside step H,

        h_t[(j, a)] = H( sum_{i: delta(i, a) = j} sum_b h_{t-1}[(i, b)] + x_t[a] - 1.5 )

    i.e. ``h_t = H(U h_{t-1} + V x_t - 1.5)``: a unit fires when the previous state leads to j on
    a *and* the symbol is a (both terms are 0 or 1, so the threshold 1.5 is an AND). ``h_0`` turns
    on one unit of the start state; the readout sums the units of accepting states. Exactly one
    unit is on at every step, so nothing drifts. ``(m*k)**2 + m*k*k`` weights.

A sigmoid of large gain could replace H (Omlin & Giles bound the gain that keeps it stable for
a given length); hard thresholds keep the network exact at every length instead.

>>> from challenges import get_challenge
>>> model = CompiledRNN()
>>> _ = model.fit(get_challenge("div7-base10"), None, None, seed=0)
>>> model.network.hidden_size, model.predict(np.array(["343", "344", "7" * 1000])).tolist()
(7, [True, False, True])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from baselines.automata.dfa import DFA
from baselines.base import FitReport, register_model
from baselines.configured import ConfiguredModel
from baselines.references.fsa import exact_automaton, why_no_exact_automaton
from baselines.training.threads import one_torch_thread
from challenges.core import Challenge, Examples
from challenges.errors import InvalidArgument

_ROWS_PER_BATCH = 512


class _CompiledNetwork(nn.Module):
    """The recurrence shared by both constructions; subclasses give the step and the readout."""

    hidden_size: int

    def initial(self, rows: int) -> torch.Tensor:
        raise NotImplementedError

    def step(self, hidden: torch.Tensor, symbols: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def readout(self, hidden: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    @torch.no_grad()
    def final_hidden(self, symbols: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The hidden state after each row of ``symbols`` (n, time); ``lengths`` of them count."""
        with one_torch_thread():
            hidden = self.initial(symbols.shape[0])
            for t in range(symbols.shape[1]):
                # Past a row's end is padding, a symbol the network never defined: keep the state.
                inside = (t < lengths).unsqueeze(1)
                column = torch.where(inside[:, 0], symbols[:, t], 0)
                hidden = torch.where(inside, self.step(hidden, column), hidden)
        return hidden

    def forward(self, symbols: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Acceptance of each row of ``symbols``: the readout of the final hidden state."""
        return self.readout(self.final_hidden(symbols, lengths)) > 0.5


class SecondOrderRNN(_CompiledNetwork):
    """``h_t = W[x_t] h_{t-1}`` with one-hot states: hidden size = number of states."""

    def __init__(self, dfa: DFA, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        m, k = dfa.num_states, len(dfa.alphabet)
        weight = torch.zeros(k, m, m, dtype=dtype)
        # weight[a, delta(i, a), i] = 1
        symbols, sources = np.meshgrid(np.arange(k), np.arange(m), indexing="ij")
        targets = dfa.transitions.T
        weight[tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in (symbols, targets, sources))] = 1.0
        self.register_buffer("weight", weight)
        self.register_buffer("h0", torch.nn.functional.one_hot(torch.tensor(dfa.start), m).to(dtype))
        self.register_buffer("accepting", torch.from_numpy(dfa.accepting.copy()).to(dtype))
        self.hidden_size = m

    def initial(self, rows: int) -> torch.Tensor:
        return self.h0.expand(rows, -1)

    def step(self, hidden: torch.Tensor, symbols: torch.Tensor) -> torch.Tensor:
        # Multiplying by the one-hot input selects one matrix per row: W[x_t] h_{t-1}.
        return torch.bmm(self.weight[symbols], hidden.unsqueeze(2)).squeeze(2)

    def readout(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.accepting


class ThresholdElmanRNN(_CompiledNetwork):
    """``h_t = H(U h_{t-1} + V x_t - 1.5)``: hidden size = states x symbols."""

    def __init__(self, dfa: DFA, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        m, k = dfa.num_states, len(dfa.alphabet)
        size = m * k  # unit (j, a) is number j * k + a
        recurrent = torch.zeros(size, size, dtype=dtype)
        for a in range(k):
            targets = dfa.transitions[:, a] * k + a  # delta(i, a) entered by a
            for b in range(k):
                recurrent[targets, np.arange(m) * k + b] = 1.0
        entering = torch.zeros(size, k, dtype=dtype)
        entering[np.arange(size), np.arange(size) % k] = 1.0
        self.register_buffer("recurrent", recurrent)
        self.register_buffer("input_weight", entering)
        h0 = torch.zeros(size, dtype=dtype)
        h0[dfa.start * k] = 1.0  # any unit of the start state will do: the symbol part is unused
        self.register_buffer("h0", h0)
        self.register_buffer(
            "readout_weight", torch.from_numpy(np.repeat(dfa.accepting, k)).to(dtype)
        )
        self.hidden_size = size

    def initial(self, rows: int) -> torch.Tensor:
        return self.h0.expand(rows, -1)

    def step(self, hidden: torch.Tensor, symbols: torch.Tensor) -> torch.Tensor:
        pre = hidden @ self.recurrent.T + self.input_weight[:, symbols].T - 1.5
        return (pre > 0).to(hidden.dtype)

    def readout(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.readout_weight


CONSTRUCTIONS = {"second-order": SecondOrderRNN, "first-order": ThresholdElmanRNN}


@dataclass(frozen=True)
class CompiledConfig:
    construction: str = "second-order"

    def __post_init__(self) -> None:
        if self.construction not in CONSTRUCTIONS:
            raise InvalidArgument(
                f"construction must be one of {', '.join(CONSTRUCTIONS)}, got {self.construction!r}"
            )


def compile_dfa(dfa: DFA, construction: str = "second-order") -> _CompiledNetwork:
    """The recurrent network that computes ``dfa`` (see the module docstring)."""
    return CONSTRUCTIONS[CompiledConfig(construction).construction](dfa)


def network_inputs(dfa: DFA, texts: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """``(symbols, lengths)`` tensors of a numpy unicode array, symbols numbered as in ``dfa``."""
    symbols = torch.from_numpy(dfa.encode(texts).astype(np.int64))
    return symbols, torch.from_numpy(np.strings.str_len(texts).astype(np.int64))


def run_network(network: _CompiledNetwork, dfa: DFA, texts: np.ndarray) -> np.ndarray:
    """The network's verdict on every string, in batches of rows of similar length.

    Sorting by length first means a batch runs only as many steps as its longest string, so a
    few 1000-digit strings do not make every short one run 1000 steps.
    """
    texts = np.asarray(texts, dtype=np.str_).reshape(-1)
    order = np.argsort(np.strings.str_len(texts), kind="stable")
    out = np.empty(texts.size, dtype=bool)
    for begin in range(0, texts.size, _ROWS_PER_BATCH):
        rows = order[begin : begin + _ROWS_PER_BATCH]
        symbols, lengths = network_inputs(dfa, texts[rows])
        out[rows] = network(symbols[:, : int(lengths.max())], lengths).numpy()
    return out


@register_model
class CompiledRNN(ConfiguredModel):
    """The exact DFA of a regular challenge, as the fixed weights of a recurrent network."""

    id = "rnn-compiled"
    description = "RNN whose weights encode the exact minimal DFA; no training (regular only)"
    trainable = False
    knows_rule = True
    kind = "reference"
    Config = CompiledConfig

    def applies_to(self, challenge: Challenge) -> str | None:
        return why_no_exact_automaton(challenge, self.id)

    def fit(self, challenge: Challenge, train: Examples, val: Examples, seed: int) -> FitReport:
        super().fit(challenge, train, val, seed)
        self.dfa = exact_automaton(challenge)
        self.network = compile_dfa(self.dfa, self.config.construction)
        weights = sum(buffer.numel() for buffer in self.network.buffers())
        return FitReport(extra={"hidden_size": self.network.hidden_size, "weights": weights})

    def predict(self, texts: np.ndarray) -> np.ndarray:
        return run_network(self.network, self.dfa, texts)

    def as_dfa(self) -> DFA:
        return self.dfa

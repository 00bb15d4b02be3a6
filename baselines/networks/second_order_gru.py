"""A second-order GRU cell: the symbol just read chooses the recurrent weights.

An ordinary GRU adds its input to what its recurrent weights make of the state:
``U h + W x``. With one-hot digits that is a state transformation shared by every digit plus a
digit's own offset -- and a residue automaton needs a different map of the states for each digit
(multiples of 7 read left to right: residue ``r`` becomes ``3r + d mod 7``, a permutation of the
residues per digit ``d``). The GRU can only build those maps through its gates. Here, as in the
second-order recurrent networks that learned small automata (Giles et al., *Learning and
extracting finite state automata with second-order recurrent neural networks*, 1992) and the
multiplicative RNN (Sutskever et al., 2011), each symbol ``s`` has its own recurrent matrix
``U_s`` and bias ``b_s``; the gates and the update are the GRU's::

    g = U_s h + b_s                      (3 blocks: reset, update, candidate)
    r = sigmoid(g_r), z = sigmoid(g_z)
    n = tanh(b_s,n' + r * g_n)           (torch's GRU form: the reset gate scales U h only)
    h' = (1 - z) * n + z * h

For a one-hot input ``x``, ``W x`` is a column of ``W``: the per-symbol bias holds it. The cell has
``symbols`` times the recurrent weights of a GRU of the same width (10 x 3 x 64 x 64 = 123k for
decimal digits at 64 units, against a GRU's 12k).

>>> cell = SecondOrderGRUCell(symbols=3, hidden_size=4)
>>> cell.reset_parameters(torch.Generator().manual_seed(0))
>>> cell(torch.zeros(2, 4), torch.tensor([0, 2])).shape
torch.Size([2, 4])
"""

from __future__ import annotations

import math

import torch
from torch import nn


class SecondOrderGRUCell(nn.Module):
    """The GRU's gates over a recurrent matrix chosen by each row's symbol (see the module)."""

    def __init__(self, symbols: int, hidden_size: int) -> None:
        super().__init__()
        self.symbols, self.hidden_size = symbols, hidden_size
        self.recurrent = nn.Parameter(torch.zeros(symbols, 3 * hidden_size, hidden_size))
        self.recurrent_bias = nn.Parameter(torch.zeros(symbols, 3 * hidden_size))
        self.input_bias = nn.Parameter(torch.zeros(symbols, hidden_size))  # W x of the candidate

    def reset_parameters(self, generator: torch.Generator) -> None:
        """torch's GRU initialisation: every weight uniform in +-1/sqrt(hidden_size)."""
        bound = 1 / math.sqrt(self.hidden_size)
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.uniform_(-bound, bound, generator=generator)

    def forward(self, state: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """The next state of every row after its symbol ``ids[row]`` (ids in ``range(symbols)``)."""
        hidden, rows = self.hidden_size, len(state)
        if torch.is_grad_enabled():
            # All symbols' recurrent products in one matrix product, then each row's own: one BLAS
            # call beats gathering a matrix per row (2.7x faster forward and backward, 128 rows of
            # 64 units over 10 symbols, one thread).
            every = state @ self.recurrent.reshape(-1, hidden).T
            gates = every.reshape(rows, self.symbols, 3 * hidden)[torch.arange(rows, device=ids.device), ids]
        else:
            # Answering (no gradient): the rows of each symbol by that symbol's matrix alone, a
            # tenth of the products in base 10. A div7 cell's scoring took 9.3 s instead of 22.6 s,
            # every figure the same (docs/results.md, "Where a run's time goes").
            gates = state.new_empty(rows, 3 * hidden)
            for symbol in ids.unique().tolist():
                where = (ids == symbol).nonzero(as_tuple=True)[0]
                gates[where] = state[where] @ self.recurrent[symbol].T
        gates = gates + self.recurrent_bias[ids]
        reset = torch.sigmoid(gates[:, :hidden])
        update = torch.sigmoid(gates[:, hidden : 2 * hidden])
        candidate = torch.tanh(self.input_bias[ids] + reset * gates[:, 2 * hidden :])
        return (1 - update) * candidate + update * state

"""Deterministic automata as integer tables: run them on encoded strings, refit their verdicts.

A hardened soft automaton is a table ``[K, symbols]`` of next states (state 0 starts) and a
boolean readout ``[K]``. Running it is integer lookups only, vectorised over the batch: exact at
any length, and fast at 1000 digits. The padding id (``symbols``) leaves the state where it is.

>>> import torch
>>> parity = torch.tensor([[1, 0], [0, 1]])  # symbol 0 flips the state, symbol 1 keeps it
>>> ids = torch.tensor([[0, 0, 1], [0, 1, 2], [1, 2, 2]])  # "aab", "ab", "b" (2 pads)
>>> final_states(parity, ids).tolist()
[0, 1, 0]
>>> refit_readout(parity, torch.tensor([False, False]), ids, torch.tensor([1.0, 0.0, 1.0])).tolist()
[True, False]
"""

from __future__ import annotations

import torch


def run_table(table: torch.Tensor, accepting: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Acceptance ``[B]`` of the automaton ``table`` ``[K, symbols]`` on right-padded ids ``[B, T]``."""
    return accepting[final_states(table, ids)]


def final_states(table: torch.Tensor, ids: torch.Tensor, start: torch.Tensor | None = None) -> torch.Tensor:
    """The state each string ends in, from state 0 or from ``start`` ``[B]``."""
    states = table.shape[0]
    padded = torch.cat([table, torch.arange(states, device=table.device)[:, None]], dim=1)
    flat, width = padded.reshape(-1), padded.shape[1]
    state = torch.zeros(ids.shape[0], dtype=torch.int64, device=ids.device) if start is None else start
    for column in ids.T:
        state = flat[state * width + column]
    return state


def refit_readout(
    table: torch.Tensor, readout: torch.Tensor, ids: torch.Tensor, labels: torch.Tensor
) -> torch.Tensor:
    """Each state's verdict: the majority label of the strings ``ids`` that end in it.

    States no string ends in keep ``readout``; a tie rejects.
    """
    ends = final_states(table, ids)
    states = table.shape[0]
    members = torch.zeros(states, device=table.device).index_add_(0, ends, labels.to(torch.float32))
    totals = torch.bincount(ends, minlength=states).to(members.dtype)
    return torch.where(totals > 0, 2 * members > totals, readout)

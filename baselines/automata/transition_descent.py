"""Coordinate descent on a DFA's transitions: each one pointed where the labelled strings want it.

:mod:`.transition_repair` redirects a few transitions that stand out statistically; on a large
automaton read off a network (multiples of 97: 97 states, 970 transitions) the wrong ones are
too many and too quiet for that -- twenty transitions each taken by a few dozen strings, each
wrong on one or two. This tries every transition that some wrongly answered string takes: it
reruns the strings that take it with the transition pointed at each state in turn, and keeps the
target with the fewest errors if that is fewer than now. A sweep goes through them worst first
(the largest share of wrongly answered strings among those that take it: counts alone would
put the start state's transitions first, which every string takes); the verdicts are refitted
to the strings' majority label after each sweep, and sweeps repeat until one changes nothing.
Each change lowers the number of labelled strings the DFA gets wrong, so it ends.

Nothing but the labelled strings is read. The work is counted, not timed: every state a rerun
visits is one lookup, and a descent stops at ``lookups_per_symbol`` lookups per symbol of the
labelled strings (a DFA read off a network that fits nothing -- 256 states wrong on a third of
the strings -- would otherwise take minutes).

>>> import torch
>>> table = torch.tensor([[1, 0], [1, 1]])  # "a" leads to 1 and stays; a wrong self-loop on 1 for "b"
>>> ids = torch.tensor([[0, 1], [0, 1], [0, 1], [0, 0], [1, 1], [0, 2]])  # "ab" x3, "aa", "bb", "a"
>>> labels = torch.tensor([False, False, False, True, False, True])  # "ab" must leave state 1
>>> fixed, verdicts, changed = descend_transitions(table, torch.tensor([False, True]), ids, labels)
>>> fixed.tolist(), verdicts.tolist(), changed
([[1, 0], [1, 0]], [False, True], 1)
"""

from __future__ import annotations

import torch

from baselines.automata.dfa import DFA
from baselines.automata.dfa_tables import merge_states, refit_readout, run_table, wrong_answers

LOOKUPS_PER_SYMBOL = 2_000  # the work budget, per symbol of the labelled strings
_CHUNK = 4_000_000  # candidate x string states held at once (32 MB of int64)


def descend_transitions(
    table: torch.Tensor,
    accepting: torch.Tensor,
    ids: torch.Tensor,
    labels: torch.Tensor,
    lookups_per_symbol: int = LOOKUPS_PER_SYMBOL,
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """(table, verdicts, transitions changed): ``table`` / ``accepting`` after coordinate descent
    on the errors over ``ids`` / ``labels`` (see the module docstring)."""
    table, labels = table.clone(), labels.bool()
    symbols = table.shape[1]
    budget = lookups_per_symbol * int((ids < symbols).sum())
    changed_in_all = 0
    while budget > 0:
        changed, budget = _sweep(table, accepting, ids, labels, budget)
        accepting = refit_readout(table, accepting, ids, labels.float())
        changed_in_all += changed
        if not changed:
            break
    removed, budget = _remove_states(table, accepting, ids, labels, budget)
    return table, refit_readout(table, accepting, ids, labels.float()), changed_in_all + removed


def _remove_states(
    table: torch.Tensor, accepting: torch.Tensor, ids: torch.Tensor, labels: torch.Tensor, budget: int
) -> tuple[int, int]:
    """Occam's move, in place: for each state, the least visited first, point every transition
    into it at the state that makes the fewest errors on the strings that take it, and keep
    the change if no more labelled strings are answered wrongly than before; (transitions
    changed, budget left). A DFA that agrees with every labelled string can still hold a state
    too many, reached by a transition or two the strings never contradict (multiples of 89 in
    base 7, development seed 1: 90 states, every labelled string right, not the language)."""
    states, symbols = table.shape
    edges = _edges(table, ids)  # the strings' paths: they change only when a removal is kept
    visits = torch.bincount(edges.clamp_min(0).reshape(-1) // symbols, minlength=states)
    before = wrong_answers(table, accepting, ids, labels)
    changed = 0
    for state in visits.argsort(stable=True).tolist():
        if budget <= 0:
            break
        incoming = (table == state).nonzero().tolist()
        if not incoming or state == 0:
            continue
        saved, needed = table.clone(), False
        for source, symbol in incoming:
            users = (edges == source * symbols + symbol).any(1)
            counts = _errors_by_target(table, accepting, ids[users], labels[users], source, symbol)
            budget -= states * int(users.sum()) * ids.shape[1]
            staying = int(counts[state])
            counts[state] = torch.iinfo(torch.int64).max  # away from the state removed
            needed = int(counts.min()) > staying  # the strings need it: the first transition says so
            if needed:
                break
            table[source, symbol] = int(counts.argmin())
        after = None if needed else wrong_answers(table, accepting, ids, labels)
        if after is not None and after <= before:
            changed, before, edges = changed + len(incoming), after, _edges(table, ids)
        else:
            table.copy_(saved)
    return changed, budget


def descend_and_merge(
    table: torch.Tensor, accepting: torch.Tensor, ids: torch.Tensor, labels: torch.Tensor, alphabet: str
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """:func:`descend_transitions`, then the DFA minimised and its states that no labelled string
    tells apart merged (:func:`~baselines.automata.dfa_tables.merge_states`), again while that
    leaves fewer states: a descent can leave two states that only their wrong transitions told
    apart (multiples of 61 in base 16, development seed 2: 63 states right on every labelled
    string; merged, 62; descended again, 61 and exact). Ends: each round has fewer states.
    (table, verdicts, transitions changed in all.)"""
    states, changed_in_all = len(table) + 1, 0
    while len(table) < states:
        states = len(table)
        table, accepting, changed = descend_transitions(table, accepting, ids, labels)
        changed_in_all += changed
        minimal = DFA(table.numpy(), 0, accepting.numpy(), alphabet).minimize()
        table, accepting = merge_states(
            torch.tensor(minimal.transitions), torch.tensor(minimal.accepting), ids, labels
        )
    return table, accepting, changed_in_all


def _sweep(
    table: torch.Tensor, accepting: torch.Tensor, ids: torch.Tensor, labels: torch.Tensor, budget: int
) -> tuple[int, int]:
    """One pass over the transitions wrongly answered strings take, worst first, changing
    ``table`` in place; (transitions changed, budget left)."""
    states, symbols = table.shape
    edges = _edges(table, ids)
    wrong = run_table(table, accepting, ids) != labels
    taken, flat_edges = edges >= 0, edges.clamp_min(0).reshape(-1)
    errors = torch.zeros(states * symbols).index_add_(
        0, flat_edges, (wrong[:, None] & taken).float().reshape(-1)
    )
    takes = torch.zeros(states * symbols).index_add_(0, flat_edges, taken.float().reshape(-1))
    rate = errors / takes.clamp_min(1)
    changed = 0
    for edge in rate.argsort(descending=True, stable=True).tolist():
        if errors[edge] == 0 or budget <= 0:
            break
        state, symbol = divmod(edge, symbols)
        users = (edges == edge).any(1)
        few, truth = ids[users], labels[users]
        counts = _errors_by_target(table, accepting, few, truth, state, symbol)
        budget -= states * few.numel()
        best = int(counts.argmin())
        if counts[best] < counts[int(table[state, symbol])]:
            table[state, symbol] = best
            changed += 1
    return changed, budget


def _edges(table: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """``[B, T]``: the transition (``state * symbols + symbol``) each string takes at each
    position, -1 on padding."""
    symbols = table.shape[1]
    state = torch.zeros(ids.shape[0], dtype=torch.int64)
    edges = []
    for column in ids.T:
        real = column < symbols
        edge = state * symbols + column.clamp_max(symbols - 1)
        edges.append(torch.where(real, edge, -1))
        state = torch.where(real, table.reshape(-1)[edge], state)
    return torch.stack(edges, 1)


def _errors_by_target(
    table: torch.Tensor,
    accepting: torch.Tensor,
    ids: torch.Tensor,
    labels: torch.Tensor,
    state: int,
    symbol: int,
) -> torch.Tensor:
    """``[states]``: the errors on ``ids`` with transition (``state``, ``symbol``) pointed at
    each state in turn (the strings rerun from the start, in chunks of candidates)."""
    states, symbols = table.shape
    counts = torch.empty(states, dtype=torch.int64)
    step = max(1, _CHUNK // max(1, len(ids)))
    for first in range(0, states, step):
        targets = torch.arange(first, min(states, first + step))
        tables = table.expand(len(targets), states, symbols).clone()
        tables[torch.arange(len(targets)), state, symbol] = targets
        flat = tables.reshape(len(targets), -1)
        current = torch.zeros(len(targets), len(ids), dtype=torch.int64)
        for column in ids.T:
            real = (column < symbols)[None]
            moved = flat.gather(1, current * symbols + column.clamp_max(symbols - 1)[None])
            current = torch.where(real, moved, current)
        counts[targets] = (accepting[current] != labels[None]).sum(1)
    return counts

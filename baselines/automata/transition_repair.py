"""Redirect the transitions of a learned DFA that the labelled strings single out as wrong.

A DFA read off a network by a tolerant table (:mod:`baselines.automata.observation_table`) can have the
right states and still one transition wrong: its target was voted by a few prefixes whose rows
the network got wrong. The strings that take a wrong transition are then labelled wrongly about
half the time, where the others are wrong only as often as their labels are (0 on clean labels,
P on labels with a share P flipped). So each transition taken by the labelled strings is tested:
its strings' error rate against the rate over all strings (a one-sided binomial z-score over
``z``), and a transition that stands out is pointed at whichever state makes the DFA agree with
the most labelled strings. Nothing but the labelled strings is read; the noise level is not
known, it shows as the overall rate.

>>> import torch
>>> table = torch.tensor([[1, 0], [1, 1]])  # "a" leads to 1 and stays; a wrong self-loop on 1 for "b"
>>> ids = torch.tensor([[0, 1], [0, 1], [0, 1], [0, 0], [1, 1], [0, 2]])  # "ab" x3, "aa", "bb", "a"
>>> labels = torch.tensor([False, False, False, True, False, True])  # "ab" must leave state 1
>>> fixed, verdicts = repair_transitions(table, torch.tensor([False, True]), ids, labels, z=1.0)
>>> fixed.tolist()
[[1, 0], [1, 0]]
"""

from __future__ import annotations

import torch

from baselines.automata.dfa_tables import refit_readout, run_table, wrong_answers

MAX_REPAIRS = 8  # transitions redirected at most: a DFA with more wrong ones is not near right


def repair_transitions(
    table: torch.Tensor,
    accepting: torch.Tensor,
    ids: torch.Tensor,
    labels: torch.Tensor,
    z: float = 5.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``table`` / ``accepting`` with the transitions that stand out (see the module docstring)
    redirected, worst first, each to the target that makes the fewest errors on the strings that
    take it (only those strings can change), if fewer than now; verdicts refitted to the
    strings' majority label at the end."""
    table, labels = table.clone(), labels.bool()
    tried: set[tuple[int, int]] = set()
    for _ in range(MAX_REPAIRS):
        suspect = _worst_transition(table, accepting, ids, labels, z, tried)
        if suspect is None:
            break
        (state, symbol), users = suspect
        tried.add((state, symbol))
        few, truth = ids[users], labels[users]
        best = (wrong_answers(table, accepting, few, truth), int(table[state, symbol]))
        for target in range(len(table)):
            table[state, symbol] = target
            best = min(best, (wrong_answers(table, accepting, few, truth), target))
        table[state, symbol] = best[1]
    return table, refit_readout(table, accepting, ids, labels.float())


def _worst_transition(
    table: torch.Tensor,
    accepting: torch.Tensor,
    ids: torch.Tensor,
    labels: torch.Tensor,
    z: float,
    tried: set[tuple[int, int]],
) -> tuple[tuple[int, int], torch.Tensor] | None:
    """The untried transition whose strings are wrong most significantly more often than all
    strings are (z-score above ``z``) and which strings take it (``[B]`` bool), or None."""
    states, symbols = table.shape
    wrong = (run_table(table, accepting, ids) != labels).double()
    rate = float(wrong.mean())
    flat = torch.cat([table, torch.arange(states)[:, None]], dim=1).reshape(-1)
    takes = torch.zeros(states * (symbols + 1), dtype=torch.float64)
    errs = torch.zeros_like(takes)
    state = torch.zeros(ids.shape[0], dtype=torch.int64)
    edges = []
    for column in ids.T:
        edge = state * (symbols + 1) + column
        real = column < symbols  # padding is no transition
        takes.index_add_(0, edge[real], torch.ones(int(real.sum()), dtype=torch.float64))
        errs.index_add_(0, edge[real], wrong[real])
        edges.append(torch.where(real, edge, -1))
        state = flat[edge]
    spread = (takes * rate * (1 - rate)).clamp_min(1e-12).sqrt()
    score = (errs - takes * rate) / spread
    for edge in score.argsort(descending=True).tolist():
        if score[edge] <= z:
            return None
        pair = divmod(edge, symbols + 1)
        if pair[1] < symbols and pair not in tried:
            return pair, (torch.stack(edges, 1) == edge).any(1)
    return None

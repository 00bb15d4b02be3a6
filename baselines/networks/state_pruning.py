"""The fewest snapping centroids that answer the validation strings as well as all of them.

A recurrent network whose state is snapped to the nearest of ``k`` centroids after every symbol
(:mod:`baselines.networks.state_snapping`) is a finite automaton. Trained through its snap with a
fixed ``k``, it keeps states that no training string told apart from others, and what such a
state does on a string unlike any it was trained on is arbitrary: on development seeds of
``add-base2`` the state after reading ``0+0=0``'s last column was one the result never ended in,
so the network rejected it, though the same column from the same start was right in ``10+10=100``.

Pruning takes the simplest automaton the data allow (the bias of RPNI's state merging): centroids
are deleted one at a time, least visited first, and a deletion is kept when accuracy on the
validation strings does not fall; a deleted centroid's states go to the nearest one left. Each
try is cheap because the automaton is tabulated once: the validation strings' distinct inputs
(a few thousand feature vectors on the sums) times the ``k + 1`` states (the centroids and the
start) give every step and every verdict, and a try reruns only the integer table.

>>> _ = torch.manual_seed(0)
>>> gru = torch.nn.GRU(2, 3, batch_first=True)
>>> features, lengths = torch.randn(4, 5, 2), torch.tensor([5, 3, 4, 1])
>>> centroids = torch.randn(6, 3)
>>> def judge(states, inputs):  # the verdict of each input from the state before it
...     return states.sum(-1) + inputs.sum(-1)
>>> table = tabulate(gru, features, lengths, centroids, judge)
>>> keep, record = prune_centroids(table, labels=table.answers(np.ones(6, bool)))
>>> record["k"] <= 6, record["accuracy"]  # the full automaton's own answers: any pruning keeps them
(True, 1.0)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

# Free steps compared with the centroids at once when finding the nearest (rows x centroids floats).
_DISTANCE_CHUNK = 1 << 16


@dataclass
class SnapTable:
    """A snapped network's automaton on a set of strings: every state's step and verdict on every
    distinct input those strings hold (state ``k`` is the start, the zero state)."""

    inputs: np.ndarray  # [B, T] index of each position's input among the distinct inputs
    inside: np.ndarray  # [B, T] True at a string's own positions
    free: torch.Tensor  # [(k + 1) * U, H] the GRU's step from state s on input u, row s * U + u
    verdicts: np.ndarray  # [k + 1, U] each input's verdict from the state before it
    centroids: torch.Tensor  # [k, H]

    @property
    def distinct_inputs(self) -> int:
        return self.verdicts.shape[1]

    def nearest(self, alive: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """The nearest centroid still ``alive`` to each free step (or to the steps ``rows``)."""
        chosen = np.arange(len(self.free)) if rows is None else rows
        live = torch.as_tensor(np.flatnonzero(alive))
        found = [torch.cdist(self.free[chosen[i : i + _DISTANCE_CHUNK]], self.centroids[live]).argmin(-1)
                 for i in range(0, len(chosen), _DISTANCE_CHUNK)]  # fmt: skip
        return live[torch.cat(found)].numpy() if found else np.zeros(0, dtype=np.int64)

    def walk(self, steps: np.ndarray) -> np.ndarray:
        """[B, T + 1]: each string's state before each of its positions (column 0: the start),
        then after the last, with ``steps`` (:meth:`nearest`) as the automaton's moves."""
        units, (rows, width) = self.distinct_inputs, self.inputs.shape
        states = np.empty((rows, width + 1), dtype=np.int64)
        states[:, 0] = len(self.centroids)
        for t in range(width):
            states[:, t + 1] = steps[states[:, t] * units + self.inputs[:, t]]
        return states

    def answers(self, alive: np.ndarray, steps: np.ndarray | None = None) -> np.ndarray:
        """Each string's answer with only the ``alive`` centroids: every position accepts."""
        before = self.walk(self.nearest(alive) if steps is None else steps)[:, :-1]
        return np.where(self.inside, self.verdicts[before, self.inputs], np.inf).min(axis=1) > 0

    def visits(self, steps: np.ndarray) -> np.ndarray:
        """How often each centroid is the state after a symbol, over all the strings."""
        return np.bincount(self.walk(steps)[:, 1:][self.inside], minlength=len(self.centroids))


@torch.no_grad()
def tabulate(
    gru: nn.GRU,
    features: torch.Tensor,
    lengths: torch.Tensor,
    centroids: torch.Tensor,
    judge: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> SnapTable:
    """The automaton of a one-layer ``gru`` snapped to ``centroids`` on ``features`` [B, T, F]
    (each string's inputs in reading order, ``lengths`` long); ``judge(states, inputs)`` gives
    each input's verdict (accept where positive) from the state before it."""
    distinct, inputs = torch.unique(features.reshape(-1, features.shape[-1]), dim=0, return_inverse=True)
    states = torch.cat([centroids, centroids.new_zeros(1, centroids.shape[1])])
    units, weights = len(distinct), (gru.weight_ih_l0, gru.weight_hh_l0, gru.bias_ih_l0, gru.bias_hh_l0)
    each_state, each_input = states.repeat_interleave(units, 0), distinct.repeat(len(states), 1)
    free = torch.gru_cell(each_input, each_state, *weights)
    verdicts = judge(each_state, each_input).reshape(len(states), units)
    inside = torch.arange(features.shape[1])[None, :] < lengths.cpu()[:, None]
    return SnapTable(inputs.reshape(features.shape[:2]).cpu().numpy(), inside.numpy(), free.cpu(),
                     verdicts.cpu().numpy(), centroids.cpu())  # fmt: skip


def prune_centroids(
    table: SnapTable, labels: np.ndarray, confirm: Callable[[np.ndarray], float] | None = None
) -> tuple[np.ndarray, dict[str, Any]]:
    """(which centroids to keep, a record): delete centroids one at a time, least visited on the
    table's strings first, keeping each deletion that leaves accuracy against ``labels`` no lower.

    Only the steps that led to the deleted centroid are looked up again on a try. The table's
    steps are computed in one batch, the network's string by string, and the two could round a
    near tie apart; so where ``confirm`` is given (the network's own accuracy with only the centroids
    it is handed), a deletion the table allows is kept only if ``confirm`` does not fall either."""
    labels = np.asarray(labels).astype(bool)
    alive = np.ones(len(table.centroids), dtype=bool)
    steps = table.nearest(alive)
    accuracy = float(np.mean(table.answers(alive, steps) == labels))
    confirmed = confirm(alive) if confirm else accuracy
    before, visits, refused = confirmed, table.visits(steps), 0
    for centroid in np.argsort(visits, kind="stable"):
        if alive.sum() == 1:
            break
        trial, moved = alive.copy(), np.flatnonzero(steps == centroid)
        trial[centroid] = False
        trial_steps = steps.copy()
        trial_steps[moved] = table.nearest(trial, moved)
        trial_accuracy = float(np.mean(table.answers(trial, trial_steps) == labels))
        if trial_accuracy < accuracy:
            continue
        trial_confirmed = confirm(trial) if confirm else trial_accuracy
        if trial_confirmed < confirmed:
            refused += 1
            continue
        alive, steps, accuracy, confirmed = trial, trial_steps, trial_accuracy, trial_confirmed
    record = {"k": int(alive.sum()), "accuracy": round(confirmed, 6), "accuracy_before": round(before, 6),
              "distinct_inputs": table.distinct_inputs}  # fmt: skip
    if refused:
        record["refused_by_network"] = refused
    return alive, record

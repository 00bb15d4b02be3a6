"""Snapping a trained GRU's state to centroids, at evaluation only: a carry that cannot drift.

A GRU that carries a digit sum's carry holds it in a continuous state. Over a few dozen steps the
state stays near the points it visited in training; over thousands (a 1000-digit sum is 3,000
symbols) a small error can build up until a position misjudges. Replacing the state after every
step by the nearest of ``k`` centroids -- points the network's own states cluster around on the
training strings -- makes it a finite-state machine: whatever it does at 20 symbols, it does at
3,000. Unlike ``sr-gru``, nothing here changes training; the centroids are chosen afterwards, from
the learner's own strings (:func:`choose_centroids`):

* the states of the GRU on (a share of) the training strings are clustered by k-means, for ``k`` on a
  doubling ladder;
* the smallest ``k`` whose snapped network is about as accurate on the validation strings as the
  free one (at most ``tolerance`` below it) is kept; if none is, the network stays free.

Why the smallest, and why a tolerance: the fewer the centroids, the coarser the automaton and the
less room for a state between two meaningful ones to carry an error along a long string. On
development seeds of the decimal sums, 8 centroids that cost 2 of 2,000 validation strings were
right at 1000 digits where 16-128 centroids that cost none fell to chance; validation strings, all
within the training lengths, cannot tell these apart, so the rule takes the coarsest one that
loses almost nothing on them (docs/place-attention.md).

>>> _ = torch.manual_seed(0)
>>> gru, features = nn.GRU(3, 2, batch_first=True), torch.randn(1, 4, 3)
>>> snapped = snapped_states(gru, features, torch.tensor([[0.5, 0.5], [-0.5, 0.0]]))
>>> {tuple(row) for row in snapped[0].tolist()} <= {(-0.5, 0.0), (0.5, 0.5)}  # every state a centroid
True
>>> torch.allclose(snapped_states(gru, features, torch.zeros(0, 2)), gru(features)[0])
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from baselines.automata.kmeans import kmeans


def snapped_states(gru: nn.GRU, features: torch.Tensor, centroids: torch.Tensor) -> torch.Tensor:
    """The one-layer ``gru``'s states [B, T, H] over ``features`` [B, T, F], each new state replaced
    by its nearest centroid (the free GRU's states when ``centroids`` is empty)."""
    if not len(centroids):
        return gru(features)[0]
    weights = (gru.weight_ih_l0, gru.weight_hh_l0, gru.bias_ih_l0, gru.bias_hh_l0)
    state = features.new_zeros(features.shape[0], gru.hidden_size)
    states = []
    for step in range(features.shape[1]):
        state = torch.gru_cell(features[:, step], state, *weights)
        state = centroids[torch.cdist(state, centroids).argmin(dim=-1)]
        states.append(state)
    return torch.stack(states, dim=1)


def straight_through_states(
    gru: nn.GRU, features: torch.Tensor, centroids: torch.Tensor, commitment: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """(states [B, T, H], the vector-quantisation loss): :func:`snapped_states` on the way forward,
    the free step's gradient on the way back (the straight-through estimator of VQ-VAE, van den
    Oord et al. 2017), so that the network can be trained as the automaton it answers as.

    The loss, averaged over steps, pulls each centroid to the states snapped to it and, weighted by
    ``commitment``, each state to its centroid: states gather ever closer to their centroids, and a
    small change of the weights no longer moves a state across to another one.

    >>> _ = torch.manual_seed(0)
    >>> gru, features = nn.GRU(3, 2, batch_first=True), torch.randn(1, 4, 3)
    >>> centroids = torch.tensor([[0.5, 0.5], [-0.5, 0.0]])
    >>> states, loss = straight_through_states(gru, features, centroids, 0.25)
    >>> torch.equal(states, snapped_states(gru, features, centroids)), loss.item() > 0
    (True, True)
    """
    weights = (gru.weight_ih_l0, gru.weight_hh_l0, gru.bias_ih_l0, gru.bias_hh_l0)
    state = features.new_zeros(features.shape[0], gru.hidden_size)
    states, losses = [], []
    for step in range(features.shape[1]):
        free = torch.gru_cell(features[:, step], state, *weights)
        nearest = centroids[torch.cdist(free.detach(), centroids.detach()).argmin(dim=-1)]
        losses.append(((free.detach() - nearest) ** 2).sum(-1).mean()
                      + commitment * ((free - nearest.detach()) ** 2).sum(-1).mean())  # fmt: skip
        state = free + (nearest - free).detach()  # the centroid's value, the free step's gradient
        states.append(state)
    return torch.stack(states, dim=1), torch.stack(losses).mean()


def snap_ladder(largest: int) -> list[int]:
    """Centroid counts tried, smallest first: 2, 4, ... up to ``largest``.

    >>> snap_ladder(16), snap_ladder(1)
    ([2, 4, 8, 16], [])
    """
    ladder, k = [], 2
    while k <= largest:
        ladder.append(k)
        k *= 2
    return ladder


@torch.no_grad()
def choose_centroids(
    points: np.ndarray,
    accuracy_with: Callable[[torch.Tensor], float],
    largest: int,
    seed: int,
    tolerance: float = 0.0,
) -> tuple[torch.Tensor, dict[str, Any]]:
    """The centroids of the smallest ``k`` (:func:`snap_ladder`) whose snapped network is at most
    ``tolerance`` less accurate than the free one, and what was tried.

    ``points``: the free GRU's states on training strings, one row each. ``accuracy_with(c)``: the
    network's validation accuracy when snapped to ``c`` (an empty ``c``: free). Returns empty
    centroids (the network stays free) when no ``k`` matches it, or when the states hold fewer
    distinct points than ``k`` would need.
    """
    empty = torch.zeros(0, points.shape[1])
    free = accuracy_with(empty)
    tried: list[dict[str, float]] = []
    distinct = len(np.unique(points.round(6), axis=0))
    for k in snap_ladder(largest):
        if k > distinct:
            break
        fit = kmeans(points, k, np.random.default_rng(seed))
        centroids = torch.tensor(fit.centroids, dtype=torch.float32)
        snapped = accuracy_with(centroids)
        tried.append({"k": k, "val": round(snapped, 6)})
        if snapped >= free - tolerance:
            return centroids, {"k": k, "val_free": round(free, 6), "tried": tried}
    return empty, {"k": 0, "val_free": round(free, 6), "tried": tried}

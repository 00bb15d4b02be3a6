"""States grouped by how a network answers after every short suffix (Myhill-Nerode, by sampling).

Two states that answer alike after every suffix tried are one class as far as those suffixes can
tell, however far apart they lie; k-means, which groups by distance, splits such a class where a
network spreads it and merges classes it keeps close. The snapped networks
(:mod:`baselines.automaton_learners.state_regularised_gru`) place their centroids at these
groups' means when no k-means placement is perfect on validation (``place_by="answers"``).

>>> step = lambda states, ids: states + ids[:, None].float()  # a counter: each symbol adds itself
>>> answer = lambda states: states[:, :1] > 1.5             # accepts above 1.5
>>> answer_groups(torch.tensor([[0.0], [0.1], [2.0]]), step, answer, symbols=2)
tensor([[0.0500],
        [2.0000]])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

# At most this many suffixes: all strings up to the longest length that keeps within it, and the
# empty one.
SUFFIXES = 128


@torch.no_grad()
def answer_groups(
    points: torch.Tensor,
    step: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    answer: Callable[[torch.Tensor], torch.Tensor],
    symbols: int,
) -> torch.Tensor:
    """Means of ``points`` grouped by their answers after every short suffix, the largest group
    first. ``step(states, ids)``: the next states (one symbol id a row); ``answer(states)``: a
    ``[rows, 1]`` boolean verdict."""
    answers, frontier = [answer(points)], points
    while len(frontier) // len(points) * symbols <= SUFFIXES:
        ids = torch.arange(symbols, device=points.device).repeat_interleave(len(frontier))
        frontier = step(frontier.repeat(symbols, 1), ids)
        answers.append(answer(frontier).squeeze(-1).reshape(-1, len(points)).T)
    signatures = torch.cat(answers, dim=1).cpu().numpy()
    _, owner, counts = np.unique(signatures, axis=0, return_inverse=True, return_counts=True)
    owner = torch.from_numpy(owner.reshape(-1)).to(points.device)
    sums = torch.zeros(len(counts), points.shape[1], device=points.device).index_add_(0, owner, points)
    means = sums / torch.from_numpy(counts).to(sums)[:, None]
    return means[torch.from_numpy(np.argsort(-counts, kind="stable")).to(points.device)]

"""Group an observation table's rows into states when some of its answers are wrong.

An observation table (:mod:`baselines.automata.observation_table`) gives two prefixes the same state when
their rows are equal. Read off a network that is wrong on 1-2% of strings -- one trained on
labels with errors, or one that has not finished fitting a large automaton -- nearly every row
carries a wrong answer or two of its own, and equality makes a state of each: 95-98 states where
multiples of 29 have 29 (docs/noise-and-size.md). Rows of two different states differ on many
suffixes (two residues modulo 29 on about 2/29 of them), rows of one state only where the network
is wrong, so rows close in Hamming distance are grouped instead: **average-linkage agglomerative
clustering**, which merges the two closest groups (mean distance between their rows) until one
is left. Each stage of it is a candidate partition; which stage -- how many states -- is not a
threshold chosen here but decided by the caller on the labelled strings.

>>> rows = torch.tensor([[1, 0, 0, 0, 1], [1, 0, 0, 0, 0], [0, 1, 1, 0, 0], [0, 1, 1, 1, 0]]).bool()
>>> stages, heights = agglomerate(hamming(rows), torch.ones(4))
>>> [groups.tolist() for groups in stages], heights
([[0, 1, 2, 3], [0, 0, 1, 2], [0, 0, 1, 1], [0, 0, 0, 0]], [1.0, 1.0, 4.0])
"""

from __future__ import annotations

import torch


def hamming(rows: torch.Tensor, others: torch.Tensor | None = None) -> torch.Tensor:
    """``[n, m]`` Hamming distances between the bool rows ``[n, columns]`` and ``others``
    ``[m, columns]`` (default: ``rows`` themselves), as two matrix products.

    >>> hamming(torch.tensor([[True, False], [False, False]])).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    ones = rows.double()
    theirs = ones if others is None else others.double()
    return ones @ (1 - theirs).T + (1 - ones) @ theirs.T


def agglomerate(distance: torch.Tensor, weights: torch.Tensor) -> tuple[list[torch.Tensor], list[float]]:
    """Every stage of average-linkage clustering of ``n`` rows ``distance`` ``[n, n]`` apart --
    a list of ``[n]`` group numbers, from one group per row to a single group (numbered in order
    of first row) -- and the height (linkage distance) of each merge: stage ``i + 1`` is stage
    ``i`` after a merge at ``heights[i]``.

    ``weights`` counts how many prefixes share each (distinct) row, so that a row many prefixes
    reach weighs as much as that many equal rows. Ties merge the lowest-numbered pair first:
    the stages are deterministic. Cost: ``n`` merges of an ``[n, n]`` matrix, fine for the few
    hundred distinct rows of a table.
    """
    n = len(distance)
    distance = distance.double().clone()
    distance.fill_diagonal_(float("inf"))
    size = weights.double().clone()
    group = torch.arange(n)  # each row's current cluster (a representative row's index)
    stages, heights = [_numbered(group)], []
    for _ in range(n - 1):
        flat = int(torch.argmin(distance))
        a, b = sorted(divmod(flat, n))
        heights.append(float(distance[a, b]))
        # Average linkage: the merged cluster's distance to another is the size-weighted mean.
        merged = (size[a] * distance[a] + size[b] * distance[b]) / (size[a] + size[b])
        distance[a], distance[:, a] = merged, merged
        distance[a, a] = float("inf")
        distance[b], distance[:, b] = float("inf"), float("inf")
        size[a] += size[b]
        group[group == b] = a
        stages.append(_numbered(group))
    return stages, heights


def _numbered(group: torch.Tensor) -> torch.Tensor:
    """Cluster representatives renumbered 0, 1, ... in order of first appearance."""
    _, first = torch.unique(group, return_inverse=True)
    order = {}
    for value in first.tolist():
        order.setdefault(value, len(order))
    return torch.tensor([order[value] for value in first.tolist()])


def consensus(rows: torch.Tensor, groups: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """``[groups, columns]`` bool: each group's weighted majority answer per column (a tie: no).

    >>> rows = torch.tensor([[1, 0], [1, 1], [1, 0]]).bool()
    >>> consensus(rows, torch.tensor([0, 0, 0]), torch.ones(3)).tolist()
    [[True, False]]
    """
    count = int(groups.max()) + 1
    votes = torch.zeros(count, rows.shape[1], dtype=torch.float64)
    votes.index_add_(0, groups, rows.double() * weights.double()[:, None])
    totals = torch.zeros(count, dtype=torch.float64).index_add_(0, groups, weights.double())
    return 2 * votes > totals[:, None]

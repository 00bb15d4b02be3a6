"""k-means: one k-means++ seeding, and the two Lloyd loops that start from it.

:func:`plus_plus` is the seeding (Arthur & Vassilvitskii, 2007): the first centre a uniformly
drawn point, each next one a point drawn with probability proportional to its squared distance
from the nearest centre so far. It is written once, over a :class:`Space` that says where the
draws and distances come from:

* :class:`NumpySpace` -- a ``numpy.random.Generator`` and float64 arrays, for :func:`kmeans`
  (automaton extraction, :mod:`baselines.automata.extraction`: several restarts, Lloyd to convergence);
* :class:`TorchSpace` -- a ``torch.Generator`` and the network's own tensors, for
  :func:`torch_kmeans` (the snapped networks' centroids, :mod:`baselines.networks.snapped_network`: one
  start, a fixed number of rounds).

Each space computes distances exactly as its caller did before the seeding was shared, so every
draw, and every published answer, is what it was: a torch ``cdist`` of all centres so far, or a
running numpy minimum. (A running minimum of ``cdist`` columns differs from ``cdist`` of all
columns in the last bit in about one point of twenty, and ``torch.multinomial`` draws by an
argmax that such a bit can flip.)

>>> points = np.array([[0.0], [0.1], [5.0], [5.2]])
>>> sorted(np.round(kmeans(points, 2, np.random.default_rng(0)).centroids[:, 0], 2).tolist())
[0.05, 5.1]
>>> torch_kmeans(torch.tensor(points, dtype=torch.float32), 2, torch.Generator().manual_seed(0)).shape
torch.Size([2, 1])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch

# Lloyd rounds of the snapped networks' k-means: a fixed number (no convergence test), as it was
# measured with; the network trains on from the centroids anyway.
TORCH_ROUNDS = 25


class Space(Protocol):
    """Where k-means++ draws from and how it measures: numpy or torch (see the module)."""

    def uniform(self, count: int) -> int:
        """A row drawn uniformly from ``range(count)``."""
        ...

    def weighted(self, weights: Any) -> int:
        """A row drawn with probability proportional to ``weights`` (their sum is positive)."""
        ...

    def gaps(self, points: Any, chosen: list[int], previous: Any | None) -> Any:
        """Each point's squared distance to its nearest chosen point; ``previous``: the gaps
        before the last one was chosen (None for the first)."""
        ...


class NumpySpace:
    """numpy draws and float64 distances, the running minimum over the centres."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def uniform(self, count: int) -> int:
        return int(self.rng.integers(count))

    def weighted(self, weights: np.ndarray) -> int:
        return int(self.rng.choice(len(weights), p=weights / weights.sum()))

    def gaps(self, points: np.ndarray, chosen: list[int], previous: np.ndarray | None) -> np.ndarray:
        latest = ((points - points[chosen[-1]]) ** 2).sum(1)
        return latest if previous is None else np.minimum(previous, latest)


class TorchSpace:
    """torch draws from a ``torch.Generator``, distances by ``cdist`` to every centre so far."""

    def __init__(self, generator: torch.Generator) -> None:
        self.generator = generator

    def uniform(self, count: int) -> int:
        return int(torch.randint(count, (1,), generator=self.generator))

    def weighted(self, weights: torch.Tensor) -> int:
        return int(torch.multinomial(weights, 1, generator=self.generator))

    def gaps(self, points: torch.Tensor, chosen: list[int], previous: torch.Tensor | None) -> torch.Tensor:
        return torch.cdist(points, points[chosen]).square().min(dim=-1).values


def plus_plus(points: Any, k: int, space: Space) -> list[int]:
    """The rows of ``points`` k-means++ picks as the first centres: ``k`` of them, or fewer when
    every point already is a centre (fewer distinct points than ``k``).

    >>> plus_plus(np.array([[0.0], [0.0], [3.0]]), 3, NumpySpace(np.random.default_rng(0)))
    [2, 0]
    """
    chosen = [space.uniform(len(points))]
    gaps = space.gaps(points, chosen, None)
    while len(chosen) < k:
        if float(gaps.sum()) <= 0:
            break
        chosen.append(space.weighted(gaps))
        gaps = space.gaps(points, chosen, gaps)
    return chosen


@torch.no_grad()
def torch_kmeans(points: torch.Tensor, k: int, generator: torch.Generator) -> torch.Tensor:
    """At most ``k`` centroids of ``points``: k-means++, then :data:`TORCH_ROUNDS` Lloyd rounds
    (a centroid left without points stays where it is)."""
    chosen = points[plus_plus(points, k, TorchSpace(generator))]
    for _ in range(TORCH_ROUNDS):
        owner = torch.cdist(points, chosen).argmin(dim=-1)
        sums = torch.zeros_like(chosen).index_add_(0, owner, points)
        counts = torch.bincount(owner, minlength=len(chosen))[:, None]
        chosen = torch.where(counts > 0, sums / counts.clamp(min=1), chosen)
    return chosen


@dataclass(frozen=True)
class Clustering:
    """A fitted k-means: ``k`` centroids, and how tightly they hold the points they were fitted on."""

    centroids: np.ndarray
    inertia: float  # sum of squared distances of the fitted points to their centroids

    def assign(self, points: np.ndarray) -> np.ndarray:
        """Index of the nearest centroid of every point."""
        return nearest(points, self.centroids)[0]


def nearest(
    points: np.ndarray, centroids: np.ndarray, squared: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(nearest centroid, squared distance to it) of every point; ``squared``: the points' squared
    norms, when the caller has them (Lloyd's iterations reuse them)."""
    # ||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2, as one matrix product rather than a (n, k, d) cube
    if squared is None:
        squared = (points**2).sum(1)
    distances = squared[:, None] - 2 * points @ centroids.T + (centroids**2).sum(1)[None, :]
    near = distances.argmin(1)
    return near, np.maximum(distances[np.arange(len(points)), near], 0.0)


def kmeans(
    points: np.ndarray,
    k: int,
    rng: np.random.Generator,
    restarts: int = 3,
    iterations: int = 100,
) -> Clustering:
    """k-means++ seeding and Lloyd's iterations; the best of ``restarts`` fits.

    All randomness comes from ``rng``, so equal generators give equal clusterings. With fewer
    distinct points than ``k``, the missing centres are uniformly drawn points; a cluster left
    empty is re-seeded at the point farthest from its centroid.

    >>> points = np.array([[0.0], [0.1], [5.0], [5.2]])
    >>> fit = kmeans(points, 2, np.random.default_rng(0))
    >>> bool(fit.assign(np.array([[4.0]]))[0] == fit.assign(points[2:3])[0])  # 4.0 joins 5.0
    True
    """
    points = np.asarray(points, dtype=np.float64)
    squared = (points**2).sum(1)
    space = NumpySpace(rng)
    best: Clustering | None = None
    for _ in range(restarts):
        rows = plus_plus(points, k, space)
        rows += [space.uniform(len(points)) for _ in range(k - len(rows))]  # duplicates: re-seeded below
        centroids = _lloyd(points, points[rows], squared, iterations)
        fit = Clustering(centroids, float(nearest(points, centroids, squared)[1].sum()))
        if best is None or fit.inertia < best.inertia:
            best = fit
    assert best is not None
    return best


def _lloyd(points: np.ndarray, centroids: np.ndarray, squared: np.ndarray, iterations: int) -> np.ndarray:
    """Lloyd's iterations from ``centroids`` until they stop moving (at most ``iterations``)."""
    k = len(centroids)
    for _ in range(iterations):
        labels, distances = nearest(points, centroids, squared)
        counts = np.bincount(labels, minlength=k)
        # Each cluster's sum, one bincount per dimension: the same sums as np.add.at, in the same
        # order, three to four times faster (np.add.at was half of explain's time).
        sums = np.zeros_like(centroids)
        for dimension in range(points.shape[1]):
            sums[:, dimension] = np.bincount(labels, weights=points[:, dimension], minlength=k)
        moved = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], centroids)
        for empty in np.flatnonzero(counts == 0):
            far = int(distances.argmax())
            moved[empty], distances[far] = points[far], 0.0
        if np.allclose(moved, centroids, rtol=0, atol=1e-10):
            break
        centroids = moved
    return centroids

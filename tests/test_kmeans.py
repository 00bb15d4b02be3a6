"""One k-means++ for both k-means: the numpy one of extraction and the torch one of the snapped
networks (``baselines/automata/kmeans.py``)."""

from __future__ import annotations

import numpy as np
import torch

from baselines.automata.kmeans import NumpySpace, TorchSpace, kmeans, plus_plus, torch_kmeans

BLOBS = np.concatenate(
    [np.random.default_rng(0).normal(centre, 0.01, (50, 2)) for centre in (0.0, 5.0, 10.0)]
)


def test_plus_plus_takes_one_point_of_each_far_apart_blob_in_either_space():
    # With blobs this far apart, the second and third draws land in the blobs not yet taken.
    for space, points in (
        (NumpySpace(np.random.default_rng(1)), BLOBS),
        (TorchSpace(torch.Generator().manual_seed(1)), torch.from_numpy(BLOBS).float()),
    ):
        rows = plus_plus(points, 3, space)
        assert sorted(row // 50 for row in rows) == [0, 1, 2]


def test_plus_plus_stops_when_every_point_is_a_centre():
    points = np.array([[0.0], [0.0], [1.0], [1.0]])
    rows = plus_plus(points, 4, NumpySpace(np.random.default_rng(0)))
    assert sorted(points[rows, 0].tolist()) == [0.0, 1.0]
    assert len(torch_kmeans(torch.from_numpy(points).float(), 4, torch.Generator().manual_seed(0))) == 2


def test_numpy_kmeans_still_gives_k_centroids_when_fewer_points_differ():
    points = np.array([[0.0], [0.0], [1.0], [1.0]])
    fit = kmeans(points, 3, np.random.default_rng(0))
    assert len(fit.centroids) == 3 and fit.inertia == 0.0


def test_both_find_the_blobs_and_equal_generators_give_equal_centroids():
    fit = kmeans(BLOBS, 3, np.random.default_rng(2))
    assert sorted(np.round(fit.centroids[:, 0]).tolist()) == [0.0, 5.0, 10.0]
    points = torch.from_numpy(BLOBS).float()
    first = torch_kmeans(points, 3, torch.Generator().manual_seed(2))
    again = torch_kmeans(points, 3, torch.Generator().manual_seed(2))
    assert torch.equal(first, again)
    assert sorted(torch.round(first[:, 0]).tolist()) == [0.0, 5.0, 10.0]

"""Snapping a GRU's state after training (place-attention, model version 3): the rule that picks
the centroids, the snapped recurrence, and that a saved snapped network answers the same."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from baselines.networks.place_attention import PlaceAttentionModel
from baselines.networks.state_snapping import choose_centroids, snapped_states
from baselines.training.train import load_checkpoint, save_checkpoint
from challenges import get_challenge

ADD2 = get_challenge("add-base2")
# Version 3's snap ladder after training (version 5 trains through a pruned snap instead).
TINY = dict(max_steps=12, eval_every=4, embed=8, key=4, value=4, features=8, hidden_size=8, restarts=1,
            snap_train_steps=0, presence=False, snap_prune=False, replay_wrong=0.0)  # fmt: skip


def test_every_snapped_state_is_a_centroid_and_no_centroids_is_the_free_gru():
    torch.manual_seed(0)
    gru, features = nn.GRU(5, 3, batch_first=True), torch.randn(4, 7, 5)
    centroids = torch.randn(6, 3)
    with torch.no_grad():
        states = snapped_states(gru, features, centroids).reshape(-1, 3)
        assert torch.cdist(states, centroids).min(dim=1).values.max() == 0
        assert torch.equal(snapped_states(gru, features, centroids[:0]), gru(features)[0])


def test_the_smallest_k_that_keeps_validation_accuracy_is_chosen():
    points = np.random.default_rng(0).normal(size=(200, 2))
    asked = []

    def accuracy_with(centroids):  # free: 0.75; snapped: better the more centroids
        asked.append(len(centroids))
        return {0: 0.75, 2: 0.5, 4: 0.75}.get(len(centroids), 1.0)

    centroids, tried = choose_centroids(points, accuracy_with, largest=64, seed=0)
    assert len(centroids) == 4 and tried["k"] == 4 and asked == [0, 2, 4]  # 0.5 at 2, 0.75 at 4
    assert [t["k"] for t in tried["tried"]] == [2, 4]


def test_a_tolerance_takes_a_smaller_k_that_loses_a_little():
    points = np.random.default_rng(0).normal(size=(200, 2))
    scores = {0: 0.75, 2: 0.5, 4: 0.74, 8: 0.75}
    centroids, tried = choose_centroids(points, lambda c: scores[len(c)], largest=8, seed=0, tolerance=0.02)
    assert len(centroids) == 4 and tried["k"] == 4
    centroids, tried = choose_centroids(points, lambda c: scores[len(c)], largest=8, seed=0)
    assert len(centroids) == 8


def test_no_k_that_keeps_accuracy_leaves_the_network_free():
    points = np.random.default_rng(0).normal(size=(50, 2))
    centroids, tried = choose_centroids(points, lambda c: 1.0 if not len(c) else 0.5, largest=8, seed=0)
    assert len(centroids) == 0 and tried["k"] == 0 and [t["k"] for t in tried["tried"]] == [2, 4, 8]


def test_fewer_distinct_states_than_k_stop_the_ladder():
    points = np.repeat(np.eye(3), 10, axis=0)  # three distinct states
    _, tried = choose_centroids(points, lambda c: 1.0 if not len(c) else 0.0, largest=64, seed=0)
    assert [t["k"] for t in tried["tried"]] == [2]


def test_a_fitted_network_is_snapped_when_answering_and_saved_with_its_centroids(tmp_path):
    train, val = ADD2.sample("train", 256, seed=0), ADD2.sample("val", 64, seed=0)
    model = PlaceAttentionModel(**TINY, restart_below=0.0)
    report = model.fit(ADD2.learner_view(), train, val, seed=2)
    snap = report.extra["snap"]
    assert len(model.network.centroids) == snap["k"] and snap["tried"]
    assert snap["k"] == 0 or snap["tried"][-1]["val"] >= snap["val_free"] - 0.002
    texts = ADD2.sample("test", 30, seed=1, length=12).texts
    loaded = load_checkpoint(save_checkpoint(model, tmp_path / "model.pt"))
    assert loaded.predict(texts).tolist() == model.predict(texts).tolist()
    assert torch.equal(loaded.network.centroids, model.network.centroids)


def test_snap_max_zero_never_snaps():
    train, val = ADD2.sample("train", 128, seed=0), ADD2.sample("val", 32, seed=0)
    model = PlaceAttentionModel(**TINY, snap_max=0)
    report = model.fit(ADD2.learner_view(), train, val, seed=0)
    assert report.extra["snap"] == {"k": 0, "tried": []} and len(model.network.centroids) == 0

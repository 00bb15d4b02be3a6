"""Pruning a snapped network's centroids: the tabulated automaton answers as the network does, and
pruning keeps the fewest centroids that lose no validation accuracy."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines.networks.place_attention import (
    PlaceAttentionClassifier,
    PlaceAttentionConfig,
    PlaceAttentionModel,
)
from baselines.networks.state_pruning import prune_centroids, tabulate
from baselines.training.train import LabelledBatch
from challenges import get_challenge

ADD2 = get_challenge("add-base2")
# Version 3's mechanisms but for the one each test names (version 5 has all four on).
TINY = dict(max_steps=12, eval_every=4, embed=8, key=4, value=4, features=8, hidden_size=8,
            snap_train_steps=0, presence=False, snap_prune=False, replay_wrong=0.0)  # fmt: skip


def _snapped_network(centroids: int, seed: int = 0) -> PlaceAttentionClassifier:
    network = PlaceAttentionClassifier(len(ADD2.alphabet), ADD2.base, PlaceAttentionConfig(**TINY))
    generator = torch.Generator().manual_seed(seed)
    network.reset_parameters(generator)
    network.centroids = torch.randn(centroids, 8, generator=generator)
    return network.eval()


def _table(network: PlaceAttentionClassifier, batch: LabelledBatch):
    with torch.no_grad():
        features = network.backwards_features(batch.ids, batch.lengths.clamp(min=1))
    return tabulate(network.gru, features, batch.lengths.clamp(min=1), network.centroids, network.verdicts)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_table_answers_as_the_snapped_network_does(seed):
    network = _snapped_network(12, seed)
    batch = LabelledBatch.of(ADD2.sample("val", 200, seed=seed), ADD2.alphabet, torch.device("cpu"))
    table = _table(network, batch)
    with torch.no_grad():
        own = (network(batch.ids, batch.lengths) > 0).numpy()
    every = np.ones(12, dtype=bool)
    assert np.array_equal(table.answers(every), own)
    # With some centroids deleted, the table answers as the network holding only the others.
    alive = np.arange(12) % 3 != 0
    network.centroids = network.centroids[torch.as_tensor(alive)]
    with torch.no_grad():
        assert np.array_equal(table.answers(alive), (network(batch.ids, batch.lengths) > 0).numpy())


def test_pruning_never_loses_accuracy_and_deletes_what_changes_nothing():
    network = _snapped_network(16)
    batch = LabelledBatch.of(ADD2.sample("val", 300, seed=0), ADD2.alphabet, torch.device("cpu"))
    table = _table(network, batch)
    every = np.ones(16, dtype=bool)
    labels = batch.labels.numpy() > 0.5
    alive, record = prune_centroids(table, labels)
    full_accuracy = round(float(np.mean(table.answers(every) == labels)), 6)
    assert record["accuracy"] >= record["accuracy_before"] == full_accuracy
    assert record["k"] == alive.sum() < 16  # never-visited centroids go at least
    assert record["accuracy"] == round(float(np.mean(table.answers(alive) == labels)), 6)
    # Told to keep its own answers, it keeps every one of them.
    alive, record = prune_centroids(table, table.answers(every))
    assert record["accuracy"] == 1.0 and np.array_equal(table.answers(alive), table.answers(every))


def test_a_deletion_the_network_refuses_is_not_kept():
    """The table only proposes: ``confirm`` (the network's own accuracy) has the last word."""
    network = _snapped_network(16)
    batch = LabelledBatch.of(ADD2.sample("val", 300, seed=0), ADD2.alphabet, torch.device("cpu"))
    table = _table(network, batch)
    alive, record = prune_centroids(table, batch.labels.numpy() > 0.5,
                                    confirm=lambda alive: 1.0 if alive.all() else 0.0)  # fmt: skip
    assert alive.all() and record["k"] == 16 and record["refused_by_network"] > 0
    assert record["accuracy"] == record["accuracy_before"] == 1.0


def test_snap_prune_keeps_the_answering_network_and_records_what_it_kept():
    """``snap_prune``: after the snap, the network answers with the pruned centroids; off, it is
    out of the config's dict, as version 3 had it."""
    assert "snap_prune" not in PlaceAttentionModel(snap_prune=False).config_dict()
    train, val = ADD2.sample("train", 256, seed=0), ADD2.sample("val", 64, seed=0)
    options = dict(TINY, curriculum_start=100, restarts=1, snap_train_steps=8, snap_train_k=6,
                   snap_prune=True)  # fmt: skip
    model = PlaceAttentionModel(**options)
    report = model.fit(ADD2.learner_view(), train, val, seed=2)
    pruned = report.extra["snap"]["pruned"]
    assert 1 <= pruned["k"] <= 6 and len(model.network.centroids) == pruned["k"]
    assert pruned["val"] >= report.extra["snap"]["val"] - 1e-9 and report.best_val_accuracy == pruned["val"]
    assert np.mean(model.predict(val.texts) == val.labels) == pytest.approx(pruned["val"], abs=1e-6)

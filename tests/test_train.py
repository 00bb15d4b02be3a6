"""The shared loop: budgets, early stopping, determinism, devices and checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines.networks.rnn import GRUModel
from baselines.training.train import (
    LabelledBatch,
    accuracies,
    load_checkpoint,
    resolve_device,
    save_checkpoint,
)
from challenges import get_challenge
from challenges.errors import InvalidArgument

DIV3 = get_challenge("div3-base10")
TRAIN = DIV3.sample("train", 1000, seed=0)
VAL = DIV3.sample("val", 200, seed=0)
PROBE = np.array(["0", "12", "13", "999999", "1" * 40])


def small_gru(**options) -> GRUModel:
    torch.set_num_threads(1)
    return GRUModel(**{"hidden_size": 8, "max_steps": 40, "eval_every": 10, **options})


def test_same_seed_same_weights_and_answers():
    first, second = small_gru(), small_gru()
    first.fit(DIV3, TRAIN, VAL, seed=3)
    second.fit(DIV3, TRAIN, VAL, seed=3)
    for (name, a), (_, b) in zip(first.network.state_dict().items(), second.network.state_dict().items()):
        assert torch.equal(a, b), name
    assert first.predict(PROBE).tolist() == second.predict(PROBE).tolist()


def test_another_seed_gives_other_weights():
    first, second = small_gru(), small_gru()
    first.fit(DIV3, TRAIN, VAL, seed=0)
    second.fit(DIV3, TRAIN, VAL, seed=1)
    assert not torch.equal(first.network.head.weight, second.network.head.weight)


def test_budget_progress_and_best_state_restore():
    seen = []
    model = small_gru(max_steps=30, patience=100, target_accuracy=None)  # never stops early
    model.progress = seen.append
    report = model.fit(DIV3, TRAIN, VAL, seed=0)
    assert report.steps == 30
    assert [p.step for p in seen] == [10, 20, 30]
    assert seen[-1].fraction == 1.0
    assert report.best_val_accuracy == max(p.val_accuracy for p in seen)
    # The restored state is the best one seen, so it scores exactly the reported accuracy.
    restored = float(accuracies(model.network, LabelledBatch.of(VAL, DIV3.alphabet, model.device)))
    assert restored == report.best_val_accuracy


def test_patience_stops_training_early():
    model = small_gru(max_steps=10_000, lr=1e-9, patience=2, eval_every=5)  # nothing can improve
    report = model.fit(DIV3, TRAIN, VAL, seed=0)
    assert report.steps == 15  # the first evaluation sets the best; two more without gain


def test_unknown_device_and_missing_cuda_are_clear_errors(monkeypatch):
    with pytest.raises(InvalidArgument, match="unknown device 'gpu'"):
        GRUModel(device="gpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(InvalidArgument, match="CUDA is not available"):
        GRUModel(device="cuda")
    with pytest.raises(InvalidArgument, match="CUDA is not available"):
        resolve_device("cuda:1")
    assert resolve_device("cpu") == torch.device("cpu")


def test_checkpoint_round_trip(tmp_path):
    model = small_gru()
    model.fit(DIV3, TRAIN, VAL, seed=0)
    path = save_checkpoint(model, tmp_path / "gru.pt")
    saved = torch.load(path, weights_only=True)  # plain data only: no pickled classes
    assert saved["model"] == "gru" and saved["config"]["hidden_size"] == 8
    loaded = load_checkpoint(path)
    assert loaded.config == model.config
    assert loaded.predict(PROBE).tolist() == model.predict(PROBE).tolist()


def test_missing_or_damaged_checkpoints_are_clear_errors(tmp_path):
    with pytest.raises(InvalidArgument, match="no checkpoint at"):
        load_checkpoint(tmp_path / "absent.pt")
    damaged = tmp_path / "damaged.pt"
    damaged.write_bytes(b"not a checkpoint")
    with pytest.raises(InvalidArgument, match="not a readable checkpoint"):
        load_checkpoint(damaged)
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(2)}, foreign)
    with pytest.raises(InvalidArgument, match="missing model, config, alphabet, state_dict"):
        load_checkpoint(foreign)
    with pytest.raises(InvalidArgument, match="fit it first"):
        save_checkpoint(small_gru(), tmp_path / "unfitted.pt")


@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_one_kernel_updates_give_the_per_parameter_weights_to_the_bit(weight_decay):
    """The loop's Adam (or AdamW) and clipping run ``foreach`` on CPU for speed; the records made
    before that change must come back, so every weight must equal the per-parameter update's."""
    from torch import nn

    from baselines.training.train import TrainConfig, _optimiser

    def trained(foreach: bool) -> list[torch.Tensor]:
        torch.manual_seed(0)
        network = nn.GRU(11, 16, batch_first=True)
        config = TrainConfig(lr=0.01)
        config.weight_decay = weight_decay  # as the transformer's config carries it
        per_parameter = torch.optim.AdamW if weight_decay else torch.optim.Adam
        decay = {"weight_decay": weight_decay} if weight_decay else {}
        if foreach:
            optimiser = _optimiser(network, config)
        else:
            optimiser = per_parameter(network.parameters(), lr=0.01, foreach=False, **decay)
        inputs = torch.randn(64, 7, 11, generator=torch.Generator().manual_seed(1))
        for _ in range(30):
            optimiser.zero_grad()
            network(inputs)[0].square().mean().backward()
            nn.utils.clip_grad_norm_(network.parameters(), 0.1, foreach=foreach)
            optimiser.step()
        return [p.detach() for p in network.parameters()]

    assert all(torch.equal(a, b) for a, b in zip(trained(True), trained(False)))


def test_a_config_asking_for_replay_draws_wrong_strings_into_its_minibatches():
    """``replay_wrong`` (baselines/training/replay.py), read by the loop from any config that has it:
    the minibatches after the first evaluation change (so the weights do), and the seed still
    decides everything."""
    from dataclasses import dataclass

    from baselines.training.train import TrainConfig, train_network

    @dataclass
    class Replaying(TrainConfig):
        replay_wrong: float = 0.0

    train = LabelledBatch.of(TRAIN, DIV3.alphabet, torch.device("cpu"))
    val = LabelledBatch.of(VAL, DIV3.alphabet, torch.device("cpu"))

    def weights(share: float) -> list[torch.Tensor]:
        network = small_gru().build(DIV3.alphabet, None)
        network.reset_parameters(torch.Generator().manual_seed(0))
        config = Replaying(max_steps=60, eval_every=10, patience=100, batch_size=32, replay_wrong=share)
        train_network(network, train, val, config, torch.Generator().manual_seed(1))
        return [p.detach() for p in network.parameters()]

    plain, replayed, again = weights(0.0), weights(0.5), weights(0.5)
    assert all(torch.equal(a, b) for a, b in zip(replayed, again))
    assert not all(torch.equal(a, b) for a, b in zip(plain, replayed))

"""The place-attention checker: where it looks, padding and chunking invariance, curriculum, options."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from baselines.networks import place_attention, place_training
from baselines.networks.place_attention import (
    PlaceAttention,
    PlaceAttentionClassifier,
    PlaceAttentionConfig,
    PlaceAttentionModel,
    places_and_numbers,
)
from baselines.training.encoding import encode
from baselines.training.train import LabelledBatch
from challenges import get_challenge
from challenges.errors import InvalidArgument

ADD2, ADD10 = get_challenge("add-base2"), get_challenge("add-base10")
# Version 3's mechanisms, each tested alone: the snap ladder, no presence bit, no pruning, no replay.
# Version 5's defaults (all four on) have their own tests.
VERSION_3 = dict(snap_train_steps=0, presence=False, snap_prune=False, replay_wrong=0.0)
TINY = dict(max_steps=12, eval_every=4, embed=8, key=4, value=4, features=8, hidden_size=8, **VERSION_3)


def _network(challenge, seed=0, **options):
    config = PlaceAttentionConfig(**options)
    network = PlaceAttentionClassifier(len(challenge.alphabet), challenge.base, config)
    network.reset_parameters(torch.Generator().manual_seed(seed))
    return network.eval()


def test_each_digit_looks_at_every_number_around_its_own_place():
    ids, _ = encode(np.array(["101+11=1000"]), ADD2.alphabet)
    places, numbers = places_and_numbers(ids, base=2, symbols=4)
    where = PlaceAttention(PlaceAttentionConfig(window=1))._key_positions(places, numbers)
    assert where.shape == (1, 11, 3, 3)  # rows, symbols, numbers, offsets -1..1
    # The result's units digit (position 10, place 0) sees a's places -1, 0, 1 at -, 2, 1; b's at -, 5, 4.
    assert where[0, 10].tolist() == [[-1, 2, 1], [-1, 5, 4], [-1, 10, 9]]
    # The result's top digit (place 3) finds nothing in a or b at places 2-4 but a's first digit.
    assert where[0, 7].tolist() == [[0, -1, -1], [-1, -1, -1], [8, 7, -1]]
    assert (where[0, 3] == -1).all()  # a separator looks nowhere: only the sink


@pytest.mark.parametrize(
    "options", [{}, {"window": 2, "content": True}, {"window": 1, "slots": True}, {"pooling": "last"},
                {"hard_attention": False}, {"presence": True},
                {"window": 1, "slots": True, "presence": True}],
)  # fmt: skip
def test_padding_never_changes_an_answer(options):
    network = _network(ADD10, **{**TINY, **options})
    alone = encode(np.array(["12+29=41"]), ADD10.alphabet)
    padded = encode(np.array(["12+29=41", "1234567+89=1234656"]), ADD10.alphabet)
    with torch.no_grad():
        torch.testing.assert_close(network(*alone), network(*padded)[:1])


def test_long_strings_are_evaluated_in_chunks_with_the_same_answers(monkeypatch):
    network = _network(ADD2, seed=1, **TINY, window=1, content=True)
    ids, lengths = encode(ADD2.sample("test", 4, length=100).texts, ADD2.alphabet)
    with torch.no_grad():
        whole = network(ids, lengths)
        monkeypatch.setattr(place_attention, "_GATHER_BUDGET", 1)  # one row a chunk
        torch.testing.assert_close(network(ids, lengths), whole)


def test_attention_is_hard_when_evaluating_and_soft_when_training():
    attention = PlaceAttention(PlaceAttentionConfig(window=1, value=2, hard_attention=True, presence=False))
    with torch.no_grad():
        attention.sink_value.fill_(5.0)
        attention.sink_bias.fill_(0.3)  # the sink wins everywhere, but not by all
    ids, _ = encode(np.array(["1+1=10"]), ADD2.alphabet)
    places, numbers = places_and_numbers(ids, 2, 4)
    x = torch.randn(1, ids.shape[1], 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        soft = attention.train()(x, places, numbers)
        hard = attention.eval()(x, places, numbers)
    assert torch.equal(hard, torch.full_like(hard, 5.0)) and not torch.equal(soft, hard)


def test_same_seed_same_model_and_the_curriculum_runs_first():
    train, val = ADD2.sample("train", 256, seed=0), ADD2.sample("val", 64, seed=0)
    first = PlaceAttentionModel(**TINY, curriculum_start=12, curriculum_steps=3, restarts=1)
    second = PlaceAttentionModel(**TINY, curriculum_start=12, curriculum_steps=3, restarts=1)
    report = first.fit(ADD2.learner_view(), train, val, seed=3)
    second.fit(ADD2.learner_view(), train, val, seed=3)
    assert report.extra["curriculum"] == [3, 3, 3] and report.steps <= 12
    texts = ADD2.sample("test", 20, seed=0, length=40).texts
    guesses = first.predict(texts)
    assert guesses.dtype == bool and guesses.tolist() == second.predict(texts).tolist()
    for a, b in zip(first.network.state_dict().values(), second.network.state_dict().values()):
        assert torch.equal(a, b)


def test_restarts_run_while_validation_is_low_and_keep_the_best_counting_every_step():
    from baselines.training.train import LabelledBatch

    train, val = ADD2.sample("train", 256, seed=0), ADD2.sample("val", 64, seed=0)
    options = dict(TINY, curriculum_start=100, restarts=3)  # no curriculum stage: 12 steps a try
    once = PlaceAttentionModel(**options, restart_below=0.0).fit(ADD2.learner_view(), train, val, seed=1)
    assert len(once.extra["restarts"]) == 1 and once.steps <= 12
    model = PlaceAttentionModel(**options, restart_below=1.1)  # never reached: every try runs
    report = model.fit(ADD2.learner_view(), train, val, seed=1)
    tried = report.extra["restarts"]
    assert len(tried) == 3 and report.steps == sum(t["steps"] for t in tried) > 12
    assert report.best_val_accuracy == max(t["val"] for t in tried)
    val_set = LabelledBatch.of(val, ADD2.alphabet, torch.device("cpu"))
    assert model.network.validate(val_set)[0] == report.best_val_accuracy  # the kept one is the best


def test_restart_fit_restarts_while_training_strings_are_missed_and_keeps_the_best_on_all_labelled():
    train, val = ADD2.sample("train", 256, seed=0), ADD2.sample("val", 64, seed=0)
    options = dict(TINY, curriculum_start=100, restarts=3, restart_below=0.0)  # validation never asks
    report = PlaceAttentionModel(**options, restart_fit=1.0).fit(ADD2.learner_view(), train, val, seed=1)
    tried = report.extra["restarts"]
    assert len(tried) == 3  # 12 steps fit no tiny network to every training string
    assert all(0.0 <= t["train"] <= 1.0 and 0.0 <= t["labelled"] <= 1.0 for t in tried)
    assert tried[report.extra["chosen"]]["labelled"] == max(t["labelled"] for t in tried)
    satisfied = PlaceAttentionModel(**options, restart_fit=0.1).fit(ADD2.learner_view(), train, val, seed=1)
    assert len(satisfied.extra["restarts"]) == 1 and satisfied.extra["restarts"][0]["train"] >= 0.1


def test_version_5_trains_through_a_pruned_snap_with_presence_and_replay_by_default():
    """Version 5's defaults are the report runs' options (docs/place-attention.md): a third of the
    step budget through the snap, pruned, the presence bit, a tenth of each minibatch replayed; and
    a safety cap 25 times the profile's, so that 120 s never decides one of its figures."""
    from hofstadter.experiment import model_options_for
    from hofstadter.profiles import PROFILES

    config = PlaceAttentionModel(max_steps=3000).config
    chosen = (config.snap_steps, config.snap_prune, config.presence, config.replay_wrong)
    assert chosen == (1000, True, True, 0.1)
    assert PlaceAttentionModel.version == 5
    assert model_options_for("place-attention", PROFILES["quick"], "cpu")["max_seconds"] == 3000.0
    assert model_options_for("gru", PROFILES["quick"], "cpu")["max_seconds"] == 120.0
    train, val = ADD2.sample("train", 256, seed=0), ADD2.sample("val", 64, seed=0)
    small = {k: v for k, v in TINY.items() if k not in VERSION_3} | {"curriculum_start": 100, "restarts": 1}
    report = PlaceAttentionModel(**small).fit(ADD2.learner_view(), train, val, seed=2)
    assert report.extra["snap"]["trained_steps"] == 12 // 3 and "pruned" in report.extra["snap"]
    assert PlaceAttentionModel(pooling="last").config.snap_prune  # no verdict table: nothing pruned


def test_replay_wrong_at_0_is_out_of_the_key_and_a_fit_with_it_is_seeded():
    """``replay_wrong`` (the loop's, tests/test_train.py): at 0 out of the config's dict, as
    version 3 had it; a fit with it is the same fit again."""
    assert "replay_wrong" not in PlaceAttentionModel(replay_wrong=0.0).config_dict()
    assert PlaceAttentionModel(replay_wrong=0.25).config_dict()["replay_wrong"] == 0.25
    train, val = ADD2.sample("train", 256, seed=0), ADD2.sample("val", 64, seed=0)
    fitted = []
    for _ in range(2):
        model = PlaceAttentionModel(**dict(TINY, curriculum_start=100, restarts=1, replay_wrong=0.25))
        model.fit(ADD2.learner_view(), train, val, seed=1)
        fitted.append(list(model.network.state_dict().values()))
    assert all(torch.equal(a, b) for a, b in zip(*fitted))


def test_the_margin_kept_is_the_least_sure_at_the_longest_lengths():
    signed = torch.tensor([-3.0, 9.0, 1.0, 4.0, 0.25, 7.0, 6.0, 8.0])
    lengths = torch.tensor([1, 1, 9, 9, 9, 9, 9, 9])  # the longest quarter: length 9
    assert place_training.long_margin(signed, lengths) == 0.25  # -3 is short; one of six is the tenth


def test_gradients_reach_every_part():
    import torch.nn.functional as F

    from baselines.training.train import LabelledBatch

    network = _network(ADD10, **{**TINY, "window": 1, "content": True}).train()
    batch = LabelledBatch.of(ADD10.sample("train", 64, seed=0), ADD10.alphabet, torch.device("cpu"))
    F.binary_cross_entropy_with_logits(network(batch.ids, batch.lengths), batch.labels).backward()
    silent = [name for name, p in network.named_parameters() if p.grad is None or not p.grad.abs().sum()]
    assert silent == []


@pytest.mark.parametrize(
    "options, message",
    [({"pooling": "max"}, "unknown pooling"), ({"window": -1}, "window"), ({"numbers": 0}, "at least 1"),
     ({"restarts": 0}, "restarts"), ({"restart_fit": 1.5}, "restart_fit"),
     ({"replay_wrong": 1.0}, "replay_wrong")],  # fmt: skip
)
def test_bad_options_are_one_clear_error(options, message):
    with pytest.raises(InvalidArgument, match=message):
        PlaceAttentionConfig(**options)


def test_checkpoint_round_trip(tmp_path):
    from baselines.training.train import load_checkpoint, save_checkpoint

    model = PlaceAttentionModel(**TINY)
    train, val = ADD10.sample("train", 128, seed=0), ADD10.sample("val", 32, seed=0)
    model.fit(ADD10.learner_view(), train, val, seed=0)
    loaded = load_checkpoint(save_checkpoint(model, tmp_path / "place.pt"))
    texts = ADD10.sample("test", 30, seed=0, length=12).texts
    assert loaded.predict(texts).tolist() == model.predict(texts).tolist()
    assert loaded.network.base == 10


def test_the_shared_loop_reads_no_length_curriculum_into_its_stage_budget():
    """``curriculum_steps`` here is steps per stage, not the transformer's length ramp: the shared
    loop must admit every training string (from 1e6627f until the fix it ramped lengths here too)."""
    from baselines.networks.transformer import TransformerConfig
    from baselines.training.train import LabelledBatch, _curriculum_rows

    batch = LabelledBatch(torch.zeros(4, 3), torch.tensor([1, 2, 3, 3]), torch.zeros(4))
    assert _curriculum_rows(batch, PlaceAttentionConfig(curriculum_steps=600), 0) is None
    assert _curriculum_rows(batch, TransformerConfig(curriculum_steps=600), 0).tolist() == [0, 1]


def test_training_through_the_snap_counts_its_steps_and_answers_snapped():
    """With ``snap_train_steps``, that many more steps through the snap: the steps are counted, the
    learned centroids become the snap (no parameter left over), and a second fit is the same."""
    train, val = ADD2.sample("train", 256, seed=0), ADD2.sample("val", 64, seed=0)
    options = dict(TINY, curriculum_start=100, restarts=1, snap_train_steps=8, snap_train_k=4)
    first, second = PlaceAttentionModel(**options), PlaceAttentionModel(**options)
    report = first.fit(ADD2.learner_view(), train, val, seed=2)
    second.fit(ADD2.learner_view(), train, val, seed=2)
    snap = report.extra["snap"]
    assert snap["k"] == 4 and snap["trained_steps"] == 8 and report.steps == 12 + 8
    network = first.network
    assert network.snap_points is None and network.centroids.shape == (4, 8)
    assert "snap_points" not in network.state_dict()
    texts = ADD2.sample("test", 20, seed=0, length=40).texts
    assert first.predict(texts).tolist() == second.predict(texts).tolist()
    assert torch.equal(network.centroids, second.network.centroids)


def test_snap_fallback_snaps_the_free_network_by_the_ladder_where_the_trained_snap_lost(monkeypatch):
    """``snap_fallback``: a snap trained below the free network (here made so) gives way to the
    free network's state, snapped by the ladder; the record keeps what it replaced."""
    train, val = ADD2.sample("train", 256, seed=0), ADD2.sample("val", 64, seed=0)
    options = dict(TINY, curriculum_start=100, restarts=1, snap_train_steps=8, snap_train_k=4, snap_max=4)
    trained = PlaceAttentionModel.train_snapped

    def lost(self, *args):  # the trained snap, as if it ended below the free network
        return {**trained(self, *args), "val": -1.0}

    monkeypatch.setattr(PlaceAttentionModel, "train_snapped", lost)
    kept = PlaceAttentionModel(**options).fit(ADD2.learner_view(), train, val, seed=2)
    model = PlaceAttentionModel(**options, snap_fallback=True)
    report = model.fit(ADD2.learner_view(), train, val, seed=2)
    snap = report.extra["snap"]
    assert kept.extra["snap"]["val"] == -1.0 and "instead_of" not in kept.extra["snap"]
    assert snap["instead_of"]["val"] == -1.0 and "tried" in snap  # the ladder's record
    assert model.network.snap_points is None and len(model.network.centroids) == snap["k"]
    val_set = LabelledBatch.of(val, ADD2.alphabet, torch.device("cpu"))
    assert report.best_val_accuracy == model.network.validate(val_set)[0]


def test_further_snap_rounds_run_only_while_the_snapped_network_is_below_the_free_one(monkeypatch):
    """``snap_train_rounds``: more rounds of ``snap_train_steps`` while the snapped network's
    validation is below the free network's; a round that gains nothing leaves the best state so
    far in place. At 1 (the default) it is out of the config's dict, so earlier keys hold."""
    assert "snap_train_rounds" not in PlaceAttentionModel(snap_train_steps=8).config_dict()
    with pytest.raises(InvalidArgument, match="snap_train_rounds"):
        PlaceAttentionModel(snap_train_rounds=0)
    real, scripted, after = place_attention.train_network, iter([0.3, 0.45, 0.4, 0.5]), []

    def scripted_rounds(network, *args):  # the real steps, with the validation figures scripted
        report = real(network, *args)
        if network.snap_points is None:  # the free network's own training
            return report
        after.append(network.snap_points.detach().clone())
        return replace(report, best_val_accuracy=next(scripted))

    monkeypatch.setattr(place_attention, "train_network", scripted_rounds)
    train, val = ADD2.sample("train", 256, seed=0), ADD2.sample("val", 64, seed=0)
    options = dict(TINY, curriculum_start=100, restarts=1, snap_train_steps=4, snap_train_k=2)
    model = PlaceAttentionModel(**options, snap_train_rounds=3)
    snap = model.fit(ADD2.learner_view(), train, val, seed=2).extra["snap"]
    assert snap["val_free"] == 0.5  # the tiny network is at chance: every round is below it
    assert snap["rounds"] == 3 and snap["trained_steps"] == 12 and snap["val"] == 0.45
    assert snap["best_step"] > 4  # counted from the first round's first step
    assert torch.equal(model.network.centroids, after[1])  # the third round fell back to the second's


def test_presence_says_which_numbers_have_a_digit_at_the_place():
    """``presence``: after each number's read, 1 where that number has a digit at the place. Off, it
    is out of the config's dict, as version 3 had it."""
    assert "presence" not in PlaceAttentionModel(presence=False).config_dict()
    assert PlaceAttentionModel(presence=True).config_dict()["presence"] is True
    config = PlaceAttentionConfig(**{**TINY, "presence": True})
    ids, _ = encode(np.array(["15+91=6"]), ADD10.alphabet)
    places, numbers = places_and_numbers(ids, base=10, symbols=12)
    attention = PlaceAttention(config)
    read = attention(torch.zeros(1, ids.shape[1], config.embed), places, numbers).view(1, -1, 3, 5)
    # "1" of 15 (place 1) finds digits of 15 and 91 there and none of 6; "5" (place 0) all three.
    assert read[0, 0, :, -1].tolist() == [1.0, 1.0, 0.0]
    assert read[0, 1, :, -1].tolist() == [1.0, 1.0, 1.0]
    assert read[0, 2, :, -1].tolist() == [0.0, 0.0, 0.0]  # "+" has no place

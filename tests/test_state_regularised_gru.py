"""The state-regularised GRU (``sr-gru``): registered, its forward pass is the automaton it reports,
and a small training run on even-base3 is right at 200 digits by itself."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines import create_model, get_model_class
from baselines.encoding import encode
from baselines.hidden_states import recurrence_of
from baselines.state_regularised_gru import PrefixLabels, StateRegularisedGRUConfig, StateRegularisedGRUModel
from baselines.train import load_checkpoint, save_checkpoint
from challenges import get_challenge
from challenges.errors import InvalidArgument

EVEN3 = get_challenge("even-base3")


@pytest.fixture(scope="module")
def fitted() -> StateRegularisedGRUModel:
    model = create_model("sr-gru", hidden_size=16, max_steps=400)
    model.fit(EVEN3.learner_view(), EVEN3.sample("train", 2000), EVEN3.sample("val", 500), seed=0)
    return model


def test_registered_with_its_config_as_options():
    cls = get_model_class("sr-gru")
    assert cls is StateRegularisedGRUModel and cls.trainable and not cls.knows_rule
    assert create_model("sr-gru", noise=0.1, drift=0.5).config.noise == 0.1
    with pytest.raises(InvalidArgument, match="warmup_share"):
        StateRegularisedGRUConfig(warmup_share=1.0)
    with pytest.raises(InvalidArgument, match="exceeds"):
        StateRegularisedGRUConfig(start_centroids=16, max_centroids=8)
    with pytest.raises(InvalidArgument, match="place_by"):
        StateRegularisedGRUConfig(place_by="nearest")
    with pytest.raises(InvalidArgument, match="prefix_weight"):
        StateRegularisedGRUConfig(prefix_weight=-1)


def test_a_small_training_run_is_right_at_200_digits_by_its_own_forward_pass(fitted):
    test = EVEN3.sample("test", 200, length=200)
    assert (fitted.predict(test.texts) == test.labels).all()
    assert fitted.prove_exact(EVEN3).equivalent is True


def test_its_automaton_answers_as_its_forward_pass_does(fitted):
    rng = np.random.default_rng(0)
    texts = np.array(["".join(rng.choice(list("012"), size=n)) for n in rng.integers(1, 60, size=300)])
    assert (fitted.as_dfa().run_many(texts) == fitted.predict(texts)).all()


def test_explain_steps_the_network_as_its_forward_pass(fitted):
    net = recurrence_of(fitted)
    state = net.initial(2)
    for symbol in (2, 1, 1):  # "211" = 22 (even) beside "222" = 26 (even) -- and "21" = 7 (odd)
        state = net.step(state, np.array([symbol, 2]))
    assert net.accepts(state).tolist() == fitted.predict(np.array(["211", "222"])).tolist()


def test_a_checkpoint_restores_the_centroids_it_was_trained_with(fitted, tmp_path):
    loaded = load_checkpoint(save_checkpoint(fitted, tmp_path / "sr.pt"))
    texts = EVEN3.sample("test", 100, length=30).texts
    assert (loaded.predict(texts) == fitted.predict(texts)).all()
    assert len(loaded.network.centroids) == len(fitted.network.centroids)


def test_without_the_snap_it_is_a_plain_gru_with_no_automaton():
    model = create_model("sr-gru", snap=False, hidden_size=8, max_steps=20)
    model.fit(EVEN3.learner_view(), EVEN3.sample("train", 256), EVEN3.sample("val", 64), seed=0)
    assert model.as_dfa() is None and len(model.network.centroids) == 0


def test_the_prefix_lookup_gives_a_training_label_or_none_and_never_another():
    div7 = get_challenge("div7-base10")
    train = div7.sample("train", 3000)
    known = dict(zip(train.texts.tolist(), train.labels.tolist()))
    ids, lengths = encode(train.texts, div7.alphabet)
    lookup = PrefixLabels.of(ids, lengths, torch.from_numpy(train.labels.astype(np.float32)), symbols=10)
    asked = np.array([*train.texts[:500], "1234567890123", "7", "70", "0"])
    targets = lookup.targets(encode(asked, div7.alphabet).ids).numpy()
    given = 0
    for text, row in zip(asked, targets):
        for t, target in enumerate(row):
            prefix = text[: t + 1]
            expected = float(known[prefix]) if t < len(text) and prefix in known else -1.0
            assert target == expected, (text, prefix)
            given += target >= 0
    assert given > 500  # short prefixes of training strings are mostly training strings themselves


def test_a_text_labelled_both_ways_gets_no_prefix_label():
    ids, lengths = encode(np.array(["12", "12", "1"]), "0123456789")
    lookup = PrefixLabels.of(ids, lengths, torch.tensor([1.0, 0.0, 1.0]), symbols=10)
    assert lookup.targets(ids[:1]).tolist() == [[1.0, -1.0]]


def test_states_that_answer_alike_after_every_short_suffix_are_one_group(fitted):
    # The fitted network is exact on even-base3: its states split by parity, largest group first.
    net = fitted.network
    points = net.centroids.detach()
    groups = net.answer_groups(points)
    answers = (net.head(points).squeeze(-1) > 0).tolist()
    assert len(groups) == len(set(answers)) == 2
    accepting = net.head(groups).squeeze(-1) > 0
    assert sorted(accepting.tolist()) == [False, True]

"""The state-regularised GRU (``sr-gru``): registered, its forward pass is the automaton it reports,
and a small training run on even-base3 is right at 200 digits by itself."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines import create_model, get_model_class
from baselines.automata.prefix_labels import PrefixLabels
from baselines.automaton_learners.answer_groups import answer_groups
from baselines.automaton_learners.state_regularised_gru import (
    StateRegularisedGRUConfig,
    StateRegularisedGRUModel,
)
from baselines.training.encoding import encode
from baselines.training.hidden_states import recurrence_of
from baselines.training.train import load_checkpoint, save_checkpoint
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


def test_the_looked_up_forward_pass_is_the_cell_run_on_every_row(fitted):
    # Answering looks each (centroid, symbol) step up once computed (snapped_states); run the cell
    # itself on every row at every symbol instead, merged centroids (alias) included.
    net = fitted.network.eval()
    rng = np.random.default_rng(1)
    texts = np.array(["".join(rng.choice(list("012"), size=n)) for n in rng.integers(1, 80, size=200)])
    ids, _ = encode(texts, "012")
    state, stepped = net.initial(len(ids)), []
    with torch.no_grad():
        for column in ids.T:
            state = net.step(state, column)
            stepped.append(state)
    assert torch.equal(net.snapped_states(ids), torch.stack(stepped, dim=1))


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
    assert torch.equal(groups, answer_groups(points, net.cell, lambda s: net.head(s) > 0, net.symbols))
    answers = (net.head(points).squeeze(-1) > 0).tolist()
    assert len(groups) == len(set(answers)) == 2
    accepting = net.head(groups).squeeze(-1) > 0
    assert sorted(accepting.tolist()) == [False, True]


def test_the_second_order_cell_is_the_gru_of_the_rows_own_symbol():
    # Each row must be updated by its own symbol's matrix: compare with torch's GRU cell run on
    # that symbol's weights (input weights zero, the symbol's input bias as the GRU's b_ih).
    from baselines.networks.second_order_gru import SecondOrderGRUCell

    cell = SecondOrderGRUCell(symbols=3, hidden_size=5)
    cell.reset_parameters(torch.Generator().manual_seed(1))
    state = torch.randn(6, 5, generator=torch.Generator().manual_seed(2))
    ids = torch.tensor([0, 1, 2, 2, 1, 0])
    got = cell(state, ids)
    for row, s in enumerate(ids.tolist()):
        input_bias = torch.cat([torch.zeros(10), cell.input_bias[s]])
        expected = torch.gru_cell(
            torch.zeros(1, 1), state[row : row + 1], torch.zeros(15, 1), cell.recurrent[s],
            input_bias, cell.recurrent_bias[s],
        )  # fmt: skip
        assert torch.allclose(got[row], expected[0], atol=1e-6)


def test_the_second_order_model_is_sr_gru_with_that_cell_and_right_at_300_digits():
    from baselines.automaton_learners.state_regularised_gru import StateRegularisedSecondOrderGRUConfig
    from baselines.networks.second_order_gru import SecondOrderGRUCell

    assert issubclass(get_model_class("sr-so-gru"), StateRegularisedGRUModel)
    with pytest.raises(InvalidArgument, match="check_train"):
        StateRegularisedSecondOrderGRUConfig(check_train=-1)
    div3 = get_challenge("div3-base10")
    model = create_model("sr-so-gru", hidden_size=16, max_steps=600)
    model.fit(div3.learner_view(), div3.sample("train", 3000), div3.sample("val", 500), seed=0)
    assert isinstance(model.network.rnn, SecondOrderGRUCell)
    test = div3.sample("test", 200, length=300)
    assert (model.predict(test.texts) == test.labels).all()
    assert model.prove_exact(div3).equivalent is True
    # Its automaton is still what its forward pass does, merged centroids included.
    rng = np.random.default_rng(0)
    texts = np.array(["".join(rng.choice(list("0123456789"), size=n)) for n in rng.integers(1, 40, size=300)])
    assert (model.as_dfa().run_many(texts) == model.predict(texts)).all()
    # The merge is the recipe's last step: undoing its alias gives merge=false's network.
    unmerged = create_model("sr-so-gru", hidden_size=16, max_steps=600, merge=False)
    unmerged.fit(div3.learner_view(), div3.sample("train", 3000), div3.sample("val", 500), seed=0)
    assert all(torch.equal(t, unmerged.network.state_dict()[n]) for n, t in model.network.state_dict().items()
               if n != "alias")  # fmt: skip
    model.network.alias = torch.arange(len(model.network.centroids))
    assert (model.predict(texts) == unmerged.predict(texts)).all()


def test_merge_classes_maps_each_state_to_the_state_it_is_folded_into():
    # States 1 and 3 (and 2 and 4) answer alike and move alike: each pair folds into one state.
    from baselines.automata.dfa_tables import merge_classes

    table = torch.tensor([[1, 2], [3, 4], [1, 2], [3, 4], [1, 2]])  # start 0 = "b" loops of 2 and 4
    accepting = torch.tensor([False, True, False, True, False])
    ids = torch.tensor([[0, 0], [0, 1], [1, 2], [1, 0]])  # "aa", "ab", "b", "ba"
    labels = torch.tensor([1.0, 0.0, 0.0, 1.0])
    classes = merge_classes(table, accepting, ids, labels).tolist()
    assert classes[2] == classes[4] and classes[1] == classes[3]


def test_while_no_centroids_are_perfect_the_free_network_trains_on_within_the_warm_up_share():
    # Two centroids cannot hold three residues: every placement fails, so the free network
    # trains on in rounds (each as long as all before it) until the warm-up's share is spent.
    div3 = get_challenge("div3-base10")
    model = create_model("sr-so-gru", hidden_size=8, centroids=2, max_steps=1000, merge=False)
    report = model.fit(div3.learner_view(), div3.sample("train", 2000), div3.sample("val", 300), seed=0)
    rounds = report.extra["placement_rounds"]
    steps = [r["steps"] for r in rounds]
    assert len(rounds) >= 2 and steps == sorted(set(steps)) and steps[-1] <= 600
    assert all(r["hard_accuracy"] < 1.0 for r in rounds)
    assert report.steps <= 1000
    without = create_model("sr-so-gru", hidden_size=8, centroids=2, max_steps=1000, free_rounds=False)
    report = without.fit(div3.learner_view(), div3.sample("train", 2000), div3.sample("val", 300), seed=0)
    assert len(report.extra["placement_rounds"]) == 1

"""The linear RNN: its table is the Hankel product, it is fitted by least squares behind the
information wall, and the DFA read off it is proven exact and survives a checkpoint."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines.automaton_learners.linear_rnn import LinearRNN, LinearRNNConfig, LinearRNNModel
from baselines.automaton_learners.linear_rnn_config import ladder_pays
from baselines.training.encoding import encode
from baselines.training.train import load_checkpoint, save_checkpoint
from challenges import get_challenge
from challenges.errors import InvalidArgument
from challenges.families import divisibility

DIV7 = get_challenge("div7-base10")


@pytest.fixture(scope="module")
def fitted() -> tuple[LinearRNNModel, object]:
    torch.set_num_threads(1)
    model = LinearRNNModel(max_steps=1500, max_seconds=120)
    view = DIV7.learner_view()  # all a learner may know: no oracle, no state count
    report = model.fit(view, DIV7.sample("train", 5000, seed=0), DIV7.sample("val", 500, seed=0), seed=0)
    return model, report


def test_the_table_of_answers_is_prefix_states_times_suffix_vectors():
    net = LinearRNN("0123", width=5)
    net.reset_parameters(torch.Generator().manual_seed(1))
    prefixes, _ = encode(np.array(["1", "23", "302"]), "0123")
    suffixes, _ = encode(np.array(["", "0", "13"]), "0123")
    whole, _ = encode(np.array([p + s for p in ["1", "23", "302"] for s in ["", "0", "13"]]), "0123")
    assert net.rows(prefixes, suffixes).reshape(-1).tolist() == net.answers(whole).tolist()


def test_least_squares_is_the_loss():
    net = LinearRNN("01", width=2)
    logits, targets = torch.tensor([0.5, -0.5]), torch.tensor([1.0, 0.0])
    assert net.loss(logits, targets).item() == 0.0  # answers 1 and 0: exactly the labels
    assert net.loss(torch.tensor([-0.5]), torch.tensor([1.0])).item() == 1.0


def test_the_dfa_read_off_a_fitted_network_is_proven_exact_on_div7(fitted):
    model, report = fitted
    assert report.extra["mode"] == "table" and report.best_val_accuracy == 1.0
    verdict = model.prove_exact(DIV7)
    assert verdict.equivalent is True and verdict.states == 7
    test = DIV7.sample("test", 200, seed=0, length=1000)
    assert model.predict(test.texts).tolist() == test.labels.tolist()


def test_the_table_checkpoint_predicts_the_same(fitted, tmp_path):
    model, _ = fitted
    loaded = load_checkpoint(save_checkpoint(model, tmp_path / "linear.pt"))
    probe = np.array(["0", "7", "10", "1234567" * 30])
    assert loaded.predict(probe).tolist() == model.predict(probe).tolist() == [True, True, False, True]


def test_bad_settings_are_refused_in_one_line():
    with pytest.raises(InvalidArgument, match="width"):
        LinearRNNConfig(width=0)
    with pytest.raises(InvalidArgument, match="start_width"):
        LinearRNNConfig(start_width=0)
    with pytest.raises(InvalidArgument, match="init_noise"):
        LinearRNNConfig(init_noise=-1)


def test_explain_reads_the_networks_own_states_step_by_step(fitted):
    from baselines.training.hidden_states import recurrence_of

    model, _ = fitted
    net = recurrence_of(model)
    state = net.initial(2)
    for column in ([1, 1], [4, 5]):  # "14" = 2 x 7 and "15"
        state = net.step(state, np.array(column))
    assert net.accepts(state).tolist() == [True, False]
    whole = model.network.states(torch.tensor([[1, 4], [1, 5]])).detach().numpy()
    assert np.allclose(state, whole, atol=1e-5)


# --- the width is chosen from the data (issue 20, item 6) ------------------------------------------

DIV11 = divisibility(11, 10)  # a test-only challenge: 11 states, more than the ladder starts with


def test_a_widened_network_answers_as_the_narrow_one_did():
    narrow = LinearRNN("0123456789", width=4)
    narrow.reset_parameters(torch.Generator().manual_seed(3))
    wide = narrow.widened(8, torch.Generator().manual_seed(4))
    ids, lengths = encode(np.array(["7", "123", "98765"]), "0123456789")
    assert wide.width == 8 and torch.allclose(narrow(ids, lengths), wide(ids, lengths), atol=1e-6)


def test_the_width_grows_from_the_data_until_a_dfa_agrees_with_every_labelled_string(tmp_path):
    torch.set_num_threads(1)
    model = LinearRNNModel(start_width=4, max_steps=3000, max_seconds=300)
    train, val = DIV11.sample("train", 10_000, seed=0), DIV11.sample("val", 1_000, seed=0)
    report = model.fit(DIV11.learner_view(), train, val, seed=0)
    tried = [step["width"] for step in report.extra["widths"]]
    # 4 reads no DFA that fits; 8 is short of rank 11 and its own table never matches every string
    # while training, but its read, merged and descended, does (version 5 asks before widening),
    # so the ladder stops there, with the 11 states.
    assert tried == [4, 8] and report.extra["widths"][-1].get("improved_read_fits") is True
    assert report.extra["width"] == 8 and model.network.width == 8
    verdict = model.prove_exact(DIV11)
    assert verdict.equivalent is True and verdict.states == 11
    loaded = load_checkpoint(save_checkpoint(model, tmp_path / "wide.pt"))  # its width from the weights
    probe = np.array(["0", "11", "12", "1234" * 25])
    assert loaded.network.width == 8 and loaded.predict(probe).tolist() == [True, True, False, False]


def test_where_no_width_reads_a_dfa_the_ladder_stops_at_the_first_widening_that_did_not_pay(monkeypatch):
    # Version 7: binary sums and products read no DFA at any width; the ladder must not climb to
    # its top regardless (version 6 did, up to 30 minutes a cell). A table that never reads stands
    # in for them here, so the networks' own validation accuracies decide each widening.
    monkeypatch.setattr(LinearRNN, "read_table", lambda self, *args, **kwargs: None)
    torch.set_num_threads(1)
    model = LinearRNNModel(start_width=4, table_states=64, max_steps=400, max_seconds=120)
    train, val = DIV7.sample("train", 4000, seed=0), DIV7.sample("val", 400, seed=0)
    report = model.fit(DIV7.learner_view(), train, val, seed=0)
    rungs = report.extra["widths"]
    assert all(rung["val_accuracy"] == 0.0 for rung in rungs)  # no DFA was read at any width
    kept = rungs[0]
    for rung in rungs[1:-1]:  # every widening but the last paid...
        assert ladder_pays((0.0, rung["own_accuracy"]), (0.0, kept["own_accuracy"]), len(val))
        kept = rung
    # ...and the last did not: the ladder stopped there and kept the narrower width
    assert len(rungs) >= 2 and not ladder_pays(
        (0.0, rungs[-1]["own_accuracy"]), (0.0, kept["own_accuracy"]), len(val)
    )
    assert report.extra["width"] == kept["width"] == model.network.width


def test_a_fixed_width_is_not_widened():
    model = LinearRNNModel(width=8, max_steps=200, max_seconds=60)
    train, val = DIV7.sample("train", 2000, seed=0), DIV7.sample("val", 200, seed=0)
    report = model.fit(DIV7.learner_view(), train, val, seed=0)
    assert [step["width"] for step in report.extra["widths"]] == [8] and report.extra["width"] == 8

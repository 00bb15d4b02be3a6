"""Label noise: a seeded, exact share of training and validation labels flipped; test labels
untouched; the learner never told; the key changes with P and not at P = 0."""

from __future__ import annotations

import json

import numpy as np
import pytest

from baselines import MODELS, Model, register_model
from baselines.base import FitReport
from challenges import get_challenge
from challenges.errors import InvalidArgument
from challenges.noise import flip_labels, flipped_positions
from hofstadter.cli import main
from hofstadter.experiment import training_data
from hofstadter.profiles import PROFILES
from hofstadter.run import Cell, plan

SMOKE = PROFILES["smoke"]


def test_the_draw_flips_exactly_round_p_n_labels_and_nothing_else():
    clean, _, _ = training_data(get_challenge("div7-base10"), 3, SMOKE)
    before = clean.labels.copy()
    noisy, _, _ = training_data(get_challenge("div7-base10"), 3, SMOKE, label_noise=0.1)
    assert int((noisy.labels != clean.labels).sum()) == round(0.1 * len(clean)) > 0
    assert noisy.texts.tolist() == clean.texts.tolist()  # the same strings, some labels wrong
    assert np.array_equal(noisy.lengths, clean.lengths)
    assert np.array_equal(clean.labels, before)  # the (cached, shared) clean sample is untouched


def test_the_draw_is_seeded_and_reproduces_byte_for_byte():
    challenge = get_challenge("div3-base10")
    first = training_data(challenge, 5, SMOKE, label_noise=0.05)
    again = training_data(challenge, 5, SMOKE, label_noise=0.05)
    other = training_data(challenge, 6, SMOKE, label_noise=0.05)
    for a, b in zip(first[:2], again[:2]):
        assert a.labels.tobytes() == b.labels.tobytes()
    clean_other = training_data(challenge, 6, SMOKE)[0]
    flips = np.flatnonzero(first[0].labels != training_data(challenge, 5, SMOKE)[0].labels)
    assert not np.array_equal(flips, np.flatnonzero(other[0].labels != clean_other.labels))
    # training and validation labels are flipped by draws of their own
    train_flips, val_flips = flipped_positions(1000, 0.1, 5, "train"), flipped_positions(1000, 0.1, 5, "val")
    assert not np.array_equal(train_flips, val_flips)


def test_validation_labels_are_flipped_too():
    clean_val = training_data(get_challenge("div9-base10"), 0, SMOKE)[1]
    noisy_val = training_data(get_challenge("div9-base10"), 0, SMOKE, label_noise=0.1)[1]
    assert int((noisy_val.labels != clean_val.labels).sum()) == round(0.1 * len(clean_val))


@pytest.mark.parametrize("bad", [0.5, 0.7, -0.01, float("nan"), float("inf")])
def test_a_share_outside_0_to_one_half_is_refused(bad):
    examples = training_data(get_challenge("div3-base10"), 0, SMOKE)[0]
    with pytest.raises(InvalidArgument, match="below 0.5"):
        flip_labels(examples, bad, seed=0)
    with pytest.raises(InvalidArgument, match="below 0.5"):
        plan(["div3-base10"], ["majority"], [0], "smoke", label_noises=[bad])


def test_test_labels_are_never_flipped():
    with pytest.raises(InvalidArgument, match="train and val"):
        flipped_positions(10, 0.1, 0, "test")


def test_the_key_changes_with_p_and_not_at_zero():
    plain = Cell("div7-base10", "fsa", 100)
    assert Cell("div7-base10", "fsa", 100, label_noise=0.0).key == plain.key
    keys = {Cell("div7-base10", "fsa", 100, label_noise=p).key for p in (0.0, 0.01, 0.05, 0.1)}
    assert len(keys) == 4


def test_the_noise_profile_plans_its_levels_models_and_regular_challenges():
    cells = plan(None, None, PROFILES["noise"].seeds, "noise")
    noises = sorted({c.label_noise for c in cells})
    assert noises == [0.0, 0.01, 0.05, 0.1]
    assert {c.challenge for c in cells} == {"even-base3", "div3-base10", "div9-base10", "div7-base10",
                                            "div29-base10"}  # fmt: skip
    assert {"linear-rnn", "rpni", "edsm", "sr-so-gru", "gru"} <= {c.model for c in cells}
    # its clean cells are the quick profile's: same budgets, same keys
    clean = next(c for c in cells if c.label_noise == 0 and c.model == "rpni")
    assert clean.key == Cell(clean.challenge, "rpni", clean.seed, "quick").key


class _Spy(Model):
    """Remembers the labels and the view it was given; answers 'no'."""

    id = "test-noise-spy"
    description = "remembers what it was fitted on"
    trainable = True
    seen: dict = {}

    def fit(self, task, train, val, seed):
        _Spy.seen.update(train=train.labels.copy(), val=val.labels.copy(), task=task)
        return FitReport()

    def predict(self, texts):
        return np.zeros(len(texts), dtype=bool)


@pytest.fixture
def spy():
    register_model(_Spy)
    yield _Spy
    MODELS.unregister(_Spy.id)
    _Spy.seen.clear()


def test_a_run_records_p_the_learner_sees_noisy_labels_and_is_scored_on_exact_ones(tmp_path, capsys, spy):
    code = main(["run", "div7-base10", "--model", spy.id, "--model", "fsa", "--profile", "smoke",
                 "--label-noise", "0.1", "--results", str(tmp_path), "--json"])  # fmt: skip
    out, _ = capsys.readouterr()
    records = {r["model"]: r for r in map(json.loads, out.splitlines())}
    assert code == 0
    assert records[spy.id]["label_noise"] == 0.1 == records["fsa"]["label_noise"]
    clean_train, clean_val, _ = training_data(get_challenge("div7-base10"), 0, SMOKE)
    assert int((spy.seen["train"] != clean_train.labels).sum()) == round(0.1 * len(clean_train))
    assert int((spy.seen["val"] != clean_val.labels).sum()) == round(0.1 * len(clean_val))
    assert "noise" not in repr(spy.seen["task"]).lower()  # the learner is never told P
    # the reference is right on every test string: the test labels are the oracle's
    assert all(m["accuracy"] == 1.0 for m in records["fsa"]["metrics"])


def test_bad_label_noise_is_a_one_line_usage_error(tmp_path, capsys):
    code = main(["run", "div7-base10", "--model", "fsa", "--label-noise", "0.5", "--results", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2 and len(err.strip().splitlines()) == 1 and "below 0.5" in err


def test_the_noise_report_reads_a_store_and_writes_table_csv_and_plot(tmp_path, capsys):
    for noise in ("0.1", "0.05"):
        assert main(["run", "even-base3", "--model", "fsa", "--model", "majority", "--profile", "smoke",
                     "--label-noise", noise, "--results", str(tmp_path)]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["noise", "--results", str(tmp_path)]) == 0
    out, _ = capsys.readouterr()
    assert "| even-base3 | 512 | fsa | 1/1 exact, 100.0% | 1/1 exact, 100.0% |" in out
    assert "| even-base3 | 512 | majority | -, 50.0% | -, 50.0% |" in out  # no DFA: no proof
    assert (tmp_path / "NOISE.md").read_text().count("| even-base3 |") == 2
    assert (tmp_path / "plots" / "noise.png").stat().st_size > 1000
    assert len((tmp_path / "noise.csv").read_text().splitlines()) == 1 + 4


def test_the_noise_report_without_a_store_is_a_one_line_error(tmp_path, capsys):
    assert main(["noise", "--results", str(tmp_path / "none")]) == 2
    assert "no results at" in capsys.readouterr().err

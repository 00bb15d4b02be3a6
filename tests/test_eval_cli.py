"""``eval`` and ``models`` through ``hofstadter.cli.main``, reading what a user would see."""

from __future__ import annotations

import json

from cli_runner import run


def test_eval_json_prints_one_object_per_length(capsys):
    code, out, err = run(capsys, "eval", "div7-base10", "--model", "fsa", "--lengths", "3", "100",
                         "-n", "40", "--json")  # fmt: skip
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["length"], r["accuracy"], r["n"], r["split"]) for r in records] == [
        (3, 1.0, 40, "test"),
        (100, 1.0, 40, "test"),
    ]
    assert [r["extrapolation"] for r in records] == [False, True]
    assert {r["model"] for r in records} == {"fsa"} and {r["challenge"] for r in records} == {"div7-base10"}


def test_eval_fits_a_trainable_model_and_prints_a_table(capsys):
    code, out, err = run(capsys, "eval", "prime-base10", "--model", "last-digits", "--lengths", "4",
                         "-n", "200", "--train-size", "500")  # fmt: skip
    assert code == 0, err
    assert "last-digits on prime-base10" in out
    assert "training range" in out  # the row of length 4


def test_eval_of_a_model_that_does_not_apply_is_one_line_and_exit_2(capsys):
    code, out, err = run(capsys, "eval", "add-base10", "--model", "fsa", "--json")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "fsa needs a regular language; add-base10 is not regular" in err


def test_eval_of_an_unknown_model_suggests_the_closest(capsys):
    code, _, err = run(capsys, "eval", "div7-base10", "--model", "fsa-aprox")
    assert code == 2
    assert "Unknown model 'fsa-aprox'. Did you mean: 'fsa-approx'" in err


def test_eval_of_a_length_without_both_classes_is_refused(capsys):
    code, _, err = run(capsys, "eval", "prime-base2", "--model", "fsa-approx", "--lengths", "1")
    assert code == 2
    assert "no members or no non-members of length 1" in err


def test_models_json_lists_every_model_with_its_facts(capsys):
    code, out, err = run(capsys, "models", "--json")
    assert code == 0, err
    rows = json.loads(out)
    by_id = {row["id"]: row for row in rows}
    assert {"fsa", "fsa-approx", "rnn-compiled", "majority", "last-digits", "length-only"} <= set(by_id)
    assert by_id["majority"]["trainable"] is True and by_id["fsa"]["trainable"] is False
    assert all(isinstance(row["description"], str) and row["description"] for row in rows)


def test_eval_of_a_trainable_model_reproduces_the_benchmark_cell(capsys):
    from challenges import get_challenge
    from hofstadter.experiment import run_experiment
    from hofstadter.profiles import PROFILES

    code, out, err = run(capsys, "eval", "prime-base10", "--model", "last-digits", "--profile", "smoke",
                         "--seed", "1", "--json")  # fmt: skip
    assert code == 0, err
    by_eval = [(r["length"], r["accuracy"], r["n"]) for r in map(json.loads, out.splitlines())]
    cell = run_experiment(get_challenge("prime-base10"), "last-digits", 1, profile=PROFILES["smoke"])
    assert by_eval == [(m["length"], m["accuracy"], m["n"]) for m in cell["metrics"]]


def test_eval_of_a_report_seed_scores_the_report_strings_as_run_does(capsys):
    """A report seed's cell is scored on the report evaluation seed's strings: eval too."""
    from challenges import get_challenge
    from hofstadter.experiment import run_experiment
    from hofstadter.profiles import PROFILES

    code, out, err = run(capsys, "eval", "div7-base10", "--model", "last-digits", "--profile", "smoke",
                         "--seed", "101", "--json")  # fmt: skip
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert {r["eval_seed"] for r in records} == {1}
    cell = run_experiment(get_challenge("div7-base10"), "last-digits", 101, profile=PROFILES["smoke"])
    assert [(r["length"], r["accuracy"], r["n"]) for r in records] == [
        (m["length"], m["accuracy"], m["n"]) for m in cell["metrics"]
    ]


def test_eval_scores_one_fit_on_each_draw_asked_for(capsys):
    code, out, err = run(capsys, "eval", "div7-base10", "--model", "last-digits", "--lengths", "3",
                         "--train-size", "300", "-n", "60", "--seed", "2", "--eval-seed", "2", "3", "2",
                         "--json")  # fmt: skip
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["eval_seed"] for r in records] == [2, 3]  # each draw once, in the order given
    assert err == ""  # neither is the report evaluation seed


def test_eval_warns_when_a_development_seed_meets_the_report_strings(capsys):
    code, out, err = run(capsys, "eval", "div7-base10", "--model", "fsa", "--lengths", "3", "-n", "20",
                         "--eval-seed", "1")  # fmt: skip
    assert code == 0
    assert "warning: evaluation seed 1 draws the published figures' test strings" in err
    assert "evaluation seed 1)" in " ".join(out.split())  # the title wraps at the table's width


def test_eval_train_size_is_runs_rule_and_train_n_its_deprecated_alias(capsys, monkeypatch):
    """eval --train-size N trains and validates on exactly the strings run --train-size N draws."""
    from challenges import get_challenge
    from hofstadter import experiment
    from hofstadter.profiles import PROFILES

    drawn = []
    real = experiment.training_data
    monkeypatch.setattr(experiment, "training_data", lambda *a, **k: drawn.append(real(*a, **k)) or drawn[-1])
    argv = ("eval", "div7-base10", "--model", "last-digits", "--lengths", "3", "-n", "50")
    code, _, err = run(capsys, *argv, "--train-size", "300")
    assert code == 0, err
    code, _, err = run(capsys, *argv, "--train-n", "300")
    assert code == 0 and "warning: --train-n is deprecated: use --train-size" in err
    by_run = real(get_challenge("div7-base10"), 0, PROFILES["quick"], train_size=300)
    for train, val, _ in drawn:
        assert len(train) == 300 and len(val) == 30
        assert train.texts.tolist() == by_run[0].texts.tolist()
        assert val.texts.tolist() == by_run[1].texts.tolist()


def test_models_table_fits_80_columns_one_line_a_model(capsys):
    code, out, _ = run(capsys, "models")
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    firsts = [line.split()[0] for line in lines if line.split()]
    assert {"gru", "column-automaton", "rnn-compiled"} <= set(firsts)  # each model one line, id whole
    assert "whole descriptions: models --json" in out

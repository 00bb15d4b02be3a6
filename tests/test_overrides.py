"""Model options on the command line: parsed against the config, recorded, keyed, shown as rows."""

from __future__ import annotations

import json
from typing import Literal

import pytest
from cli_runner import run

from baselines.model_spec import coerce, model_label, parse_model_spec
from challenges.errors import InvalidArgument
from hofstadter.run import Cell, cell_key
from hofstadter.store import ResultStore


def test_values_take_the_types_of_the_config_fields():
    spec = parse_model_spec("soft-automaton:states=12,init=permutation,harden=false,lr=0.05")
    assert dict(spec.options) == {"states": 12, "init": "permutation", "harden": False, "lr": 0.05}
    assert dict(parse_model_spec("soft-automaton:states=none").options) == {"states": None}
    assert dict(parse_model_spec("fsa-approx:wheel_primes=2/3/5").options) == {"wheel_primes": (2, 3, 5)}
    assert parse_model_spec("last-digits:k=3").label == "last-digits[k=3]"
    assert parse_model_spec("gru").options == ()


def test_option_order_does_not_matter():
    one = parse_model_spec("gru:lr=0.003,hidden_size=16")
    other = parse_model_spec("gru:hidden_size=16,lr=0.003")
    assert one == other and one.label == "gru[hidden_size=16,lr=0.003]"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gru:hidden=16", "unknown option 'hidden' in 'gru:hidden=16': gru takes batch_size, cell"),
        ("gru:hidden_size=big", "expected a whole number (int) in ASCII digits, got 'big'; gru takes"),
        ("gru:hidden_size=0", "hidden_size and layers must be at least 1"),
        ("gru:lr=nan", "expected a finite number"),
        ("gru:hidden_size", "must look like key=value"),
        ("gru:lr=0.1,lr=0.2", "given twice"),
        ("soft-automaton:init=zeros", "expected one of random, permutation"),
        ("soft-automaton:harden=maybe", "expected true or false"),
        ("fsa:states=3", "fsa takes no options"),
    ],
)
def test_bad_options_name_the_valid_keys(text, message):
    with pytest.raises(InvalidArgument) as caught:
        parse_model_spec(text)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_coerce_refuses_types_it_cannot_write():
    assert coerce("rnn", Literal["rnn", "gru"]) == "rnn"
    with pytest.raises(ValueError, match="cannot be set from the command line"):
        coerce("x", dict)


def test_an_override_is_its_own_experiment():
    plain = Cell("div3-base10", "gru", 0, "smoke")
    varied = Cell("div3-base10", "gru", 0, "smoke", model_options=(("hidden_size", 16),))
    assert cell_key(plain) != cell_key(varied)
    assert varied.label == "div3-base10 / gru[hidden_size=16] / seed 0"
    assert model_label("gru", {}) == "gru"


def test_run_records_the_override_and_shows_it_as_a_row(tmp_path, capsys):
    code, out, err = run(capsys, "run", "div3-base10", "--model", "gru:hidden_size=16", "--seed", "0",
                         "--profile", "smoke", "--results", str(tmp_path), "--json")  # fmt: skip
    assert code == 0, err
    record = json.loads(out.splitlines()[-1])
    assert record["model"] == "gru" and record["model_config"]["hidden_size"] == 16
    assert record["overrides"] == {"hidden_size": 16}
    assert record["parameters"] < 2000  # 16 hidden units, not the default 64
    assert "gru[hidden_size=16]" in err  # the headline (on stderr beside --json)
    code, _, err = run(capsys, "leaderboard", "--results", str(tmp_path), "--profile", "smoke")
    assert code == 0, err
    assert "gru[hidden_size=16]" in (tmp_path / "LEADERBOARD.md").read_text()
    assert len(ResultStore(tmp_path / "runs.jsonl").records()) == 1


@pytest.mark.parametrize("command", ["run", "eval", "explain"])
def test_every_command_with_model_refuses_bad_options_in_one_line(tmp_path, capsys, command):
    argv = [command, "div3-base10", "--model", "gru:hidden_size=-1"]
    if command == "run":
        argv += ["--results", str(tmp_path)]
    code, _, err = run(capsys, *argv)
    assert code == 2 and "hidden_size" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_eval_takes_options(capsys):
    code, out, err = run(capsys, "eval", "div3-base10", "--model", "last-digits:k=1", "--profile", "smoke",
                         "--lengths", "2", "3", "--json")  # fmt: skip
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["length"] for line in lines] == [2, 3]
    assert lines[0]["model"] == "last-digits[k=1]"


# --- attacks on model options (issues 19 and 24, item 10): refused in one line, before training ---

import baselines.training.memory  # noqa: E402

SIXTEEN_GIB = 16 * 1024**3


@pytest.fixture
def sixteen_gib(monkeypatch):
    """A machine with 16 GiB available, whatever this one has."""
    monkeypatch.setattr(baselines.training.memory, "available_bytes", lambda device="cpu": SIXTEEN_GIB)


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("gru:hidden_size=1000000000", "gru network of hidden_size=1,000,000,000 and layers=1 needs"),
        ("gru:layers=100000", "a gru network of hidden_size=64 and layers=100,000 needs at least 49.5 GiB"),
        ("lstm:hidden_size=20000,layers=20", "of memory to train; this machine has 16 GiB available"),
        ("linear-rnn:width=1000000", "a linear RNN of width 1,000,000 needs at least"),
        ("soft-automaton:states=1000000", "a soft automaton of 1,500,000 states needs at least"),
    ],
)
def test_a_network_too_large_for_memory_is_refused_in_one_line_before_training(
    capsys, tmp_path, sixteen_gib, spec, says
):
    code, out, err = run(capsys, "run", "div3-base10", "--model", spec, "--results", str(tmp_path))
    assert code == 2 and says in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "runs.jsonl").exists()  # nothing drawn, trained or recorded


def test_the_default_sizes_fit_in_a_small_machine(monkeypatch):
    monkeypatch.setattr(baselines.training.memory, "available_bytes", lambda device="cpu": 256 * 1024**2)
    for spec in ("gru", "lstm", "rnn", "linear-rnn", "soft-automaton"):
        assert parse_model_spec(spec).model == spec
        parse_model_spec(f"{spec}:max_steps=10")  # options build the config: its check runs


def test_memory_is_checked_again_with_the_datas_sizes_before_training(monkeypatch):
    from baselines.networks.rnn import GRUModel
    from challenges import get_challenge

    model = GRUModel(hidden_size=8, max_steps=5)  # fits: the config's check passed
    monkeypatch.setattr(baselines.training.memory, "available_bytes", lambda device="cpu": 1024)
    c = get_challenge("div3-base10")
    with pytest.raises(InvalidArgument, match="needs at least .* of memory to train; this machine has 1 KiB"):
        model.fit(c.learner_view(), c.sample("train", 64, seed=0), c.sample("val", 16, seed=0), seed=0)
    assert model.network is None  # refused before a network was built or a step taken


@pytest.mark.parametrize("spec", ["soft-automaton:states=0", "soft-automaton:restarts=0"])
def test_zero_states_or_restarts_is_a_usage_error_not_a_division_by_zero(capsys, tmp_path, spec):
    code, _, err = run(capsys, "run", "div3-base10", "--model", spec, "--results", str(tmp_path))
    assert code == 2 and "must be at least 1, got 0" in err and "ZeroDivisionError" not in err, err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "spec", ["gru:hidden_size=１２", "gru:hidden_size=٣", "gru:hidden_size=1_000", "gru:hidden_size=²",
             "gru:lr=０.１", "gru:lr=1_0.5", "linear-rnn:width=６４"],
)
def test_numbers_in_options_must_be_ascii_digits(capsys, tmp_path, spec):
    code, _, err = run(capsys, "run", "div3-base10", "--model", spec, "--results", str(tmp_path))
    assert code == 2 and "in ASCII digits" in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1


def test_ascii_numbers_in_every_form_python_writes_are_still_taken():
    assert dict(parse_model_spec("gru:hidden_size=+12,lr=1e-3").options) == {"hidden_size": 12, "lr": 0.001}
    assert dict(parse_model_spec("gru:lr=.5").options) == {"lr": 0.5}
    assert dict(parse_model_spec("gru:lr=2.").options) == {"lr": 2.0}

"""Model options on the command line: parsed against the config, recorded, keyed, shown as rows."""

from __future__ import annotations

import json
from typing import Literal

import pytest

from challenges.cli import main
from challenges.errors import InvalidArgument
from challenges.overrides import coerce, model_label, parse_model_spec
from challenges.run import Cell, cell_key
from challenges.store import ResultStore


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


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
        ("gru:hidden_size=big", "expected a whole number (int), got 'big'; gru takes"),
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

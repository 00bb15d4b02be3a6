"""The data commands, called as ``main([...])`` the way a user types them."""

from __future__ import annotations

import json

import pytest

from challenges.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_json_has_the_facts(capsys):
    code, out, _ = run(capsys, "list", "--json")
    rows = {row["id"]: row for row in json.loads(out)}
    assert code == 0
    assert rows["div29-base10"]["min_states"] == 29 and rows["div29-base10"]["regular"] is True
    assert rows["prime-base2"]["min_states"] is None and rows["prime-base2"]["base"] == 2


def test_list_and_show_print_tables(capsys):
    assert run(capsys, "list")[0] == 0
    code, out, _ = run(capsys, "show", "even-base3")
    assert code == 0 and "members" in out and "non-members" in out and "test" in out


def test_sample_json_lines(capsys):
    code, out, _ = run(capsys, "sample", "add-base10", "--split", "val", "-n", "6", "--json")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(records) == 6
    assert {r["split"] for r in records} == {"val"}
    assert sum(r["label"] for r in records) == 3
    assert all({"text", "label", "length", "split"} <= set(r) for r in records)


def test_sample_is_reproducible_from_the_command_line(capsys):
    first = run(capsys, "sample", "div7-base10", "-n", "50", "--seed", "4", "--json")[1]
    again = run(capsys, "sample", "div7-base10", "-n", "50", "--seed", "4", "--json")[1]
    assert first == again


def test_check_gives_the_reason(capsys):
    code, out, _ = run(capsys, "check", "div3-base10", "2225")
    assert code == 0 and out.strip() == "2225 is not a multiple of 3: 2225 = 3 x 741 + 2"
    code, out, _ = run(capsys, "check", "mul-base10", "12x29=348", "--json")
    assert code == 0 and json.loads(out)["member"] is True


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "div3-base1O", "12"], "Did you mean: 'div3-base10'"),
        (["check", "div3-base10", "12a"], "'a' at position 3"),
        (["check", "div3-base10", "012"], "leading zero"),
        (["check", "div3-base10", ""], "empty number"),
        (["check", "div3-base10", "\u0663"], "not an ASCII digit"),
        (["check", "add-base10", "12+29"], "missing '='"),
        (["sample", "div3-base10", "-n", "0"], "at least 1"),
        (["sample", "div3-base10", "-n", "-5"], "at least 1"),
        (["sample", "div3-base10", "-n", "10000000000"], "absurd"),
        (["sample", "div3-base10", "--length", "0"], "at least 1"),
        (["sample", "div3-base10", "--length", "99999999"], "absurd"),
        (["sample", "div3-base10", "--length", "7"], "test split only"),
        (["sample", "prime-base2", "--length", "1"], "no member of length 1"),
        (["sample", "div3-base10", "--seed", "x"], "whole number"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1

"""The data commands, called as ``main([...])`` the way a user types them."""

from __future__ import annotations

import json

import pytest
from cli_runner import run


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


def test_check_file_takes_one_number_a_line(tmp_path, capsys):
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("12\n13\n\n15\n")
    code, out, _ = run(capsys, "check", "div3-base10", "--file", str(numbers))
    assert code == 0
    assert out.splitlines() == ["12 is a multiple of 3: 12 = 3 x 4",
                                "13 is not a multiple of 3: 13 = 3 x 4 + 1",
                                "15 is a multiple of 3: 15 = 3 x 5"]  # fmt: skip
    code, out, _ = run(capsys, "check", "div3-base10", "--file", str(numbers), "--json")
    assert [json.loads(line)["member"] for line in out.splitlines()] == [True, False, True]


def test_check_file_names_the_line_of_a_malformed_number(tmp_path, capsys):
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("12\n1a3\n")
    code, out, err = run(capsys, "check", "div3-base10", "--file", str(numbers))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert f"{numbers}, line 2: digit 'a' at position 2" in err
    (tmp_path / "empty.txt").write_text("")
    code, _, err = run(capsys, "check", "div3-base10", "--file", str(tmp_path / "empty.txt"))
    assert code == 2 and "holds no string to check" in err


def test_check_of_a_5001_digit_number_prints_it_shortened(capsys):
    code, out, _ = run(capsys, "check", "div7-base10", "1" * 5001)
    assert code == 0 and len(out) < 400
    assert out.startswith("1" * 30 + "..." + "1" * 30 + " (5,001 digits) is not a multiple of 7")
    code, out, _ = run(capsys, "check", "div7-base10", "1" * 5001, "--json")
    assert json.loads(out)["text"] == "1" * 5001  # the whole string where a program reads it

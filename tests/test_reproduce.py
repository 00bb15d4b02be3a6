"""``reproduce``: a recorded cell run again gives its record back, and any difference is printed."""

from __future__ import annotations

import json

import pytest

import baselines
from hofstadter.cli import main
from hofstadter.reproduce import cell_of, differences
from hofstadter.run import Cell, run_cell
from hofstadter.store import ResultStore

CELLS = [Cell("div3-base10", "rpni", 100, "smoke"), Cell("div3-base10", "majority", 7, "smoke")]


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return [run_cell(cell) for cell in CELLS]


def store_of(tmp_path, records: list[dict]):
    store = ResultStore(tmp_path / "runs.jsonl")
    for record in records:
        store.append(record)
    return tmp_path


def test_a_record_names_its_cell_completely(records):
    for cell, record in zip(CELLS, records):
        assert cell_of(record) == cell and cell_of(record).key == record["key"]


def test_recorded_cells_reproduce_figure_for_figure(tmp_path, records, capsys):
    assert main(["reproduce", "--results", str(store_of(tmp_path, records))]) == 0
    out = capsys.readouterr().out
    assert "div3-base10/rpni/100: same" in out and "div3-base10/majority/7: same" in out
    assert "2 of 2 cells reproduced figure for figure, 0 differ" in out


def test_every_difference_is_printed_and_fails_the_command(tmp_path, records, capsys):
    proof, figures = json.loads(json.dumps(records))
    proof["dfa_states"], proof["fit"]["states"] = 9, 9
    figures["metrics"][-1]["accuracy"] = 0.25  # majority is at 0.5 on a balanced set
    assert main(["reproduce", "--results", str(store_of(tmp_path, [proof, figures]))]) == 1
    out = capsys.readouterr().out
    length = figures["metrics"][-1]["length"]
    assert "div3-base10/rpni/100: DIFFERS (2)" in out
    assert "dfa_states: recorded 9, now 3" in out and "fit.states: recorded 9, now" in out
    assert "div3-base10/majority/7: DIFFERS (1)" in out
    assert f"accuracy at length {length}: recorded 0.25, now 0.5" in out
    assert "0 of 2 cells reproduced figure for figure, 2 differ" in out


def test_a_new_model_version_is_another_experiment(tmp_path, records, capsys, monkeypatch):
    monkeypatch.setattr(baselines.get_model_class("majority"), "version", 2)
    assert main(["reproduce", "--results", str(store_of(tmp_path, records)), "div3-base10/majority/7"]) == 1
    assert "key: recorded" in capsys.readouterr().out


def test_cells_run_side_by_side_give_the_same_verdicts(tmp_path, records, capsys):
    assert main(["reproduce", "--results", str(store_of(tmp_path, records)), "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert out.index("div3-base10/rpni/100: same") < out.index("div3-base10/majority/7: same")  # in order


def test_a_sample_is_seeded(tmp_path, records, capsys):
    results = str(store_of(tmp_path, records))
    assert main(["reproduce", "--results", results, "--sample", "1", "--sample-seed", "3"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert main(["reproduce", "--results", results, "--sample", "1", "--sample-seed", "3"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == first


@pytest.mark.parametrize(
    "argv, message",
    [
        (["div3-base10/gru/100"], "no finished record of cell 'div3-base10/gru/100'"),
        (["--sample", "1", "div3-base10/rpni/100"], "name cells or give --sample, not both"),
    ],
)
def test_bad_requests_are_one_line(tmp_path, records, capsys, argv, message):
    assert main(["reproduce", "--results", str(store_of(tmp_path, records)), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_no_store_is_one_line(tmp_path, capsys):
    assert main(["reproduce", "--results", str(tmp_path)]) == 2
    assert "no results at" in capsys.readouterr().err


def test_machine_measures_are_not_differences():
    old = {"status": "ok", "train_seconds": 1.0, "wall_seconds": 2.0, "date": "a", "git_commit": "x",
           "fit": {"pta_seconds": 0.1, "states": 3}}  # fmt: skip
    new = {"status": "ok", "train_seconds": 5.0, "wall_seconds": 9.0, "date": "b", "git_commit": "y",
           "fit": {"pta_seconds": 0.7, "states": 3}}  # fmt: skip
    assert differences(old, new) == []
    assert differences(old, {**new, "fit": {"states": 4}}) == ["fit.states: recorded 3, now 4"]


def test_kernels_explain_a_difference_but_are_none_alone():
    pinned = {"capability": "AVX2", "MKL_CBWR": "AVX2"}
    old, new = {"status": "ok", "steps": 3}, {"status": "ok", "steps": 3, "cpu_kernels": pinned}
    assert differences(old, new) == []  # the same figures on other kernels: the same result
    lines = differences(old, {**new, "steps": 4})
    assert lines[0] == "steps: recorded 3, now 4"
    assert lines[1].startswith("cpu_kernels: recorded before the pins, now")


def test_a_safety_cap_explains_a_difference_but_is_none_alone():
    """A run its clock stopped trained what the machine allowed: reproduce says so beside the
    differences it causes (issue 30: budgets in work, the clock only a safety cap)."""
    old = {"status": "ok", "steps": 2301, "fit": {"hit_time_cap": True}}
    assert differences(old, {**old}) == []  # capped twice at the same step: the same result
    lines = differences(old, {"status": "ok", "steps": 3000, "fit": {}})
    assert lines[0] == "steps: recorded 2301, now 3000"
    assert lines[-1].startswith("safety cap: the recorded run stopped at its max_seconds")
    assert "depend on the machine" in lines[-1]

"""What a run tells its reader: a line per finished cell off a terminal, an estimate before it
starts, the failed cells named at the end with exit code 1, and what to do about the board."""

from __future__ import annotations

import json

import pytest
from cli_runner import run

FAILING = """\
import numpy as np
from baselines import FitReport, Model, register_model

class Failing(Model):
    id, description, trainable = "test-failing", "raises while fitting", True

    def fit(self, task, train, val, seed) -> FitReport:
        raise FloatingPointError("loss is NaN")

    def predict(self, texts):
        return np.zeros(len(texts), dtype=bool)

def register():
    register_model(Failing)
"""


@pytest.fixture
def failing_model(tmp_path, clean_registries):
    """A plugin file whose model fails every cell; yields the --plugin arguments."""
    plugin = tmp_path / "failing.py"
    plugin.write_text(FAILING)
    return ["--plugin", str(plugin)]


def test_off_a_terminal_each_finished_cell_prints_one_line(tmp_path, capsys):
    code, _, err = run(capsys, "run", "div3-base10", "--model", "majority", "--model", "fsa",
                       "--profile", "smoke", "--results", str(tmp_path))  # fmt: skip
    assert code == 0, err
    lines = err.splitlines()
    assert "test sets: 10 lengths to draw or load from the cache" in lines
    assert any(line.startswith("test sets: all 10 ready") for line in lines)
    assert any(line.startswith("[1/2] div3-base10 / majority / seed 0: ok (") for line in lines)
    assert any(line.startswith("[2/2] div3-base10 / fsa / seed 0: ok (") for line in lines)
    assert "━" not in err  # no progress bars in a log file


def test_a_run_estimates_its_time_from_earlier_records_and_says_so(tmp_path, capsys):
    argv = ("run", "div3-base10", "even-base3", "--model", "majority", "--profile", "smoke",
            "--results", str(tmp_path))  # fmt: skip
    _, _, first = run(capsys, *argv)
    assert "planned: 2 cells (no earlier run recorded their times: no estimate)" in first
    _, _, again = run(capsys, *argv, "--force")
    assert "planned: 2 cells, about " in again and "on 1 process (rough estimate" in again
    assert f"recorded for 2 of them (or their model) by earlier runs in {tmp_path / 'runs.jsonl'}" in again
    # The test sets: timed as the first run drew them (smoke sets are too quick for the disk cache)
    assert "of it drawing 26 test sets)" in again and "not counted" not in again


def test_a_run_with_a_failed_cell_exits_1_and_names_it_at_the_end(tmp_path, capsys, failing_model):
    code, out, err = run(capsys, *failing_model, "run", "div3-base10", "--model", "test-failing", "--model",
                         "majority", "--profile", "smoke", "--results", str(tmp_path / "r"))  # fmt: skip
    assert code == 1
    end = (out + err).splitlines()
    assert any("test-failing on div3-base10" in line and "seed 0" in line and "loss is NaN" in line
               for line in end), out + err  # fmt: skip
    assert "1 cell(s) failed: exit code 1" in err
    assert "the reasons: --json, or the store" not in out + err


def test_a_whole_run_with_a_failed_cell_exits_1(tmp_path, capsys, monkeypatch):
    """--all too: a script that runs the benchmark learns that a cell failed."""
    import hofstadter.run as runner

    failed = {"challenge": "div3-base10", "model": "gru", "seed": 0, "status": "failed",
              "reason": "RuntimeError: out of memory", "profile": "smoke"}  # fmt: skip
    monkeypatch.setattr(runner, "prepare_test_sets", lambda cells, *a, **k: [])
    monkeypatch.setattr(runner, "execute", lambda cells, *a, **k: iter([failed]))
    code, _, _ = run(capsys, "run", "--all", "--seed", "0", "--profile", "smoke", "--results", str(tmp_path))
    assert code == 1


def test_a_run_of_named_cells_says_how_to_rewrite_the_board(tmp_path, capsys):
    code, _, err = run(capsys, "run", "div3-base10", "--model", "fsa", "--profile", "smoke",
                       "--results", str(tmp_path))  # fmt: skip
    assert code == 0
    assert not (tmp_path / "LEADERBOARD.md").exists()
    hint = [line for line in err.splitlines() if "LEADERBOARD.md not rewritten" in line]
    assert hint == [f"{tmp_path / 'LEADERBOARD.md'} not rewritten by a run of named cells: python -m "
                    f"challenges leaderboard --results {tmp_path} --profile smoke"]  # fmt: skip
    code, _, _ = run(capsys, "leaderboard", "--results", str(tmp_path), "--profile", "smoke")
    assert code == 0 and "fsa" in (tmp_path / "LEADERBOARD.md").read_text()


def test_json_lines_stay_alone_on_stdout(tmp_path, capsys):
    code, out, _ = run(capsys, "run", "div3-base10", "--model", "fsa", "--profile", "smoke",
                       "--results", str(tmp_path), "--json")  # fmt: skip
    assert code == 0 and [json.loads(line)["model"] for line in out.splitlines()] == ["fsa"]


def test_a_terminal_gets_a_line_per_finished_cell(tmp_path, capsys, monkeypatch):
    """Issue 30: above the bars, each finished cell says what became of it and what it took."""
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich: stderr is a terminal
    monkeypatch.setenv("TTY_INTERACTIVE", "1")
    code, _, err = run(capsys, "run", "div3-base10", "--model", "fsa", "--model", "majority",
                       "--profile", "smoke", "--results", str(tmp_path))  # fmt: skip
    assert code == 0
    assert "lengths to draw or load" not in err  # the plain lines of a log file: not a terminal
    assert "[1/2] div3-base10 / fsa / seed 0: ok (" in err
    assert "[2/2] div3-base10 / majority / seed 0: ok (" in err

"""``run --executor ray``: cells as Ray tasks on a local Ray, records written by the driver."""

from __future__ import annotations

import builtins
import importlib.util

import pytest
from cli_runner import run

from hofstadter.store import ResultStore

HAS_RAY = importlib.util.find_spec("ray") is not None




@pytest.mark.skipif(not HAS_RAY, reason="Ray is not installed (pip install -e '.[ray]')")
def test_four_smoke_cells_on_a_local_ray(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)  # a local Ray, whatever the environment says
    argv = ["run", "even-base3", "div3-base10", "--model", "fsa", "--model", "majority",
            "--profile", "smoke", "--executor", "ray", "--jobs", "2", "--results", str(tmp_path)]  # fmt: skip
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    records = ResultStore(tmp_path / "runs.jsonl").records()
    assert sorted((r["challenge"], r["model"], r["status"]) for r in records) == [
        ("div3-base10", "fsa", "ok"), ("div3-base10", "majority", "ok"),
        ("even-base3", "fsa", "ok"), ("even-base3", "majority", "ok"),
    ]  # fmt: skip
    assert "even-base3" in out and "majority" in out  # the headline
    # the same store, so resuming works as with the process pool: nothing runs (Ray never starts)
    code, _, err = run(capsys, *argv)
    assert code == 0 and "4 already recorded" in err and "0 to run" in err


def test_without_ray_the_executor_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    code, _, err = run(capsys, "run", "div3-base10", "--model", "fsa", "--executor", "ray",
                       "--results", str(tmp_path))  # fmt: skip
    assert code == 2 and "needs Ray, which is not installed" in err and "Traceback" not in err
    assert not (tmp_path / "runs.jsonl").exists()


def test_an_unknown_executor_is_a_usage_error(capsys):
    code, _, err = run(capsys, "run", "div3-base10", "--model", "fsa", "--executor", "dask")
    assert code == 2 and "invalid choice: 'dask'" in err

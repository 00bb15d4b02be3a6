"""The results store: append, torn lines, a writer killed mid-run, concurrent writers."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest

from hofstadter.store import ResultStore, StoreWriteError, record_problem


def rec(key: str, status: str = "ok", **extra) -> dict:
    """A complete record (the store skips incomplete ones)."""
    finished = {"train_lengths": [1, 6], "metrics": [{"length": 3, "accuracy": 1.0, "n": 10}]}
    return {"key": key, "status": status, "challenge": "div3-base10", "model": "gru", "seed": 0,
            **(finished if status == "ok" else {}), **extra}  # fmt: skip


def test_append_then_read_back(tmp_path):
    store = ResultStore(tmp_path / "deep" / "runs.jsonl")
    store.append(rec("a"))
    store.append(rec("b", "failed", reason="diverged"))
    store.append(rec("c", "not-applicable"))
    assert [r["key"] for r in store.records()] == ["a", "b", "c"]
    assert store.done_keys() == {"a", "c"}  # failed runs are tried again on resume


def test_a_torn_last_line_is_skipped_and_never_glued_onto(tmp_path):
    path = tmp_path / "runs.jsonl"
    path.write_text(json.dumps(rec("a")) + '\n{"key": "b", "sta')
    store = ResultStore(path)
    store.append(rec("c"))
    assert [r["key"] for r in store.records()] == ["a", "c"]
    assert store.skipped_lines == 1
    assert path.read_text().endswith(json.dumps(rec("c"), sort_keys=True) + "\n")


_WRITER = """
import sys, time
from hofstadter.store import ResultStore
store = ResultStore(sys.argv[1])
for i in range(100000):
    store.append({"key": f"k{i}", "status": "failed", "challenge": "c", "model": "m", "seed": 0,
                  "payload": "x" * 2000})
"""


def test_a_writer_killed_outright_leaves_a_valid_file(tmp_path):
    path = tmp_path / "runs.jsonl"
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)])
    deadline = time.time() + 20
    while time.time() < deadline and (not path.exists() or path.stat().st_size < 50_000):
        time.sleep(0.02)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    store = ResultStore(path)
    before = store.records()
    assert len(before) >= 10 and store.skipped_lines <= 1
    store.append(rec("after"))
    assert store.records()[-1]["key"] == "after"
    assert len(store.records()) == len(before) + 1


def _append_many(path: str, worker: int) -> None:
    store = ResultStore(path)
    for i in range(150):
        store.append(rec(f"{worker}-{i}", payload="y" * 5000))


def test_concurrent_writers_do_not_corrupt(tmp_path):
    path = tmp_path / "runs.jsonl"
    processes = [multiprocessing.Process(target=_append_many, args=(str(path), w)) for w in range(4)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    lines = path.read_text().splitlines()
    assert len(lines) == 600
    assert len({json.loads(line)["key"] for line in lines}) == 600
    assert os.path.getsize(path) > 600 * 5000


def test_lines_that_parse_but_lack_fields_are_skipped_and_counted(tmp_path):
    path = tmp_path / "runs.jsonl"
    broken = [
        {k: v for k, v in rec("x").items() if k != "train_lengths"},  # KeyError in 'run' once
        {**rec("x"), "seed": "0"},
        {**rec("x"), "metrics": [{"length": 3, "accuracy": "1.0", "n": 10}]},  # TypeError in tables once
        {**rec("x"), "metrics": [{"length": 3, "accuracy": 1.5, "n": 10}]},
        {**rec("x"), "metrics": []},
        {k: v for k, v in rec("x", "failed").items() if k != "model"},
        [1, 2, 3],
        "a string",
    ]
    path.write_text("".join(json.dumps(b) + "\n" for b in broken) + json.dumps(rec("good")) + "\n")
    store = ResultStore(path)
    assert [r["key"] for r in store.records()] == ["good"]
    assert store.skipped_lines == len(broken)
    assert all(record_problem(b) for b in broken)
    assert store.done_keys() == {"good"}  # an incomplete record's cell is run again


# --- Attacks on a store (issue 19, issue 24 items 5 and 8): forged or absurd lines are skipped,
# counted and named; a write that cannot complete is never reported done.

FORGED = {
    "accuracy 7.0": {**rec("f1"), "metrics": [{"length": 3, "accuracy": 7.0, "n": 10}]},
    "accuracy -0.5": {**rec("f2"), "metrics": [{"length": 3, "accuracy": -0.5, "n": 10}]},
    "n = -5": {**rec("f3"), "metrics": [{"length": 3, "accuracy": 1.0, "n": -5}]},
    "n = 0": {**rec("f4"), "metrics": [{"length": 3, "accuracy": 1.0, "n": 0}]},
    "equivalent beside 50%": {**rec("f5"), "equivalent": True,
                              "metrics": [{"length": 3, "accuracy": 1.0, "n": 10},
                                          {"length": 30, "accuracy": 0.5, "n": 10}]},  # fmt: skip
    "overrides as a string": {**rec("f6"), "overrides": "hidden_size=8"},
    "a length of 10**30": {**rec("f7"), "metrics": [{"length": 10**30, "accuracy": 1.0, "n": 10}]},
    "not a count out of n": {**rec("f8"), "metrics": [{"length": 3, "accuracy": 0.55, "n": 10}]},
    "train_lengths reversed": {**rec("f9"), "train_lengths": [6, 1]},
    "a failed record with string overrides": {**rec("f10", "failed"), "overrides": "x"},
    "wall_seconds of -1": {**rec("f11"), "wall_seconds": -1},
}
UNREADABLE = {
    "deep nesting": '{"key": ' + "[" * 200_000 + "]" * 200_000 + "}",
    "a 500,000-digit integer": '{"key": "k", "status": "ok", "seed": ' + "7" * 500_000 + "}",
}


def poisoned_store(path):
    quick = {"profile": "quick"}
    lines = [json.dumps({**rec("good1"), **quick})]
    lines += [json.dumps({**record, **quick}) for record in FORGED.values()]
    lines += list(UNREADABLE.values())
    lines += [json.dumps(rec("good2", metrics=[{"length": 3, "accuracy": 0.5, "n": 10}], **quick))]
    path.write_text("\n".join(lines) + "\n")
    return ResultStore(path)


def test_forged_and_absurd_lines_are_skipped_counted_and_named(tmp_path):
    store = poisoned_store(tmp_path / "runs.jsonl")
    assert [r["key"] for r in store.records()] == ["good1", "good2"]
    assert store.skipped_lines == len(FORGED) + len(UNREADABLE)
    assert [number for number, _ in store.problems] == list(range(2, 2 + store.skipped_lines))
    reasons = dict(store.problems)
    assert "accuracy in [0, 1]" in reasons[2] and "n outside" in reasons[4]
    assert "'equivalent' is true beside an accuracy below 1" == reasons[6]
    assert "'overrides' is not an object" == reasons[7]
    assert "length outside" in reasons[8] and "whole count" in reasons[9]
    assert "'wall_seconds'" in reasons[12]
    assert reasons[13] == "nested too deeply" and reasons[14] == "an integer too long to read"
    said = f"skipped 13 torn, incomplete or impossible line(s) in {store.path} (line 2: a metric has no"
    assert store.skipped_text().startswith(said)
    assert store.done_keys() == {"good1", "good2"}  # a forged line never counts as done


def test_leaderboard_and_run_over_a_poisoned_store_tabulate_only_sound_records(tmp_path, capsys):
    from hofstadter.cli import main

    poisoned_store(tmp_path / "runs.jsonl")
    assert main(["leaderboard", "--results", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "skipped 13 torn, incomplete or impossible line(s)" in err and "line 2: a metric has no" in err
    table = (tmp_path / "leaderboard.csv").read_text()
    assert "700" not in table and "-50" not in table
    run = ["run", "div3-base10", "--model", "majority", "--profile", "smoke", "--results", str(tmp_path)]
    assert main(run) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_a_short_write_is_undone_and_never_reported_done(tmp_path, monkeypatch):
    path = tmp_path / "runs.jsonl"
    store = ResultStore(path)
    store.append(rec("a"))
    before = path.read_bytes()
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, data[: len(data) // 2]))
    with pytest.raises(StoreWriteError, match=f"cannot store a record in {path}"):
        store.append(rec("b"))
    monkeypatch.setattr(os, "write", real_write)
    assert path.read_bytes() == before  # the half line is cut off again
    assert [r["key"] for r in store.records()] == ["a"]


def test_a_failed_fsync_is_never_reported_done(tmp_path, monkeypatch):
    store = ResultStore(tmp_path / "runs.jsonl")

    def no_space(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(StoreWriteError, match="No space left on device"):
        store.append(rec("a"))
    monkeypatch.undo()
    assert store.records() == []


def test_a_full_disk_under_run_is_one_line_and_exit_2_keeping_what_finished(tmp_path, monkeypatch, capsys):
    from hofstadter.cli import main

    run = ["run", "div3-base10", "--model", "majority", "--profile", "smoke", "--results", str(tmp_path)]
    assert main([*run, "--seed", "0"]) == 0
    capsys.readouterr()
    real_fsync = os.fsync

    def full(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    assert main([*run, "--seed", "1", "--seed", "2"]) == 2
    monkeypatch.setattr(os, "fsync", real_fsync)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    said = [line for line in err.splitlines() if line.startswith("error:")]
    assert said == [f"error: cannot store a record in {tmp_path / 'runs.jsonl'}: No space left on device "
                    "(records stored before it are kept; free space and run again to resume)"]  # fmt: skip
    assert [r["seed"] for r in ResultStore(tmp_path / "runs.jsonl").records()] == [0]


def test_a_full_disk_under_the_leaderboard_names_the_folder(tmp_path, monkeypatch, capsys):
    from hofstadter.cli import main
    from hofstadter.commands import run_cmd

    ResultStore(tmp_path / "runs.jsonl").append(rec("a"))

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(run_cmd, "write_board", full)
    assert main(["leaderboard", "--results", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == (f"error: cannot write into {tmp_path}: No space left on device "
                                            "(finished work is kept)")  # fmt: skip


def test_ci_check_ok_fails_on_any_record_not_ok_or_a_cell_run_too_few_times(tmp_path):
    """.ci/check_ok.py, CI's verdict on its smoke runs."""
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / ".ci" / "check_ok.py"
    store = ResultStore(tmp_path / "runs.jsonl")

    def check(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(script), str(store.path), *args],
                              capture_output=True, text=True, timeout=60)  # fmt: skip

    for key in ("a", "b"):
        store.append(rec(key))
    store.append(rec("c", "not-applicable"))
    assert check().returncode == 0 and check("--only-ok").returncode == 1
    assert check("--times", "2").returncode == 1
    store.append(rec("c", "not-applicable"))
    store.append(rec("a", "failed", reason="ValueError: zero-size array"))
    store.append(rec("b"))
    failed = check("--times", "2")
    assert failed.returncode == 1
    assert "div3-base10 / gru / seed 0: failed (ValueError: zero-size array)" in failed.stderr


# -- the done index: read once per run, then only the tail; saved beside the store (issue 22) --


def _done_record(key: str) -> dict:
    return {"key": key, "status": "ok", "challenge": "div3-base10", "model": "fsa", "seed": 0,
            "train_lengths": [1, 6],
            "metrics": [{"length": 3, "accuracy": 1.0, "n": 4}]}  # fmt: skip


def test_is_done_sees_what_another_process_appends(tmp_path):
    path = tmp_path / "runs.jsonl"
    mine, theirs = ResultStore(path), ResultStore(path)
    mine.append(_done_record("a"))
    assert mine.done_keys() == {"a"} and not mine.is_done("b")
    theirs.append(_done_record("b"))
    assert mine.is_done("b")


def test_a_saved_index_spares_the_reread_and_an_edit_in_place_voids_it(tmp_path, monkeypatch):
    from hofstadter import store as store_module

    path = tmp_path / "runs.jsonl"
    writer = ResultStore(path)
    for key in ("a", "b", "c"):
        writer.append(_done_record(key))
    assert ResultStore(path).done_keys() == {"a", "b", "c"}
    assert (tmp_path / store_module.INDEX_NAME).exists()
    parsed = []
    real_parse = store_module.parse_line
    monkeypatch.setattr(store_module, "parse_line", lambda line: parsed.append(line) or real_parse(line))
    writer.append(_done_record("d"))
    assert ResultStore(path).done_keys() == {"a", "b", "c", "d"} and len(parsed) == 1  # the new line only
    path.write_text(path.read_text().replace('"a"', '"z"'))  # same size, edited in place
    parsed.clear()
    assert ResultStore(path).done_keys() == {"z", "b", "c", "d"} and len(parsed) == 4

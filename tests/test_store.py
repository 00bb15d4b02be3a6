"""The results store: append, torn lines, a writer killed mid-run, concurrent writers."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time

from challenges.store import ResultStore, record_problem


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
from challenges.store import ResultStore
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

"""The results store: one JSON line per finished (challenge, model, seed), appended at once.

Safe against interruption and concurrency:

* each record is written with one ``write`` on a file opened for appending, under an exclusive
  ``flock``, then flushed and fsynced -- a finished run is on disk before the next one starts;
* a process killed mid-write can leave a torn last line; readers skip lines that do not parse (and
  say how many), and the next writer starts a fresh line, so the file stays valid JSON Lines;
* several processes may append to the same file at once: the lock serialises them;
* a line that parses but lacks a field a reader needs (hand-edited, or from an older schema) is
  skipped and counted too (:func:`record_problem` says what is wrong), so no reader meets a
  ``KeyError`` -- and its cell counts as not done, so a resumed run redoes it.

>>> import tempfile, pathlib
>>> store = ResultStore(pathlib.Path(tempfile.mkdtemp()) / "runs.jsonl")
>>> store.append({"key": "k1", "status": "failed", "challenge": "div3-base10", "model": "gru", "seed": 0})
>>> store.append({"key": "k2", "status": "ok"})
>>> [r["key"] for r in store.records()], store.skipped_lines
(['k1'], 1)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

try:  # POSIX; on other systems appends are still single writes, just not cross-process locked
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

DONE_STATUSES = frozenset({"ok", "not-applicable", "over-budget"})  # failed runs are retried on resume


def record_problem(record: Any) -> str | None:
    """Why a parsed line is not a usable run record, or None if it is.

    Every record names its key, status, challenge, model and seed; a finished one (status ok)
    also its training range and per-length metrics (length, accuracy in [0, 1], n).

    >>> record_problem({"key": "k", "status": "ok", "challenge": "c", "model": "m", "seed": 0})
    "'train_lengths' is missing or not two whole numbers"
    """
    if not isinstance(record, dict):
        return "not a JSON object"
    for name in ("key", "status", "challenge", "model"):
        if not isinstance(record.get(name), str):
            return f"'{name}' is missing or not a string"
    if not _whole(record.get("seed")):
        return "'seed' is missing or not a whole number"
    if record["status"] != "ok":
        return None
    lengths = record.get("train_lengths")
    if not (isinstance(lengths, list) and len(lengths) == 2 and all(map(_whole, lengths))):
        return "'train_lengths' is missing or not two whole numbers"
    metrics = record.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        return "'metrics' is missing or empty"
    for metric in metrics:
        if not (isinstance(metric, dict) and _whole(metric.get("length")) and _whole(metric.get("n"))
                and isinstance(metric.get("accuracy"), (int, float))
                and not isinstance(metric.get("accuracy"), bool)
                and 0 <= metric["accuracy"] <= 1):  # fmt: skip
            return f"a metric is incomplete: {json.dumps(metric)[:80]}"
    return None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class ResultStore:
    """Append-only JSON Lines file of run records."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.skipped_lines = 0

    @contextmanager
    def _locked(self) -> Iterator[int]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            if fcntl is not None:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield descriptor
        finally:
            os.close(descriptor)  # closing releases the lock

    def append(self, record: dict[str, Any]) -> None:
        """Write one record durably (one line, one write, fsynced)."""
        line = json.dumps(record, sort_keys=True, allow_nan=False) + "\n"
        with self._locked() as descriptor:
            size = os.fstat(descriptor).st_size
            if size and os.pread(descriptor, 1, size - 1) != b"\n":
                line = "\n" + line  # a killed writer left a torn line: never glue onto it
            os.write(descriptor, line.encode())
            os.fsync(descriptor)

    def records(self) -> list[dict[str, Any]]:
        """Every usable record; ``skipped_lines`` counts the lines that did not parse or lacked a field."""
        self.skipped_lines = 0
        if not self.path.exists():
            return []
        out = []
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    self.skipped_lines += 1
                    continue
                if record_problem(record) is None:
                    out.append(record)
                else:
                    self.skipped_lines += 1
        return out

    def done_keys(self) -> set[str]:
        """Keys of runs that need not run again (finished, or not applicable)."""
        return {r["key"] for r in self.records() if r["status"] in DONE_STATUSES}

"""The results store: one JSON line per finished (challenge, model, seed), appended at once.

Safe against interruption and concurrency:

* each record is written with one ``write`` on a file opened for appending, under an exclusive
  ``flock``, then flushed and fsynced -- a finished run is on disk before the next one starts;
* a process killed mid-write can leave a torn last line; readers skip lines that do not parse (and
  say how many), and the next writer starts a fresh line, so the file stays valid JSON Lines;
* several processes may append to the same file at once: the lock serialises them.

>>> import tempfile, pathlib
>>> store = ResultStore(pathlib.Path(tempfile.mkdtemp()) / "runs.jsonl")
>>> store.append({"key": "k1", "status": "ok"})
>>> [r["key"] for r in store.records()]
['k1']
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
        """Every record that parses; ``skipped_lines`` counts the ones that did not."""
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
                if isinstance(record, dict):
                    out.append(record)
                else:
                    self.skipped_lines += 1
        return out

    def done_keys(self) -> set[str]:
        """Keys of runs that need not run again (finished, or not applicable)."""
        return {r["key"] for r in self.records() if r.get("status") in DONE_STATUSES and "key" in r}

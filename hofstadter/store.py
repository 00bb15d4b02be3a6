"""The results store: one JSON line per finished (challenge, model, seed), appended at once.

Safe against interruption and concurrency:

* each record is written with one ``write`` on a file opened for appending, under an exclusive
  ``flock``, then flushed and fsynced -- a finished run is on disk before the next one starts;
* a process killed mid-write can leave a torn last line; readers skip lines that do not parse (and
  say how many), and the next writer starts a fresh line, so the file stays valid JSON Lines;
* several processes may append to the same file at once: the lock serialises them;
* a line that parses but lacks a field a reader needs (hand-edited, or from an older schema), or
  that breaks the schema or contradicts itself (an accuracy outside [0, 1] or that is not a whole
  count out of n, n < 1, a length beyond ``MAX_LENGTH``, ``equivalent`` beside an accuracy below 1,
  ``overrides`` that are not an object), is skipped and counted too (:func:`record_problem` says
  what is wrong; :attr:`ResultStore.problems` names the line), so no reader meets a ``KeyError``
  or tabulates a forged figure -- and its cell counts as not done, so a resumed run redoes it;
* a line no parser should take on (nesting thousands deep, an integer of thousands of digits) is a
  line that does not parse, never a ``RecursionError``;
* a write that cannot complete (a full disk, a failed fsync) is undone as far as the disk allows
  and raises :class:`StoreWriteError` naming the file: a record is reported stored only when all of
  it is on disk.

>>> import tempfile, pathlib
>>> store = ResultStore(pathlib.Path(tempfile.mkdtemp()) / "runs.jsonl")
>>> store.append({"key": "k1", "status": "failed", "challenge": "div3-base10", "model": "gru", "seed": 0})
>>> store.append({"key": "k2", "status": "ok"})
>>> [r["key"] for r in store.records()], store.skipped_lines
(['k1'], 1)
>>> store.problems
[(2, "'challenge' is missing or not a string")]
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import json
import math
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

try:  # POSIX; on other systems appends are still single writes, just not cross-process locked
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

from challenges.cache import secret
from challenges.errors import ChallengeError
from challenges.splits import MAX_LENGTH, MAX_SAMPLES
from hofstadter.limits import MAX_INDEX_BYTES, MAX_LINE_BYTES, read_bytes

DONE_STATUSES = frozenset({"ok", "not-applicable", "over-budget"})  # failed runs are retried on resume
_MAX_SEED = 2**63  # seeds are 0 .. 2**63 - 1, as the command line takes them


class StoreWriteError(ChallengeError):
    """A record could not be stored whole (full disk, failed fsync); the message names the file."""


def record_problem(record: Any) -> str | None:
    """Why a parsed line is not a usable run record, or None if it is.

    Every record names its key, status, challenge, model and seed; a finished one (status ok)
    also its training range and per-length metrics (length, accuracy in [0, 1], n).

    >>> record_problem({"key": "k", "status": "ok", "challenge": "c", "model": "m", "seed": 0})
    "'train_lengths' is missing or not two lengths A <= B from 1 to 100,000"
    """
    if not isinstance(record, dict):
        return "not a JSON object"
    for name in ("key", "status", "challenge", "model"):
        if not isinstance(record.get(name), str):
            return f"'{name}' is missing or not a string"
    if not _whole(record.get("seed"), 0, _MAX_SEED - 1):
        return "'seed' is missing or not a whole number from 0 to 2**63-1"
    if "overrides" in record and not isinstance(record["overrides"], dict):
        return "'overrides' is not an object"
    if record.get("train_size") is not None and not _whole(record["train_size"], 1, MAX_SAMPLES):
        return f"'train_size' is not a whole number from 1 to {MAX_SAMPLES:,}"
    if record.get("equivalent") not in (None, True, False):
        return "'equivalent' is not true, false or null"
    seconds = record.get("wall_seconds")  # time estimates add these up
    if seconds is not None and not (isinstance(seconds, (int, float)) and not isinstance(seconds, bool)
                                    and 0 <= seconds < 1e9):  # fmt: skip
        return "'wall_seconds' is not a number of seconds from 0 to 10**9"
    if record["status"] != "ok":
        return None
    lengths = record.get("train_lengths")
    if not (isinstance(lengths, list) and len(lengths) == 2 and all(_whole(n, 1, MAX_LENGTH) for n in lengths)
            and lengths[0] <= lengths[1]):  # fmt: skip
        return f"'train_lengths' is missing or not two lengths A <= B from 1 to {MAX_LENGTH:,}"
    metrics = record.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        return "'metrics' is missing or empty"
    for metric in metrics:
        problem = _metric_problem(metric)
        if problem:
            return f"a metric {problem}: {_short(metric)}"
    if record.get("equivalent") is True and any(m["accuracy"] < 1 for m in metrics):
        return "'equivalent' is true beside an accuracy below 1"
    return None


def _metric_problem(metric: Any) -> str | None:
    """What is wrong with one per-length metric, or None.

    >>> _metric_problem({"length": 3, "accuracy": 0.25, "n": 8}) is None
    True
    >>> _metric_problem({"length": 3, "accuracy": 0.3, "n": 8})
    'is not a whole count out of n'
    """
    if not (isinstance(metric, dict) and _whole(metric.get("length")) and _whole(metric.get("n"))):
        return "is incomplete"
    if not 1 <= metric["length"] <= MAX_LENGTH:
        return f"has a length outside 1-{MAX_LENGTH:,}"
    if not 1 <= metric["n"] <= MAX_SAMPLES:
        return f"has n outside 1-{MAX_SAMPLES:,}"
    accuracy = metric.get("accuracy")
    if not (isinstance(accuracy, (int, float)) and not isinstance(accuracy, bool) and 0 <= accuracy <= 1):
        return "has no accuracy in [0, 1]"
    # An accuracy is right answers / n: anything else was written by hand, not by a run.
    if not math.isclose(accuracy * metric["n"], round(accuracy * metric["n"]), abs_tol=1e-6):
        return "is not a whole count out of n"
    return None


def _whole(value: Any, low: int | None = None, high: int | None = None) -> bool:
    """An int (not a bool), within [low, high] where given."""
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def _short(value: Any) -> str:
    """At most 80 characters of ``value`` as JSON (what a problem message quotes)."""
    try:
        return json.dumps(value)[:80]
    except (ValueError, RecursionError):
        return "(unprintable)"


def parse_line(line: str) -> tuple[Any, str | None]:
    """(the record, None), or (None, why the line cannot be read): never an exception.

    >>> parse_line('{"a": 1}')
    ({'a': 1}, None)
    >>> parse_line("[" * 100_000)[1]
    'nested too deeply'
    >>> parse_line('{"seed": ' + "9" * 5000 + "}")[1] in ("an integer too long to read", None)
    True
    """
    if len(line) > MAX_LINE_BYTES:  # a real record is a few kB; a longer line is only counted
        return None, f"longer than MAX_LINE_BYTES = {MAX_LINE_BYTES:,} characters"
    try:
        return json.loads(line), None
    except json.JSONDecodeError:
        return None, "torn or not JSON"
    except RecursionError:
        return None, "nested too deeply"
    except ValueError as error:  # int() refuses a huge literal (Python >= 3.11's digit limit)
        return None, "an integer too long to read" if "digits" in str(error) else "not JSON"


class ResultStore:
    """Append-only JSON Lines file of run records."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.skipped_lines = 0
        self.problems: list[tuple[int, str]] = []  # (line number, why) of each skipped line
        self._index = _DoneIndex()  # done keys, kept up to date from the file's tail (is_done)

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
        """Write one record durably (one line, one write, fsynced), or raise :class:`StoreWriteError`.

        A short write (the disk filled up mid-line) is cut off again, so the file ends where it
        did; a failed fsync means the record may not be on disk, so it is not reported stored.
        """
        line = (json.dumps(record, sort_keys=True, allow_nan=False) + "\n").encode()
        try:
            with self._locked() as descriptor:
                size = os.fstat(descriptor).st_size
                if size and os.pread(descriptor, 1, size - 1) != b"\n":
                    line = b"\n" + line  # a killed writer left a torn line: never glue onto it
                try:
                    written = os.write(descriptor, line)
                    if written != len(line):
                        raise OSError(errno.ENOSPC, f"{os.strerror(errno.ENOSPC)}, {written} of "
                                               f"{len(line)} bytes written")
                    os.fsync(descriptor)
                except OSError:
                    _truncate_quietly(descriptor, size)
                    raise
        except OSError as error:
            raise StoreWriteError(
                f"cannot store a record in {self.path}: {error.strerror or error} (records stored "
                "before it are kept; free space and run again to resume)"
            ) from None

    def extend(self, records: list[dict[str, Any]]) -> None:
        """Append many records in one write and one fsync (copying a published store in, say)."""
        if not records:
            return
        lines = "".join(json.dumps(r, sort_keys=True, allow_nan=False) + "\n" for r in records).encode()
        try:
            with self._locked() as descriptor:
                size = os.fstat(descriptor).st_size
                if size and os.pread(descriptor, 1, size - 1) != b"\n":
                    lines = b"\n" + lines
                try:
                    if os.write(descriptor, lines) != len(lines):
                        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                    os.fsync(descriptor)
                except OSError:
                    _truncate_quietly(descriptor, size)
                    raise
        except OSError as error:
            raise StoreWriteError(f"cannot store records in {self.path}: {error.strerror or error}") from None

    def records(self) -> list[dict[str, Any]]:
        """Every usable record; ``skipped_lines`` counts the others and ``problems`` names them."""
        self.skipped_lines, self.problems = 0, []
        if not self.path.exists():
            return []
        out = []
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                record, why = parse_line(line)
                why = why or record_problem(record)
                if why is None:
                    out.append(record)
                else:
                    self.problems.append((number, why))
        self.skipped_lines = len(self.problems)
        return out

    def skipped_text(self, shown: int = 3) -> str | None:
        """One line naming the skipped lines (the first ``shown`` with their reasons), or None."""
        if not self.problems:
            return None
        named = "; ".join(f"line {number}: {why}" for number, why in self.problems[:shown])
        more = f"; and {len(self.problems) - shown} more" if len(self.problems) > shown else ""
        return (f"skipped {len(self.problems)} torn, incomplete or impossible line(s) in {self.path} "
                f"({named}{more})")  # fmt: skip

    def done_keys(self) -> set[str]:
        """Keys of runs that need not run again (finished, or not applicable).

        Asked once per run: the index it reads is also saved beside the store (``INDEX_NAME``), so
        the next run reads only the lines appended since, not the whole store.
        """
        keys = set(self._done_index(saved=True))
        self._index.save(self.path.parent / INDEX_NAME)
        return keys

    def is_done(self, key: str) -> bool:
        """Whether run ``key`` is recorded as done, by this process or any other, up to now.

        Asked once per cell as a run goes, it reads only what was appended since it was last asked.
        """
        return key in self._done_index()

    def _done_index(self, saved: bool = False) -> set[str]:
        """The done keys, read up to the file's end: only the lines after the index's offset are
        parsed (and validated, as :meth:`records` does). A store replaced or cut short since is read
        again from its start; so is one whose first ``offset`` bytes no longer match the saved
        index's digest (edited in place)."""
        index = self._index
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            index.reset(None)
            return index.keys
        file = (stat.st_dev, stat.st_ino)
        if index.file != file or stat.st_size < index.offset:
            index.reset(file)
            if saved:
                index.load(self.path.parent / INDEX_NAME, self.path, stat.st_size)
        if stat.st_size > index.offset:
            with self.path.open("rb") as handle:
                handle.seek(index.offset)
                tail = handle.read(stat.st_size - index.offset)
            complete = tail.rfind(b"\n") + 1  # a last line without its newline may be mid-write
            for line in tail[:complete].splitlines():
                record, why = parse_line(line.decode("utf-8", errors="replace"))
                if why is None and record_problem(record) is None and record["status"] in DONE_STATUSES:
                    index.keys.add(record["key"])
            index.digest.update(tail[:complete])
            index.offset += complete
        return index.keys


INDEX_NAME = ".done-index.json"  # beside a store: done keys to an offset, a digest of those bytes, a seal


class _DoneIndex:
    """Done keys of a store file (device, inode) as read up to ``offset`` bytes, whose sha256 is
    ``digest``; saved to and loaded from a small JSON file so a run need not reread the store."""

    def __init__(self) -> None:
        self.reset(None)

    def reset(self, file: tuple[int, int] | None) -> None:
        self.file, self.offset, self.keys, self.digest = file, 0, set(), hashlib.sha256()

    def load(self, saved: Path, store: Path, size: int) -> None:
        """Take the saved index if its seal holds and the store still begins with the bytes it was
        read from. An index past ``MAX_INDEX_BYTES``, not a regular file, or whose keys, offset or
        digest were edited (the seal is keyed with a secret kept outside the results folder) is
        ignored: the store is read whole, which is slower and never wrong."""
        try:
            data = json.loads(read_bytes(saved, MAX_INDEX_BYTES, "MAX_INDEX_BYTES", "done-index"))
            offset, digest, keys = int(data["offset"]), str(data["sha256"]), data["keys"]
            if not (0 < offset <= size and isinstance(keys, list) and all(isinstance(k, str) for k in keys)):
                return
            if not hmac.compare_digest(str(data["seal"]), _seal(offset, digest, keys)):
                return
            prefix = hashlib.sha256()
            with store.open("rb") as handle:
                while chunk := handle.read(min(1 << 22, offset - handle.tell())):
                    prefix.update(chunk)
        except (OSError, ValueError, KeyError, TypeError, RecursionError, ChallengeError):
            return  # no index, or one that cannot be read: the store is read whole
        if prefix.hexdigest() == digest:
            self.offset, self.keys, self.digest = offset, set(keys), prefix

    def save(self, saved: Path) -> None:
        """Write the index atomically, best effort: without it a run is only slower."""
        if not self.offset:
            return
        keys, digest = sorted(self.keys), self.digest.hexdigest()
        seal = _seal(self.offset, digest, keys)
        data = {"offset": self.offset, "sha256": digest, "keys": keys, "seal": seal}
        try:
            with tempfile.NamedTemporaryFile("w", dir=saved.parent, suffix=".tmp", delete=False) as out:
                json.dump(data, out)
            os.replace(out.name, saved)
        except OSError:
            with contextlib.suppress(OSError, NameError):
                os.unlink(out.name)


def _seal(offset: int, digest: str, keys: list[str]) -> str:
    """HMAC-SHA256 of an index's offset, store digest and sorted keys, keyed with the sample cache's
    secret (:func:`challenges.cache.secret`): a key added to the index, or all of them removed,
    breaks it, and no one without the secret can seal an index anew."""

    body = json.dumps([offset, digest, sorted(keys)], separators=(",", ":")).encode()
    return hmac.new(secret(), body, hashlib.sha256).hexdigest()


def _truncate_quietly(descriptor: int, size: int) -> None:
    """Cut a partly written line off again; if even that fails, readers skip it as torn."""
    try:
        os.ftruncate(descriptor, size)
    except OSError:
        pass

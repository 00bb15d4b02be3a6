"""Processes that share a machine and a results store: workers that die with their parent, claims.

* :func:`die_with_parent` -- a worker process asks the kernel (Linux ``PR_SET_PDEATHSIG``) to kill
  it when its parent dies, so ``kill -9`` of ``run --jobs 2`` leaves no orphan training on.
  Elsewhere a thread polls ``os.getppid()`` and exits the worker when the parent is gone.
* :func:`claim` -- a lock file per cell key under ``RESULTS/.claims/``, held (``flock``) while the
  cell runs: two ``run`` commands into one store split the cells instead of running each twice.
  The kernel releases a lock when its holder dies, so a killed run never leaves a cell claimed.
* :class:`WorkerMarks` -- which task each worker of a pool is running, so that when one is killed
  (``kill -9``, the out-of-memory killer) the parent can name the task that died with it
  (:func:`worker_deaths`) instead of losing every task in flight to a ``BrokenProcessPool``.

>>> import tempfile, pathlib
>>> directory = pathlib.Path(tempfile.mkdtemp())
>>> with claim(directory, "k1") as mine:
...     with claim(directory, "k1") as again:
...         mine, again
(True, False)
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent() -> None:
    """Make this process end when the process that started it ends (call it in a worker)."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # the parent died before the request took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass  # fall back to polling

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


@contextmanager
def claim(directory: Path, key: str) -> Iterator[bool]:
    """Hold the lock of cell ``key`` for the block: yields True if this process got it, else False.

    Without ``fcntl`` (not POSIX) every claim succeeds: the store still never loses a record.
    """
    if fcntl is None:  # pragma: no cover
        yield True
        return
    directory.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(directory / f"{key}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            os.ftruncate(descriptor, 0)  # the holder's id, so that a hung holder can be named
            os.write(descriptor, str(os.getpid()).encode())
        except OSError:
            pass  # a full disk: the lock holds all the same, its holder is just not named
        yield True
    finally:
        os.close(descriptor)  # releases the lock


def claim_holder(directory: Path, key: str) -> int | None:
    """The id of the live process holding cell ``key``'s claim (0 if it wrote none), or None.

    >>> import tempfile, pathlib
    >>> directory = pathlib.Path(tempfile.mkdtemp())
    >>> with claim(directory, "k") as mine:
    ...     claim_holder(directory, "k") == os.getpid()
    True
    >>> claim_holder(directory, "k") is None  # released when the block ends
    True
    """
    path = directory / f"{key}.lock"
    if fcntl is None or not path.exists():  # pragma: no cover
        return None
    descriptor = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(descriptor, 32).decode(errors="replace").strip()
            return int(text) if text.isdigit() else 0
        return None
    finally:
        os.close(descriptor)


class WorkerMarks:
    """A scratch folder where each worker writes the token of the task it is running (a file per pid).

    >>> with WorkerMarks() as marks:
    ...     mark_running(marks.directory, 7)
    ...     marks.running() == {os.getpid(): 7}
    True
    """

    def __init__(self) -> None:
        self.directory = tempfile.mkdtemp(prefix="hofstadter-workers-")

    def __enter__(self) -> WorkerMarks:
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def running(self) -> dict[int, int]:
        """pid -> token of the task each worker started last."""
        marks = {}
        for path in Path(self.directory).iterdir():
            try:
                marks[int(path.name)] = int(path.read_text())
            except (OSError, ValueError):
                continue  # a mark being written as the worker died: that task is not named
        return marks


def mark_running(directory: str, token: int) -> None:
    """In a worker, before a task: say that this process now runs task ``token``."""
    Path(directory, str(os.getpid())).write_text(str(token))


def worker_deaths(exit_codes: dict[int, int | None], marks: WorkerMarks) -> dict[int, str]:
    """token -> how its worker died, for each worker that ended by a signal its pool did not send.

    A broken pool terminates its other workers itself (SIGTERM); those are not deaths to report.
    ``exit_codes`` maps pid to ``multiprocessing.Process.exitcode`` (negative: killed by that signal).

    >>> with WorkerMarks() as marks:
    ...     for pid, token in ((11, 1), (12, 2)):
    ...         _ = Path(marks.directory, str(pid)).write_text(str(token))
    ...     worker_deaths({11: -9, 12: -15}, marks)
    {1: 'killed by SIGKILL, possibly out of memory'}
    """
    running, deaths = marks.running(), {}
    for pid, code in exit_codes.items():
        if code is None or code == 0 or code == -signal.SIGTERM or pid not in running:
            continue
        if code == -signal.SIGKILL:
            how = "killed by SIGKILL, possibly out of memory"
        elif code < 0:
            how = f"killed by {signal.Signals(-code).name}"
        else:
            how = f"exit code {code}"
        deaths[running[pid]] = how
    return deaths

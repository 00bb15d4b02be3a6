"""Processes that share a machine and a results store: workers that die with their parent, claims.

* :func:`die_with_parent` -- a worker process asks the kernel (Linux ``PR_SET_PDEATHSIG``) to kill
  it when its parent dies, so ``kill -9`` of ``run --jobs 2`` leaves no orphan training on.
  Elsewhere a thread polls ``os.getppid()`` and exits the worker when the parent is gone.
* :func:`claim` -- a lock file per cell key under ``RESULTS/.claims/``, held (``flock``) while the
  cell runs: two ``run`` commands into one store split the cells instead of running each twice.
  The kernel releases a lock when its holder dies, so a killed run never leaves a cell claimed.

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
import signal
import sys
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
        yield True
    finally:
        os.close(descriptor)  # releases the lock

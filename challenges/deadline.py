"""A wall-clock bound on a block of pure-Python work: a real-time timer signal raises in it.

Used where there are no steps to count: a plugin's conformance checks (an oracle that never
returns) and state-merging learners (a prefix tree of 100,000 long strings). Signals reach only
the main thread, and only POSIX has the timer; elsewhere the block runs unbounded. The runner's
workers are processes whose main thread runs the cell, so the bound holds there.

>>> import time
>>> try:
...     with deadline(0.05, lambda: TimeoutError("too slow")):
...         time.sleep(1)
... except TimeoutError as error:
...     print(error)
too slow
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def deadline(seconds: float, error: Callable[[], BaseException]) -> Iterator[None]:
    """Raise ``error()`` in the block once ``seconds`` of wall-clock time have passed."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise error()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

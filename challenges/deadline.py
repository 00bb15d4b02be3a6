"""A wall-clock bound on a block of pure-Python work: a real-time timer signal raises in it.

Used where there are no steps to count: a plugin's conformance checks (an oracle that never
returns), drawing a test set (a sampler that hangs) and state-merging learners (a prefix tree of
100,000 long strings). Code that swallows every exception swallows the timer's too; for foreign
code, :func:`hard_stop` ends the process with one line once the bound is long past. Signals reach only
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

import os
import signal
import sys
import threading
import time
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

    # An enclosing deadline (a test set drawn inside a cell's) keeps its own: it is re-armed with
    # what is left of it on the way out, and fires first if it is the sooner.
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, min(seconds, outer_left) if outer_left else seconds)
    if outer_left and outer_left < seconds:
        signal.signal(signal.SIGALRM, previous)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:
            signal.setitimer(signal.ITIMER_REAL, max(outer_left - (time.monotonic() - started), 1e-3))


@contextmanager
def hard_stop(seconds: float, message: Callable[[], str]) -> Iterator[None]:
    """End the process -- ``error: message()`` on stderr, exit code 2 -- if the block outlives ``seconds``.

    The last resort behind :func:`deadline`, for foreign code that catches the deadline's exception
    (``except BaseException: pass`` in a retry loop) and so would run for ever: a watchdog thread,
    cancelled when the block ends in time.
    """

    def stop() -> None:
        sys.stdout.flush()
        sys.stderr.write(f"error: {message()}\n")
        sys.stderr.flush()
        os._exit(2)

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()

"""Consoles for the commands: text printed as text, and full width when nobody is looking.

Ids, paths, reasons and plugin errors may contain ``[`` ... ``]``; rich would read them as markup
(``x[bold]y`` printed as ``xy``, or a ``MarkupError``). These consoles never parse markup: style
goes through :class:`rich.text.Text`. Off a terminal (a pipe, a file, a test) rich assumes 80
columns and truncates table cells; these consoles are as wide as the content instead.

>>> plain = console()
>>> plain.print("x[bold]y")
x[bold]y
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

_UNLIMITED = 100_000  # columns off a terminal: tables never truncate an id


def console(stderr: bool = False) -> Console:
    """A console on stdout (or stderr) without markup or highlighting."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if _is_terminal(stream) else _UNLIMITED
    return Console(stderr=stderr, highlight=False, markup=False, width=width, soft_wrap=width is None)


def _is_terminal(stream) -> bool:  # noqa: ANN001
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


@contextmanager
def drawing_progress(description: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr for slow sampling (a terminal only); yields ``advance(rows)``."""
    if not _is_terminal(sys.stderr):
        yield lambda rows: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda rows: progress.advance(task, rows)


class Ticker:
    """Plain progress lines for a stream that is not a terminal: one per ``every`` seconds at most.

    A log file gets a line a minute during a long phase instead of silence (a terminal has bars).

    >>> clock = iter([0.0, 10.0, 70.0, 100.0]).__next__  # started at 0; ticks at 10, 70, 100 s
    >>> tick = Ticker(print, every=60, clock=clock)
    >>> tick("a"); tick("b"); tick("c")
    b
    """

    def __init__(self, say: Callable[[str], None], every: float = 60.0, clock=time.monotonic) -> None:  # noqa: ANN001
        self.say, self.every, self.clock = say, every, clock
        self.last = clock()

    def __call__(self, text: str) -> None:
        now = self.clock()
        if now - self.last >= self.every:
            self.last = now
            self.say(text)

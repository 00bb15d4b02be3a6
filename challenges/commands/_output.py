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

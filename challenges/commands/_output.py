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

from rich.console import Console

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

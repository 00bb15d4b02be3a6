"""``python -m challenges``: parse, call, print. Every subcommand lives in :mod:`hofstadter.commands`.

``main(argv)`` returns the exit code instead of exiting, so tests call it directly:
0 success, 2 a usage error (bad id, malformed string, out-of-range option), 130 interrupted.
"""

from __future__ import annotations

import argparse
import errno
import sys
import warnings
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from challenges.errors import ChallengeError, ChallengeWarning
from hofstadter.commands import (
    conform_cmd,
    data,
    evaluate_cmd,
    explain_cmd,
    export_cmd,
    noise_cmd,
    reproduce_cmd,
    run_cmd,
    score_cmd,
)
from hofstadter.plugins import load_plugins, plugin_name

# In the order `--help` lists them.
COMMAND_MODULES = (
    data, evaluate_cmd, run_cmd, reproduce_cmd, noise_cmd, explain_cmd, export_cmd, score_cmd, conform_cmd
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit code 2), not a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m challenges",
        description="Hofstadter's number challenges for neural networks.",
    )
    plugin_help = ("import MODULE (or the file path/to/plugin.py) and call its register(), so the "
                   "challenges and models it registers are available; repeatable")  # fmt: skip
    parser.add_argument("--plugin", action="append", default=[], metavar="MODULE", help=plugin_help)
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subcommands)
    for command in subcommands.choices.values():
        # Also after the subcommand (`run ID --plugin X`); a dest of its own, because a
        # subparser's default would overwrite what the main parser collected.
        command.add_argument("--plugin", action="append", default=[], dest="plugins_after",
                             metavar="MODULE", help=plugin_help)  # fmt: skip
    return parser


_show_warning = warnings.showwarning


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    """Our warnings (a damaged cache file redrawn) as one plain line; others as Python prints them."""
    if issubclass(category, ChallengeWarning):
        (file or sys.stderr).write(f"warning: {message}\n")
    else:
        _show_warning(message, category, filename, lineno, file, line)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit code."""
    parser = build_parser()
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse has already printed its usage message
        return int(stop.code or 0)
    if args.command is None:
        parser.print_help()
        return 2
    warnings.showwarning = _one_line_warning
    args.argv = list(sys.argv[1:] if argv is None else argv)  # for manifests that record the command
    try:
        args.plugin = [plugin_name(p) for p in [*args.plugin, *args.plugins_after]]
        load_plugins(args.plugin)
        return int(args.handler(args) or 0)
    except ChallengeError as error:
        errors.print(f"[bold red]error:[/] {escape(str(error))}", markup=True)  # ids may hold [..]
        return 2
    except KeyboardInterrupt:
        errors.print("interrupted: finished work is kept")
        return 130
    except BrokenPipeError:  # `... | head` closed the pipe: not an error worth a traceback
        sys.stderr.close()
        return 0
    except OSError as error:
        # A full disk or quota: one line naming the file (or the folder being written); what
        # finished is already stored. Any other failure to read or write a file (a folder where
        # a file was expected, an immutable file) is one line too, never a traceback.
        results = getattr(args, "results", None)
        where = f" {error.filename}" if error.filename else f" into {results}" if results else ""
        if error.errno in _DISK_ERRORS:
            errors.print(f"error: cannot write{where}: {error.strerror} (finished work is kept)",
                         markup=False, highlight=False)  # fmt: skip
        else:
            errors.print(f"error: cannot read or write{where}: {error.strerror or error}", markup=False,
                         highlight=False)  # fmt: skip
        return 2


_DISK_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})

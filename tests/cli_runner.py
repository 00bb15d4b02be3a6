"""The command line run in-process, with what it printed: the one helper every CLI test uses
(``from cli_runner import run``; pytest puts ``tests/`` on the path)."""

from __future__ import annotations

import pytest

from hofstadter.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    """``python -m challenges ARGV...``: its exit code, stdout and stderr (each argument turned
    into a string, so paths may be passed as they are)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err

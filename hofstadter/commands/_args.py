"""Argument types shared by the subcommands: they turn bad values into one-line usage errors.

Also the checks a command makes before any work starts (an output path it can write to), so
that a mistake costs a second, not a training run.

>>> seed("٣")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: seed must be a whole number in ASCII digits, got '٣'
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from pathlib import Path

from challenges.errors import InvalidArgument
from challenges.noise import check_label_noise
from challenges.splits import check_count, check_length_limits

_WHOLE = re.compile(r"[+-]?[0-9]{1,4000}")  # int() also takes '３' and '٣': numbers here are ASCII


# Runs write to a store that git ignores, so that a fresh clone runs the benchmark rather than
# resuming from the published results; those live in PUBLISHED_RESULTS (``--results`` reads them).
DEFAULT_RESULTS = Path("results/local")
PUBLISHED_RESULTS = Path("results/published")


def _whole(text: str, what: str) -> int:
    if not _WHOLE.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"{what} must be a whole number in ASCII digits, got {text!r}")
    return int(text)


def jobs(text: str) -> int:
    """A number of parallel processes, at least 1."""
    value = _whole(text, "jobs")
    if value < 1:
        raise argparse.ArgumentTypeError(f"jobs must be at least 1, got {value}")
    return value


def directory(text: str) -> Path:
    """A directory path, not empty ('' would silently mean the current directory)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the directory must not be empty (use . for the current one)")
    return Path(text)


def device(text: str) -> str:
    """'cpu', 'cuda' or 'cuda:N' -- and CUDA only where torch can reach it."""
    kind, _, index = text.partition(":")
    ordinal = not index or index.isdecimal() and index.isascii()
    if not (kind == "cpu" and not index or kind == "cuda" and ordinal):
        raise argparse.ArgumentTypeError(f"unknown device {text!r}: use cpu, cuda or cuda:N")
    if kind == "cuda":
        import torch  # only when a GPU is asked for: parsing arguments does not load torch

        if not torch.cuda.is_available():
            raise argparse.ArgumentTypeError(f"device '{text}' was asked for, but CUDA is not available here")
        if index and int(index) >= torch.cuda.device_count():
            raise argparse.ArgumentTypeError(
                f"device '{text}' does not exist: this machine has {torch.cuda.device_count()} CUDA device(s)"
            )
    return text


def require_writable_dir(path: Path, what: str) -> Path:
    """Create ``path`` if needed and prove a file can be written there; else one clear error."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as error:
        raise InvalidArgument(f"{what} {path} is not writable: {error.strerror or error}") from None
    return path


def require_writable_file(path: Path, what: str) -> Path:
    """``path`` can be created or overwritten (its directory is writable; it is not a directory)."""
    if path.is_dir():
        raise InvalidArgument(f"{what} {path} is a directory, not a file")
    require_writable_dir(path.parent, f"the directory of {what}")
    if path.exists() and not os.access(path, os.W_OK):
        raise InvalidArgument(f"{what} {path} is not writable")
    return path


def length(text: str) -> int:
    """A length from 1 to MAX_LENGTH, by the data's own check (``check_length_limits``)."""
    return _by(check_length_limits, _whole(text, "length"))


def count(text: str) -> int:
    """A number of examples from 1 to MAX_SAMPLES, by the data's own check (``check_count``)."""
    return _by(check_count, _whole(text, "count"))


def _by(check, value: int) -> int:  # noqa: ANN001
    """``check(value)``, its refusal an argparse error (argparse prints it as one line, exit 2)."""
    try:
        return check(value)
    except InvalidArgument as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def seed(text: str) -> int:
    """A seed from 0 to 2**63 - 1."""
    value = _whole(text, "seed")
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"seed must be from 0 to 2**63-1, got {value}")
    return value


def label_noise(text: str) -> float:
    """A share of labels to flip, 0 <= P < 0.5, by the data's own check (``check_label_noise``).

    >>> label_noise("0.1")
    0.1
    >>> label_noise("1/2")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: label noise must be a decimal number such as 0.1, got '1/2'
    """

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"label noise must be a decimal number such as 0.1, got {text!r}"
        ) from None
    return _by(check_label_noise, value)


def length_range(text: str) -> tuple[int, int]:
    """``A-B`` (or a single length ``A``) with 1 <= A <= B <= MAX_LENGTH."""
    low_text, _, high_text = text.partition("-")
    try:
        low = _whole(low_text, "length")
        high = _whole(high_text, "length") if high_text else low
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"length range must look like 1-6, got {text!r}"
        ) from None
    if not 1 <= low <= high:
        raise argparse.ArgumentTypeError(
            f"length range {text!r} must satisfy 1 <= first <= last"
        )
    _by(check_length_limits, high)
    return low, high

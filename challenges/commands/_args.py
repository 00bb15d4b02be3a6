"""Argument types shared by the subcommands: they turn bad values into one-line usage errors."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..splits import MAX_LENGTH, MAX_SAMPLES


# Runs write to a store that git ignores, so that a fresh clone runs the benchmark rather than
# resuming from the published results; those live in PUBLISHED_RESULTS (``--results`` reads them).
DEFAULT_RESULTS = Path("results/local")
PUBLISHED_RESULTS = Path("results/published")


def _whole(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} must be a whole number, got {text!r}") from None


def length(text: str) -> int:
    """A length from 1 to MAX_LENGTH."""
    value = _whole(text, "length")
    if value < 1:
        raise argparse.ArgumentTypeError(f"length must be at least 1, got {value}")
    if value > MAX_LENGTH:
        raise argparse.ArgumentTypeError(f"length {value} is absurd: the limit is {MAX_LENGTH}")
    return value


def count(text: str) -> int:
    """A number of examples from 1 to MAX_SAMPLES."""
    value = _whole(text, "count")
    if value < 1:
        raise argparse.ArgumentTypeError(f"count must be at least 1, got {value}")
    if value > MAX_SAMPLES:
        raise argparse.ArgumentTypeError(f"count {value} is absurd: the limit is {MAX_SAMPLES:,}")
    return value


def seed(text: str) -> int:
    """A seed from 0 to 2**63 - 1."""
    value = _whole(text, "seed")
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"seed must be from 0 to 2**63-1, got {value}")
    return value


def length_range(text: str) -> tuple[int, int]:
    """``A-B`` (or a single length ``A``) with 1 <= A <= B <= MAX_LENGTH."""
    low_text, _, high_text = text.partition("-")
    try:
        low = int(low_text)
        high = int(high_text) if high_text else low
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"length range must look like 1-6, got {text!r}"
        ) from None
    if not 1 <= low <= high:
        raise argparse.ArgumentTypeError(
            f"length range {text!r} must satisfy 1 <= first <= last"
        )
    if high > MAX_LENGTH:
        raise argparse.ArgumentTypeError(f"length {high} is absurd: the limit is {MAX_LENGTH}")
    return low, high

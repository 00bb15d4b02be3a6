"""What every result record says about itself: schema, cell, date, machine and code.

A record carries its identity (the cell's key, the challenge's and model's versions) and where it
was made (package versions, git commit, machine), so that a store read years later still says
what each figure is. :mod:`hofstadter.run` fills in the experiment's results.
"""

from __future__ import annotations

import datetime as dt
import math
import platform
import subprocess
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from challenges import CHALLENGES
from hofstadter.profiles import seed_kind
from hofstadter.provenance import tree_dirty

if TYPE_CHECKING:
    from hofstadter.run import Cell

RECORD_SCHEMA = 1


@lru_cache(maxsize=1)
def environment() -> dict[str, Any]:
    """Package versions, git commit and machine, stored with every record."""
    versions = {}
    for package in ("torch", "numpy", "pandas", "sympy", "gmpy2", "hofstadter-challenges"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5, cwd=Path(__file__).parent,
        ).stdout.strip() or None  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        commit = None

    return {"versions": versions, "git_commit": commit, "git_dirty": tree_dirty(Path(__file__).parent),
            "python": platform.python_version(), "machine": platform.machine()}  # fmt: skip


def newest_per_key(records: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], str]) -> list[dict]:
    """The newest record of each ``key``: the later ``date``, and of equal dates (or none) the later
    in the store. The one rule for "the newest record", for boards and for ``reproduce``. In the
    order each key first appears.

    >>> rows = [{"k": "a", "date": "2026-01-02", "v": 1}, {"k": "b", "v": 2},
    ...         {"k": "a", "date": "2026-01-01", "v": 3}, {"k": "b", "v": 4}]
    >>> [r["v"] for r in newest_per_key(rows, lambda r: r["k"])]
    [1, 4]
    """
    newest: dict[str, dict] = {}
    for record in records:
        name = key(record)
        if name not in newest or str(record.get("date", "")) >= str(newest[name].get("date", "")):
            newest[name] = record
    return list(newest.values())


def record_base(cell: Cell) -> dict[str, Any]:
    """What every record of ``cell`` says, whatever became of it."""
    return {
        "schema": RECORD_SCHEMA,
        "challenge": cell.challenge,
        "model": cell.model,
        "seed": cell.seed,
        "seed_kind": seed_kind(cell.seed),
        "profile": cell.profile,
        "device": cell.device,
        **({"label_noise": cell.label_noise} if cell.label_noise else {}),
        **({"train_size": cell.train_size} if cell.train_size is not None else {}),  # a failed one too
        **({"overrides": dict(cell.model_options)} if cell.model_options else {}),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        **environment(),
    }


def closed(record: dict[str, Any], cell: Cell, seconds: float) -> dict[str, Any]:
    """``record`` finished: the challenge's version, the wall time, and JSON-ready values."""
    known = CHALLENGES.find(cell.challenge)  # a failed plugin may have left it unregistered
    record.setdefault("challenge_version", known.version if known else None)
    record["wall_seconds"] = round(seconds, 3)
    return json_safe(record)


def worker_died_record(cell: Cell, how: str, seconds: float) -> dict[str, Any]:
    """The failed record of a cell whose worker process died under it (killed, out of memory)."""
    record = {**record_base(cell), "key": cell.key, "status": "failed",
              "reason": f"worker died ({how})", "traceback": None}  # fmt: skip
    return closed(record, cell, seconds)


def json_safe(value: Any) -> Any:
    """Records go to JSON: numpy scalars become Python numbers, NaN becomes None."""


    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value

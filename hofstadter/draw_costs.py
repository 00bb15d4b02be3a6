"""What drawing a run's test sets will cost: the part of a run's estimate that cells do not record.

A run draws every test set it scores on before any cell starts (:func:`hofstadter.run.prepare_test_sets`);
those already in the disk cache load in a moment, the others are drawn, and 1000-digit primes take
minutes. Each draw's seconds are kept beside the store (:data:`FILE`, one entry per test set), so
that a later run -- here, or on a fresh machine reading the published stores -- can add the sets it
must draw to its estimate.

>>> costs = {"prime-base10|1000|100|1": 300.0, "div3-base10|1000|1000|1": 2.0}
>>> wanted = [("prime-base10", 1000, 100, 1), ("div3-base10", 1000, 1000, 1), ("div3-base10", 12, 1000, 1)]
>>> drawing_seconds(wanted, costs, jobs=2)
(300.0, 2)
>>> drawing_seconds(wanted[1:], costs, jobs=2)
(2.0, 1)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from challenges import get_challenge
from challenges.cache import cache_path

FILE = "test-set-seconds.json"  # beside runs.jsonl: "challenge|length|n|seed" -> seconds to draw

TestSet = tuple[str, int, int, int]  # challenge, length, strings, evaluation seed


def name(item: TestSet) -> str:
    return "|".join(map(str, item))


def not_cached(wanted: Iterable[TestSet]) -> list[TestSet]:
    """The test sets of ``wanted`` that the disk cache does not hold (all of them without a cache)."""

    missing = []
    for item in wanted:
        challenge_id, length, n, seed = item
        path = cache_path(get_challenge(challenge_id), "test", n, seed, length, None)
        if path is None or not path.exists():
            missing.append(item)
    return missing


def read_costs(results: Iterable[Path]) -> dict[str, float]:
    """Recorded seconds per test set, from the first of ``results`` (folders) that has each."""
    costs: dict[str, float] = {}
    for folder in results:
        try:
            found = json.loads((Path(folder) / FILE).read_text())
        except (OSError, ValueError):
            continue
        if isinstance(found, dict):
            for key, seconds in found.items():
                if isinstance(seconds, (int, float)) and key not in costs:
                    costs[key] = float(seconds)
    return costs


def save_costs(results: Path, seconds: dict[TestSet, float]) -> None:
    """Add this run's draws (only real draws: a set loaded from the cache says nothing) to the file."""
    path = Path(results) / FILE
    known = read_costs([results])
    known.update({name(item): round(s, 3) for item, s in seconds.items()})
    path.write_text(json.dumps(known, indent=0, sort_keys=True) + "\n")


def drawing_seconds(missing: Iterable[TestSet], costs: dict[str, float], jobs: int) -> tuple[float, int]:
    """(seconds to draw the ``missing`` sets whose cost is known, on ``jobs`` processes, how many
    are known). Longest first over ``jobs`` processes: never less than the longest one alone."""
    known = [costs[name(item)] for item in missing if name(item) in costs]
    if not known:
        return 0.0, 0
    return max(sum(known) / max(1, jobs), max(known)), len(known)

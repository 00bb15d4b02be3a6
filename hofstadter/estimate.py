"""A rough time estimate for a planned run, from the recorded times of earlier runs.

There is no cost model: the times are the ``wall_seconds`` that earlier runs of the same cells
recorded -- in the store the run writes to, else in the published stores (another machine, so
only a guide). A cell is matched by challenge, model, profile and training size; failing that, by
challenge and model in the profile, then by the model's median over the profile. Cells with no
recorded time anywhere are counted and left out of the figure, and the text says so. The figure
is the time the last process finishes when the cells start longest first, as the runner starts
them (:func:`longest_first`): a sum divided by the processes misses the tail, where one process
still runs a long cell and the others have nothing left.

>>> from hofstadter.run import Cell
>>> earlier = [{"challenge": "div3-base10", "model": "gru", "profile": "quick", "wall_seconds": 60.0},
...            {"challenge": "div7-base10", "model": "gru", "profile": "quick", "wall_seconds": 120.0}]
>>> cells = [Cell("div3-base10", "gru", 0), Cell("div9-base10", "gru", 0), Cell("div3-base10", "lstm", 0)]
>>> guess = estimate(cells, [("the store", earlier)], jobs=1)
>>> guess.seconds, guess.known, guess.unknown
(150.0, 2, 1)
>>> print(guess.text())  # doctest: +NORMALIZE_WHITESPACE
planned: 3 cells, about 2.5 min on 1 process (rough estimate)
  from the times recorded for 2 of them (or their model) by the store;
  not counted: 1 cell(s) with no recorded time
"""

from __future__ import annotations

import heapq
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Estimate:
    """Seconds for the cells whose cost is known, spread over ``jobs`` processes."""

    cells: int
    known: int
    seconds: float
    jobs: int
    source: str
    # Test sets the disk cache lacks: how many, how many of those have a recorded drawing time,
    # and the seconds those take (see hofstadter.draw_costs).
    test_sets: int = 0
    test_sets_known: int = 0
    test_set_seconds: float = 0.0

    def with_test_sets(self, missing: int, known: int, seconds: float) -> "Estimate":
        """This estimate with the drawing of ``missing`` test sets added (``known`` of them timed).

        >>> guess = Estimate(2, 2, 60.0, 1, "the store").with_test_sets(3, 2, 90.0)
        >>> print(guess.text())  # doctest: +NORMALIZE_WHITESPACE
        planned: 2 cells, about 2.5 min on 1 process (rough estimate; 1.5 min of it drawing 3 test sets)
          from the times recorded for 2 of them (or their model) by the store;
          not counted: drawing 1 test set(s) with no recorded time
        """
        return Estimate(self.cells, self.known, self.seconds, self.jobs, self.source, missing, known, seconds)

    @property
    def unknown(self) -> int:
        return self.cells - self.known

    def text(self) -> str:
        """One or two lines for stderr before the run starts."""
        if not self.known:
            return f"planned: {self.cells} cells (no earlier run recorded their times: no estimate)"
        processes = f"{self.jobs} process{'es' if self.jobs > 1 else ''}"
        missing = [f"{self.unknown} cell(s) with no recorded time"] if self.unknown else []
        untimed = self.test_sets - self.test_sets_known
        if untimed:
            missing.append(f"drawing {untimed} test set(s) with no recorded time")
        drawing = (f"; {duration(self.test_set_seconds)} of it drawing {self.test_sets} test sets"
                   if self.test_sets_known else "")  # fmt: skip
        total = self.seconds + self.test_set_seconds
        return (
            f"planned: {self.cells} cells, about {duration(total)} on {processes} (rough estimate{drawing})\n"
            f"  from the times recorded for {self.known} of them (or their model) by {self.source}"
            + (f";\n  not counted: {', '.join(missing)}" if missing else "")
        )


def duration(seconds: float) -> str:
    """``45 s``, ``2.5 min``, ``14 min``, ``3.2 h``.

    >>> [duration(s) for s in (45, 150, 840, 11_520)]
    ['45 s', '2.5 min', '14 min', '3.2 h']
    """
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 600:
        return f"{seconds / 60:.1f} min"
    if seconds < 3 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def estimate(cells: Sequence[Any], sources: Iterable[tuple[str, list[dict]]], jobs: int) -> Estimate:
    """The estimate for ``cells`` from the first source (name, records) that knows any of them."""
    cells = list(cells)
    best = Estimate(len(cells), 0, 0.0, jobs, "")
    for name, records in sources:
        times = _times(records)
        costs = [_cost(cell, times) for cell in cells]
        known = [c for c in costs if c is not None]
        if len(known) > best.known:
            best = Estimate(len(cells), len(known), makespan(known, jobs), jobs, name)
        if best.known == len(cells):
            break
    return best


def makespan(costs: Iterable[float], jobs: int) -> float:
    """When the last of ``jobs`` processes finishes, each taking the next cell, longest first.

    >>> makespan([60, 10, 10, 10], jobs=2), makespan([30, 30, 30, 30], jobs=2)
    (60.0, 60.0)
    """
    finishing = [0.0] * max(1, jobs)
    for cost in sorted(costs, reverse=True):
        heapq.heappush(finishing, heapq.heappop(finishing) + cost)
    return max(finishing)


def longest_first(cells: Sequence[Any], sources: Iterable[tuple[str, list[dict]]]) -> list[Any]:
    """``cells`` in the order a run starts them: the longest by recorded times first, those with
    no recorded time before all (they may be long), ties in plan order. Order changes no figure
    (each cell's key, data and seed are its own); it shortens the run's tail.

    >>> from hofstadter.run import Cell
    >>> earlier = [{"challenge": "div3-base10", "model": "gru", "profile": "quick", "wall_seconds": 9.0},
    ...            {"challenge": "div7-base10", "model": "gru", "profile": "quick", "wall_seconds": 90.0}]
    >>> cells = [Cell("div3-base10", "gru", 0), Cell("div7-base10", "gru", 0), Cell("div3-base10", "lstm", 0)]
    >>> [(c.challenge, c.model) for c in longest_first(cells, [("the store", earlier)])]
    [('div3-base10', 'lstm'), ('div7-base10', 'gru'), ('div3-base10', 'gru')]
    """
    times: dict[tuple, list[float]] = {}
    for _, records in sources:  # the first source that timed a cell decides its cost
        for key, seconds in _times(records).items():
            times.setdefault(key, seconds)
    costs = [_cost(cell, times) for cell in cells]
    order = sorted(range(len(cells)), key=lambda i: -(math.inf if costs[i] is None else costs[i]))
    return [cells[i] for i in order]


def _times(records: Iterable[dict]) -> dict[tuple, list[float]]:
    """Recorded wall seconds of finished cells, under each key a cell may be matched by."""
    times: dict[tuple, list[float]] = {}
    for record in records:
        seconds = record.get("wall_seconds")
        if not isinstance(seconds, (int, float)) or record.get("status") == "failed":
            continue
        challenge, model, profile = record.get("challenge"), record.get("model"), record.get("profile")
        for key in ((challenge, model, profile, record.get("train_size")), (challenge, model, profile),
                    (model, profile)):  # fmt: skip
            times.setdefault(key, []).append(float(seconds))
    return times


def _cost(cell: Any, times: dict[tuple, list[float]]) -> float | None:
    keys = [(cell.challenge, cell.model, cell.profile)]
    if cell.train_size is not None:
        keys.insert(0, (cell.challenge, cell.model, cell.profile, cell.train_size))
    for key in keys:
        if key in times:
            return statistics.fmean(times[key])
    by_model = times.get((cell.model, cell.profile))
    return statistics.median(by_model) if by_model else None

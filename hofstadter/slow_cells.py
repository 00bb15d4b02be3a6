"""Which cells a whole CPU run leaves out as slow there, and why.

Two rules, either enough: a model that declares itself slow on strings longer than its
``cpu_symbol_limit`` (the recurrent networks on the equations; the transformer and other
attention models everywhere), and a cell the published quick run measured at more than
:data:`SLOW_CELL_SECONDS` (the median of its seeds). ``--include-slow`` runs them all; a model
named with ``--model`` always runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

import baselines
from challenges import get_challenge

if TYPE_CHECKING:
    from hofstadter.run import Cell


@lru_cache(maxsize=None)
def longest_training_string(challenge_id: str) -> int:
    """Symbols in the longest of 64 strings drawn (seeded) at the challenge's longest training length.

    What a network pays per training string; the runner's measure of a cell's cost, never shown
    to a learner.

    >>> longest_training_string("div7-base10"), longest_training_string("add-base10") > 20
    (6, True)
    """

    challenge = get_challenge(challenge_id)
    rng, length = np.random.default_rng(0), challenge.max_train_length
    texts = [t for member in (True, False) for t in challenge.language.draw(length, 32, member, rng)]
    return max(len(t) for t in texts)


# A cell the published quick run measured above this many seconds (the median of its seeds) is slow
# on CPU. This is the main command's time budget, not a fact of any model: at 30 s it took 20 min
# 50 s on the idle 2-core machine from an empty cache, over the 20 minutes it is meant to fit.
SLOW_CELL_SECONDS = 25.0


def measured_seconds(records: Iterable[dict[str, Any]]) -> dict[tuple[str, str, str], float]:
    """The median ``wall_seconds`` of each (challenge, model, profile) that ``records`` ran on CPU
    with clean labels and the model's default settings (a whole run's cells have no others).

    >>> rows = [{"challenge": "div7-base10", "model": "gru", "profile": "quick", "wall_seconds": s,
    ...          "device": "cpu"} for s in (10.0, 40.0, 50.0)]
    >>> wide = dict(rows[0], wall_seconds=900.0, overrides={"hidden_size": 512})
    >>> measured_seconds([*rows, wide])
    {('div7-base10', 'gru', 'quick'): 40.0}
    """
    times: dict[tuple[str, str, str], list[float]] = {}
    for record in records:
        seconds = record.get("wall_seconds")
        default = not record.get("label_noise") and not record.get("overrides")
        if isinstance(seconds, (int, float)) and record.get("device", "cpu") == "cpu" and default:
            key = (record.get("challenge"), record.get("model"), record.get("profile"))
            times.setdefault(key, []).append(float(seconds))  # type: ignore[arg-type]
    return {key: float(np.median(values)) for key, values in times.items()}


def slow_on_cpu(cell: Cell, measured: dict[tuple[str, str, str], float] | None = None) -> bool:
    """Whether a whole CPU run leaves ``cell`` out: its model's ``cpu_symbol_limit`` is below the
    challenge's longest training string (see :class:`baselines.Model`), or ``measured`` (from
    :func:`measured_seconds` of the published run) holds its challenge, model and profile at more
    than :data:`SLOW_CELL_SECONDS`.

    >>> from hofstadter.run import Cell
    >>> slow_on_cpu(Cell("add-base2", "gru", 0)), slow_on_cpu(Cell("div7-base10", "gru", 0))
    (True, False)
    >>> slow_on_cpu(Cell("add-base2", "gru", 0, device="cuda"))
    False
    >>> slow_on_cpu(Cell("div7-base10", "transformer", 0)), slow_on_cpu(Cell("add-base2", "rpni", 0))
    (True, False)
    >>> slow_on_cpu(Cell("prime-base10", "rpni", 0), {("prime-base10", "rpni", "quick"): 260.0})
    True
    """

    if cell.device != "cpu":
        return False
    if (measured or {}).get((cell.challenge, cell.model, cell.profile), 0.0) > SLOW_CELL_SECONDS:
        return True
    limit = baselines.MODELS.get(cell.model).cpu_symbol_limit
    if limit is None:
        return False
    return limit == 0 or longest_training_string(cell.challenge) > limit  # draws only if it must


def split_slow_cells(
    cells: list[Cell], measured: dict[tuple[str, str, str], float] | None = None
) -> tuple[list[Cell], list[Cell]]:
    """(cells a whole CPU run does, cells it leaves out as slow on CPU: :func:`slow_on_cpu`), each
    in plan order."""
    slow = [slow_on_cpu(cell, measured) for cell in cells]
    return [c for c, s in zip(cells, slow) if not s], [c for c, s in zip(cells, slow) if s]

"""Progress of a fit that trains in several loops, reported as one.

>>> seen = []
>>> hook = continued_progress(seen.append, 100, 2.0, TrainConfig(max_steps=300, max_seconds=60))
>>> hook(TrainProgress(5, 50, 1.0, 10.0, 0.5, 0.5))  # step 5 of the later loop, 1 s in
>>> seen[0].step, seen[0].max_steps, seen[0].seconds
(105, 300, 3.0)
"""

from __future__ import annotations

from dataclasses import replace

from baselines.training.train import ProgressHook, TrainConfig, TrainProgress


def continued_progress(
    progress: ProgressHook, steps: int, seconds: float, config: TrainConfig
) -> ProgressHook:
    """``progress`` for a later loop: its steps and seconds counted after the earlier loops' (the
    soft automaton's sizes and rounds, the linear RNN's widths)."""

    def hook(state: TrainProgress) -> None:
        progress(replace(state, step=state.step + steps, max_steps=config.max_steps,
                         seconds=state.seconds + seconds, max_seconds=config.max_seconds))  # fmt: skip

    return hook


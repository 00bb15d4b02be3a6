"""Replaying the training strings a network gets wrong: an option of the shared loop.

A rare shape of string -- a few hundred of 100,000 -- can stay wrong through a whole fit: a
minibatch holds one every few steps, and what it adds to the loss is lost among the rest.
A config with ``replay_wrong`` set to a share (read with getattr, so that no other model's config
or key changes) makes the loop find, at each evaluation, which strings of a fixed sample of the
training strings the network gets wrong, and draw that share of every following minibatch from
them (uniformly, with replacement; the rest as before). Only labelled training strings are read:
nothing a learner may not know.

>>> from baselines.training.train import LabelledBatch
>>> labels = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
>>> strings = LabelledBatch(torch.zeros(6, 2, dtype=torch.int64), torch.full((6,), 2), labels)
>>> replay = WrongReplay(strings, share=0.5, batch_size=4)
>>> rows = torch.tensor([0, 2, 4, 0])
>>> torch.equal(replay.mix(rows, torch.Generator()), rows)  # nothing known wrong yet
True
>>> replay.refresh(lambda probe: probe.labels.bool())  # say every member is wrong
>>> mixed = replay.mix(rows, torch.Generator().manual_seed(0))
>>> [int(labels[row]) for row in mixed[:2]], mixed[2:].tolist()
([1, 1], [4, 0])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from baselines.training.train import LabelledBatch

PROBE_STRINGS = 20_000  # the training strings checked at each evaluation (all, if fewer)
PROBE_SEED = 7  # their draw: the same rows for every seed's training set of one size


class WrongReplay:
    """Which probed training strings the network got wrong at the last evaluation, and minibatches
    with ``share`` of their rows drawn from those. A share of 0 is off: :meth:`mix` and
    :meth:`refresh` then do nothing (and draw nothing from the loop's generator)."""

    def __init__(self, train_set: LabelledBatch, share: float, batch_size: int) -> None:
        self.train_set = train_set
        self.count = max(1, round(share * batch_size))
        self.wrong = torch.empty(0, dtype=torch.int64)
        self.probe: torch.Tensor | None = None
        if share > 0:
            drawn = torch.Generator().manual_seed(PROBE_SEED)
            self.probe = torch.randperm(len(train_set), generator=drawn)[:PROBE_STRINGS]

    @classmethod
    def asked_by(cls, config: Any, train_set: LabelledBatch) -> "WrongReplay":
        """The replay ``config`` asks for: its ``replay_wrong`` share, off where it has none."""
        return cls(train_set, getattr(config, "replay_wrong", 0.0), config.batch_size)

    def mix(self, rows: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """``rows`` with the first ``count`` replaced by wrong strings (unchanged while none are)."""
        if not len(self.wrong):
            return rows
        replayed = self.wrong[torch.randint(len(self.wrong), (self.count,), generator=generator)]
        return torch.cat([replayed, rows[self.count :]])

    def refresh(self, is_wrong: Callable[[LabelledBatch], torch.Tensor]) -> None:
        """Check the probed strings again: ``is_wrong(batch)`` is a boolean per row."""
        if self.probe is None:
            return
        probe = self.train_set.take(self.probe.to(self.train_set.ids.device))
        self.wrong = self.probe[is_wrong(probe).cpu()]

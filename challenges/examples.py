"""Labelled strings of one split, the type every sampler returns and every learner is fitted on.

Apart from :mod:`challenges.core` so that :mod:`challenges.splits`, which draws them, need not
import the Challenge contract that offers ``Challenge.sample`` as a shortcut to it.

>>> import numpy as np
>>> ex = Examples(np.array(["7", "14", "15"]), np.array([True, True, False]), np.array([1, 2, 2]), "train")
>>> len(ex.at_length(2)), ex.records()[0]
(2, {'text': '7', 'label': True, 'length': 1, 'split': 'train'})
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Split = Literal["train", "val", "test"]
SPLITS: tuple[Split, ...] = ("train", "val", "test")


@dataclass(frozen=True)
class Examples:
    """Labelled strings of one split: parallel numpy arrays, ready to encode in bulk."""

    texts: np.ndarray  # unicode strings
    labels: np.ndarray  # bool
    lengths: np.ndarray  # int64
    split: Split

    def __len__(self) -> int:
        return len(self.texts)

    def at_length(self, length: int) -> "Examples":
        """The examples of one length."""
        keep = self.lengths == length
        return Examples(self.texts[keep], self.labels[keep], self.lengths[keep], self.split)

    def records(self) -> list[dict[str, Any]]:
        """One dict per example, as ``sample --json`` prints them."""
        return [
            {"text": t, "label": bool(y), "length": int(n), "split": self.split}
            for t, y, n in zip(self.texts.tolist(), self.labels.tolist(), self.lengths.tolist())
        ]

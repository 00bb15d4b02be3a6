"""A challenge's examples as a PyTorch ``Dataset`` and ``DataLoader``: padded symbol ids, lengths, labels.

Batches are encoded as the built-in networks encode them (:func:`baselines.training.encoding.encode`):
symbol ``i`` of the alphabet is id ``i``, padding is ``len(alphabet)``, strings padded on the
right to the batch's longest. Any :class:`~challenges.core.Examples` will do; the ones a run trains
on come from :func:`hofstadter.api.training_sets`.

>>> import numpy as np
>>> from challenges.core import Examples
>>> examples = Examples(np.array(["12", "7", "300"]), np.array([True, False, True]),
...                     np.array([2, 1, 3]), "train")
>>> ids, lengths, labels = next(iter(data_loader(examples, "0123456789", batch_size=3)))
>>> ids.tolist(), lengths.tolist(), labels.tolist()
([[1, 2, 10], [7, 10, 10], [3, 0, 0]], [2, 1, 3], [1.0, 0.0, 1.0])
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from baselines.training.encoding import encode
from challenges.core import Examples


class StringDataset(Dataset):
    """Examples one by one, as (string, label); :func:`collate` encodes a batch of them at once."""

    def __init__(self, examples: Examples) -> None:
        self.texts = examples.texts.tolist()
        self.labels = examples.labels.tolist()

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, index: int) -> tuple[str, bool]:
        return self.texts[index], self.labels[index]


def collate(alphabet: str):  # noqa: ANN201 - a collate_fn for DataLoader
    """A ``collate_fn`` turning [(string, label), ...] into (ids, lengths, labels) tensors.

    Encoding a whole batch in one vectorised call is much faster than one string at a time.
    """

    def batch(items: list[tuple[str, bool]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        texts, labels = zip(*items)
        encoded = encode(np.array(texts, dtype=np.str_), alphabet)
        return encoded.ids, encoded.lengths, torch.tensor(labels, dtype=torch.float32)

    return batch


def data_loader(
    examples: Examples,
    alphabet: str,
    batch_size: int = 64,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
) -> DataLoader:
    """A ``DataLoader`` of (ids ``[batch, width]``, lengths ``[batch]``, labels ``[batch]`` as 0./1.).

    Pass a seeded ``torch.Generator`` with ``shuffle=True`` for a reproducible order.
    """
    return DataLoader(StringDataset(examples), batch_size=batch_size, shuffle=shuffle,
                      generator=generator, collate_fn=collate(alphabet))  # fmt: skip

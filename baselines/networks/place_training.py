"""What the place-attention checker's training reads besides its loss: the curriculum's stages,
the margin by which it keeps a state, how much of its labelled strings an initialisation fits, and
the pruning of its snap (see :mod:`baselines.networks.place_attention`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from baselines.networks.state_pruning import prune_centroids, tabulate
from baselines.training.train import Classifier, LabelledBatch, accuracies


def curriculum(lengths: torch.Tensor, start: int) -> list[int]:
    """Symbol counts that cap the training strings of each stage before the last (which takes all):
    ``start``, doubling, while some training strings are longer. Strings, not digits: what a
    learner counts is its own input.

    >>> curriculum(torch.tensor([5, 30, 63]), 12), curriculum(torch.tensor([3, 6]), 12)
    ([12, 24, 48], [])
    """
    caps, cap, longest = [], start, int(lengths.max()) if len(lengths) else 0
    while cap < longest:
        caps.append(cap)
        cap *= 2
    return caps


def long_margin(signed: torch.Tensor, lengths: torch.Tensor, cap: float = 5.0) -> float:
    """The mean of the lowest tenth of signed logits (each capped at ``cap``) among the strings of
    the longest quarter of lengths: how sure the network is where it is least sure, at the lengths
    nearest to those it has never seen. (A mean over every string is decided by the easy ones.)

    >>> long_margin(torch.tensor([9.0, 9.0, 0.5, 2.0]), torch.tensor([1, 1, 8, 8]))
    0.5
    """
    if not len(signed):
        return 0.0
    longest = signed[lengths >= torch.quantile(lengths.float(), 0.75)].clamp(max=cap)
    lowest = longest.topk(max(1, len(longest) // 10), largest=False).values
    return float(lowest.mean())


def fitted_shares(network: Classifier, train_set: LabelledBatch, val_set: LabelledBatch) -> dict[str, float]:
    """``network``'s share right of its training strings (``train``) and of every labelled string,
    training and validation together (``labelled``): what ``restart_fit`` restarts and ranks by.

    >>> class Yes(Classifier):
    ...     def forward(self, ids, lengths): return torch.ones(len(ids))
    >>> batch = LabelledBatch(torch.zeros(4, 1, dtype=torch.long), torch.ones(4, dtype=torch.long),
    ...                       torch.tensor([1.0, 1.0, 1.0, 0.0]))
    >>> fitted_shares(Yes(), batch, batch)
    {'train': 0.75, 'labelled': 0.75}
    """
    right = {name: float(accuracies(network, batch)) * len(batch)
             for name, batch in (("train", train_set), ("val", val_set))}  # fmt: skip
    return {"train": round(right["train"] / len(train_set), 6),
            "labelled": (right["train"] + right["val"]) / (len(train_set) + len(val_set))}  # fmt: skip


@torch.no_grad()
def prune_snap(network: Any, val_set: LabelledBatch) -> dict[str, Any]:
    """Keep the fewest of a snapped place-attention ``network``'s centroids that answer the
    validation strings as well (:func:`~baselines.networks.state_pruning.prune_centroids`, on the
    automaton tabulated from those strings, each deletion confirmed by the network's own
    answers); the record (centroids kept, validation accuracy before and after)."""
    network.eval()
    lengths = val_set.lengths.clamp(min=1)
    features = network.backwards_features(val_set.ids[:, : int(lengths.max())], lengths)
    table = tabulate(network.gru, features, lengths, network.centroids, network.verdicts)
    every = network.centroids

    def keep(alive: np.ndarray) -> None:
        network.centroids = every[torch.as_tensor(alive, device=every.device)]

    def accuracy_with(alive: np.ndarray) -> float:
        keep(alive)
        return network.validate(val_set)[0]

    alive, record = prune_centroids(table, val_set.labels.cpu().numpy() > 0.5, accuracy_with)
    # The last network check may have been of a refused trial: hand the network the kept centroids.
    # Their accuracy is the one prune_centroids confirmed last, so no further validation pass.
    keep(alive)
    record["val"] = record["accuracy"]
    return record

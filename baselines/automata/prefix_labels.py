"""The labelled prefixes of the training strings: a trie walked in step with a network.

The snapped networks (:mod:`baselines.automaton_learners.state_regularised_gru`) learn, besides each training
string's label, the label of every proper prefix that is itself a labelled training string: a
second answer at each such step (``prefix_weight``). This module finds those prefixes.

>>> from baselines.training.encoding import encode
>>> texts, labels = np.array(["1", "12", "123", "4"]), np.array([True, False, True, False])
>>> ids, lengths = encode(texts, "0123456789")
>>> lookup = PrefixLabels.of(ids, lengths, torch.from_numpy(labels), symbols=10)
>>> lookup.targets(encode(np.array(["1234", "45"]), "0123456789").ids).tolist()
[[1.0, 0.0, 1.0, -1.0], [0.0, -1.0, -1.0, -1.0]]
"""

from __future__ import annotations

import numpy as np
import torch


class PrefixLabels:
    """Which prefixes of a string are themselves labelled training strings, and their labels.

    A trie of the training strings (one node per distinct prefix), walked in step with the network:
    :meth:`targets` gives, for every position of every row, the label of the prefix that ends
    there if that prefix is a training string, else -1. Built from the learner's own labelled
    strings only, so no label comes from anywhere else (a text labelled both ways gets -1).
    """

    def __init__(self, child: torch.Tensor, label: torch.Tensor) -> None:
        self.child, self.label = child, label  # the last node is the sink: not a training prefix

    @classmethod
    def of(
        cls, ids: torch.Tensor, lengths: torch.Tensor, labels: torch.Tensor, symbols: int
    ) -> "PrefixLabels":
        """The lookup of the strings ``ids`` (padded with id ``symbols``) and their 0/1 ``labels``."""
        ids_np, lengths_np = ids.cpu().numpy(), lengths.cpu().numpy()
        node = np.zeros(len(ids_np), dtype=np.int64)  # node 0: the empty prefix
        parents, kids, count = [], [], 1
        for t in range(ids_np.shape[1]):  # one depth at a time: nodes are the distinct (parent, symbol)
            active = lengths_np > t
            keys, inverse = np.unique(node[active] * symbols + ids_np[active, t], return_inverse=True)
            node[active] = count + inverse
            parents.append(keys)
            kids.append(count + np.arange(len(keys)))
            count += len(keys)
        child = np.full((count + 1, symbols + 1), count, dtype=np.int64)  # padding and unknowns: sink
        if parents:
            keys = np.concatenate(parents)
            child[keys // symbols, keys % symbols] = np.concatenate(kids)
        ends, positive = node[lengths_np > 0], labels.cpu().numpy()[lengths_np > 0] > 0.5
        seen = np.zeros((2, count + 1), dtype=bool)
        seen[positive.astype(np.intp), ends] = True
        label = np.where(seen[1] & ~seen[0], 1.0, np.where(seen[0] & ~seen[1], 0.0, -1.0))
        return cls(torch.from_numpy(child).to(ids.device), torch.from_numpy(label).float().to(ids.device))

    def targets(self, ids: torch.Tensor) -> torch.Tensor:
        """``[rows, width]``: the label of each prefix of each row, -1 where it is not a training string."""
        node = torch.zeros(len(ids), dtype=torch.int64, device=ids.device)
        out = []
        for column in ids.T:
            node = self.child[node, column.clamp(max=self.child.shape[1] - 1)]
            out.append(self.label[node])
        return torch.stack(out, dim=1) if out else self.label.new_zeros(len(ids), 0)

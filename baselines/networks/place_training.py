"""What the place-attention checker's training reads besides its loss: the curriculum's stages
and the margin by which it keeps a state (see :mod:`baselines.networks.place_attention`)."""

from __future__ import annotations

import torch


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

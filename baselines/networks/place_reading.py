"""What each position of the place-attention checker reads: places, place attention, products.

Split from :mod:`baselines.networks.place_attention` (the checker, its training and its snap):
the layers that turn a string into each position's features.

>>> places, numbers = places_and_numbers(torch.tensor([[1, 2, 10, 3, 11, 4, 12]]), base=10, symbols=12)
>>> places.tolist(), numbers.tolist()  # "12+3=4" and one padding symbol
([[1, 0, -1, 0, -1, 0, -1]], [[0, 0, 0, 1, 1, 2, 2]])
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

from baselines.networks.transformer import digit_indices

if TYPE_CHECKING:
    from baselines.networks.place_attention import PlaceAttentionConfig

# The offset and sink biases are this times their parameters: Adam moves every parameter by about
# the same step, and a place must win by several units of score before its digit reads clearly.
_BIAS_SCALE = 10.0


def places_and_numbers(ids: torch.Tensor, base: int, symbols: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(place of each digit within its number, -1 elsewhere; number each symbol belongs to).

    A separator belongs to the number it ends; padding (id ``symbols``) to the last number.
    """
    separator = (ids >= base) & (ids < symbols)
    before = torch.cumsum(separator.long(), dim=1) - separator.long()
    return digit_indices(ids, base), before


class PlaceAttention(nn.Module):
    """For each position and each number ``m``: softmax over ``m``'s digits at places ``p + d`` and a sink."""

    def __init__(self, config: PlaceAttentionConfig) -> None:
        super().__init__()
        self.numbers, self.window, self.key = config.numbers, config.window, config.key
        offsets = 2 * config.window + 1
        self.values = nn.Linear(config.embed, config.value)
        if config.content:
            self.query = nn.Linear(config.embed, config.numbers * config.key)
            self.keys = nn.Linear(config.embed, config.key)
        # A bias per (own number, looked-at number, offset) and one for the sink per number pair.
        self.offset_bias = nn.Parameter(torch.zeros(config.numbers, config.numbers, offsets))
        self.sink_bias = nn.Parameter(torch.zeros(config.numbers, config.numbers))
        self.sink_value = nn.Parameter(torch.zeros(config.numbers, config.value))
        self.hard, self.content, self.slots = config.hard_attention, config.content, config.slots
        self.presence = config.presence

    def forward(self, x: torch.Tensor, places: torch.Tensor, numbers: torch.Tensor) -> torch.Tensor:
        """``x`` [B, T, embed] -> attended values [B, T, numbers x value] (``x (value + 1)`` with
        ``presence``: after each number's values, 1 where it has a digit in the window, else 0)."""
        batch, width, _ = x.shape
        M, D = self.numbers, 2 * self.window + 1
        where = self._key_positions(places, numbers)  # [B, T, M, D], -1: no digit there
        found = where >= 0
        flat = where.clamp(min=0).reshape(batch, -1, 1)

        def gather(per_position: torch.Tensor) -> torch.Tensor:  # [B, T, k] -> [B, T, M, D, k]
            size = per_position.shape[-1]
            return per_position.gather(1, flat.expand(-1, -1, size)).view(batch, width, M, D, size)

        own = numbers.clamp(max=M - 1)
        scores = _BIAS_SCALE * self.offset_bias[own]  # [B, T, M, D]
        if self.content:
            keys = gather(self.keys(x))
            queries = self.query(x).view(batch, width, M, 1, self.key)
            scores = scores + (queries * keys).sum(-1) / math.sqrt(self.key)
        scores = scores.masked_fill(~found, float("-inf"))
        scores = torch.cat([scores, _BIAS_SCALE * self.sink_bias[own][..., None]], dim=-1)  # [B, T, M, D + 1]
        weights = scores.softmax(-1)
        if self.hard and not self.training:
            weights = F.one_hot(weights.argmax(-1), D + 1).to(weights.dtype)
        values = gather(self.values(x)) * found[..., None]
        if self.slots:  # each place read apart, scaled by its weight: no blur of neighbouring digits
            sink = (weights[..., D:] * self.sink_value)[..., None, :]
            attended = torch.cat([weights[..., :D, None] * values, sink], -2).flatten(-2)  # [B, T, M, k]
        else:
            attended = (weights[..., :D, None] * values).sum(-2) + weights[..., D:] * self.sink_value
        if self.presence:  # "no digit there" as a fact, not only as a blend that leans on the sink
            attended = torch.cat([attended, found.any(-1, keepdim=True).to(attended.dtype)], dim=-1)
        return attended.reshape(batch, width, -1)

    def _key_positions(self, places: torch.Tensor, numbers: torch.Tensor) -> torch.Tensor:
        """Where number ``m``'s digit of place ``p + d`` stands, for each query, ``m``, ``d``; -1: none."""
        batch, width = places.shape
        M, D = self.numbers, 2 * self.window + 1
        span = int(places.max()) + 1 if places.numel() else 0
        # table[b, m * span + q]: where number m's digit of place q stands in row b.
        table = torch.full((batch, M * max(span, 1)), -1, dtype=torch.long, device=places.device)
        digit = (places >= 0) & (numbers < M)
        rows, columns = digit.nonzero(as_tuple=True)
        table[rows, numbers[rows, columns] * span + places[rows, columns]] = columns
        offsets = torch.arange(-self.window, self.window + 1, device=places.device)
        wanted = places[..., None, None] + offsets  # [B, T, 1, D]
        inside = (places[..., None, None] >= 0) & (wanted >= 0) & (wanted < span)
        slots = torch.arange(M, device=places.device)[:, None] * span + wanted.clamp(0, max(span - 1, 0))
        where = table.gather(1, slots.reshape(batch, -1)).view(batch, width, M, D)
        return torch.where(inside.expand(-1, -1, M, -1), where, -1)


class Product(nn.Module):
    """Pointwise features that multiply: ``relu(W (P_0 x) * (P_1 a_1) * ... * (P_M a_M))``.

    A digit sum checks digits against each other (in base 2, ``c = a xor b xor carry``): a product
    of projections holds such a function in one layer, where sums of ReLUs must first find it on
    a long plateau. Each factor is ``P v + 1`` at the start, so lower products are there too.
    """

    def __init__(self, embed: int, value: int, numbers: int, features: int) -> None:
        super().__init__()
        self.own = nn.Linear(embed, features)
        self.read = nn.ModuleList(nn.Linear(value, features) for _ in range(numbers))
        self.out = nn.Linear(features, features)

    def forward(self, x: torch.Tensor, attended: torch.Tensor) -> torch.Tensor:
        product = self.own(x)
        for factor, read in zip(self.read, attended.chunk(len(self.read), dim=-1)):
            product = product * factor(read)
        return F.relu(self.out(product))

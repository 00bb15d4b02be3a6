"""A small Transformer encoder classifier, with positions chosen to give length extrapolation a chance.

The string's symbols are embedded, a few pre-norm encoder layers (self-attention over the whole
string, no causal mask) transform them, and the sum over the true symbols (or their mean, or a CLS
token) goes through a small MLP to one membership logit. The sum, the MLP head, a symbol embedding
as loud as the positions (std 1) and a clipped gradient are what let it fit its training lengths
(docs/contestants.md has the recipes tried). Positions, the part that decides extrapolation:

``digit-index`` (default)
    no absolute positions; each digit gets an encoding of its index *within its number counted
    from its last digit* (0 = units), computed from the string itself: every symbol that is not a
    digit (``+``, ``x``, ``=``) ends a number. Digits of equal significance in ``a``, ``b`` and
    ``c`` get the same index -- the alignment McLeish et al. (2024) give their "Abacus"
    embeddings -- and a 1000-digit number only brings larger indices, not a longer absolute range.
    The index is encoded with sinusoids (defined at every index) or, with ``index_encoding=learned``,
    a learned table clipped at ``max_index``.
``none``
    no positional information at all (a bag of symbols with attention).
``absolute``
    a learned embedding of the absolute position, clipped at ``max_index`` (the textbook choice,
    for comparison: it cannot extrapolate).

``alibi=True`` adds ALiBi's linear distance penalty to the attention scores (Press et al. 2022),
with any of them.

>>> import numpy as np
>>> from challenges import get_challenge
>>> model = TransformerModel(max_steps=20, d_model=16, layers=1, heads=2)
>>> c = get_challenge("add-base10")
>>> report = model.fit(c, c.sample("train", 256), c.sample("val", 64), seed=0)
>>> model.predict(np.array(["12+29=41", "12+29=42"])).dtype, report.steps <= 20
(dtype('bool'), True)
>>> digit_indices(torch.tensor([[1, 2, 10, 3, 11, 4, 12]]), base=10).tolist()  # "12+3=4" + pad
[[1, 0, -1, 0, -1, 0, -1]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import torch
import torch.nn.functional as F
from torch import nn

from baselines.base import register_model
from baselines.training.encoding import digits_in as _digits_in
from baselines.training.network_model import NetworkModel
from baselines.training.train import Classifier, TrainConfig
from challenges.errors import InvalidArgument

Positions = Literal["digit-index", "none", "absolute"]
_POSITIONS = ("digit-index", "none", "absolute")
# Attention scores held at once when predicting (batch x heads x length^2 floats): 2^26 is 256 MB.
_ATTENTION_BUDGET = 1 << 26


@dataclass
class TransformerConfig(TrainConfig):
    """An encoder classifier: its shape, its positions, and the loop's settings (see TrainConfig)."""

    # Chosen on development seeds 0-2 (docs/contestants.md): the defaults before them (lr 0.001, a
    # symbol embedding of std 0.02 beside sinusoids of norm sqrt(d/2), mean pooling, a linear head,
    # no clipping, patience 10) did not fit even the training strings of div7, div9 or even-base3.
    lr: float = 3e-3
    patience: int = 30
    d_model: int = 64
    layers: int = 2
    heads: int = 4
    feedforward: int = 128
    positions: Positions = "digit-index"
    index_encoding: Literal["sinusoidal", "learned"] = "sinusoidal"
    max_index: int = 64
    alibi: bool = False
    # counts survive a sum (a mean divides them by the length); last: the last true symbol's output
    pooling: Literal["mean", "cls", "sum", "last"] = "sum"
    max_grad_norm: float | None = 1.0  # the shared loop clips the gradient's norm to this (None: never)
    embedding_std: float = 1.0  # the symbols' embedding at initialisation; sinusoids have norm sqrt(d/2)
    head_hidden: int = 128  # 0: a linear head on the pooled vector; else an MLP with this many units
    head_activation: Literal["gelu", "sin"] = "gelu"
    causal: bool = False  # each symbol attends only to itself and those before it
    warmup_steps: int = 0  # the learning rate rises linearly from 0 over these first steps
    lr_decay: Literal["none", "cosine"] = "none"  # cosine: to 0 at max_steps, after the warm-up
    weight_decay: float = 0.0  # > 0: AdamW's decoupled weight decay (the shared loop reads it)
    curriculum_steps: int = 0  # > 0: shortest strings first, a length more at a time (the loop reads it)
    loops: int = 1  # the layers applied this many times over (a looped, weight-shared encoder)
    # Added after the board's transformer runs: out of config_dict (and keys) at these values.
    LATER_OPTIONS: ClassVar[dict[str, Any]] = {"curriculum_steps": 0, "loops": 1}

    @property
    def length_curriculum_steps(self) -> int:
        """Steps of the shared loop's length curriculum (:func:`~baselines.training.train.train_network`).
        A property, not a field: the loop asks for it by this name, which no other config has, so that
        a field called ``curriculum_steps`` in another model's config (``place-attention``'s budget
        per curriculum stage) is not read as one (it was, from 1e6627f: see CHANGELOG.md)."""
        return self.curriculum_steps

    def scheduled_lr(self, step: int) -> float:
        """The learning rate of step ``step`` (0-based): warm-up, then constant or a cosine decay.

        >>> config = TransformerConfig(lr=0.002, warmup_steps=100, lr_decay="cosine", max_steps=1100)
        >>> [round(config.scheduled_lr(s), 6) for s in (0, 49, 99, 600, 1099)]
        [2e-05, 0.001, 0.002, 0.001, 0.0]
        """
        if step < self.warmup_steps:
            return self.lr * (step + 1) / self.warmup_steps
        if self.lr_decay == "none":
            return self.lr
        done = (step - self.warmup_steps) / max(1, self.max_steps - self.warmup_steps)
        return self.lr * 0.5 * (1.0 + math.cos(math.pi * min(1.0, done)))

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.positions not in _POSITIONS:
            choices = ", ".join(_POSITIONS)
            raise InvalidArgument(f"unknown positions '{self.positions}': choose one of {choices}")
        if self.index_encoding not in ("sinusoidal", "learned"):
            raise InvalidArgument(f"unknown index_encoding '{self.index_encoding}': sinusoidal or learned")
        if self.pooling not in ("mean", "cls", "sum", "last"):
            raise InvalidArgument(f"unknown pooling '{self.pooling}': mean, cls, sum or last")
        if self.lr_decay not in ("none", "cosine"):
            raise InvalidArgument(f"unknown lr_decay '{self.lr_decay}': none or cosine")
        if self.weight_decay < 0:
            raise InvalidArgument(f"weight_decay must be at least 0, got {self.weight_decay}")
        if self.warmup_steps < 0:
            raise InvalidArgument(f"warmup_steps must be at least 0, got {self.warmup_steps}")
        if self.causal and self.pooling == "cls":
            raise InvalidArgument("a causal encoder cannot pool on a CLS token before the string: use last")
        if self.head_activation not in ("gelu", "sin"):
            raise InvalidArgument(f"unknown head_activation '{self.head_activation}': gelu or sin")
        if self.max_grad_norm is not None and not self.max_grad_norm > 0:
            raise InvalidArgument(f"max_grad_norm must be positive (or none), got {self.max_grad_norm}")
        if self.head_hidden < 0:
            raise InvalidArgument(f"head_hidden must be at least 0, got {self.head_hidden}")
        if min(self.d_model, self.layers, self.heads, self.feedforward, self.max_index, self.loops) < 1:
            raise InvalidArgument(
                "d_model, layers, heads, feedforward, max_index and loops must be at least 1"
            )
        if self.curriculum_steps < 0:
            raise InvalidArgument(f"curriculum_steps must be at least 0, got {self.curriculum_steps}")
        if self.d_model % self.heads or self.d_model % 2:
            raise InvalidArgument(
                f"d_model ({self.d_model}) must be even and divisible by heads ({self.heads})"
            )


def digit_indices(ids: torch.Tensor, base: int) -> torch.Tensor:
    """Each digit's index within its number counted from its last digit; -1 for other symbols.

    Symbols ``0..base-1`` are digits; anything else (an operator, ``=``, padding) ends a number.
    """
    width = ids.shape[1]
    positions = torch.arange(width, device=ids.device).expand_as(ids)
    boundary = ids >= base
    # The first boundary at or after each position: a reversed running minimum.
    beyond = torch.where(boundary, positions, torch.full_like(positions, width))
    next_boundary = beyond.flip(1).cummin(dim=1).values.flip(1)
    return torch.where(boundary, -1, next_boundary - 1 - positions)


def sinusoids(index: torch.Tensor, dim: int) -> torch.Tensor:
    """The Transformer's sinusoidal encoding of integer ``index`` (any shape) in ``dim`` features."""
    frequencies = torch.exp(-math.log(10_000.0) * torch.arange(0, dim, 2, device=index.device) / dim)
    angles = index.to(torch.float32)[..., None] * frequencies
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


class EncoderLayer(nn.Module):
    """Pre-norm self-attention and feed-forward, with an optional additive attention bias."""

    def __init__(self, config: TransformerConfig) -> None:
        super().__init__()
        self.heads = config.heads
        self.norm1, self.norm2 = nn.LayerNorm(config.d_model), nn.LayerNorm(config.d_model)
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model)
        self.out = nn.Linear(config.d_model, config.d_model)
        self.ff = nn.Sequential(
            nn.Linear(config.d_model, config.feedforward),
            nn.GELU(),
            nn.Linear(config.feedforward, config.d_model),
        )

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        batch, width, dim = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(batch, width, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        x = x + self.out(attended.transpose(1, 2).reshape(batch, width, dim))
        return x + self.ff(self.norm2(x))


class TransformerClassifier(Classifier):
    """Symbols (+ digit indices) -> encoder layers -> pooled over true symbols -> a logit."""

    def __init__(self, symbols: int, base: int, config: TransformerConfig) -> None:
        super().__init__()
        self.symbols, self.base, self.config = symbols, base, config
        dim = config.d_model
        self.embed = nn.Embedding(symbols + 2, dim)  # + padding + CLS
        self.index = nn.Embedding(config.max_index + 2, dim) if self._learned_positions else None
        self.layers = nn.ModuleList(EncoderLayer(config) for _ in range(config.layers))
        self.norm = nn.LayerNorm(dim)
        if config.head_hidden:
            activation = nn.GELU() if config.head_activation == "gelu" else _Sine()
            hidden = config.head_hidden
            self.head = nn.Sequential(nn.Linear(dim, hidden), activation, nn.Linear(hidden, 1))
        else:
            self.head = nn.Linear(dim, 1)
        if config.alibi:  # the geometric slopes of the ALiBi paper, one per head
            slopes = torch.tensor([2.0 ** (-8.0 * (h + 1) / config.heads) for h in range(config.heads)])
            self.register_buffer("slopes", slopes)

    @property
    def _learned_positions(self) -> bool:
        c = self.config
        return c.positions == "absolute" or (c.positions == "digit-index" and c.index_encoding == "learned")

    def reset_parameters(self, generator: torch.Generator) -> None:
        with torch.no_grad():
            for name, parameter in self.named_parameters():
                if name.endswith("bias"):
                    parameter.zero_()
                elif "norm" in name:
                    parameter.fill_(1.0)
                elif name == "embed.weight":
                    parameter.normal_(0.0, self.config.embedding_std, generator=generator)
                else:  # GPT-2's initialisation, from our generator
                    parameter.normal_(0.0, 0.02, generator=generator)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if not self.training:  # long strings: a few at a time, so attention fits in memory
            width = max(ids.shape[1], 1)
            rows = max(1, _ATTENTION_BUDGET // (self.config.heads * width * width))
            if rows < len(ids):
                return torch.cat([self._forward(ids[i : i + rows], lengths[i : i + rows])
                                  for i in range(0, len(ids), rows)])  # fmt: skip
        return self._forward(ids, lengths)

    def _forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        c = self.config
        x = self.embed(ids)
        if c.positions == "digit-index":
            index = digit_indices(ids, self.base)
            if self.index is not None:
                x = x + self.index(torch.where(index < 0, c.max_index + 1, index.clamp(max=c.max_index)))
            else:
                x = x + torch.where((index >= 0)[..., None], sinusoids(index.clamp(min=0), c.d_model), 0.0)
        elif c.positions == "absolute":
            where = torch.arange(ids.shape[1], device=ids.device).clamp(max=c.max_index)
            x = x + self.index(where)[None]
        real = ids < self.symbols  # padding is id `symbols`
        if c.pooling == "cls":
            cls = torch.full((len(ids), 1), self.symbols + 1, dtype=ids.dtype, device=ids.device)
            x = torch.cat([self.embed(cls), x], dim=1)
            real = torch.cat([torch.ones_like(real[:, :1]), real], dim=1)
        bias = self._bias(real)
        for _ in range(c.loops):
            for layer in self.layers:
                x = layer(x, bias)
        x = self.norm(x)
        if c.pooling == "cls":
            pooled = x[:, 0]
        elif c.pooling == "last":  # with a causal mask, the one symbol that has seen the whole string
            pooled = x[torch.arange(len(ids), device=ids.device), (lengths - 1).clamp(min=0)]
        else:
            weights = real.to(x.dtype)[..., None]
            pooled = (x * weights).sum(1)
            if c.pooling == "mean":
                pooled = pooled / weights.sum(1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)

    def _bias(self, real: torch.Tensor) -> torch.Tensor:
        """Additive attention bias ``[B, heads or 1, T, T]``: padding keys masked, ALiBi if asked."""
        blocked = torch.zeros(real.shape, dtype=torch.float32, device=real.device)
        blocked = blocked.masked_fill(~real, float("-inf"))[:, None, None, :]
        positions = torch.arange(real.shape[1], device=real.device)
        if self.config.causal:  # a key after the query is masked: the diagonal always stays open
            blocked = blocked.masked_fill(positions[None, :] > positions[:, None], float("-inf"))
        if not self.config.alibi:
            return blocked
        distance = (positions[None, :] - positions[:, None]).abs().to(torch.float32)
        return blocked - self.slopes[None, :, None, None] * distance


@register_model
class TransformerModel(NetworkModel):
    """A small Transformer encoder (nanoGPT's shape, no causal mask), digit-index positions."""

    id = "transformer"
    # Attention is slow on a CPU everywhere: 31-93 s a cell without equations, 3-5.5 minutes with
    # them (3,000-symbol test equations), the quick benchmark's whole budget in a dozen cells.
    cpu_symbol_limit = 0
    description = (
        "Transformer encoder, 2 layers x 4 heads, d=64, digit-index positions (no absolute), "
        "sum pooling, MLP head"
    )
    Config = TransformerConfig

    def build(self, alphabet: str, task: Any) -> TransformerClassifier:
        # The base is the count of digits at the front of the alphabet (a view or a restore alike).
        base = task.base if task is not None else _digits_in(alphabet)
        return TransformerClassifier(len(alphabet), base, self.config)


class _Sine(nn.Module):
    """sin as a layer: a head that favours periodic functions of the pooled vector (tried: it did not
    help; docs/contestants.md)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sin(x)

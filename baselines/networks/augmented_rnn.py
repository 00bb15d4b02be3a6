"""Recurrent networks with a differentiable memory: a stack RNN and a tape RNN.

The strongest recurrent learners of the formal-language literature, written after
google-deepmind/neural_networks_chomsky_hierarchy (Delétang et al. 2023, ``models/stack_rnn.py``
and ``models/tape_rnn.py``), where they are the only networks that generalise on some
context-free and context-sensitive tasks, and the tape RNN the only one with a published solve of
binary addition (there as transduction, not recognition as here).

At every symbol a controller (an Elman or GRU cell) reads the one-hot symbol and the memory cell
under its head, and then changes the memory by a *soft* action -- a softmax over discrete moves,
so the whole update is a weighted sum of the memories each move would leave, and gradients reach
every choice:

``stack-rnn`` (Joulin & Mikolov 2015)
    push a vector computed from the state, pop, or leave the stack as it is. The stack holds
    ``memory_size`` cells of ``cell_size`` floats; what is pushed off the bottom is lost.
``tape-rnn`` (after Suzgun et al.'s Baby-NTM)
    write a vector (an MLP of the state) into the cell under the head, then stay, move one cell
    left or right, or jump the string's length left or right, on a circular tape of
    ``memory_size`` cells. The jumps are the published ``TapeInputLengthJumpCore``'s: the length
    is the string's own, read from the string, never a fact of the challenge.

The answer is a linear head on the rectified state at each string's own last symbol (the
published readout); the network is causal, so padding after a string cannot change its answer.

>>> import numpy as np
>>> from challenges import get_challenge
>>> c = get_challenge("div3-base10")
>>> model = StackRNNModel(hidden_size=8, max_steps=20)
>>> report = model.fit(c, c.sample("train", 256), c.sample("val", 64), seed=0)
>>> model.predict(np.array(["12", "13"])).dtype, report.steps <= 20
(dtype('bool'), True)
>>> stack = torch.tensor([[[1.0], [2.0], [3.0]]])  # one stack, top first
>>> push_pop_noop = torch.tensor([[0.0, 1.0, 0.0]])  # a sure pop
>>> update_stack(stack, push_pop_noop, torch.tensor([[9.0]])).flatten().tolist()
[2.0, 3.0, 0.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from baselines.base import register_model
from baselines.training.memory import check_fits, training_bytes
from baselines.training.network_model import NetworkModel
from baselines.training.train import Classifier, TrainConfig
from challenges.core import LearnerView
from challenges.errors import InvalidArgument

Controller = Literal["rnn", "gru"]


@dataclass
class AugmentedRNNConfig(TrainConfig):
    """A controller cell and its memory, and the loop's settings (see TrainConfig).

    The published models use an Elman controller of 256 units, cells of 8 floats, a stack of 30
    and a tape of 40 cells; the controller here is smaller (64 units, the size of this project's
    other networks) so that a cell costs seconds, not minutes, on a CPU.
    """

    lr: float = 1e-2
    controller: Controller = "gru"
    hidden_size: int = 64
    cell_size: int = 8
    memory_size: int = 30

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.controller not in ("rnn", "gru"):
            raise InvalidArgument(f"unknown controller '{self.controller}': rnn or gru")
        if min(self.hidden_size, self.cell_size, self.memory_size) < 1:
            raise InvalidArgument("hidden_size, cell_size and memory_size must be at least 1")
        if self.memory_size < 2:
            raise InvalidArgument(f"memory_size must be at least 2 cells, got {self.memory_size}")
        self.check_memory(symbols=2, longest=1)  # a size that cannot fit even then, refused when read

    def check_memory(self, symbols: int, longest: int) -> None:
        """Refuse in one line a network that cannot train in this machine's (or device's) memory.

        Counted: the controller's weights (a lower bound of all of them) and what backward keeps
        of one batch, the state and the memory at every step.
        """
        gates = 3 if self.controller == "gru" else 1
        parameters = gates * self.hidden_size * (symbols + self.cell_size + self.hidden_size + 2)
        memory = self.memory_size * self.cell_size
        activations = self.batch_size * longest * (self.hidden_size + memory)
        size = f"hidden_size={self.hidden_size:,} and memory {self.memory_size:,} x {self.cell_size:,}"
        what = f"a network of {size}"
        check_fits(training_bytes(parameters, activations), what, self.device)


@dataclass
class StackRNNConfig(AugmentedRNNConfig):
    memory_size: int = 30


@dataclass
class TapeRNNConfig(AugmentedRNNConfig):
    memory_size: int = 40
    write_layers: tuple[int, ...] = (64, 64)  # the MLP from the state to the value written

    def __post_init__(self) -> None:
        super().__post_init__()
        if any(width < 1 for width in self.write_layers):
            raise InvalidArgument(f"write_layers must be positive widths, got {self.write_layers}")


def update_stack(stack: torch.Tensor, actions: torch.Tensor, pushed: torch.Tensor) -> torch.Tensor:
    """The stack ``[batch, depth, cell]`` after soft ``actions`` ``[batch, 3]`` (push, pop, no-op).

    Each cell becomes the mixture of what a push (the cell above it; ``pushed`` on top), a pop
    (the cell below it; zeros at the bottom) and a no-op (itself) would leave there.
    """
    push, pop, stay = (actions[:, i, None, None] for i in range(3))
    above = torch.cat([pushed[:, None], stack[:, :-1]], dim=1)
    below = torch.cat([stack[:, 1:], torch.zeros_like(stack[:, :1])], dim=1)
    return push * above + pop * below + stay * stack


def update_tape(
    tape: torch.Tensor, actions: torch.Tensor, written: torch.Tensor, lengths: torch.Tensor
) -> torch.Tensor:
    """The tape ``[batch, cells, cell]`` after writing ``written`` under the head (cell 0) and
    moving by soft ``actions`` ``[batch, 5]``: stay, left, right, jump left, jump right.

    The tape is circular and moves under a fixed head: after a move right, the head reads the
    cell that was to its left. A jump moves by each string's own length (``lengths``).

    >>> tape = torch.arange(4.0).view(1, 4, 1)
    >>> right = torch.tensor([[0.0, 0.0, 1.0, 0.0, 0.0]])
    >>> update_tape(tape, right, torch.tensor([[9.0]]), torch.tensor([3])).flatten().tolist()
    [3.0, 9.0, 1.0, 2.0]
    """
    return moved_tape(tape, actions, written, tape_moves(lengths, tape.shape[1], tape.shape[2]))


Move = int | torch.Tensor  # a shift every row shares, or per-row indices (:func:`tape_moves`)


def tape_moves(lengths: torch.Tensor, cells: int, cell_size: int) -> tuple[Move, ...]:
    """Where each cell of a tape of ``cells`` comes from after each move but staying, for left,
    right, jump left and jump right (new[m] = old[(m + shift) mod cells]): the shift itself where
    every row of the batch shares it -- the steps always, the jumps when every string has the
    same length, as in a test set's batch -- else ``[batch, cells, cell_size]`` indices. The same
    at every symbol of a string, so computed once per batch.

    A shared shift rolls the tape, 17 times faster than gathering it by indices (1,000 tapes of
    40 cells); both only move values, so the network computes the same numbers either way.

    >>> tape_moves(torch.tensor([1, 1]), 3, 1)
    (1, -1, 1, -1)
    >>> [move[:, :, 0].tolist() for move in tape_moves(torch.tensor([1, 2]), 3, 1)[2:]]
    [[[1, 2, 0], [2, 0, 1]], [[2, 0, 1], [1, 2, 0]]]
    """
    jump = lengths % cells
    if len(jump) and bool((jump == jump[0]).all()):
        shared = int(jump[0])
        return 1, -1, shared, -shared
    index = torch.arange(cells, device=lengths.device)[None, :]
    jumps = (((index + shift) % cells).expand(len(lengths), cells)[..., None].expand(-1, -1, cell_size)
             for shift in (jump[:, None], -jump[:, None]))  # fmt: skip
    return 1, -1, *jumps


def shifted(tape: torch.Tensor, move: Move) -> torch.Tensor:
    """``tape`` ``[batch, cells, cell]`` after one move of :func:`tape_moves`.

    >>> tape = torch.arange(3.0).view(1, 3, 1)
    >>> shifted(tape, 1).flatten().tolist(), shifted(tape, torch.tensor([[[2], [0], [1]]])).flatten().tolist()
    ([1.0, 2.0, 0.0], [2.0, 0.0, 1.0])
    """
    if isinstance(move, int):
        return tape.roll(-move, dims=1)
    return tape.gather(1, move)


def moved_tape(
    tape: torch.Tensor, actions: torch.Tensor, written: torch.Tensor, moves: tuple[Move, ...]
) -> torch.Tensor:
    """:func:`update_tape` with the moves given (:func:`tape_moves`), computed as before they were
    shared, so that a trained network is the same to the bit."""
    tape = torch.cat([written[:, None], tape[:, 1:]], dim=1)
    # Every move before any product: autograd then adds the gradients in the order it always did.
    after = (tape, *(shifted(tape, move) for move in moves))
    return sum(actions[:, i, None, None] * moved for i, moved in enumerate(after))


class StackMemory(nn.Module):
    """Push a linear map of the state; the action is a softmax over push, pop and no-op."""

    actions = 3

    def __init__(self, hidden: int, config: StackRNNConfig) -> None:
        super().__init__()
        self.value = nn.Linear(hidden, config.cell_size)
        self.action = nn.Linear(hidden, self.actions)

    def moves(self, lengths: torch.Tensor, memory: torch.Tensor) -> None:
        """What every step of a batch shares: nothing, for a stack."""
        return None

    def forward(self, memory: torch.Tensor, state: torch.Tensor, moves: None) -> torch.Tensor:
        return update_stack(memory, self.action(state).softmax(-1), self.value(state))


class TapeMemory(nn.Module):
    """Write an MLP of the state; the move is a softmax over stay, left, right and two jumps."""

    actions = 5

    def __init__(self, hidden: int, config: TapeRNNConfig) -> None:
        super().__init__()
        widths = (hidden, *config.write_layers)
        layers: list[nn.Module] = []
        for inner, outer in zip(widths, widths[1:]):
            layers += [nn.Linear(inner, outer), nn.ReLU()]
        self.value = nn.Sequential(*layers, nn.Linear(widths[-1], config.cell_size))
        self.action = nn.Linear(hidden, self.actions)

    def moves(self, lengths: torch.Tensor, memory: torch.Tensor) -> tuple[Move, ...]:
        """What every step of a batch shares: where each move takes each cell (:func:`tape_moves`)."""
        return tape_moves(lengths, memory.shape[1], memory.shape[2])

    def forward(
        self, memory: torch.Tensor, state: torch.Tensor, moves: tuple[Move, ...]
    ) -> torch.Tensor:
        return moved_tape(memory, self.action(state).softmax(-1), self.value(state), moves)


class AugmentedClassifier(Classifier):
    """One-hot symbol + the memory cell under the head -> controller -> memory update; a logit
    from the state at each string's last true symbol."""

    def __init__(self, symbols: int, config: AugmentedRNNConfig, memory: nn.Module) -> None:
        super().__init__()
        self.symbols, self.config = symbols, config
        cell = nn.GRUCell if config.controller == "gru" else nn.RNNCell
        self.cell = cell(symbols + config.cell_size, config.hidden_size)
        self.memory = memory
        self.head = nn.Linear(config.hidden_size, 1)

    def reset_parameters(self, generator: torch.Generator) -> None:
        # torch's default for recurrent and linear layers alike, U(-1/sqrt(h), 1/sqrt(h)), from our generator.
        bound = 1 / math.sqrt(self.config.hidden_size)
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.uniform_(-bound, bound, generator=generator)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        c = self.config
        batch, width = ids.shape
        inputs = F.one_hot(ids, self.symbols + 1)[..., : self.symbols].to(self.head.weight.dtype)
        state = inputs.new_zeros(batch, c.hidden_size)
        memory = inputs.new_zeros(batch, c.memory_size, c.cell_size)
        final = state
        last = (lengths - 1).clamp(min=0)[:, None]
        moves = self.memory.moves(lengths, memory)
        for t in range(width):  # a Python loop: every step reads what the last one wrote
            state = self.cell(torch.cat([inputs[:, t], memory[:, 0]], dim=-1), state)
            memory = self.memory(memory, state, moves)
            final = torch.where(last == t, state, final)
        return self.head(F.relu(final)).squeeze(-1)


class AugmentedRNNModel(NetworkModel):
    """A memory-augmented recurrent network: subclasses set ``Config``, ``Memory``, ``id`` and
    ``description``."""

    Config = AugmentedRNNConfig
    Memory: type[nn.Module]

    def build(self, alphabet: str, task: LearnerView | None) -> AugmentedClassifier:
        c = self.config
        if task is not None:  # before training, and before allocating: will it fit?
            c.check_memory(len(alphabet), task.train_lengths[1])
        return AugmentedClassifier(len(alphabet), c, self.Memory(c.hidden_size, c))


@register_model
class StackRNNModel(AugmentedRNNModel):
    Config = StackRNNConfig
    Memory = StackMemory
    id = "stack-rnn"
    description = "stack RNN: a GRU controller with a soft push/pop/no-op stack (Joulin & Mikolov 2015)"


@register_model
class TapeRNNModel(AugmentedRNNModel):
    Config = TapeRNNConfig
    Memory = TapeMemory
    id = "tape-rnn"
    description = (
        "tape RNN: a GRU controller writing a circular tape, moving or jumping by the string's length "
        "(Deletang et al. 2023)"
    )

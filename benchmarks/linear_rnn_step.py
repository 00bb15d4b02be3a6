"""What one training step of the linear RNN costs, and so the least its fit can take.

The linear RNN's fit on a regular challenge is mostly optimiser steps (div29: 500-700 of them,
`benchmarks/bench_vs_rpni.py`). This times one step -- forward, least-squares loss, backward --
of :class:`~baselines.automaton_learners.linear_rnn.LinearRNN` as its training loop takes it, on
random strings of the given shape, beside the other way to lay out the same product (each row
gathers its symbol's matrix, one batched product per column) and beside the model's layout with
the gradient written out by hand, without autograd (:func:`hand_gradients`: what Python's share of
a step is). Steps times the time a step takes is a floor under the fit that no change outside
training can lower::

    python -m benchmarks.linear_rnn_step                       # width 32, 256 strings of 6 digits
    python -m benchmarks.linear_rnn_step --width 64 --batch 512 --length 20 --symbols 2

One torch thread, as a run cell trains.
"""

from __future__ import annotations

import argparse
import string
import time

import torch

from baselines.automaton_learners.linear_rnn import LinearRNN


def gathered_states(network: LinearRNN, ids: torch.Tensor) -> torch.Tensor:
    """:meth:`LinearRNN.states` laid out the other way: each row gathers its own symbol's matrix
    (padding: the identity) and one batched product moves every state a column on."""
    identity = torch.eye(network.width)[None]
    every = torch.cat([network.matrices, identity])
    state = network.start.expand(ids.shape[0], network.width)
    for column in ids.T:
        state = torch.bmm(state.unsqueeze(1), every[column]).squeeze(1)
    return state


@torch.no_grad()
def hand_gradients(network: LinearRNN, ids: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The least-squares loss's gradients (matrices, start, readout), written out: the states going
    forward, the backward vectors going back (each by every symbol's matrix, then gathered, as
    :meth:`LinearRNN.states` does), and each symbol's matrix gradient the sum of the outer products
    of the state before and the backward vector after each place that reads it.

    Checked against autograd by ``tests/test_benchmarks.py``.
    """
    rows, width, symbols = ids.shape[0], network.width, network.symbols
    every = torch.cat([network.matrices, torch.eye(width)[None]])  # padding: the identity
    forward = every.permute(1, 0, 2).reshape(width, -1)
    backward = every.transpose(1, 2).permute(1, 0, 2).reshape(width, -1)
    picked = torch.arange(rows)
    states = [network.start.expand(rows, width)]
    for column in ids.T:
        states.append((states[-1] @ forward).view(rows, symbols + 1, width)[picked, column])
    error = 2 * (states[-1] @ network.readout - labels) / rows
    vectors = [error[:, None] * network.readout]
    for column in ids.T.flip(0):
        vectors.append((vectors[-1] @ backward).view(rows, symbols + 1, width)[picked, column])
    vectors.reverse()  # vectors[t]: the gradient reaching the state after t symbols
    read = torch.nn.functional.one_hot(ids.T.reshape(-1), symbols + 1).float()
    before = torch.cat(states[:-1])[:, None, :] * read[:, :, None]  # [places, symbols + 1, width]
    matrices = (before.reshape(len(read), -1).T @ torch.cat(vectors[1:])).view(symbols + 1, width, width)
    return matrices[:symbols], vectors[0].sum(0), error @ states[-1]


def milliseconds_by_hand(network: LinearRNN, ids: torch.Tensor, repeats: int) -> float:
    """:func:`milliseconds_per_step` for :func:`hand_gradients` (no autograd)."""
    labels = torch.randint(0, 2, (ids.shape[0],), generator=torch.Generator().manual_seed(1)).float()
    for step in range(repeats + 10):
        if step == 10:
            started = time.perf_counter()
        hand_gradients(network, ids, labels)
    return (time.perf_counter() - started) / repeats * 1000


def milliseconds_per_step(network: LinearRNN, ids: torch.Tensor, states_of, repeats: int) -> float:
    """Mean wall milliseconds of forward + loss + backward over ``repeats`` steps (after a warm-up)."""
    labels = torch.randint(0, 2, (ids.shape[0],), generator=torch.Generator().manual_seed(1)).float()
    for step in range(repeats + 10):
        if step == 10:
            started = time.perf_counter()
        network.zero_grad(set_to_none=True)
        answers = states_of(ids) @ network.readout
        ((answers - labels) ** 2).mean().backward()
    return (time.perf_counter() - started) / repeats * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--batch", type=int, default=256, help="strings a step (width 32's)")
    parser.add_argument("--length", type=int, default=6, help="symbols a string (div29's longest)")
    parser.add_argument("--symbols", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    network = LinearRNN((string.digits + string.ascii_lowercase)[: args.symbols], width=args.width)
    network.reset_parameters(torch.Generator().manual_seed(0))
    shape, seeded = (args.batch, args.length), torch.Generator().manual_seed(0)
    ids = torch.randint(0, args.symbols, shape, generator=seeded)
    print(f"width {args.width}, {args.batch} strings of {args.length} symbols of {args.symbols}, one thread:")
    layouts = {
        "the model's (every matrix, then gather)": network.states,
        "a matrix gathered per row": lambda ids: gathered_states(network, ids),
    }
    for name, states_of in layouts.items():
        print(f"  {name}: {milliseconds_per_step(network, ids, states_of, args.repeats):.2f} ms a step")
    by_hand = milliseconds_by_hand(network, ids, args.repeats)
    print(f"  the model's, its gradient written out without autograd: {by_hand:.2f} ms a step")


if __name__ == "__main__":
    main()

"""Torch thread control shared by every network here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run torch on one thread inside the block, then restore the setting.

    These networks are small: a minibatch step is many tiny operations, which a second thread does
    not speed up (GRU on div3-base10: 2.8 ms a step on two idle cores, 3.1 ms on one) and which
    stall when another process holds the other core -- through the CLI beside two busy processes,
    a GRU managed 79 steps in 20 s on two threads, against 3,000 in 9 s on one. One thread also
    makes a seed's weights independent of the machine's thread count.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)

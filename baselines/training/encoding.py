"""Strings to symbol ids for the learned models, in bulk, and length buckets for long batches.

Symbol ``i`` of the challenge's alphabet gets id ``i``; the dedicated padding id is
``len(alphabet)``, so a one-hot over ``len(alphabet) + 1`` classes with the last column dropped
turns padding into a zero vector, and an automaton can give padding the identity transition.

>>> import numpy as np
>>> batch = encode(np.array(["12", "7", "100"]), "0123456789")
>>> batch.ids.tolist(), batch.lengths.tolist()
([[1, 2, 10], [7, 10, 10], [1, 0, 0]], [2, 1, 3])
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import torch

from baselines.automata.symbols import symbol_matrix
from challenges.numbers import DIGITS


class Encoded(NamedTuple):
    """A batch of strings as right-padded symbol ids ``[batch, width]`` and true lengths."""

    ids: torch.Tensor  # int64, padding id == len(alphabet)
    lengths: torch.Tensor  # int64, characters per string


def digits_in(alphabet: str) -> int:
    """How many symbols at the front of ``alphabet`` are the digits ``0-9a-z`` in order: the base a
    restored network reads its alphabet in (a learner view, when there is one, says it outright).

    >>> digits_in("0123456789+="), digits_in("01x="), digits_in("ab")
    (10, 2, 0)
    """
    count = 0
    while count < len(alphabet) and count < len(DIGITS) and alphabet[count] == DIGITS[count]:
        count += 1
    return count


def pad_id(alphabet: str) -> int:
    """The padding id of ``alphabet``: one past its last symbol."""
    return len(alphabet)


def encode(texts: np.ndarray, alphabet: str) -> Encoded:
    """Symbol ids of every string, vectorised over the batch (no Python loop over strings).

    The width is the longest string's length, whatever the array's unicode width was. A character
    outside ``alphabet`` raises :class:`InvalidInput` naming it (:func:`.symbols.symbol_matrix`).
    """
    symbols = symbol_matrix(texts, alphabet)
    lengths = (symbols != pad_id(alphabet)).sum(axis=1)
    ids = symbols[:, : int(lengths.max(initial=0))].astype(np.int64)
    return Encoded(torch.from_numpy(ids), torch.from_numpy(lengths.astype(np.int64)))


def length_buckets(
    lengths: np.ndarray, max_tokens: int = 262_144, max_batch: int = 4096
) -> Iterator[np.ndarray]:
    """Indices of strings grouped by similar length, each group at most ``max_tokens`` padded symbols.

    Sorting by length before cutting means a batch pads only to its own longest string, and long
    strings come in smaller batches, so memory stays bounded at 1000 digits.

    >>> [b.tolist() for b in length_buckets(np.array([3, 1, 3, 2]), max_tokens=6)]
    [[1, 3], [0, 2]]
    """
    order = np.argsort(lengths, kind="stable")
    start = 0
    while start < len(order):
        stop = start + 1
        while stop < len(order) and stop - start < max_batch:
            # The group's padded size is its count times its longest (last, as sorted) length.
            if (stop + 1 - start) * max(int(lengths[order[stop]]), 1) > max_tokens:
                break
            stop += 1
        yield order[start:stop]
        start = stop

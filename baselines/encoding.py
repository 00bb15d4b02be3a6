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
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import torch

from challenges.errors import InvalidInput
from challenges.numbers import describe_char

_NUL = 0  # numpy pads shorter strings of a unicode array with NUL code points


class Encoded(NamedTuple):
    """A batch of strings as right-padded symbol ids ``[batch, width]`` and true lengths."""

    ids: torch.Tensor  # int64, padding id == len(alphabet)
    lengths: torch.Tensor  # int64, characters per string


def pad_id(alphabet: str) -> int:
    """The padding id of ``alphabet``: one past its last symbol."""
    return len(alphabet)


@lru_cache(maxsize=64)
def _lookup(alphabet: str) -> np.ndarray:
    """Code point -> symbol id; -1 marks characters outside the alphabet, NUL maps to padding."""
    table = np.full(max(map(ord, alphabet)) + 1, -1, dtype=np.int64)
    table[[ord(char) for char in alphabet]] = np.arange(len(alphabet))
    table[_NUL] = pad_id(alphabet)
    return table


def encode(texts: np.ndarray, alphabet: str) -> Encoded:
    """Symbol ids of every string, vectorised over the batch (no Python loop over strings).

    The width is the longest string's length, whatever the array's unicode width was. A character
    outside ``alphabet`` raises :class:`InvalidInput` naming it.
    """
    texts = np.ascontiguousarray(texts, dtype=np.str_)
    width = texts.dtype.itemsize // 4
    if texts.size == 0 or width == 0:
        empty = torch.full((texts.size, 0), pad_id(alphabet), dtype=torch.int64)
        return Encoded(empty, torch.zeros(texts.size, dtype=torch.int64))
    codes = texts.view(np.uint32).reshape(texts.size, width)
    lengths = (codes != _NUL).sum(axis=1)
    codes = codes[:, : lengths.max()]
    table = _lookup(alphabet)
    # Code points beyond the table are outside the alphabet too: clip them onto a -1 slot.
    inside = codes < len(table)
    ids = np.where(inside, table[np.where(inside, codes, 0)], -1)
    if (ids < 0).any():
        row, column = np.argwhere(ids < 0)[0]
        char = chr(int(codes[row, column]))
        raise InvalidInput(
            f"{describe_char(char)} at position {column + 1} of {str(texts[row])!r} "
            f"is not in the alphabet {alphabet!r}"
        )
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

"""Numpy unicode arrays to symbol indices: the one encoder behind automata and networks.

Symbol ``i`` of the alphabet is index ``i``; the padding index is ``len(alphabet)`` (numpy pads
shorter strings of a unicode array with NUL). A character outside the alphabet -- a NUL inside a
string included -- raises :class:`InvalidInput` naming it and where.

>>> symbol_matrix(np.array(["12", "7"]), "0123456789").tolist()
[[1, 2], [7, 10]]
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from challenges.errors import InvalidInput
from challenges.numbers import describe_char


@lru_cache(maxsize=64)
def _symbol_of_code(alphabet: str) -> np.ndarray:
    """Code point -> symbol index; NUL -> padding; anything else -> -1 (the last entry).

    Indexing with ``mode='clip'`` sends every code point past the table to that last entry, so one
    gather both encodes the strings and flags foreign characters.
    """
    codes = [ord(c) for c in alphabet]
    table = np.full(max(codes) + 2, -1, dtype=np.int16)
    table[codes] = np.arange(len(codes))
    table[0] = len(codes)
    return table


def symbol_matrix(texts: np.ndarray, alphabet: str) -> np.ndarray:
    """``(n, width)`` int16 symbol indices of a numpy unicode array, right-padded."""
    texts = np.ascontiguousarray(texts, dtype=np.str_).reshape(-1)
    width = texts.dtype.itemsize // 4
    codes = texts.view(np.uint32).reshape(texts.size, width)
    symbols = np.take(_symbol_of_code(alphabet), codes, mode="clip")
    pad = len(alphabet)
    bad = symbols < 0
    # NUL is numpy's padding at the end of a string; one inside a string is a foreign symbol.
    padded = symbols == pad
    bad[:, :-1] |= padded[:, :-1] & ~padded[:, 1:]
    if bad.any():
        row, column = np.argwhere(bad)[0]
        reject_foreign(str(texts[row]), int(column), alphabet)
    return symbols


def reject_foreign(text: str, position: int, alphabet: str) -> None:
    """Raise the error for the first character of ``text`` from ``position`` not in ``alphabet``."""
    shown = text if len(text) <= 40 else f"{text[:37]}..."
    for index, char in enumerate(text[position:], start=position):
        if char not in alphabet:
            raise InvalidInput(
                f"{describe_char(char)} at position {index + 1} of {shown!r} is not in the "
                f"alphabet {alphabet!r}"
            )
    raise InvalidInput(f"NUL inside {shown!r} is not in the alphabet {alphabet!r}")

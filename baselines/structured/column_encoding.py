"""The fixed encoding behind the column automaton: equations right-aligned into digit columns.

An equation ``a+b=c`` (or ``axb=c``) is split at its operator and ``=``, the three numbers are
right-aligned and read from their last digit, and column ``i`` -- the digits ``i`` places from the
end, a blank where a number is shorter -- becomes one symbol of the **column alphabet**. No
arithmetic is coded here; this is the part of :mod:`baselines.structured.column_automaton` that is built in,
and the carry automaton (:func:`baselines.references.fsa.carry_automaton`) reads the same columns.

>>> eq = EquationAlphabet.of("0123456789+=")
>>> [eq.triple(s) for s in eq.align(np.array(["12+9=21"])).columns[0]]
[('2', '9', '1'), ('1', '_', '2')]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from baselines.automata.dfa import DFA
from baselines.automata.symbols import symbol_matrix
from challenges.core import Examples
from challenges.errors import InvalidArgument
from challenges.numbers import DIGITS

COLUMN_CODE = 0x4E00  # column symbol 0: CJK ideographs, printable, never a digit or a combining mark
BLANK = "_"  # how a blank is shown in a column triple (never a symbol of the equation alphabet)


class Aligned(NamedTuple):
    """Column strings (one per equation, least significant column first) and which were well formed."""

    columns: np.ndarray  # unicode strings over the column alphabet
    well_formed: np.ndarray  # bool: exactly one operator, one '=', in that order, three numbers


@dataclass(frozen=True)
class EquationAlphabet:
    """An equation alphabet ``digits + operator + '='`` and its column alphabet.

    >>> eq = EquationAlphabet.of("01+=")
    >>> eq.base, eq.operator, len(eq.columns)
    (2, '+', 27)
    >>> EquationAlphabet.of("0123456789")
    Traceback (most recent call last):
    ...
    challenges.errors.InvalidArgument: '0123456789' is not an equation alphabet (digits, one operator, '=')
    """

    base: int
    operator: str

    @classmethod
    def of(cls, alphabet: str) -> "EquationAlphabet":
        digits = alphabet.rstrip("=")[:-1]
        base = len(digits)
        well_shaped = alphabet.endswith("=") and base >= 2 and digits == DIGITS[:base]
        operator = alphabet[-2] if len(alphabet) >= 2 else ""
        if not well_shaped or operator in DIGITS[:base] or operator == "=":
            raise InvalidArgument(f"{alphabet!r} is not an equation alphabet (digits, one operator, '=')")
        return cls(base, operator)

    @property
    def alphabet(self) -> str:
        return DIGITS[: self.base] + self.operator + "="

    @property
    def columns(self) -> str:
        """The column alphabet: symbol ``(a * (base+1) + b) * (base+1) + c``, blank = ``base``."""
        return "".join(chr(COLUMN_CODE + i) for i in range((self.base + 1) ** 3))

    def symbol(self, a: int, b: int, c: int) -> str:
        """The column symbol of digits (or ``base`` for a blank) ``a``, ``b``, ``c``."""
        width = self.base + 1
        return chr(COLUMN_CODE + (a * width + b) * width + c)

    def triple(self, symbol: str) -> tuple[str, str, str]:
        """The three tracks of a column symbol, digits or :data:`BLANK`, for reading."""
        width, index = self.base + 1, ord(symbol) - COLUMN_CODE
        tracks = (index // (width * width), index // width % width, index % width)
        return tuple(BLANK if t == self.base else DIGITS[t] for t in tracks)  # type: ignore[return-value]

    def align(self, texts: np.ndarray) -> Aligned:
        """The column string of every equation, vectorised over the batch.

        A malformed string (an operator or ``=`` missing or repeated, an empty number) gets an
        empty column string and ``well_formed`` False; the model rejects it.
        """
        texts = np.asarray(texts, dtype=np.str_).reshape(-1)
        ids = symbol_matrix(texts, self.alphabet).astype(np.int64)  # foreign symbols raise here
        n, width = ids.shape
        operator_id, equals_id, pad = self.base, self.base + 1, self.base + 2
        lengths = (ids != pad).sum(axis=1)
        is_op, is_eq = ids == operator_id, ids == equals_id
        op_at, eq_at = is_op.argmax(axis=1), is_eq.argmax(axis=1)
        well_formed = (
            (is_op.sum(axis=1) == 1) & (is_eq.sum(axis=1) == 1)
            & (op_at >= 1) & (eq_at > op_at + 1) & (lengths > eq_at + 1)
        )  # fmt: skip
        # The last digit of each number, and how many digits each has (0 where malformed).
        ends = np.stack([op_at - 1, eq_at - 1, lengths - 1], axis=1)
        sizes = np.stack([op_at, eq_at - op_at - 1, lengths - eq_at - 1], axis=1)
        sizes = np.where(well_formed[:, None], sizes, 0)
        columns = int(sizes.max(initial=0))
        place = np.arange(columns)
        digits = np.full((n, 3, columns), self.base, dtype=np.int64)  # blank everywhere to start
        for track in range(3):
            present = place[None, :] < sizes[:, track, None]
            where = np.clip(ends[:, track, None] - place[None, :], 0, max(width - 1, 0))
            read = np.take_along_axis(ids, where, axis=1) if width else where
            digits[:, track] = np.where(present, read, self.base)
        span = self.base + 1
        codes = (digits[:, 0] * span + digits[:, 1]) * span + digits[:, 2] + COLUMN_CODE
        used = place[None, :] < sizes.max(axis=1)[:, None]
        codes = np.where(used, codes, 0).astype(np.uint32)  # NUL: numpy's end-of-string padding
        strings = np.ascontiguousarray(codes).view(f"<U{max(columns, 1)}").reshape(n)
        return Aligned(strings, well_formed)

    def align_examples(self, examples: Examples) -> Examples:
        """The same labelled examples as column strings (labels and lengths unchanged)."""
        return Examples(self.align(examples.texts).columns, examples.labels, examples.lengths, examples.split)


def column_shape_automaton(base: int) -> DFA:
    """The well-formed column strings: what alignment produces from equations without leading zeros.

    Each track holds one or more digits, then blanks only; the last digit of a track (its most
    significant) is not 0 unless it is the only one; a column is never blank in all three tracks.
    This is syntax only -- it accepts ``1+1=3`` -- and it is the domain on which a learned column
    automaton is compared with the carry automaton.

    >>> eq = EquationAlphabet.of("01+=")
    >>> shape = column_shape_automaton(2)
    >>> shape.accepts(eq.align(np.array(["1+1=11"])).columns[0]), shape.accepts(eq.symbol(2, 2, 1))
    (True, False)
    """
    eq = EquationAlphabet(base, "+")
    blank = base
    # Per track: "start" (no digit yet), "one-zero" (only the digit 0 so far), "zero" (more than
    # one digit, the last read a 0: a leading zero if the number ends here), "digit" (the last
    # read is not 0), "done" (blanks after a valid number), or dead.
    def track_step(state: str, digit: int) -> str | None:
        if digit == blank:
            return "done" if state in ("one-zero", "digit", "done") else None
        if state == "done":
            return None
        if state == "start":
            return "one-zero" if digit == 0 else "digit"
        return "zero" if digit == 0 else "digit"

    def step(state: Any, symbol: str) -> Any:
        if state is None:
            return None
        index, width = ord(symbol) - COLUMN_CODE, base + 1
        digits = (index // (width * width), index // width % width, index % width)
        if all(d == blank for d in digits):
            return None
        tracks = tuple(track_step(s, d) for s, d in zip(state, digits))
        return None if None in tracks else tracks

    def accept(state: Any) -> bool:
        return state is not None and all(s in ("one-zero", "digit", "done") for s in state)

    return DFA.explore(eq.columns, ("start",) * 3, step, accept).minimize()

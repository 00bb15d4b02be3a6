"""Multiples of a modulus written in a base: the regular challenges.

>>> from challenges.families.divisibility import divisibility
>>> c = divisibility(3, 10)
>>> [c.is_member(s) for s in ("0", "2226", "2225")]
[True, True, False]
>>> divisibility(2, 3, challenge_id="even-base3").min_states
2
"""

from __future__ import annotations

import numpy as np

from ..core import Challenge
from ..errors import InvalidArgument
from ..numbers import check_base, default_train_max_length, length_bounds, uniform_ints
from .number_language import NumberLanguage


class Divisible(NumberLanguage):
    """Numbers ``x`` with ``x mod modulus == 0``, written in ``base``."""

    def __init__(self, modulus: int, base: int) -> None:
        super().__init__(base)
        self.modulus = modulus

    def members_mask(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values % self.modulus == 0, dtype=bool)

    def draw_member_values(self, length: int, n: int, rng: np.random.Generator) -> np.ndarray:
        # Uniform over the multiples of that length: draw the quotient, not the number.
        low, high = length_bounds(self.base, length)
        first = -(-low // self.modulus)
        last = (high - 1) // self.modulus
        if last < first:
            raise InvalidArgument(f"no multiple of {self.modulus} has {length} digits")
        quotients = uniform_ints(rng, first, last + 1, n)
        return quotients * self.modulus

    def explain(self, parsed: tuple[str, int]) -> str:
        text, value = parsed
        quotient, remainder = divmod(value, self.modulus)
        shown = self.written(text, value)
        if remainder == 0:
            return f"{shown} is a multiple of {self.modulus}: {value} = {self.modulus} x {quotient}"
        return (
            f"{shown} is not a multiple of {self.modulus}: "
            f"{value} = {self.modulus} x {quotient} + {remainder}"
        )


def minimal_residue_states(modulus: int, base: int) -> int:
    """States of the minimal DFA for multiples of ``modulus`` read most significant digit first.

    Moore's partition refinement on the residue automaton (state r, digit d -> (r*base+d) mod m).
    It is ``modulus`` when modulus and base are coprime, fewer otherwise (multiples of 4 in base 10
    need 3: residues 1 and 3 lead to the same futures).
    """
    block = [0 if r == 0 else 1 for r in range(modulus)]
    while True:
        signature = {
            r: (block[r], tuple(block[(r * base + d) % modulus] for d in range(base)))
            for r in range(modulus)
        }
        numbering: dict[tuple, int] = {}
        refined = [numbering.setdefault(signature[r], len(numbering)) for r in range(modulus)]
        if len(numbering) == len(set(block)):
            return len(numbering)
        block = refined


def extrapolation_lengths(train_max: int) -> tuple[int, ...]:
    """2x, 5x and 10x the longest training length, plus 100 and 1000 digits."""
    return tuple(sorted({2 * train_max, 5 * train_max, 10 * train_max, 100, 1000} - {train_max}))


def divisibility(
    modulus: int, base: int, challenge_id: str | None = None, description: str | None = None
) -> Challenge:
    """The challenge "multiples of ``modulus`` written in ``base``" (base 2-36, modulus >= 2)."""
    check_base(base)
    if not isinstance(modulus, int) or modulus < 2:
        raise InvalidArgument(f"modulus must be an integer of at least 2, got {modulus!r}")
    train_max = default_train_max_length(base)
    return Challenge(
        id=challenge_id or f"div{modulus}-base{base}",
        description=description or f"multiples of {modulus} written in base {base}",
        language=Divisible(modulus, base),
        family="divisibility",
        train_lengths=(1, train_max),
        extrapolation_lengths=extrapolation_lengths(train_max),
        regular=True,
        min_states=minimal_residue_states(modulus, base),
        parameters=(("modulus", modulus), ("base", base)),
    )

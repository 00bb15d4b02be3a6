"""Shared base for languages whose strings are single numbers (divisibility, primes)."""

from __future__ import annotations

import numpy as np

from challenges.core import Language
from challenges.numbers import (
    as_number_array,
    digit_alphabet,
    from_base,
    length_bounds,
    render,
    uniform_ints,
    validate_digits,
)
from challenges.splits import ENUMERATION_LIMIT


class NumberLanguage(Language):
    """A set of natural numbers written in ``base``; subclasses say which numbers are members."""

    def __init__(self, base: int) -> None:
        self.base = base
        self.alphabet = digit_alphabet(base)

    def parse(self, text: str) -> tuple[str, int]:
        validate_digits(text, self.base)
        return text, from_base(text, self.base)

    def length_of(self, parsed: tuple[str, int]) -> int:
        return len(parsed[0])

    def is_member(self, parsed: tuple[str, int]) -> bool:
        return bool(self.members_mask(as_number_array([parsed[1]]))[0])

    def members_mask(self, values: np.ndarray) -> np.ndarray:
        """Membership of every number in ``values`` (int64 or object array)."""
        raise NotImplementedError

    def label_many(self, texts: np.ndarray) -> np.ndarray:
        values = [self.parse(str(t))[1] for t in texts]
        return self.members_mask(as_number_array(values))

    def uniform(self, length: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` numbers drawn uniformly from all numbers of ``length`` digits."""
        return uniform_ints(rng, *length_bounds(self.base, length), n)

    def draw_nonmember_values(self, length: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """Uniform over the non-members of that length, by rejection from uniform numbers."""
        found: list[np.ndarray] = []
        have = 0
        while have < n:
            candidates = self.uniform(length, max(2 * (n - have), 16), rng)
            candidates = candidates[~self.members_mask(candidates)]
            found.append(candidates)
            have += len(candidates)
        return np.concatenate(found)[:n]

    def draw_member_values(self, length: int, n: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def draw(self, length: int, n: int, member: bool, rng: np.random.Generator) -> np.ndarray:
        values = (self.draw_member_values if member else self.draw_nonmember_values)(length, n, rng)
        return render(values, self.base)

    def enumerate(self, length: int) -> tuple[np.ndarray, np.ndarray] | None:
        low, high = length_bounds(self.base, length)
        if high - low > ENUMERATION_LIMIT:
            return None
        values = np.arange(low, high, dtype=np.int64)
        return render(values, self.base), self.members_mask(values)

    def written(self, text: str, value: int) -> str:
        """``text`` as a person reads it: with its decimal value when the base is not 10."""
        return text if self.base == 10 else f"{text} (base {self.base}, = {value})"

"""Prime numbers written in a base, against uniform or hard non-members.

Primality is exact below 2**64 and Baillie-PSW beyond (see :func:`challenges.numbers.is_prime`).
The ``hard`` variant draws non-members that are products of two primes of similar size (their digit
counts differ by at most two), so no small factor -- no "ends in 5", no digit sum -- gives them away.

>>> from challenges.families.primes import primes
>>> c = primes(10)
>>> c.check("91").reason
'91 is not prime: 91 = 7 x 13'
>>> c.check("97").reason
'97 is prime'
"""

from __future__ import annotations

import math

import numpy as np
import sympy

from ..core import Challenge
from ..numbers import (
    as_number_array,
    check_base,
    default_train_max_length,
    is_prime_array,
    length_bounds,
    random_primes,
)
from ._numbers import NumberLanguage
from .divisibility import extrapolation_lengths

_FACTOR_SEARCH_LIMIT = 10**6


class Primes(NumberLanguage):
    """Prime numbers in ``base``; with ``hard``, non-members are balanced semiprimes."""

    def __init__(self, base: int, hard: bool = False) -> None:
        super().__init__(base)
        self.hard = hard

    def members_mask(self, values: np.ndarray) -> np.ndarray:
        return is_prime_array(values)

    def draw_member_values(self, length: int, n: int, rng: np.random.Generator) -> np.ndarray:
        return random_primes(rng, *length_bounds(self.base, length), n)

    def draw_nonmember_values(self, length: int, n: int, rng: np.random.Generator) -> np.ndarray:
        if not self.hard:
            return super().draw_nonmember_values(length, n, rng)
        low, high = length_bounds(self.base, length)
        factor_low, factor_high = self._factor_range(low, high)
        products: list[int] = []
        while len(products) < n:
            p = int(random_primes(rng, factor_low, factor_high + 1, 1)[0])
            q_low, q_high = max(p, -(-low // p)), (high - 1) // p
            if q_low > q_high:
                continue
            q = int(random_primes(rng, q_low, q_high + 1, 1)[0]) if _has_prime(q_low, q_high) else None
            if q is not None:
                products.append(p * q)
        return as_number_array(products, high)

    def _factor_range(self, low: int, high: int) -> tuple[int, int]:
        """Smaller factor p: at least sqrt(low / base), at most sqrt(high - 1)."""
        return max(2, math.isqrt(low // self.base)), math.isqrt(high - 1)

    def _is_hard_nonmember(self, values: np.ndarray, low: int, high: int) -> np.ndarray:
        factor_low, _ = self._factor_range(low, high)
        out = np.zeros(len(values), dtype=bool)
        for i, v in enumerate(values.tolist()):
            factors = sympy.factorint(v)
            if sum(factors.values()) == 2 and min(factors) >= factor_low:
                out[i] = True
        return out

    def enumerate(self, length: int) -> tuple[np.ndarray, np.ndarray] | None:
        listed = super().enumerate(length)
        if listed is None or not self.hard:
            return listed
        texts, labels = listed
        # The hard variant's pool of non-members is its semiprimes, not every composite.
        low, high = length_bounds(self.base, length)
        values = np.arange(low, high, dtype=np.int64)
        keep = labels | self._is_hard_nonmember(values, low, high)
        return texts[keep], labels[keep]

    def explain(self, parsed: tuple[str, int]) -> str:
        text, value = parsed
        shown = self.written(text, value)
        if value < 2:
            return f"{shown} is not prime: primes are at least 2"
        if is_prime_array(as_number_array([value]))[0]:
            return f"{shown} is prime"
        factor = _smallest_factor(value)
        if factor is None:
            return (
                f"{shown} is not prime: it fails the strong probable-prime test "
                f"(no factor below {_FACTOR_SEARCH_LIMIT:,})"
            )
        return f"{shown} is not prime: {value} = {factor} x {value // factor}"


def _has_prime(low: int, high: int) -> bool:
    """Whether ``low <= p <= high`` holds a prime (exact for short ranges, assumed for long)."""
    if high - low > 1000:
        return True
    return sympy.nextprime(low - 1) <= high


def _smallest_factor(value: int) -> int | None:
    for p in sympy.primerange(2, min(_FACTOR_SEARCH_LIMIT, math.isqrt(value) + 1)):
        if value % p == 0:
            return int(p)
    if value < _FACTOR_SEARCH_LIMIT**2:
        return None if sympy.isprime(value) else int(min(sympy.factorint(value)))
    return None


def primes(base: int, hard: bool = False, challenge_id: str | None = None) -> Challenge:
    """The challenge "primes written in ``base``" (``hard``: against balanced semiprimes)."""
    check_base(base)
    train_max = default_train_max_length(base)
    suffix = "-hard" if hard else ""
    against = "products of two primes of similar size" if hard else "uniform non-primes"
    return Challenge(
        id=challenge_id or f"prime-base{base}{suffix}",
        description=f"primes written in base {base}, against {against}",
        language=Primes(base, hard),
        family="primes",
        train_lengths=(1, train_max),
        extrapolation_lengths=extrapolation_lengths(train_max),
        regular=False,
        parameters=(("base", base), ("hard", hard)),
        costly_long_samples=True,  # a uniform 1000-digit prime takes about a second to find
    )

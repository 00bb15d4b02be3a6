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
from ..errors import InvalidArgument
from ..numbers import (
    as_number_array,
    check_base,
    default_train_max_length,
    is_prime_array,
    length_bounds,
    map_jobs,
    next_prime,
    random_primes,
    render,
    uniform_ints,
)
from .divisibility import extrapolation_lengths
from .number_language import NumberLanguage

_FACTOR_SEARCH_LIMIT = 10**6
# Version 3 of the hard variant tests a training length only if its test split holds at least this
# many primes and as many hard semiprimes: a test set draws 500 of each class with replacement,
# so from a smaller pool it measures a few numbers many times (13 bits: 8 semiprimes, 500 draws).
MIN_TEST_POOL = 500


class Primes(NumberLanguage):
    """Prime numbers in ``base``; with ``hard``, non-members are balanced semiprimes."""

    def __init__(self, base: int, hard: bool = False, matched: bool = False) -> None:
        super().__init__(base)
        self.hard = hard
        self.matched = matched  # version 2: semiprimes spread over the length as the primes are

    def members_mask(self, values: np.ndarray) -> np.ndarray:
        return is_prime_array(values)

    def draw_member_values(self, length: int, n: int, rng: np.random.Generator) -> np.ndarray:
        return random_primes(rng, *length_bounds(self.base, length), n)

    def draw_nonmember_values(self, length: int, n: int, rng: np.random.Generator) -> np.ndarray:
        if not self.hard:
            return super().draw_nonmember_values(length, n, rng)
        low, high = length_bounds(self.base, length)
        factor_low, factor_high = self._factor_range(low, high)
        if self.matched:
            seeds = rng.integers(0, 2**63, size=n).tolist()
            jobs = [(seed, low, high, factor_low, self.base) for seed in seeds]
            return as_number_array(map_jobs(_one_matched_semiprime, jobs, high), high)
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


def hard_test_pools(base: int, train_max: int) -> dict[int, tuple[int, int]]:
    """Length -> (primes, hard semiprimes) in the test split, for every training length: exact,
    from a sieve of the smallest prime factor up to ``base**train_max`` (about a million).

    A hard semiprime is p x q with p <= q primes and p >= sqrt(low / base), as the sampler draws.

    >>> hard_test_pools(10, 3)[3]
    (17, 17)
    """
    from ..splits import SPLITS, split_of

    high = base**train_max
    smallest = np.zeros(high, dtype=np.int64)  # smallest prime factor; 0 for primes, 0 and 1
    for p in range(2, math.isqrt(high - 1) + 1):
        if smallest[p] == 0:
            multiples = np.arange(p * p, high, p)
            smallest[multiples[smallest[multiples] == 0]] = p
    numbers = np.arange(high, dtype=np.int64)
    prime = (smallest == 0) & (numbers >= 2)
    pools = {}
    for length in range(1, train_max + 1):
        low, top = length_bounds(base, length)
        values, factor = numbers[low:top], smallest[low:top]
        factor_low = max(2, math.isqrt(low // base))
        cofactor = values // np.maximum(factor, 1)
        semiprime = (factor >= factor_low) & prime[np.where(factor > 0, cofactor, 0)]
        counts = []
        for keep in (prime[low:top], semiprime):
            counts.append(int((split_of(render(values[keep], base)) == SPLITS.index("test")).sum()))
        pools[length] = (counts[0], counts[1])
    return pools


# hard_test_pools(base, train_max) is about 0.2 s; the built-in bases' answers, re-derived by
# tests/test_primes_hard.py: the training lengths with MIN_TEST_POOL of each class.
_SCORED_TRAIN_LENGTHS = {2: (20,), 10: (5, 6)}


def scored_train_lengths(base: int, train_max: int) -> tuple[int, ...]:
    """The training lengths whose test split holds ``MIN_TEST_POOL`` primes and hard semiprimes."""
    if base in _SCORED_TRAIN_LENGTHS and train_max == default_train_max_length(base):
        return _SCORED_TRAIN_LENGTHS[base]
    pools = hard_test_pools(base, train_max)
    return tuple(length for length, sizes in pools.items() if min(sizes) >= MIN_TEST_POOL)


def _one_matched_semiprime(job: tuple[int, int, int, int, int]) -> int:
    """A product of two primes of similar size near a target spread as the primes are.

    Version 1 drew p uniform and q >= p, so products piled up near the top of the length and
    their first digit told them from primes. Here the target t is uniform in ``[low, high)``,
    kept with probability ln(low) / ln(t) (the primes thin out as 1 / ln t); p is the first
    prime above a point uniform in [sqrt(t / base), sqrt(t)], q the first prime >= t / p. So
    p x q lies just above t (by less than p times a prime gap) and both factors stay at least
    ``factor_low`` = sqrt(low / base), as the hard variant requires.
    """
    seed, low, high, factor_low, base = job
    rng = np.random.default_rng(seed)
    floor_log = math.log(max(low, 2))
    while True:
        target = int(uniform_ints(rng, max(low, 4), high, 1)[0])
        if rng.random() * math.log(target) > floor_log:
            continue
        root = math.isqrt(target)
        start = max(factor_low, math.isqrt(target // base), 2)
        p = next_prime(int(uniform_ints(rng, start, root + 1, 1)[0]))
        q = next_prime(-(-target // p))
        if low <= p * q < high and min(p, q) >= factor_low:
            return p * q


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


def primes(base: int, hard: bool = False, challenge_id: str | None = None, version: int = 1) -> Challenge:
    """The challenge "primes written in ``base``" (``hard``: against balanced semiprimes; version
    2 of the hard variant spreads them over each length as the primes are spread; version 3 draws
    as version 2 and tests only the training lengths whose test split holds ``MIN_TEST_POOL``
    distinct strings of each class)."""
    check_base(base)
    if version not in (1, 2, 3) or (version > 1 and not hard):
        raise InvalidArgument(
            f"prime challenges have version 1, and 2 and 3 for the hard variant; not {version!r}"
        )
    train_max = default_train_max_length(base)
    suffix = "-hard" if hard else ""
    against = "products of two primes of similar size" if hard else "uniform non-primes"
    return Challenge(
        id=challenge_id or f"prime-base{base}{suffix}",
        description=f"primes written in base {base}, against {against}",
        language=Primes(base, hard, matched=version >= 2),
        version=version,
        family="primes",
        train_lengths=(1, train_max),
        extrapolation_lengths=extrapolation_lengths(train_max),
        regular=False,
        parameters=(("base", base), ("hard", hard)),
        costly_long_samples=True,  # a uniform 1000-digit prime takes about a second to find
        tested_train_lengths=scored_train_lengths(base, train_max) if version == 3 else None,
    )

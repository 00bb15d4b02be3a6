"""Version 3's off-by-lcm near misses: an error that every small modular check passes, hidden
strictly inside a middle band of the result, where neither the leading digits (a float's
magnitude check) nor the last digits see it.

Q (:func:`guard_modulus`) is the product of the highest power of each prime whose check
"a op b = c (mod p**e)" fits in ``GUARD_STATES`` states, so every modulus whose check fits divides
Q; :class:`Band` says where in a result an error ``+- Q' x base**p`` may go. Used by
:mod:`challenges.families.arithmetic`, which re-exports these names.

>>> guard_modulus("+", 10) % (7 * 13 * 64)
0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidArgument
from ..numbers import digit_count, powers

HIDDEN_KIND = "off-by-lcm"  # versions 2 and 3, beyond the training lengths: see GUARDED_PRIME_POWERS
HIDDEN_SHARE = 2 / 3  # of the non-members where it fits: a rule that catches every other kind
# and no off-by-lcm near miss is right on 0.5 + (1/3)/2 = 2/3 of the strings, under the 0.75 bar.
# The highest power of each prime whose check "a op b = c (mod p**e)" fits in 10,000 states
# (``baselines.references.fsa.fitting_prime_powers(operator, base, 10_000)``: the whole table is
# re-derived by ``python -m benchmarks.shortcut_battery --derive-table`` in about two minutes, five
# of its shapes by tests/test_references.py). Every modulus whose check fits divides their product Q.
_ODD_PRIMES = (11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67)  # fit in every base
_LOW_POWERS = {  # (operator, base) -> the powers that are not a bare prime of _ODD_PRIMES
    ("+", 2): (64, 27, 25, 49), ("+", 3): (64, 81, 25, 49), ("+", 4): (64, 81, 25, 49),
    ("+", 5): (128, 27, 25, 49), ("+", 6): (64, 81, 125, 49), ("+", 7): (64, 81, 25, 49),
    ("+", 8): (64, 27, 25, 49), ("+", 9): (128, 81, 25, 49), ("+", 10): (64, 81, 25, 49),
    ("+", 11): (64, 27, 125, 49), ("+", 12): (64, 81, 25, 49, 121), ("+", 13): (128, 81, 25, 49),
    ("+", 14): (64, 27, 25, 49, 169), ("+", 15): (64, 81, 25, 49), ("+", 16): (64, 81, 125, 49),
    **{("x", b): (64, 27, 25, 49) for b in (2, 5, 8, 11, 14)},
    **{("x", b): (64, 81, 25, 49) for b in (3, 4, 6, 7, 9, 10, 12, 13, 15, 16)},
}  # fmt: skip


def _prime_of(power: int) -> int:
    return next(p for p in range(2, power + 1) if power % p == 0)


GUARDED_PRIME_POWERS = {  # in the order of their primes, as fitting_prime_powers lists them
    key: tuple(sorted(low + tuple(p for p in _ODD_PRIMES if all(q % p for q in low)), key=_prime_of))
    for key, low in _LOW_POWERS.items()
}
GUARD_STATES = 10_000
# Version 3 puts the off-by-lcm error strictly inside a middle band of the result: it never
# touches the leading digits worth HEAD_BITS (more than a float64's 53-bit mantissa, so the
# result's magnitude, read from the top digits of a, b and c, is right to the last bit a float
# holds) nor the trailing digits worth TAIL_BITS (so a check of the last digits sees the truth).
HEAD_BITS = 64
TAIL_BITS = 20


@dataclass(frozen=True)
class Band:
    """Where version 3 hides its off-by-lcm error: ``truth +- multiplier x base**p``, strictly
    inside the result, below its ``head`` leading digits and above its ``tail`` last ones.

    ``multiplier`` is Q with the factors that ``base**tail`` supplies taken out (Q' = Q / gcd(Q,
    base**tail)): since p >= tail, the error is still a multiple of Q, so every modular check
    within 10,000 states passes it, and a check of up to ``tail`` last digits sees the truth's.
    The error stays below ``base**(nd - head - 1)`` (a guard digit for carries), and a near miss
    whose carry still reaches the head is drawn again: the leading ``head`` digits are the truth's.

    >>> band = Band.for_base("+", 10)
    >>> band.head, band.tail, len(str(band.multiplier)), band.shortest_result
    (20, 7, 27, 55)
    >>> band.fits(54), band.fits(55)
    (False, True)
    """

    base: int
    multiplier: int
    head: int
    tail: int

    @classmethod
    def for_base(cls, operator: str, base: int) -> "Band":
        head, tail = digits_worth(HEAD_BITS, base), digits_worth(TAIL_BITS, base)
        q = guard_modulus(operator, base)
        return cls(base, q // math.gcd(q, base**tail), head, tail)

    @property
    def shortest_result(self) -> int:
        """The fewest result digits with room for the error: tail + Q' + a guard digit + head."""
        return self.tail + digit_count(self.multiplier, self.base) + 1 + self.head

    def fits(self, result_digits: int) -> bool:
        return result_digits >= self.shortest_result

    def positions(self, result_digits: int) -> int:
        """How many places p the error may take in a result of ``result_digits`` digits."""
        return max(result_digits - self.shortest_result + 1, 0)

    def off_by_lcm(self, truth: np.ndarray, nd: np.ndarray, sign: np.ndarray, rng: np.random.Generator):
        """``truth +- multiplier x base**p`` for p uniform over the band, and whether it was made
        (False where the result has no band, or a carry reached the leading digits)."""
        highest = nd - self.shortest_result + self.tail  # the highest p the band allows
        position = rng.integers(self.tail, np.maximum(highest, self.tail) + 1)
        wrong = truth + sign * (powers(self.base, position, truth) * self.multiplier)
        head = powers(self.base, np.maximum(nd - self.head, 0), truth)
        return wrong, (highest >= self.tail) & (wrong // head == truth // head)


def digits_worth(bits: int, base: int) -> int:
    """The fewest digits of ``base`` that hold at least ``bits`` bits: ``base**d >= 2**bits``.

    >>> digits_worth(64, 10), digits_worth(64, 2), digits_worth(20, 16)
    (20, 64, 5)
    """
    digits = 1
    while base**digits < 2**bits:
        digits += 1
    return digits


def guard_modulus(operator: str, base: int) -> int:
    """Q: the product of ``GUARDED_PRIME_POWERS`` (the lcm of every modulus whose check fits in
    10,000 states), for bases 2-16.

    >>> guard_modulus("+", 10) == guard_modulus("x", 10), len(str(guard_modulus("+", 10)))
    (True, 30)
    """
    if (operator, base) not in GUARDED_PRIME_POWERS:
        raise InvalidArgument(
            f"near misses guarded against {GUARD_STATES:,}-state checks are worked out for bases "
            f"2-{max(b for _, b in GUARDED_PRIME_POWERS)} only, not {base}"
        )
    return math.prod(GUARDED_PRIME_POWERS[(operator, base)])

"""The built-in challenges: Hofstadter's list, each one line over a parametric family."""

from __future__ import annotations

from .core import Challenge
from .families import addition, divisibility, multiplication, primes

BUILTIN_CHALLENGES: tuple[Challenge, ...] = (
    divisibility(2, 3, challenge_id="even-base3", description="even numbers written in base 3"),
    divisibility(3, 10),
    divisibility(9, 10),
    divisibility(7, 10),
    divisibility(29, 10),
    addition(2),
    addition(10),
    multiplication(2),
    multiplication(10),
    primes(2),
    primes(10),
    primes(2, hard=True, version=3),
    primes(10, hard=True, version=3),
)

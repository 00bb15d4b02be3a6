"""Digit strings, exact uniform integers and primality."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from challenges.errors import InvalidArgument, InvalidInput
from challenges.numbers import (
    default_train_max_length,
    from_base,
    is_prime_array,
    length_bounds,
    random_primes,
    render,
    to_base,
    uniform_ints,
    validate_digits,
)


@pytest.mark.parametrize("base", [2, 3, 7, 10, 16, 36])
def test_render_matches_python_for_small_and_big_numbers(base):
    rng = np.random.default_rng(0)
    small = rng.integers(0, 10**12, size=500)
    assert [from_base(s, base) for s in render(small, base).tolist()] == small.tolist()
    big = uniform_ints(rng, 0, 10**300, 20)
    assert [from_base(s, base) for s in render(big, base).tolist()] == big.tolist()
    assert render(np.array([0]), base).tolist() == ["0"]


def test_to_base_round_trips_beyond_pythons_string_limit():
    value = 7 * 10**5000 + 3
    assert from_base(to_base(value, 10), 10) == value


def test_length_bounds_and_training_range():
    assert length_bounds(2, 1) == (0, 2)
    assert length_bounds(2, 3) == (4, 8)
    assert [default_train_max_length(b) for b in (2, 3, 10, 16)] == [20, 13, 6, 5]


def test_uniform_ints_is_uniform_and_in_range_for_big_ranges():
    rng = np.random.default_rng(1)
    low, high = 10**30, 10**30 + 10
    draws = uniform_ints(rng, low, high, 5000)
    counts = np.bincount([int(d - low) for d in draws], minlength=10)
    assert counts.min() > 400 and counts.max() < 600  # each of 10 values near 500
    with pytest.raises(InvalidArgument):
        uniform_ints(rng, 5, 5, 1)


def test_primality_matches_sympy():
    values = np.arange(0, 20000)
    expected = np.array([sympy.isprime(int(v)) for v in values])
    assert np.array_equal(is_prime_array(values), expected)


def test_random_primes_are_prime_in_range_and_reproducible():
    for low, high in [(10, 100), (10**15, 10**16), (10**40, 10**41)]:
        first = random_primes(np.random.default_rng(4), low, high, 8)
        again = random_primes(np.random.default_rng(4), low, high, 8)
        assert [int(p) for p in first] == [int(p) for p in again]
        assert all(low <= int(p) < high and sympy.isprime(int(p)) for p in first)


@pytest.mark.parametrize(
    ("text", "base", "message"),
    [
        ("", 10, "empty number"),
        ("1 2", 10, "whitespace at position 2"),
        ("12a", 10, "'a' at position 3 is not valid in base 10"),
        ("102", 2, "'2' at position 3 is not valid in base 2"),
        ("\u0663", 10, "not an ASCII digit"),
        ("007", 10, "leading zero at position 1"),
        ("1F", 16, "uppercase 'F' at position 2"),
        ("1-2", 10, "'-' at position 2 is not allowed \\(digits: 0123456789\\)"),
    ],
)
def test_malformed_numbers_say_what_and_where(text, base, message):
    with pytest.raises(InvalidInput, match=message):
        validate_digits(text, base)

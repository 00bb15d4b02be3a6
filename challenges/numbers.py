"""Numbers written as digit strings in any base from 2 to 36, exactly and fast.

Strings are written as Hofstadter writes them: most significant digit first, lowercase digits
beyond 9, no leading zeros ("0" for zero), no sign. Everything here is exact: Python / gmpy2
integers, never floats. Arrays of numbers are ``int64`` while they fit and ``object`` (Python
ints) beyond, so the same numpy expression serves 6-digit and 1000-digit numbers.

>>> to_base(10, 3)
'101'
>>> from_base('101', 3)
10
>>> length_bounds(10, 1), length_bounds(10, 3)
((0, 10), (100, 1000))
>>> render(np.array([0, 5, 10]), 2).tolist()
['0', '101', '1010']
"""

from __future__ import annotations

import math
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache

import gmpy2
import numpy as np
import sympy

from .errors import InvalidArgument, InvalidInput
from .splits import MAX_LENGTH

# Python refuses int <-> decimal str conversions beyond 4300 digits (a guard against quadratic
# work on untrusted input). Strings of up to MAX_LENGTH digits in any base are valid input here,
# and explanations print their values (and products, twice as long), so the bound is raised to
# what the challenges accept -- and no further: longer input is refused before any conversion.
_DECIMAL_DIGITS_NEEDED = 4 * MAX_LENGTH
if 0 < sys.get_int_max_str_digits() < _DECIMAL_DIGITS_NEEDED:
    sys.set_int_max_str_digits(_DECIMAL_DIGITS_NEEDED)

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
MAX_BASE = len(DIGITS)
INT64_LIMIT = 2**62  # headroom so that sums and near misses of int64 values cannot overflow
_ASCII = np.frombuffer(DIGITS.encode(), dtype=np.uint8)


def check_base(base: int) -> int:
    """Return ``base`` if it is an integer from 2 to 36, else raise :class:`InvalidArgument`."""
    if not isinstance(base, int) or isinstance(base, bool) or not 2 <= base <= MAX_BASE:
        raise InvalidArgument(f"base must be an integer from 2 to {MAX_BASE}, got {base!r}")
    return base


def digit_alphabet(base: int) -> str:
    """The digits valid in ``base``: ``digit_alphabet(3) == '012'``."""
    return DIGITS[: check_base(base)]


def describe_char(char: str) -> str:
    """``'a'`` -> ``"'a'"``; non-ASCII characters also get their code point and Unicode name."""
    import unicodedata

    if char.isascii() and char.isprintable():
        return repr(char)
    name = unicodedata.name(char, "unnamed character")
    return f"{char!r} (U+{ord(char):04X} {name})"


def foreign_character(char: str, position: int, base: int, allowed: str) -> InvalidInput:
    """The error for ``char`` at ``position`` (1-based) where only ``allowed`` may stand.

    One diagnosis for every kind of string: whitespace, a non-ASCII digit such as '٣', an
    uppercase digit, a digit too large for the base, or anything else.
    """

    digits = digit_alphabet(base)
    if char.isspace():
        return InvalidInput(f"whitespace at position {position}: write strings with no spaces")
    if (char.isdigit() or char.isnumeric()) and not char.isascii():
        return InvalidInput(
            f"{describe_char(char)} at position {position} is not an ASCII digit: use {digits}"
        )
    if char.lower() in digits:
        return InvalidInput(
            f"uppercase {char!r} at position {position}: digits beyond 9 are lowercase ({digits})"
        )
    if char in DIGITS:
        return InvalidInput(
            f"digit {char!r} at position {position} is not valid in base {base} {allowed}"
        )
    return InvalidInput(f"{describe_char(char)} at position {position} is not allowed {allowed}")


def validate_digits(text: str, base: int, *, what: str = "number", offset: int = 0) -> str:
    """Check that ``text`` is a well-formed number in ``base``; return it unchanged.

    ``offset`` shifts reported positions when ``text`` is part of a longer string (positions are
    1-based, as a person counts). Raises :class:`InvalidInput` naming the problem and where.

    >>> validate_digits("0", 10)
    '0'
    >>> validate_digits("012", 10)
    Traceback (most recent call last):
    ...
    challenges.errors.InvalidInput: leading zero at position 1 of number '012': write numbers without leading zeros ('0' alone is zero)
    """

    digits = digit_alphabet(base)
    if text == "":
        raise InvalidInput(f"empty {what}: write at least one digit")
    for index, char in enumerate(text):
        if char not in digits:
            raise foreign_character(char, offset + index + 1, base, "(digits: " + digits + ")")
    if len(text) > 1 and text[0] == "0":
        raise InvalidInput(
            f"leading zero at position {offset + 1} of {what} {text!r}: "
            "write numbers without leading zeros ('0' alone is zero)"
        )
    return text


def to_base(value: int, base: int) -> str:
    """``value`` (a non-negative integer of any size) written in ``base``."""
    if value < 0:
        raise InvalidArgument(f"cannot write negative number {value} as a digit string")
    return gmpy2.digits(gmpy2.mpz(value), base).lower()


def from_base(text: str, base: int) -> int:
    """The integer that the (already validated) digit string ``text`` denotes in ``base``.

    gmpy2 rather than ``int(text, base)``: Python refuses to convert decimal strings of more than
    4300 digits by default, and this benchmark goes further.
    """
    return int(gmpy2.mpz(text, base))


def digit_count(value: int, base: int) -> int:
    """Number of digits of ``value`` in ``base`` (1 for zero)."""
    return 1 if value == 0 else len(to_base(value, base))


def length_bounds(base: int, length: int) -> tuple[int, int]:
    """``(lo, hi)``: the ``length``-digit numbers are exactly ``lo <= x < hi``.

    One-digit numbers include 0; longer ones start at ``base**(length-1)`` (no leading zero).
    """
    if length < 1:
        raise InvalidArgument(f"length must be at least 1, got {length}")
    return (0 if length == 1 else base ** (length - 1)), base**length


def default_train_max_length(base: int, limit: int = 10**6) -> int:
    """Longest training length so that every base covers numbers below about ``limit``.

    >>> [default_train_max_length(b) for b in (2, 3, 10)]
    [20, 13, 6]
    """
    return max(1, round(math.log(limit) / math.log(base)))


def fits_int64(high: int) -> bool:
    """Whether numbers below ``high`` (and small sums of them) are safe in ``int64`` arrays."""
    return high <= INT64_LIMIT


def uniform_ints(rng: np.random.Generator, low: int, high: int, size: int) -> np.ndarray:
    """``size`` integers drawn uniformly from ``low <= x < high``, exactly, at any size.

    ``int64`` when ``high`` fits, else an ``object`` array of Python ints drawn by rejection
    from random bits (so the distribution is exactly uniform, not approximately).
    """
    if high <= low:
        raise InvalidArgument(f"empty range [{low}, {high})")
    if fits_int64(high) and low >= -INT64_LIMIT:
        return rng.integers(low, high, size=size, dtype=np.int64)
    span = high - low
    bits = span.bit_length()
    nbytes = (bits + 7) // 8
    mask = (1 << bits) - 1
    out = np.empty(size, dtype=object)
    for i in range(size):
        while True:
            candidate = int.from_bytes(rng.bytes(nbytes), "little") & mask
            if candidate < span:
                out[i] = low + candidate
                break
    return out


def as_number_array(values: list[int] | np.ndarray, high: int | None = None) -> np.ndarray:
    """Integers as ``int64`` when they (and ``high``) fit, else as an ``object`` array."""
    values = list(values) if not isinstance(values, np.ndarray) else values
    top = high if high is not None else (max((abs(int(v)) for v in values), default=0) + 1)
    if fits_int64(top):
        return np.asarray(values, dtype=np.int64)
    out = np.empty(len(values), dtype=object)
    out[:] = [int(v) for v in values]
    return out


def render(values: np.ndarray, base: int) -> np.ndarray:
    """Write every number in ``values`` in ``base``; returns a numpy unicode array.

    ``int64`` input is converted without a Python loop: each row's digits are written straight into
    the UCS-4 buffer of a ``<U{width}`` array, left-aligned, so no leading zero has to be stripped
    and no bytes-to-unicode conversion is needed. ``object`` input (big numbers) goes through gmpy2.
    """
    values = np.asarray(values)
    if values.size == 0:
        return np.array([], dtype="<U1")
    if values.dtype == object:
        return np.array([to_base(int(v), base) for v in values], dtype=np.str_)
    values = values.astype(np.int64, copy=False)
    if values.min() < 0:
        raise InvalidArgument("cannot render negative numbers")
    width = digit_count(int(values.max()), base)
    right_aligned = np.zeros((values.size, width), dtype=np.uint32)
    remaining = values.copy()
    for column in range(width - 1, -1, -1):
        remaining, digit = np.divmod(remaining, base)
        right_aligned[:, column] = _ASCII[digit]
    ndigits = digit_counts(values, base)
    codes = right_aligned
    if ndigits.min() < width:  # shorter numbers: move their digits left over the leading zeros
        codes = np.zeros_like(right_aligned)
        for count in np.unique(ndigits):
            rows = ndigits == count
            codes[rows, :count] = right_aligned[rows, width - count :]
    return codes.view(f"<U{width}").ravel()


def digit_counts(values: np.ndarray, base: int) -> np.ndarray:
    """Digit count of every number in ``values`` (int64 or object array); 1 for zero.

    >>> digit_counts(np.array([0, 9, 10, 999]), 10).tolist()
    [1, 1, 2, 3]
    """
    if values.dtype == object:
        return np.array([digit_count(int(v), base) for v in values], dtype=np.int64)
    width = digit_count(int(values.max()), base) if values.size else 1
    place = _place_values(base, width)
    return np.searchsorted(place, values, side="right").clip(min=1).astype(np.int64)


@lru_cache(maxsize=None)
def _place_values(base: int, width: int) -> np.ndarray:
    return np.power(np.int64(base), np.arange(width, dtype=np.int64))


def digits_of(values: np.ndarray, base: int, width: int) -> np.ndarray:
    """``(n, width)`` matrix of digits, least significant first (column k is digit k).

    Works for ``int64`` and ``object`` arrays alike; digits beyond a number's length are 0.
    """
    out = np.empty((len(values), width), dtype=np.int64)
    remaining = values.copy()
    for column in range(width):
        digit = remaining % base  # not np.divmod: it has no loop for object arrays
        remaining = remaining // base
        out[:, column] = digit.astype(np.int64)
    return out


def powers(base: int, exponents: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``base ** exponents`` elementwise, in the same integer kind (int64 / object) as ``like``."""
    if like.dtype == object:
        out = np.empty(len(exponents), dtype=object)
        out[:] = [base ** int(e) for e in exponents]
        return out
    return np.power(np.int64(base), exponents.astype(np.int64))


# --- primes ----------------------------------------------------------------------------------

_SIEVE_LIMIT = 1 << 16


@lru_cache(maxsize=1)
def _small_primes() -> np.ndarray:
    return np.array(list(sympy.primerange(2, _SIEVE_LIMIT)), dtype=np.int64)


@lru_cache(maxsize=1)
def _small_primorial() -> gmpy2.mpz:
    product = gmpy2.mpz(1)
    for p in _small_primes():
        product *= int(p)
    return product


PRIME_TEST_BITS = 40_000  # about 12,000 decimal digits: a few seconds a test; beyond, refused


def is_prime(value: int) -> bool:
    """Exact primality for ``value < 2**64``; BPSW beyond.

    ``sympy.isprime`` is deterministic below 2**64 (Miller-Rabin with a proven base set) and runs
    the Baillie-PSW test above it: no BPSW pseudoprime is known, none exists below 2**64, but it
    is not proven that none exists. The README says so where it reports prime results.

    The cost grows with about the cube of the length (a 20,000-digit number took 30 s, a
    100,000-digit one would take an hour), so numbers over ``PRIME_TEST_BITS`` bits are refused
    with a clear error instead of hanging.
    """
    value = int(value)
    _check_testable(value)
    return bool(sympy.isprime(value))


def _check_testable(value: int) -> None:
    if value.bit_length() > PRIME_TEST_BITS:
        raise InvalidArgument(
            f"a number of {value.bit_length():,} bits is too long to test for primality here "
            f"(the limit is {PRIME_TEST_BITS:,} bits, about {int(PRIME_TEST_BITS * 0.30103):,} "
            "decimal digits)"
        )


def is_prime_array(values: np.ndarray) -> np.ndarray:
    """Vectorised :func:`is_prime` (int64 arrays use a sieve-backed fast path when small)."""
    values = np.asarray(values)
    if values.dtype != object and values.size and int(values.max()) < _SIEVE_LIMIT**2:
        return _is_prime_trial(values.astype(np.int64))
    return np.fromiter((is_prime(int(v)) for v in values), dtype=bool, count=values.size)


def _is_prime_trial(values: np.ndarray) -> np.ndarray:
    """Exact primality of int64 values below 2**32 by trial division with numpy."""
    result = values >= 2
    undecided = result.copy()
    for p in _small_primes():
        if not undecided.any():
            break
        p = int(p)
        idx = np.flatnonzero(undecided)
        sub = values[idx]
        if p * p > sub.max():
            break
        divisible = (sub % p == 0) & (sub != p)
        result[idx[divisible]] = False
        undecided[idx[divisible]] = False
        undecided[idx[(p * p > sub)]] = False
    return result


def _probably_prime_fast(candidate: int) -> bool:
    """Cheap filter before the full test: no factor below 2**16, and a base-2 Fermat test."""
    if candidate < _SIEVE_LIMIT:
        return is_prime(candidate)
    if gmpy2.gcd(candidate, _small_primorial()) != 1:
        return False
    return gmpy2.powmod(2, candidate - 1, candidate) == 1


_PARALLEL_BITS = 1024  # primes this large take ~0.1-1 s each: worth spreading over the cores


def random_primes(rng: np.random.Generator, low: int, high: int, size: int) -> np.ndarray:
    """``size`` primes drawn uniformly from the primes in ``low <= p < high`` (by rejection).

    Each prime comes from its own child generator, so the result does not depend on whether the
    search ran in one process or, for large primes, spread over the machine's cores.
    Raises :class:`InvalidArgument` when the range holds no prime, or holds numbers too long to
    test (see :func:`is_prime`) -- before searching, not after an hour.
    """
    _check_testable(high - 1)
    if high - low < 4096:
        pool = [p for p in range(max(low, 2), high) if is_prime(p)]
        if not pool:
            raise InvalidArgument(f"no prime in [{low}, {high})")
        return as_number_array([pool[i] for i in rng.integers(0, len(pool), size=size)], high)
    if fits_int64(high):
        return _random_primes_vectorised(rng, low, high, size)
    seeds = rng.integers(0, 2**63, size=size).tolist()
    return as_number_array(map_jobs(_one_random_prime, [(seed, low, high) for seed in seeds], high), high)


_SEARCH_PROCESSES: int | None = None  # None: one per core; see search_processes


def search_processes(count: int | None) -> None:
    """Spread large prime searches over at most ``count`` processes (None: one per core).

    A process that is itself one of a pool's workers (the runner's, drawing test sets side by
    side) sets 1: a pool inside each worker of a pool puts several searches on every core.
    """
    global _SEARCH_PROCESSES
    _SEARCH_PROCESSES = count


def map_jobs(function, jobs: list, high: int) -> list:
    """``[function(job) for job in jobs]``, spread over the machine's cores when the numbers
    (below ``high``) are large enough to be worth it. Each job carries its own seed, so the
    result does not depend on where it ran."""
    workers = min(_SEARCH_PROCESSES or os.cpu_count() or 1, len(jobs))
    if high.bit_length() >= _PARALLEL_BITS and workers > 1:
        try:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                return list(pool.map(function, jobs))
        except (OSError, RuntimeError):
            pass  # no processes to be had here (sandbox, daemon worker): search in this one
    return [function(job) for job in jobs]


def next_prime(value: int) -> int:
    """The smallest prime ``>= value`` (gmpy2's search, each result confirmed by :func:`is_prime`)."""
    candidate = max(int(value), 2) - 1
    while True:
        candidate = int(gmpy2.next_prime(candidate))
        if is_prime(candidate):
            return candidate


def _one_random_prime(job: tuple[int, int, int]) -> int:
    """One uniform prime in ``[low, high)`` from the generator seeded with ``seed``."""
    seed, low, high = job
    rng = np.random.default_rng(seed)
    while True:
        for candidate in uniform_ints(rng, low, high, 64):
            candidate = int(candidate) | 1
            if low <= candidate < high and _probably_prime_fast(candidate) and is_prime(candidate):
                return candidate


def _random_primes_vectorised(rng: np.random.Generator, low: int, high: int, size: int) -> np.ndarray:
    """Uniform primes below 2**62: batches of candidates tested with the numpy fast path."""
    found: list[np.ndarray] = []
    have = 0
    while have < size:
        candidates = rng.integers(low, high, size=max(64, 40 * (size - have)), dtype=np.int64)
        primes = candidates[is_prime_array(candidates)]
        found.append(primes)
        have += len(primes)
    return np.concatenate(found)[:size]

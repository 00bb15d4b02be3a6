"""Correct additions ``a+b=c`` and multiplications ``axb=c`` in a base, against near misses.

A random wrong result would betray itself by its length alone, so non-members are *near misses* of
the true result, six kinds mixed evenly (each never equal to the truth, never negative, never with
a leading zero):

``off-by-one``     c + 1 or c - 1
``off-by-power``   c + base**k or c - base**k, 1 <= k <= digits of c
``digit-change``   one digit of c replaced by another
``digit-swap``     two adjacent, different digits of c swapped
``jump-swap``      two different digits of c two places apart swapped (132 -> 231); the error
                   is a multiple of (base-1)(base+1), so neither casting out nines nor casting
                   out elevens sees it -- without this kind, a mod-(base+1) automaton catches
                   every other kind at every length
``dropped-carry``  one column's carry forgotten (c - carry * base**(column+1)): in the column sums
                   of a+b, or of the partial products of long multiplication for axb

Beyond the training lengths, version 3 (the default, bases 2-16) makes two in three non-members
*off-by-lcm* near misses hidden strictly inside a middle band of the result (:class:`Band`), at
the lengths it lists in ``shortcut_free_lengths``; version 2 (bases 2 and 10) put them anywhere
below the two leading digits, where a float check or a last-digits check finds them; version 1
has the six kinds only.

A problem where the drawn kind is impossible (no carry to drop, equal digits to swap) is replaced by
a fresh problem, so the kinds stay evenly mixed; only where a kind cannot occur at all (one-digit
results have no digits to swap) do its rows fall back to another kind. The length of an equation
is the digit count of its longer operand; operands are drawn uniformly among the pairs of that
length. The split is decided by the left-hand side ``a+b``, so a problem and its near misses never
straddle train and test.

>>> from challenges.families.arithmetic import addition
>>> c = addition(10)
>>> c.check("12+29=41").reason
'12+29=41 is correct: 12 + 29 = 41'
>>> c.check("12+29=42").reason
'12+29=42 is wrong: 12 + 29 = 41, not 42'
"""

from __future__ import annotations

import numpy as np

from ..core import Challenge, Language
from ..errors import InvalidArgument, InvalidInput
from ..numbers import (
    check_base,
    default_train_max_length,
    digit_alphabet,
    digit_count,
    digit_counts,
    digits_of,
    fits_int64,
    foreign_character,
    from_base,
    length_bounds,
    powers,
    render,
    to_base,
    uniform_ints,
    validate_digits,
)
from ..splits import ENUMERATION_LIMIT
from .divisibility import extrapolation_lengths
from .hidden_near_misses import HIDDEN_SHARE, Band, guard_modulus

NEAR_MISS_KINDS = (
    "off-by-one", "off-by-power", "digit-change", "digit-swap", "jump-swap", "dropped-carry"
)  # fmt: skip
OPERATORS = {"+": ("addition", "+"), "x": ("multiplication", "x")}
MAX_ARITHMETIC_BASE = 16  # 'x' must never be a digit




def check_arithmetic_base(base: int) -> int:
    """``base`` if it is 2-16, else :class:`InvalidArgument` saying why."""
    if not 2 <= check_base(base) <= MAX_ARITHMETIC_BASE:
        raise InvalidArgument(
            f"arithmetic challenges take bases 2-{MAX_ARITHMETIC_BASE} (so 'x' is never a digit)"
        )
    return base


def digit_at(values: np.ndarray, position: np.ndarray, base: int) -> np.ndarray:
    """Digit ``position`` (0 = least significant) of every number, as int64."""
    return ((values // powers(base, position, values)) % base).astype(np.int64)


def _swap_digits(
    truth: np.ndarray, nd: np.ndarray, distance: int, base: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Swap digit p with digit p + ``distance`` (p random); valid where they differ and no
    leading zero appears. The result changes by ``(high - low) * base**p * (1 - base**distance)``.
    """
    position = rng.integers(0, np.maximum(nd - distance, 1))
    low_digit = digit_at(truth, position, base)
    high_digit = digit_at(truth, position + distance, base)
    delta = (high_digit - low_digit) * powers(base, position, truth)
    wrong = truth + delta - delta * base**distance
    top_becomes_zero = (position + distance + 1 == nd) & (low_digit == 0)
    return wrong, (nd > distance) & (low_digit != high_digit) & ~top_becomes_zero


class EquationLanguage(Language):
    """Strings ``a{op}b=c`` over ``base`` that are (members) or are not (non-members) true."""

    def __init__(
        self, operator: str, base: int, hidden_modulus: int | None = None, band: "Band | None" = None
    ) -> None:
        if operator not in OPERATORS:
            raise InvalidArgument(f"operator must be one of {', '.join(OPERATORS)}, got {operator!r}")
        check_arithmetic_base(base)
        self.operator = operator
        self.base = base
        self.hidden_modulus = hidden_modulus  # version 2: off by Q below the two leading digits
        self.band = band  # version 3: off by Q' x base**p strictly inside the band
        self.alphabet = digit_alphabet(base) + operator + "="

    # --- oracle -----------------------------------------------------------------------------
    def compute(self, a, b):
        """The true result, for ints or arrays alike."""
        return a + b if self.operator == "+" else a * b

    def parse(self, text: str) -> tuple[str, str, str, int, int, int]:
        op = self.operator
        shape = f"a{op}b=c"
        if text == "":
            raise InvalidInput(f"empty string: write an equation {shape}")
        allowed = f"(write {shape} with digits {digit_alphabet(self.base)}, {op!r} and '=')"
        for index, char in enumerate(text):
            if char not in self.alphabet:
                raise foreign_character(char, index + 1, self.base, allowed)
        for symbol in (op, "="):
            count = text.count(symbol)
            if count == 0:
                raise InvalidInput(f"missing {symbol!r} in {text!r}: write {shape}")
            if count > 1:
                second = text.index(symbol, text.index(symbol) + 1)
                raise InvalidInput(
                    f"second {symbol!r} at position {second + 1} of {text!r}: write {shape} "
                    f"with one {symbol!r}"
                )
        op_at, eq_at = text.index(op), text.index("=")
        if eq_at < op_at:
            raise InvalidInput(f"'=' at position {eq_at + 1} comes before {op!r}: write {shape}")
        parts = (text[:op_at], text[op_at + 1 : eq_at], text[eq_at + 1 :])
        offsets = (0, op_at + 1, eq_at + 1)
        for name, part, offset in zip(("first operand", "second operand", "result"), parts, offsets):
            if part == "":
                raise InvalidInput(f"empty {name} in {text!r}: write {shape}")
            validate_digits(part, self.base, what=name, offset=offset)
        a, b, c = (from_base(part, self.base) for part in parts)
        return (*parts, a, b, c)

    def length_of(self, parsed) -> int:
        return max(len(parsed[0]), len(parsed[1]))

    def is_member(self, parsed) -> bool:
        a, b, c = parsed[3:]
        return self.compute(a, b) == c

    def explain(self, parsed) -> str:
        a_text, b_text, c_text, a, b, c = parsed
        op = "+" if self.operator == "+" else "x"
        text = f"{a_text}{self.operator}{b_text}={c_text}"
        truth = self.compute(a, b)
        where = "" if self.base == 10 else f" in base {self.base}"
        true_text = to_base(truth, self.base)
        if truth == c:
            return f"{text} is correct{where}: {a_text} {op} {b_text} = {true_text}"
        return f"{text} is wrong{where}: {a_text} {op} {b_text} = {true_text}, not {c_text}"

    # --- sampler ----------------------------------------------------------------------------
    def split_keys(self, texts: np.ndarray) -> np.ndarray:
        return np.strings.partition(np.asarray(texts, dtype=np.str_), "=")[0]

    def operands(self, length: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``n`` pairs uniform among the pairs whose longer operand has ``length`` digits."""
        _, high = length_bounds(self.base, length)
        low = 0 if length == 1 else self.base ** (length - 1)
        a_parts, b_parts, have = [], [], 0
        while have < n:
            a = uniform_ints(rng, 0, high, n - have + 8)
            b = uniform_ints(rng, 0, high, n - have + 8)
            keep = (a >= low) | (b >= low)
            a_parts.append(a[keep])
            b_parts.append(b[keep])
            have += int(keep.sum())
        a, b = np.concatenate(a_parts)[:n], np.concatenate(b_parts)[:n]
        if not self._result_fits(length):  # results would overflow int64: exact Python ints
            a, b = a.astype(object), b.astype(object)
        return a, b

    def _result_fits(self, length: int) -> bool:
        return fits_int64(self.compute(self.base**length, self.base**length) * self.base)

    def hidden_fits(self, length: int) -> bool:
        """Whether results of operands of ``length`` digits are long enough for an off-by-lcm near
        miss (never within the training lengths: Q has 30 decimal digits, 97 binary ones).

        Version 2: Q below the two leading digits. Version 3: the band fits the shortest result
        of two ``length``-digit operands (``length`` digits for sums, ``2 length - 1`` for products).
        """
        if self.band is not None:
            return self.band.fits(length if self.operator == "+" else 2 * length - 1)
        if self.hidden_modulus is None:
            return False
        return length - 2 >= digit_count(self.hidden_modulus, self.base)

    def _kinds(self, length: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """Each non-member's kind: the six evenly, or off-by-lcm for ``HIDDEN_SHARE`` of them."""
        if not self.hidden_fits(length):  # the same draws as version 1
            return rng.integers(0, len(NEAR_MISS_KINDS), size=n)
        hidden = rng.random(n) < HIDDEN_SHARE
        return np.where(hidden, len(NEAR_MISS_KINDS), rng.integers(0, len(NEAR_MISS_KINDS), size=n))

    def draw(self, length: int, n: int, member: bool, rng: np.random.Generator) -> np.ndarray:
        kinds = None if member else self._kinds(length, n, rng)
        rows = np.arange(n)
        a_all = np.empty(n, dtype=np.int64 if self._result_fits(length) else object)  # see operands
        b_all, r_all = a_all.copy(), a_all.copy()
        for attempt in range(1_000_000):
            if not rows.size:
                break
            if not member and attempt and attempt % 64 == 0:
                # Some kinds cannot occur at all at tiny lengths (no two digits to swap in a
                # one-digit result); after many failures, such rows draw another kind.
                kinds[rows] = self._kinds(length, rows.size, rng)
            a, b = self.operands(length, rows.size, rng)
            truth = self.compute(a, b)
            if member:
                result, ok = truth, np.ones(rows.size, dtype=bool)
            else:
                result, ok = self.near_misses(a, b, truth, kinds[rows], rng)
            done = rows[ok]
            a_all[done], b_all[done], r_all[done] = a[ok], b[ok], result[ok]
            rows = rows[~ok]
        return self.render_equations(a_all, b_all, r_all)

    def render_equations(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        left = np.strings.add(np.strings.add(render(a, self.base), self.operator), render(b, self.base))
        return np.strings.add(np.strings.add(left, "="), render(c, self.base))

    def near_misses(
        self, a: np.ndarray, b: np.ndarray, truth: np.ndarray, kinds: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """A wrong result of the given kind for every problem, and whether it could be made."""
        base = self.base
        n = len(truth)
        wrong = truth.copy()
        ok = np.ones(n, dtype=bool)
        nd = digit_counts(truth, base)
        sign = np.where(rng.random(n) < 0.5, 1, -1)

        k = kinds == NEAR_MISS_KINDS.index("off-by-one")
        wrong[k] = truth[k] + sign[k]
        ok[k] &= truth[k] + sign[k] >= 0

        k = kinds == NEAR_MISS_KINDS.index("off-by-power")
        if k.any():
            step = powers(base, rng.integers(1, nd[k] + 1), truth[k])
            wrong[k] = truth[k] + sign[k] * step
            ok[k] &= wrong[k] >= 0

        k = kinds == NEAR_MISS_KINDS.index("digit-change")
        if k.any():
            position = rng.integers(0, nd[k])
            old = digit_at(truth[k], position, base)
            new = (old + rng.integers(1, base, size=int(k.sum()))) % base
            wrong[k] = truth[k] + (new - old) * powers(base, position, truth[k])
            ok[k] &= ~((position == nd[k] - 1) & (nd[k] > 1) & (new == 0))

        for kind, distance in (("digit-swap", 1), ("jump-swap", 2)):
            k = kinds == NEAR_MISS_KINDS.index(kind)
            if k.any():
                wrong[k], ok[k] = _swap_digits(truth[k], nd[k], distance, base, rng)

        k = kinds == NEAR_MISS_KINDS.index("dropped-carry")
        if k.any():
            dropped, possible = self._dropped_carry(a[k], b[k], rng)
            wrong[k] = truth[k] - dropped
            ok[k] &= possible

        k = kinds == len(NEAR_MISS_KINDS)  # HIDDEN_KIND
        if k.any():
            hide = self._off_by_lcm if self.band is None else self.band.off_by_lcm
            wrong[k], ok[k] = hide(truth[k], nd[k], sign[k], rng)
        return wrong, ok

    def _off_by_lcm(self, truth: np.ndarray, nd: np.ndarray, sign: np.ndarray, rng: np.random.Generator):
        """truth +- Q x base**p, p random below the two leading digits, which must not change:
        same length, same two leading digits, and the same residue modulo every divisor of Q."""
        q = self.hidden_modulus
        room = nd - 2 - digit_count(q, self.base)  # the highest p that leaves the top two alone
        position = rng.integers(0, np.maximum(room, 0) + 1)
        wrong = truth + sign * (powers(self.base, position, truth) * q)
        top = powers(self.base, np.maximum(nd - 2, 0), truth)
        ok = (room >= 0) & (wrong >= 0) & (wrong // top == truth // top)
        return wrong, ok

    def _dropped_carry(self, a: np.ndarray, b: np.ndarray, rng: np.random.Generator):
        """How much one forgotten carry removes from the result, and whether there was one.

        Schoolbook arithmetic adds columns: digit sums for a+b, sums of digit products (the
        partial products of long multiplication) for axb. The carry out of column k stands for
        ``carry * base**(k+1)`` of the result; forgetting it subtracts exactly that.
        """
        base = self.base
        n = len(a)
        width = int(max(digit_counts(a, base).max(), digit_counts(b, base).max()))
        a_digits, b_digits = digits_of(a, base, width), digits_of(b, base, width)
        if self.operator == "+":
            columns = a_digits + b_digits
        else:
            columns = np.zeros((n, 2 * width), dtype=np.int64)
            for shift in range(width):
                columns[:, shift : shift + width] += a_digits * b_digits[:, shift : shift + 1]
        carries = np.zeros_like(columns)
        running = np.zeros(n, dtype=np.int64)
        for column in range(columns.shape[1]):
            running = (columns[:, column] + running) // base
            carries[:, column] = running
        score = np.where(carries > 0, rng.random(carries.shape), -1.0)
        column = score.argmax(axis=1)
        carry = carries[np.arange(n), column]
        amount = carry.astype(object) if a.dtype == object else carry
        return amount * powers(base, column + 1, a), carry > 0

    def enumerate_keys(self, length: int) -> np.ndarray | None:
        _, high = length_bounds(self.base, length)
        low = 0 if length == 1 else self.base ** (length - 1)
        if high * high - low * low > ENUMERATION_LIMIT:
            return None
        a, b = np.meshgrid(np.arange(high), np.arange(high))
        a, b = a.ravel(), b.ravel()
        keep = (a >= low) | (b >= low)
        return np.strings.add(
            np.strings.add(render(a[keep], self.base), self.operator), render(b[keep], self.base)
        )


VERSIONS = (1, 2, 3)
VERSION_2_BASES = (2, 10)


def _language(operator: str, base: int, version: int) -> EquationLanguage:
    """Version 1: six kinds of near miss. 2 (bases 2 and 10): off by Q below the two leading
    digits. 3: off by Q' x base**p inside the band that :class:`Band` defines."""
    if version not in VERSIONS:
        raise InvalidArgument(f"arithmetic challenges have versions 1, 2 and 3, not {version!r}")
    if version == 2 and base not in VERSION_2_BASES:
        raise InvalidArgument(f"version 2 of the arithmetic challenges takes bases 2 and 10, not {base}; "
                              "version 3 (the default) takes bases 2-16")  # fmt: skip
    if version == 1:
        return EquationLanguage(operator, base)
    if version == 2:
        return EquationLanguage(operator, base, hidden_modulus=guard_modulus(operator, base))
    return EquationLanguage(operator, base, band=Band.for_base(operator, check_arithmetic_base(base)))


def _equation_challenge(operator: str, base: int, challenge_id: str | None, version: int) -> Challenge:
    name, _ = OPERATORS[operator]
    language = _language(operator, base, version)
    train_max = default_train_max_length(base)
    beyond = extrapolation_lengths(train_max)
    a, b = (to_base(v, base) for v in (12, 29))
    example = f"{a}{operator}{b}={to_base(language.compute(12, 29), base)}"
    return Challenge(
        id=challenge_id or f"{'add' if operator == '+' else 'mul'}-base{base}",
        description=f"correct {name}s in base {base} ({example}), against near misses",
        language=language,
        family="arithmetic",
        train_lengths=(1, train_max),
        extrapolation_lengths=beyond,
        regular=False,
        version=version,
        parameters=(("operator", operator), ("base", base)),
        # Version 3's claim, measured by benchmarks/shortcut_battery.py; earlier versions make none
        # that holds (issue 29: a modular check and a float check on the top digits beat 0.75).
        shortcut_free_lengths=(tuple(L for L in beyond if language.hidden_fits(L)) if version == 3 else ()),
    )


def addition(base: int, challenge_id: str | None = None, version: int = 3) -> Challenge:
    """The challenge "correct additions a+b=c in ``base``" (bases 2-16). Version 3 (the default):
    off-by-lcm near misses inside a middle band of the result, at the lengths where it fits
    (``shortcut_free_lengths``); 1: the six kinds only; 2: bases 2 and 10, off by Q below the
    two leading digits."""
    return _equation_challenge("+", base, challenge_id, version)


def multiplication(base: int, challenge_id: str | None = None, version: int = 3) -> Challenge:
    """The challenge "correct multiplications axb=c in ``base``" (as :func:`addition`)."""
    return _equation_challenge("x", base, challenge_id, version)

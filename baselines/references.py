"""Hand-built automata: exact references for the regular challenges, and the best finite-state
approximations of the others. Built from a challenge's public facts (family, parameters, base,
alphabet) only -- never from its oracle.

Strings are read most significant digit first. The automata's domain is well-formed strings: they
do not police leading zeros (``"007"`` reads as 7), which is the oracle's business, so that their
state counts are those of the languages of numbers (``Challenge.min_states``).

``fsa``
    Multiples of m in base b: the residue automaton (state r, digit d -> (r*b + d) mod m),
    minimised. It is exact at every length.
``fsa-approx``
    The exact automaton where there is one; otherwise a finite automaton that is right on most
    strings and provably wrong on some:

    * primes -- a *wheel*: accept the numbers coprime to a primorial (2x3x5x7 = 210 by default),
      and the wheel's own primes. The states track the exact value while it is below the primorial
      (so that 0, 1, 2, 3, 5, 7 are judged right) and its residue after that.
    * ``a+b=c`` and ``axb=c`` -- *casting out nines* and its relatives: the equation must hold
      modulo base-1, base+1 and base**k (the last k digits). Each modulus is a genuine DFA over
      the whole alphabet that tracks (a mod m), then (a mod m, b mod m), then
      ((a op b) mod m, c mod m); the approximation is their intersection, evaluated by running
      each DFA (the product automaton, not built: its states would multiply).

>>> from challenges import get_challenge
>>> exact_automaton(get_challenge("div7-base10")).num_states
7
>>> checks = approximation(get_challenge("add-base10"), ApproxConfig()).checks
>>> [(name, dfa.accepts("12+29=14")) for name, dfa in checks]  # 41 with its digits swapped
[('mod 9', True), ('mod 11', False), ('mod 100', False)]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy

from challenges.core import Challenge, Examples
from challenges.errors import DuplicateName, InvalidArgument, NotApplicable
from challenges.numbers import DIGITS

from .automata import DFA, intersection_accepts
from .base import FitReport, Model, register_model
from .configured import ConfiguredModel

# --- automata --------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def residue_automaton(modulus: int, base: int) -> DFA:
    """Minimal DFA of the multiples of ``modulus`` written in ``base``.

    >>> residue_automaton(2, 3).num_states, residue_automaton(4, 10).num_states
    (2, 3)
    """
    residues = np.arange(modulus)[:, None]
    table = (residues * base + np.arange(base)[None, :]) % modulus
    return DFA(table, 0, frozenset({0}), DIGITS[:base]).minimize()


@lru_cache(maxsize=None)
def wheel_automaton(base: int, wheel_primes: tuple[int, ...] = (2, 3, 5, 7)) -> DFA:
    """Minimal DFA accepting the wheel's primes and the numbers > 1 coprime to their product.

    >>> wheel = wheel_automaton(10)
    >>> [n for n in range(30) if wheel.accepts(str(n))]
    [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
    >>> wheel.accepts("121"), wheel.accepts("1001")  # 11 x 11 slips through; 7 x 11 x 13 does not
    (True, False)
    """
    primorial = math.prod(wheel_primes)

    def step(state: tuple[str, int], digit: str) -> tuple[str, int]:
        kind, value = state
        value = value * base + DIGITS.index(digit)
        if kind == "exact" and value < primorial:
            return "exact", value
        return "residue", value % primorial

    def accept(state: tuple[str, int]) -> bool:
        kind, value = state
        if kind == "exact" and value < primorial:  # small enough to judge the value itself
            return value in wheel_primes or (value > 1 and math.gcd(value, primorial) == 1)
        return math.gcd(value, primorial) == 1

    return DFA.explore(DIGITS[:base], ("exact", 0), step, accept).minimize()


@lru_cache(maxsize=None)
def equation_automaton(operator: str, base: int, modulus: int) -> DFA:
    """Minimal DFA of the equations ``a{operator}b=c`` that hold modulo ``modulus``.

    Malformed strings (no operand, a second operator) fall into a dead state.

    >>> mod9 = equation_automaton("+", 10, 9)
    >>> mod9.accepts("12+29=41"), mod9.accepts("12+29=42"), mod9.accepts("12+29=14")
    (True, False, True)
    """
    combine = (lambda a, b: a + b) if operator == "+" else (lambda a, b: a * b)
    digits = DIGITS[:base]
    dead = ("dead",)

    # States: (phase, x, y, seen) -- phase "a": x = a mod m; phase "b": x = a mod m, y = b mod m;
    # phase "c": x = (a op b) mod m, y = c mod m. ``seen``: the current operand has a digit.
    def step(state: tuple, symbol: str) -> tuple:
        if state == dead:
            return dead
        phase, x, y, seen = state
        if symbol in digits:
            value = DIGITS.index(symbol)
            if phase == "a":
                return "a", (x * base + value) % modulus, 0, True
            return phase, x, (y * base + value) % modulus, True
        if phase == "a" and symbol == operator and seen:
            return "b", x, 0, False
        if phase == "b" and symbol == "=" and seen:
            return "c", combine(x, y) % modulus, 0, False
        return dead

    def accept(state: tuple) -> bool:
        return state != dead and state[0] == "c" and state[3] and state[1] == state[2]

    alphabet = digits + operator + "="
    return DFA.explore(alphabet, ("a", 0, 0, False), step, accept).minimize()


# --- what each challenge gets ----------------------------------------------------------------


@dataclass(frozen=True)
class ApproxConfig:
    """Settings of ``fsa-approx``: the wheel's primes, and how many last digits to check.

    ``max_states`` replaces both with the best approximation within a state budget (states of
    the minimal DFA; of the product automaton for several equation checks): the wheel over the
    primes up to the largest P whose wheel fits (:func:`budget_wheel`), and equation checks
    modulo as many moduli as fit (:func:`budget_moduli`). The frontier plot sweeps it.
    """

    wheel_primes: tuple[int, ...] = (2, 3, 5, 7)
    last_digits: int = 2
    max_states: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "wheel_primes", tuple(sorted(set(self.wheel_primes))))
        if not self.wheel_primes or not all(sympy.isprime(p) for p in self.wheel_primes):
            raise InvalidArgument(f"wheel_primes must be primes, got {self.wheel_primes}")
        if math.prod(self.wheel_primes) > 10**6:
            raise InvalidArgument("the wheel's primorial must stay below a million states")
        if not 0 <= self.last_digits <= 3:
            raise InvalidArgument(f"last_digits must be 0-3, got {self.last_digits}")
        if self.max_states is not None and self.max_states < 1:
            raise InvalidArgument(f"max_states must be at least 1, got {self.max_states}")


@dataclass(frozen=True)
class Approximation:
    """A finite-state verdict: a string is accepted when every named check accepts it (every
    string, when there are no checks: the one-state automaton a tiny state budget leaves)."""

    checks: tuple[tuple[str, DFA], ...]
    exact: bool

    def accepts_many(self, texts: np.ndarray) -> np.ndarray:
        return intersection_accepts((dfa for _, dfa in self.checks), texts)

    @property
    def num_states(self) -> int:
        """States of the product automaton (at most; the product is never built)."""
        return math.prod(dfa.num_states for _, dfa in self.checks)


def _parameter(challenge: Challenge, name: str):
    return dict(challenge.parameters)[name]


def _divisibility(challenge: Challenge) -> DFA:
    return residue_automaton(_parameter(challenge, "modulus"), challenge.base)


EXACT_BUILDERS: dict[str, Callable[[Challenge], DFA]] = {"divisibility": _divisibility}


def register_exact_automaton(family: str, build: Callable[[Challenge], DFA]) -> None:
    """Give a regular family (a plugin's) its exact automaton: ``build(challenge)`` -> its DFA.

    Without one, no model can be proven exact on the family's challenges (their records carry
    ``equivalent: null`` and the reason), and ``fsa``, ``rnn-compiled`` and ``explain`` do not
    apply. The automaton is trusted as the reference: each counterexample a proof finds is
    checked against the oracle, but an automaton that is wrong where a model agrees with it is
    not caught here -- test it against the oracle (see docs/plugins.md).
    """
    if family in EXACT_BUILDERS:
        raise DuplicateName(f"the {family} family already has an exact automaton")
    EXACT_BUILDERS[family] = build


def exact_automaton(challenge: Challenge) -> DFA:
    """The minimal DFA of a regular challenge; :class:`NotApplicable` for the others."""
    reason = why_no_exact_automaton(challenge, "fsa")
    if reason:
        raise NotApplicable(reason)
    return EXACT_BUILDERS[challenge.family](challenge)


def why_no_exact_automaton(challenge: Challenge, model_id: str) -> str | None:
    """None if ``challenge`` has an exact automaton, else why ``model_id`` cannot be used."""
    if not challenge.regular:
        return (
            f"{model_id} needs a regular language; {challenge.id} is not regular "
            f"({challenge.description})"
        )
    if challenge.family not in EXACT_BUILDERS:
        return f"{model_id} has no construction for the {challenge.family} family of {challenge.id}"
    return None


def check_moduli(base: int, last_digits: int) -> tuple[int, ...]:
    """base-1, base+1 and base**last_digits, less those that check nothing (1) and repeats.

    >>> check_moduli(10, 2), check_moduli(2, 2)
    ((9, 11, 100), (3, 4))
    """
    candidates = (base - 1, base + 1, base**last_digits if last_digits else 1)
    return tuple(dict.fromkeys(m for m in candidates if m >= 2))


# The wheel stops at 17: the next primorial (9,699,690) is past the million-state bound.
WHEEL_PRIMES = (2, 3, 5, 7, 11, 13, 17)


def budget_wheel(base: int, max_states: int) -> tuple[int, ...]:
    """The primes up to the largest P whose wheel automaton has at most ``max_states`` states.

    No primes at all (accept every number: one state) when not even the wheel of 2 fits.

    >>> budget_wheel(10, 36), budget_wheel(10, 355), budget_wheel(2, 200), budget_wheel(10, 2)
    ((2, 3, 5, 7), (2, 3, 5, 7), (2, 3, 5, 7), ())
    """
    chosen: tuple[int, ...] = ()
    for size in range(1, len(WHEEL_PRIMES) + 1):
        primes = WHEEL_PRIMES[:size]
        # A wheel has at least primorial states (fewer only where a prime divides the base):
        # skip building ones that cannot fit.
        divides_base = math.prod(p for p in primes if base % p == 0)
        if math.prod(primes) // divides_base > max_states:
            break
        if wheel_automaton(base, primes).num_states > max_states:
            break
        chosen = primes
    return chosen


def candidate_moduli(base: int) -> tuple[int, ...]:
    """Equation check moduli in the order a state budget takes them.

    base-1 first (casting out nines: off-by-power and dropped carries), then the smallest prime
    that divides neither the base nor base**2-1: it sees digit swaps and also swaps of two digits
    two places apart, whose error is a multiple of base**2-1 that base-1 and base+1 both miss
    (on add-base10, mod 9 and 7 were 99% right at 1000 digits with 4,485 states, mod 9 and 11
    90% with 10,413). Then base+1, base**2 (the last two digits), the other such primes, base**3.

    >>> candidate_moduli(10)[:6], candidate_moduli(2)[:5]
    ((9, 7, 11, 100, 13, 17), (5, 3, 4, 7, 11))
    """
    blind = base * (base * base - 1)
    primes = [p for p in sympy.primerange(3, 60) if blind % p]
    candidates = [base - 1, primes[0], base + 1, base**2, *primes[1:], base**3]
    return tuple(dict.fromkeys(m for m in candidates if m >= 2))


def budget_moduli(operator: str, base: int, max_states: int) -> tuple[int, ...]:
    """As many moduli of :func:`candidate_moduli`, in order, as fit: the product of their
    automata's states stays within ``max_states``; one that does not fit is skipped. None at
    all (accept every equation: one state) when none fits.

    >>> budget_moduli("+", 10, 10**4), budget_moduli("+", 10, 10**7)
    ((9, 7), (9, 7, 11))
    """
    chosen, states = [], 1
    for modulus in candidate_moduli(base):
        if any(modulus % m == 0 or m % modulus == 0 for m in chosen):
            continue  # a multiple or divisor of a chosen modulus adds (almost) nothing
        if states * modulus > max_states:
            continue  # a check mod m has at least m states: do not build one that cannot fit
        size = equation_automaton(operator, base, modulus).num_states
        if states * size <= max_states:
            chosen.append(modulus)
            states *= size
    return tuple(chosen)


def _primes(challenge: Challenge, config: ApproxConfig) -> Approximation:
    primes = config.wheel_primes
    if config.max_states is not None:
        primes = budget_wheel(challenge.base, config.max_states)
    if not primes:  # a budget too small for any wheel: accept everything, in one state
        return Approximation((), exact=False)
    wheel = wheel_automaton(challenge.base, primes)
    name = "wheel " + "x".join(map(str, primes))
    return Approximation(((name, wheel),), exact=False)


def _equations(challenge: Challenge, config: ApproxConfig) -> Approximation:
    operator = _parameter(challenge, "operator")
    moduli = check_moduli(challenge.base, config.last_digits)
    if config.max_states is not None:
        moduli = budget_moduli(operator, challenge.base, config.max_states)
    checks = tuple((f"mod {m}", equation_automaton(operator, challenge.base, m)) for m in moduli)
    return Approximation(checks, exact=False)


APPROXIMATION_BUILDERS: dict[str, Callable[[Challenge, ApproxConfig], Approximation]] = {
    "primes": _primes,
    "arithmetic": _equations,
}


def approximation(challenge: Challenge, config: ApproxConfig) -> Approximation:
    """The exact automaton where there is one, else the family's finite-state approximation."""
    if why_no_exact_automaton(challenge, "fsa-approx") is None:
        return Approximation((("exact", exact_automaton(challenge)),), exact=True)
    if challenge.family not in APPROXIMATION_BUILDERS:
        raise NotApplicable(_no_approximation(challenge))
    return APPROXIMATION_BUILDERS[challenge.family](challenge, config)


def _no_approximation(challenge: Challenge) -> str:
    return f"fsa-approx has no construction for the {challenge.family} family of {challenge.id}"


# --- models ----------------------------------------------------------------------------------


@register_model
class ExactAutomaton(Model):
    """The minimal DFA of a regular challenge, built by hand: 100% at every length."""

    id = "fsa"
    description = "exact minimal DFA built from the challenge's definition (regular challenges)"
    trainable = False
    knows_rule = True
    kind = "reference"

    def applies_to(self, challenge: Challenge) -> str | None:
        return why_no_exact_automaton(challenge, self.id)

    def fit(self, challenge: Challenge, train: Examples, val: Examples, seed: int) -> FitReport:
        super().fit(challenge, train, val, seed)
        self.dfa = exact_automaton(challenge)
        return FitReport(extra={"states": self.dfa.num_states})

    def predict(self, texts: np.ndarray) -> np.ndarray:
        return self.dfa.run_many(texts)

    def as_dfa(self) -> DFA:
        return self.dfa


@register_model
class ApproximateAutomaton(ConfiguredModel):
    """The best finite-state guess: the exact DFA where there is one, else a wheel (primes) or
    modular checks (equations)."""

    id = "fsa-approx"
    description = (
        "finite-state approximation: exact DFA, prime wheel mod 210, or equation checks "
        "mod base-1, base+1, base**2"
    )
    trainable = False
    knows_rule = True
    kind = "reference"
    Config = ApproxConfig

    def applies_to(self, challenge: Challenge) -> str | None:
        if why_no_exact_automaton(challenge, self.id) is None:
            return None
        return None if challenge.family in APPROXIMATION_BUILDERS else _no_approximation(challenge)

    def fit(self, challenge: Challenge, train: Examples, val: Examples, seed: int) -> FitReport:
        super().fit(challenge, train, val, seed)
        self.approximation = approximation(challenge, self.config)
        states = {name: dfa.num_states for name, dfa in self.approximation.checks}
        product = self.approximation.num_states
        extra = {"exact": self.approximation.exact, "states": states, "product_states": product}
        return FitReport(extra=extra)

    def as_dfa(self) -> DFA | None:
        """The single DFA where the approximation is one (regular challenges), else None."""
        checks = self.approximation.checks
        return checks[0][1] if len(checks) == 1 else None

    def predict(self, texts: np.ndarray) -> np.ndarray:
        return self.approximation.accepts_many(texts)


# --- columns ---------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def carry_automaton(base: int) -> DFA:
    """The schoolbook carry rule as a DFA over aligned columns (see :mod:`baselines.columns`).

    States: carry 0 (accepting), carry 1, and wrong. A column ``(a, b, c)`` read least
    significant first, a blank counting as 0, is right when ``(a + b + carry) mod base == c``;
    the carry becomes ``(a + b + carry) // base``. The reference a learned column automaton is
    proved equivalent to, on well-formed column strings.

    >>> from baselines.columns import EquationAlphabet
    >>> eq = EquationAlphabet.of("0123456789+=")
    >>> carry = carry_automaton(10)
    >>> [carry.accepts(eq.align(np.array([t])).columns[0]) for t in ("12+29=41", "12+29=31")]
    [True, False]
    """
    from .columns import EquationAlphabet

    columns = EquationAlphabet(base, "+").columns
    width = base + 1

    def step(carry: int | None, symbol: str) -> int | None:
        if carry is None:
            return None
        index = ord(symbol) - ord(columns[0])
        a, b, c = (index // (width * width), index // width % width, index % width)
        a, b, c = (0 if t == base else t for t in (a, b, c))  # a blank is a 0
        total = a + b + carry
        return total // base if total % base == c else None

    return DFA.explore(columns, 0, step, lambda carry: carry == 0).minimize()

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

import numpy as np
import sympy

from baselines.automata.dfa import DFA, intersection_accepts
from baselines.base import FitReport, Model, register_model
from baselines.configured import ConfiguredModel
from baselines.references.rule_automata import (
    EXACT_BUILDERS,
    carry_automaton,
    challenge_parameter,
    equation_automaton,
    exact_automaton,
    register_exact_automaton,
    residue_automaton,
    wheel_automaton,
    why_no_exact_automaton,
)
from challenges.core import Challenge, Examples
from challenges.errors import InvalidArgument, NotApplicable

# The automata the references are built on live in baselines.references.rule_automata; named here too,
# where callers (plugins, notebooks) have long found them.
__all__ = [
    "EXACT_BUILDERS",
    "ApproxConfig",
    "ApproximateAutomaton",
    "Approximation",
    "ExactAutomaton",
    "approximation",
    "carry_automaton",
    "exact_automaton",
    "register_exact_automaton",
    "residue_automaton",
    "wheel_automaton",
    "why_no_exact_automaton",
]


@dataclass(frozen=True)
class ApproxConfig:
    """Settings of ``fsa-approx``: the wheel's primes, and how many last digits to check.

    ``max_states`` replaces both with the best approximation within a state budget (states of
    the minimal DFA; of the product automaton for several equation checks): the wheel over the
    primes up to the largest P whose wheel fits (:func:`budget_wheel`), and the equation checks
    within the budget that are most accurate on the validation split (:func:`search_moduli`).
    The frontier plot sweeps it.
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


CANDIDATE_MODULI = range(2, 101)  # beyond 100 a check prime to the base has over 20,000 states
# Prime powers above this are not built (the unminimised machine has 4m**2 states); none of them
# fits in 10,000 states (the checks modulo 128, 243 and 125 in base 10 take 21,506, 13,611, 16,877).
LARGEST_BUILT_POWER = 256


def prime_check_states(operator: str, base: int, prime: int) -> int:
    """States of the check modulo a prime that divides neither base nor base-1, in closed form:
    2p**2 + 2p + 3 for sums, 2p**2 + p + 4 for products (tested against the built automata).
    It grows with p, so past the first such prime that does not fit, none does.

    >>> prime_check_states("+", 10, 13), prime_check_states("x", 10, 13)
    (367, 355)
    """
    return 2 * prime * prime + (2 * prime + 3 if operator == "+" else prime + 4)


def fitting_prime_powers(operator: str, base: int, max_states: int) -> tuple[int, ...]:
    """The highest power of each prime whose equation check fits in ``max_states`` states.

    Every modulus whose check fits is a product of these (a check modulo m has at least the
    states of the check modulo any prime power dividing m: tested up to m = 60), so near misses
    that differ from the truth by a multiple of their product pass every check within the budget.

    >>> fitting_prime_powers("+", 10, 400)
    (8, 27, 5, 7, 11, 13)
    """
    powers = []
    for prime in sympy.primerange(2, 10**6):
        ordinary = (base * (base - 1)) % prime != 0
        if ordinary and prime_check_states(operator, base, prime) > max_states:
            break
        power = 1
        while (power * prime <= LARGEST_BUILT_POWER
               and equation_automaton(operator, base, power * prime).num_states <= max_states):  # fmt: skip
            power *= prime
        if power > 1:
            powers.append(power)
    return tuple(powers)


def search_moduli(operator: str, base: int, max_states: int, val: Examples) -> tuple[int, ...]:
    """The equation checks within ``max_states`` states that are most accurate on ``val``.

    Candidates: one check modulo m (``CANDIDATE_MODULI``) or two whose product automaton fits,
    then further checks added one at a time while they fit and raise validation accuracy. Ties go
    to fewer states. No check at all (accept every equation: one state) when none fits or none
    beats accepting everything. Chosen on the validation split only, never on test.
    """
    if len(val) == 0:
        raise InvalidArgument("fsa-approx with max_states chooses its checks on validation examples: none")
    sizes = {m: equation_automaton(operator, base, m).num_states for m in CANDIDATE_MODULI if m <= max_states}
    sizes = {m: size for m, size in sizes.items() if size <= max_states}
    accepted = {m: equation_automaton(operator, base, m).run_many(val.texts) for m in sizes}
    labels = np.asarray(val.labels, dtype=bool)

    def score(moduli: tuple[int, ...]) -> tuple[float, int]:
        verdict = np.logical_and.reduce([accepted[m] for m in moduli]) if moduli else np.ones_like(labels)
        return float((verdict == labels).mean()), -math.prod(sizes[m] for m in moduli)

    options = [(m,) for m in sizes]
    options += [(m, k) for m in sizes for k in sizes if m < k and math.gcd(m, k) not in (m, k)
                and sizes[m] * sizes[k] <= max_states]  # fmt: skip
    best = max([(), *options], key=score)
    while True:
        states = -score(best)[1]
        wider = [(*best, m) for m in sizes if m not in best and states * sizes[m] <= max_states]
        better = [option for option in wider if score(option)[0] > score(best)[0]]
        if not better:
            return best
        best = max(better, key=score)


def _primes(challenge: Challenge, config: ApproxConfig, val: Examples) -> Approximation:
    primes = config.wheel_primes
    if config.max_states is not None:
        primes = budget_wheel(challenge.base, config.max_states)
    if not primes:  # a budget too small for any wheel: accept everything, in one state
        return Approximation((), exact=False)
    wheel = wheel_automaton(challenge.base, primes)
    name = "wheel " + "x".join(map(str, primes))
    return Approximation(((name, wheel),), exact=False)


def _equations(challenge: Challenge, config: ApproxConfig, val: Examples) -> Approximation:
    operator = challenge_parameter(challenge, "operator")
    moduli = check_moduli(challenge.base, config.last_digits)
    if config.max_states is not None:
        moduli = search_moduli(operator, challenge.base, config.max_states, val)
    checks = tuple((f"mod {m}", equation_automaton(operator, challenge.base, m)) for m in moduli)
    return Approximation(checks, exact=False)


_NO_VAL = Examples(np.array([], dtype=np.str_), np.array([], dtype=bool), np.array([], dtype=np.int64), "val")

APPROXIMATION_BUILDERS: dict[str, Callable[[Challenge, ApproxConfig, Examples], Approximation]] = {
    "primes": _primes,
    "arithmetic": _equations,
}


def approximation(challenge: Challenge, config: ApproxConfig, val: Examples | None = None) -> Approximation:
    """The exact automaton where there is one, else the family's finite-state approximation
    (with a state budget, equation checks are chosen on ``val``)."""
    if why_no_exact_automaton(challenge, "fsa-approx") is None:
        return Approximation((("exact", exact_automaton(challenge)),), exact=True)
    if challenge.family not in APPROXIMATION_BUILDERS:
        raise NotApplicable(_no_approximation(challenge))
    return APPROXIMATION_BUILDERS[challenge.family](challenge, config, val if val is not None else _NO_VAL)


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
        self.approximation = approximation(challenge, self.config, val)
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

"""The automata a rule builds, by hand: exact references for the regular challenges.

Built from a challenge's public facts (family, parameters, base) only -- never from its oracle.
Strings are read most significant digit first. The automata's domain is well-formed strings: they
do not police leading zeros (``"007"`` reads as 7), which is the oracle's business, so that their
state counts are those of the languages of numbers (``Challenge.min_states``).

The models built on them (``fsa``, ``fsa-approx``) are in :mod:`baselines.references.fsa`; the proofs
(:mod:`baselines.automata.exactness`) compare a learned automaton with them. Apart from the models so that
a proof needs no model, and the model protocol no proof.

>>> from challenges import get_challenge
>>> exact_automaton(get_challenge("div7-base10")).num_states
7
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from baselines.automata.dfa import DFA
from baselines.structured.column_encoding import EquationAlphabet
from challenges.core import Challenge
from challenges.errors import DuplicateName, NotApplicable
from challenges.numbers import DIGITS


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
    # The full machine as one table, built with numpy (checks of up to a few hundred moduli are
    # built when a state budget is searched), then minimised. States: 0 dead; phase "a" (reading
    # a): a mod m; phase "b": (a mod m, b mod m); phase "c": ((a op b) mod m, c mod m); each phase
    # twice, before and after its operand's first digit (an empty operand is malformed).
    m = modulus
    phase_a, phase_b = 1, 1 + 2 * m
    phase_c = phase_b + 2 * m * m
    table = np.zeros((phase_c + 2 * m * m, base + 2), dtype=np.intp)  # digits, operator, "="
    residue, digits = np.arange(m), np.arange(base)
    for seen in (0, 1):
        rows = phase_a + seen * m + residue
        table[rows, :base] = phase_a + m + (residue[:, None] * base + digits) % m
        if seen:
            table[rows, base] = phase_b + residue * m  # the operator: on to b = 0, no digit yet
    x, y = np.divmod(np.arange(m * m), m)
    combined = (x + y) % m if operator == "+" else (x * y) % m
    for phase in (phase_b, phase_c):
        for seen in (0, 1):
            rows = phase + seen * m * m + x * m + y
            table[rows, :base] = phase + m * m + x[:, None] * m + (y[:, None] * base + digits) % m
            if seen and phase == phase_b:
                table[rows, base + 1] = phase_c + combined * m  # "=": on to c = 0, no digit yet
    accepting = np.zeros(len(table), dtype=bool)
    accepting[phase_c + m * m + residue * m + residue] = True  # c has a digit, and c = a op b
    return DFA(table, phase_a, accepting, DIGITS[:base] + operator + "=").minimize()


# --- what each challenge gets ----------------------------------------------------------------


def challenge_parameter(challenge: Challenge, name: str):  # noqa: ANN201 - an int or a str
    """One of the challenge's public parameters (``modulus``, ``operator``), by name."""
    return dict(challenge.parameters)[name]


def _divisibility(challenge: Challenge) -> DFA:
    return residue_automaton(challenge_parameter(challenge, "modulus"), challenge.base)


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


@lru_cache(maxsize=None)
def carry_automaton(base: int) -> DFA:
    """The schoolbook carry rule as a DFA over aligned columns (:mod:`baselines.structured.column_automaton`).

    States: carry 0 (accepting), carry 1, and wrong. A column ``(a, b, c)`` read least
    significant first, a blank counting as 0, is right when ``(a + b + carry) mod base == c``;
    the carry becomes ``(a + b + carry) // base``. The reference a learned column automaton is
    proved equivalent to, on well-formed column strings.

    >>> from baselines.structured.column_encoding import EquationAlphabet
    >>> eq = EquationAlphabet.of("0123456789+=")
    >>> carry = carry_automaton(10)
    >>> [carry.accepts(eq.align(np.array([t])).columns[0]) for t in ("12+29=41", "12+29=31")]
    [True, False]
    """
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

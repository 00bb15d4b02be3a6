"""Proven exactness: does a model's automaton accept exactly the challenge's well-formed members?

Sampled accuracy can only bound how often a model errs (100 right of 100 is compatible with 96%).
For a model whose final form is a DFA -- a hardened soft automaton, RPNI, EDSM, a reference --
the truth is decidable: compare it with the challenge's minimal DFA on every string the challenge
could ask about. What a learned automaton says about "007" is no error when "007" is never a
question, so the comparison is restricted to well-formed inputs (no leading zeros, not empty).

>>> from challenges import get_challenge
>>> from baselines.references import residue_automaton
>>> div3 = get_challenge("div3-base10")
>>> prove(residue_automaton(3, 10), div3)
Exactness(equivalent=True, counterexample=None, states=3, note=None)
>>> prove(residue_automaton(9, 10), div3).counterexample  # the shortest number they disagree on
'3'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from challenges.core import Challenge

from .automata import DFA
from .references import exact_automaton, why_no_exact_automaton


@dataclass(frozen=True)
class Exactness:
    """The verdict of comparing a model's DFA with the challenge's minimal DFA.

    ``equivalent`` is True (proven exact), False (proven not: ``counterexample`` is the shortest
    well-formed string they disagree on, or the language is not regular at all), or None when
    the challenge has no reference automaton to compare with (``note`` says why).
    """

    equivalent: bool | None
    counterexample: str | None
    states: int  # states of the model's automaton once minimised
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def well_formed_numbers(alphabet: str) -> DFA:
    """The DFA of numbers written without leading zeros ("0" alone is zero), over ``alphabet``.

    >>> numbers = well_formed_numbers("012")
    >>> numbers.run_many(np.array(["0", "10", "01", "", "2"])).tolist()
    [True, True, False, False, True]
    """
    start, zero, number, dead = range(4)
    table = np.full((4, len(alphabet)), dead)
    table[start] = number
    table[start, alphabet.index("0")] = zero
    table[number] = number
    return DFA(table, start, frozenset({zero, number}), alphabet)


def prove(dfa: DFA, challenge: Challenge) -> Exactness:
    """Compare ``dfa`` with ``challenge``'s minimal DFA on every well-formed input."""
    states = dfa.minimize().num_states
    if not challenge.regular:
        return Exactness(False, None, states, f"{challenge.id} is not regular: no finite automaton is exact")
    reason = why_no_exact_automaton(challenge, "exactness proof")
    if reason is not None:
        return Exactness(None, None, states, reason)
    reference = exact_automaton(challenge)
    counterexample = dfa.equivalent(reference, within=well_formed_numbers(challenge.alphabet))
    return Exactness(counterexample is None, counterexample, states)

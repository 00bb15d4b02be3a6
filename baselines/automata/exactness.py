"""Proven exactness: does a model's automaton accept exactly the challenge's well-formed members?

Sampled accuracy can only bound how often a model errs (100 right of 100 is compatible with 96%).
For a model whose final form is a DFA -- a hardened soft automaton, RPNI, EDSM, a reference --
the truth is decidable: compare it with the challenge's minimal DFA on every string the challenge
could ask about. What a learned automaton says about "007" is no error when "007" is never a
question, so the comparison is restricted to well-formed inputs (no leading zeros, not empty).

>>> from challenges import get_challenge
>>> from baselines.references.fsa import residue_automaton
>>> div3 = get_challenge("div3-base10")
>>> prove(residue_automaton(3, 10), div3)
Exactness(equivalent=True, counterexample=None, states=3, note=None)
>>> prove(residue_automaton(9, 10), div3).counterexample  # the shortest number they disagree on
'3'

A counterexample is checked against the challenge's oracle before it is reported: if the oracle
agrees with the model on it, the reference automaton (or the comparison) is wrong, and the proof
fails loudly with :class:`ProofError` rather than record a model as inexact on a string it gets
right (the runner records the cell as failed, with that reason).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from baselines.automata.dfa import DFA
from baselines.references.rule_automata import exact_automaton, why_no_exact_automaton
from challenges.cache import cached_sample
from challenges.core import SPLITS, Challenge
from challenges.evaluate import EVAL_SEED
from challenges.splits import classes_available


class ProofError(RuntimeError):
    """An internal error: the proof contradicts the oracle. Not a user's mistake, so not a
    :class:`~challenges.errors.ChallengeError`: the cell fails with this reason and a traceback."""


@dataclass(frozen=True)
class Exactness:
    """The verdict of comparing a model's DFA with the challenge's minimal DFA.

    ``equivalent`` is True (proven exact), False (proven not: ``counterexample`` is the shortest
    well-formed string they disagree on, or, without a reference automaton, a sampled string the
    oracle answers otherwise), or None: not provable, no reference automaton to compare with and
    no counterexample found (``note`` says why). False always comes with its counterexample.
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


SEARCHED_PER_LENGTH = 256  # strings per training length searched for a counterexample (no reference)


def prove(dfa: DFA, challenge: Challenge) -> Exactness:
    """Compare ``dfa`` with ``challenge``'s minimal DFA on every well-formed input.

    Without a reference automaton -- a challenge that is not regular, or says it is not, or has no
    construction -- nothing is proven from the challenge's declared facts: ``dfa`` is run on
    sampled strings of every training length (:data:`SEARCHED_PER_LENGTH` each, shortest first),
    and the first string on which the oracle says otherwise is a counterexample (a proof of
    inexactness); where there is none, the verdict is None, "not provable", and the note says why.

    >>> from challenges import get_challenge
    >>> from baselines.references.fsa import residue_automaton
    >>> verdict = prove(residue_automaton(3, 2), get_challenge("prime-base2"))
    >>> verdict.equivalent, verdict.counterexample
    (False, '110')
    """
    states = dfa.minimize().num_states
    reason = why_no_exact_automaton(challenge, "exactness proof")
    if reason is not None:
        return _without_reference(dfa, challenge, states, reason)
    reference = exact_automaton(challenge)
    counterexample = dfa.equivalent(reference, within=well_formed_numbers(challenge.alphabet))
    if counterexample is not None:
        check_counterexample(dfa, challenge, counterexample)
    return Exactness(counterexample is None, counterexample, states)


def _without_reference(dfa: DFA, challenge: Challenge, states: int, reason: str) -> Exactness:
    """The verdict where no reference automaton exists: a sampled counterexample, or none."""
    low, high = 1, challenge.max_train_length
    for length in range(low, high + 1):
        for split in (s for s in SPLITS if all(classes_available(challenge, s, length))):
            texts = cached_sample(challenge, split, SEARCHED_PER_LENGTH, EVAL_SEED, length=length).texts
            for text, answer in zip(texts.tolist(), dfa.run_many(texts).tolist()):
                if bool(challenge.is_member(text)) != bool(answer):  # the oracle decides, not the sample
                    why = f"no reference automaton ({reason}); the counterexample is the first sampled "
                    return Exactness(False, text, states, why + "string the oracle answers otherwise")
    searched = f"{SEARCHED_PER_LENGTH} sampled strings of each split at each length {low}-{high}"
    return Exactness(None, None, states, f"not provable: no reference automaton ({reason}), and the "
                     f"oracle agrees with the automaton on {searched}")


def check_counterexample(dfa: DFA, challenge: Challenge, counterexample: str) -> None:
    """Raise :class:`ProofError` unless the oracle and ``dfa`` disagree on ``counterexample``.

    The reference automaton is built from the rule, the oracle computes it: a counterexample
    they do not both confirm would report a right answer as an error.

    >>> from challenges import get_challenge
    >>> from baselines.references.fsa import residue_automaton
    >>> check_counterexample(residue_automaton(9, 10), get_challenge("div3-base10"), "3")  # 3 is one
    >>> try:
    ...     check_counterexample(residue_automaton(3, 10), get_challenge("div3-base10"), "3")
    ... except ProofError as error:
    ...     print(str(error)[:63])
    div3-base10: the proof's counterexample '3' is none: the oracle
    """
    truth = bool(challenge.is_member(counterexample))
    said = bool(dfa.run_many(np.array([counterexample]))[0])
    if truth == said:
        verdict = "member" if truth else "non-member"
        raise ProofError(
            f"{challenge.id}: the proof's counterexample {counterexample!r} is none: the oracle and "
            f"the model both say {verdict} (the reference automaton disagrees with the oracle)"
        )

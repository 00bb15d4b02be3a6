"""The DFA type: minimisation, equivalence, and every way of running one agrees with the oracle."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from baselines.automata.dfa import DFA, intersection_accepts
from baselines.references.fsa import exact_automaton, residue_automaton
from challenges import get_challenge
from challenges.errors import InvalidArgument, InvalidInput
from challenges.numbers import render

REGULAR = ("even-base3", "div3-base10", "div9-base10", "div7-base10", "div29-base10")
# Exhaustive up to this many digits: a million numbers in base 10, 3**10 in base 3.
EXHAUSTIVE_DIGITS = {"even-base3": 10, "div3-base10": 6, "div9-base10": 6, "div7-base10": 6,
                     "div29-base10": 6}  # fmt: skip


def random_strings(rng: np.random.Generator, alphabet: str, lengths) -> np.ndarray:
    return np.array(["".join(rng.choice(list(alphabet), size=n)) for n in lengths], dtype=np.str_)


def redundant_residue_automaton(modulus: int, factor: int, junk: int) -> DFA:
    """Multiples of ``modulus`` in base 10, tracking the residue mod ``modulus * factor`` (so
    states repeat) and followed by ``junk`` unreachable states."""
    size = modulus * factor
    table = (np.arange(size)[:, None] * 10 + np.arange(10)[None, :]) % size
    unreachable = np.zeros((junk, 10), dtype=int)
    accepting = np.r_[np.arange(size) % modulus == 0, np.ones(junk, dtype=bool)]
    return DFA(np.vstack([table, unreachable]), 0, accepting, "0123456789")


@pytest.mark.parametrize("challenge_id", REGULAR)
def test_minimal_automaton_has_the_stated_state_count(challenge_id):
    challenge = get_challenge(challenge_id)
    assert exact_automaton(challenge).num_states == challenge.min_states


@pytest.mark.parametrize("modulus", [3, 7, 29])
def test_minimize_merges_repeated_states_and_drops_unreachable_ones(modulus):
    redundant = redundant_residue_automaton(modulus, factor=4, junk=5)
    minimal = redundant.minimize()
    assert minimal.num_states == modulus
    assert redundant.equivalent(minimal) is None
    # Numbered canonically: the same language built two ways gives the same table.
    assert np.array_equal(minimal.transitions, residue_automaton(modulus, 10).transitions)


@pytest.mark.parametrize("challenge_id", REGULAR)
def test_every_pair_of_states_is_distinguishable(challenge_id):
    dfa = exact_automaton(get_challenge(challenge_id))
    for p, q in itertools.combinations(range(dfa.num_states), 2):
        witness = dfa.with_start(p).equivalent(dfa.with_start(q))
        assert witness is not None, f"states {p} and {q} accept the same strings"
        assert dfa.with_start(p).accepts(witness) != dfa.with_start(q).accepts(witness)


@pytest.mark.parametrize("challenge_id", REGULAR)
def test_agrees_with_the_oracle_on_every_short_number(challenge_id):
    challenge = get_challenge(challenge_id)
    digits = EXHAUSTIVE_DIGITS[challenge_id]
    texts = render(np.arange(challenge.base**digits), challenge.base)
    assert np.array_equal(exact_automaton(challenge).run_many(texts), challenge.label(texts))


def test_equivalence_returns_the_shortest_counterexample():
    right = residue_automaton(7, 10)
    table = right.transitions.copy()
    table[3, 5] = (table[3, 5] + 1) % 7  # reading 5 in residue 3 now goes astray
    wrong = DFA(table, right.start, right.accepting, right.alphabet)
    witness = wrong.equivalent(right)
    assert witness is not None and wrong.accepts(witness) != right.accepts(witness)
    shorter = ("".join(s) for n in range(len(witness)) for s in itertools.product("0123456789", repeat=n))
    assert all(wrong.accepts(s) == right.accepts(s) for s in shorter)


def test_equivalence_of_the_empty_string_and_of_different_alphabets():
    accept_all = DFA(np.array([[0, 0]]), 0, frozenset({0}), "ab")
    reject_all = DFA(np.array([[0, 0]]), 0, frozenset(), "ab")
    assert accept_all.equivalent(reject_all) == ""
    with pytest.raises(InvalidArgument):
        accept_all.equivalent(DFA(np.array([[0]]), 0, frozenset({0}), "a"))


@pytest.mark.parametrize("modulus", [2, 7, 29, 97])  # 97: more states than the chunked path takes
def test_chunked_composition_equals_the_loop_on_long_strings(modulus):
    dfa = residue_automaton(modulus, 10)
    rng = np.random.default_rng(modulus)
    for text in random_strings(rng, dfa.alphabet, [1, 4095, 4096 * 3 + 7, 50_000]).tolist():
        expected = dfa.final_state_loop(text)
        assert dfa.final_state(text) == expected
        for chunk in (1, 100, 1024):
            assert dfa.final_state_chunked(text, chunk) == expected


def test_run_many_handles_mixed_lengths_and_the_empty_string():
    dfa = residue_automaton(7, 10)
    rng = np.random.default_rng(0)
    texts = np.r_[np.array([""]), random_strings(rng, dfa.alphabet, rng.integers(1, 300, size=200))]
    expected = [dfa.accepting[dfa.final_state_loop(t)] for t in texts.tolist()]
    assert dfa.run_many(texts).tolist() == expected
    assert dfa.run_many(texts[1:]).tolist() == [int(t) % 7 == 0 for t in texts[1:].tolist()]


@pytest.mark.parametrize("text", ["12a4", "12 4", "١٢", "1\x002"])
def test_characters_outside_the_alphabet_raise(text):
    dfa = residue_automaton(7, 10)
    with pytest.raises(InvalidInput, match="not in the"):
        dfa.run_many(np.array(["343", text]))
    with pytest.raises(InvalidInput, match="not in the"):
        dfa.accepts(text)


def test_malformed_tables_are_refused():
    with pytest.raises(InvalidArgument):
        DFA(np.array([[0, 1]]), 0, frozenset(), "ab")  # state 1 does not exist
    with pytest.raises(InvalidArgument):
        DFA(np.array([[0]]), 0, frozenset(), "ab")  # one column for two symbols


def test_intersection_accepts_what_every_automaton_accepts():
    texts = render(np.arange(1000), 10)
    both = intersection_accepts([residue_automaton(3, 10), residue_automaton(7, 10)], texts)
    assert np.array_equal(both, np.arange(1000) % 21 == 0)

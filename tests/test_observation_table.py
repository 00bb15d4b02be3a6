"""Reading an automaton off an oracle with an observation table, from in-range queries only."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines.automata.dfa import DFA
from baselines.automata.dfa_tables import run_table
from baselines.automata.observation_table import AutomatonOracle, _rows, observation_table_automaton
from baselines.references.fsa import exact_automaton, residue_automaton
from baselines.training.encoding import encode
from challenges import get_challenge
from challenges.evaluate import evaluation_set


def table_oracle(dfa: DFA):
    """An oracle answering like ``dfa`` that records the longest string it was asked about."""
    assert dfa.start == 0, "run_table starts in state 0"
    table = torch.tensor(dfa.transitions, dtype=torch.int64)
    accepting = torch.tensor(dfa.accepting)
    asked = {"longest": 0}

    def oracle(ids: torch.Tensor) -> torch.Tensor:
        asked["longest"] = max(asked["longest"], int((ids != dfa.transitions.shape[1]).sum(1).max()))
        return run_table(table, accepting, ids)

    return oracle, asked


def read_off(challenge_id: str, oracle, n: int = 20_000) -> DFA:
    challenge = get_challenge(challenge_id)
    train = challenge.sample("train", n, seed=0)
    ids = encode(train.texts, challenge.alphabet).ids
    table, accepting = observation_table_automaton(oracle, ids, len(challenge.alphabet), ids.shape[1])
    return DFA(table.numpy(), 0, accepting.numpy(), challenge.alphabet)


@pytest.mark.parametrize("challenge_id", ["div3-base10", "div7-base10", "div29-base10", "even-base3"])
def test_an_exact_oracle_gives_an_automaton_exact_far_beyond_the_queries(challenge_id):
    challenge = get_challenge(challenge_id)
    oracle, asked = table_oracle(exact_automaton(challenge))
    read = read_off(challenge_id, oracle)
    assert asked["longest"] <= challenge.train_lengths[1]  # never asked beyond training lengths
    for length in (12, 100, 1000):
        test = evaluation_set(challenge, length, 200)
        assert read.run_many(test.texts).tolist() == test.labels.tolist()
    # The residues, plus at most the start state, the number 0 and a sink for unseen transitions.
    assert challenge.min_states <= read.minimize().num_states <= challenge.min_states + 3


def test_an_oracle_wrong_only_beyond_the_training_lengths_is_repaired():
    """A 'drifting' automaton: residues mod 29 for 6 digits, then a different rule on the 7th."""
    residues = residue_automaton(29, 10)
    states = residues.num_states
    # Copy the residue automaton per depth 0..6; from depth 6 on, digits are read mod 7 instead.
    depth_copies = 7
    table = np.zeros((states * depth_copies, 10), dtype=np.int64)
    for depth in range(depth_copies):
        for state in range(states):
            target_depth = min(depth + 1, depth_copies - 1)
            for digit in range(10):
                target = residues.transitions[state, digit] if depth < 6 else (state + digit) % states
                table[depth * states + state, digit] = target_depth * states + target
    accepting = np.tile(residues.accepting, depth_copies)
    drifting = DFA(table, residues.start, accepting, residues.alphabet)
    challenge = get_challenge("div29-base10")
    long_test = evaluation_set(challenge, 100, 200)
    assert (drifting.run_many(long_test.texts) == long_test.labels).mean() < 0.7

    oracle, _ = table_oracle(drifting)
    read = read_off("div29-base10", oracle)
    assert read.run_many(long_test.texts).tolist() == long_test.labels.tolist()
    assert read.minimize().num_states < drifting.minimize().num_states


def test_symbols_no_training_prefix_starts_with_lead_to_a_rejecting_sink():
    words = np.array(["a", "ab", "abb"])  # no string starts with "b"
    oracle = lambda ids: torch.ones(len(ids), dtype=torch.bool)  # noqa: E731 -- accepts everything
    table, accepting = observation_table_automaton(oracle, encode(words, "ab").ids, 2, 3)
    sink = len(table) - 1
    assert table[0, 1] == sink and not accepting[sink]
    assert table[sink].tolist() == [sink, sink]


def test_a_table_that_needs_more_states_than_allowed_gives_none():
    challenge = get_challenge("div29-base10")
    oracle, _ = table_oracle(exact_automaton(challenge))
    ids = encode(challenge.sample("train", 5000, seed=0).texts, challenge.alphabet).ids
    assert observation_table_automaton(oracle, ids, 10, ids.shape[1], max_states=20) is None
    assert observation_table_automaton(oracle, ids, 10, ids.shape[1], max_states=40) is not None


def test_the_automaton_oracle_fills_the_same_table_as_asking_string_by_string():
    rng = np.random.default_rng(0)
    table = torch.from_numpy(rng.integers(0, 6, size=(6, 3)))
    accepting = torch.from_numpy(rng.random(6) < 0.5)
    fast = AutomatonOracle(table, accepting)
    prefixes = encode(np.array(["a", "ab", "cab", "bbc"]), "abc").ids
    suffixes = encode(np.array(["", "c", "ba", "abc", "cc"]), "abc").ids
    slow = _rows(lambda ids: run_table(table, accepting, ids), prefixes, suffixes, 3)
    assert torch.equal(fast.rows(prefixes, suffixes), slow)
    assert slow.shape == (4, 5) and slow.dtype == torch.bool

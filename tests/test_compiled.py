"""rnn-compiled: a DFA in the weights of a recurrent network agrees with the DFA everywhere."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import baselines
from baselines.references.compiled import CONSTRUCTIONS, compile_dfa, network_inputs, run_network
from baselines.references.fsa import exact_automaton
from challenges import get_challenge
from challenges.evaluate import score

REGULAR = ("even-base3", "div3-base10", "div9-base10", "div7-base10", "div29-base10")


def random_strings(rng: np.random.Generator, alphabet: str, lengths) -> np.ndarray:
    return np.array(["".join(rng.choice(list(alphabet), size=n)) for n in lengths], dtype=np.str_)


@pytest.mark.parametrize("construction", CONSTRUCTIONS)
@pytest.mark.parametrize("challenge_id", REGULAR)
def test_compiled_network_agrees_with_the_dfa(challenge_id, construction):
    dfa = exact_automaton(get_challenge(challenge_id))
    network = compile_dfa(dfa, construction)
    rng = np.random.default_rng(0)
    lengths = np.r_[rng.integers(1, 60, size=300), rng.integers(100, 1000, size=8), np.full(8, 1000)]
    texts = random_strings(rng, dfa.alphabet, lengths)
    assert np.array_equal(run_network(network, dfa, texts), dfa.run_many(texts))


@pytest.mark.parametrize("construction", CONSTRUCTIONS)
def test_hidden_state_stays_exactly_one_hot_over_a_thousand_steps(construction):
    dfa = exact_automaton(get_challenge("div29-base10"))
    network = compile_dfa(dfa, construction)
    texts = random_strings(np.random.default_rng(1), dfa.alphabet, [1000] * 8)
    hidden = network.final_hidden(*network_inputs(dfa, texts))
    assert torch.all((hidden == 0) | (hidden == 1)) and torch.all(hidden.sum(1) == 1)


def test_hidden_sizes_follow_the_constructions():
    dfa = exact_automaton(get_challenge("div7-base10"))  # 7 states, 10 symbols
    assert compile_dfa(dfa, "second-order").hidden_size == 7
    assert compile_dfa(dfa, "first-order").hidden_size == 70


@pytest.mark.parametrize("challenge_id", REGULAR)
def test_rnn_compiled_scores_perfectly_up_to_a_thousand_digits(challenge_id):
    challenge = get_challenge(challenge_id)
    model = baselines.create_model("rnn-compiled")
    assert model.applies_to(challenge) is None
    model.fit(challenge, None, None, seed=0)
    metrics = score(model.predict, challenge, lengths=[challenge.max_train_length, 100, 1000], n=30)
    assert [m.accuracy for m in metrics] == [1.0, 1.0, 1.0]


def test_rnn_compiled_refuses_non_regular_challenges():
    reason = baselines.create_model("rnn-compiled").applies_to(get_challenge("prime-base10"))
    assert reason.startswith("rnn-compiled needs a regular language")

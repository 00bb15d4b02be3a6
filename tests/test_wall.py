"""The information wall, proven exactness and the classical learners (issue: fair contestants).

A learner sees the alphabet, the training lengths and labelled strings -- never the oracle, the
minimal state count, the ``regular`` flag or the test lengths -- so its figures cannot change
when those facts do. A model whose final form is a DFA is proven exact or given the shortest
counterexample, and the oracle confirms the counterexample.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest

import baselines
from baselines.automata.exactness import prove, well_formed_numbers
from baselines.base import BudgetExceeded, FitReport, Model, register_model, task_for
from baselines.classical.grammatical import EDSM, RPNI, PrefixTreeSizes, StateMergingConfig, aalpy_to_dfa
from baselines.references.fsa import residue_automaton
from challenges import LearnerView, get_challenge
from hofstadter.experiment import run_experiment
from hofstadter.profiles import PROFILES

SMOKE = PROFILES["smoke"]
DIV3 = get_challenge("div3-base10")


def _without_facts(challenge):
    """The same strings and oracle, with every fact a learner must not read changed."""
    return dataclasses.replace(
        challenge, description="?", min_states=999, regular=False, extrapolation_lengths=(12, 30),
        parameters=(("modulus", 5),),
    )  # fmt: skip


@pytest.mark.parametrize(
    "model_id",
    ["gru", "sr-gru", "sr-so-gru", "stack-rnn", "tape-rnn", "soft-automaton", "linear-rnn", "neural-select",
     "place-attention", "rpni", "majority", "last-digits"],  # fmt: skip
)
def test_a_learners_results_do_not_depend_on_the_challenges_facts(model_id):
    with_facts = run_experiment(DIV3, model_id, 0, profile=SMOKE)
    without = run_experiment(_without_facts(DIV3), model_id, 0, profile=SMOKE)
    # Score both on the same lengths: the altered challenge lists fewer extrapolation lengths.
    common = {m["length"] for m in without["metrics"]}
    assert [m for m in with_facts["metrics"] if m["length"] in common] == without["metrics"]
    assert with_facts["steps"] == without["steps"]
    assert with_facts["best_val_accuracy"] == without["best_val_accuracy"]


def test_learners_are_fitted_on_a_learner_view_and_references_on_the_challenge(clean_registries):
    seen = []

    @register_model
    class Spy(Model):
        id = "test-spy"
        description = "records what fit receives"
        trainable = True

        def fit(self, task, train, val, seed):
            seen.append(task)
            return FitReport()

        def predict(self, texts):
            return np.zeros(len(texts), dtype=bool)

    record = run_experiment(DIV3, "test-spy", 0, profile=SMOKE, train_lengths=(1, 4))
    assert seen == [LearnerView("0123456789", 10, (1, 4))]
    assert record["knows_rule"] is False
    assert not hasattr(seen[0], "min_states") and not hasattr(seen[0], "id")
    assert task_for(baselines.get_model_class("fsa"), DIV3) is DIV3


def test_models_json_says_who_knows_the_rule(capsys):
    import json

    from hofstadter.cli import main

    assert main(["models", "--json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert {"rpni", "edsm"} <= set(rows)
    assert rows["fsa"]["knows_rule"] and rows["rnn-compiled"]["knows_rule"]
    assert not rows["rpni"]["knows_rule"] and not rows["soft-automaton"]["knows_rule"]


def test_a_wrong_dfa_gets_the_shortest_counterexample_and_the_oracle_confirms_it():
    div7 = get_challenge("div7-base10")
    wrong = residue_automaton(7, 10).with_start(1)  # starts one residue off
    verdict = prove(wrong, div7)
    assert verdict.equivalent is False and verdict.counterexample is not None
    text = verdict.counterexample
    assert div7.is_member(text) != wrong.accepts(text)  # the oracle disagrees with the DFA there
    assert verdict.counterexample == "0"  # the shortest well-formed number they disagree on


def test_exactness_ignores_strings_that_are_never_asked():
    exact = residue_automaton(3, 10)  # states 0, 1, 2: the residues; it accepts "" and "05"
    # A start state that rejects "", a state for a leading zero ("0" accepted), and a state
    # for what follows a leading zero that accepts everything: wrong only on malformed strings.
    start, zero, junk = 3, 4, 5
    table = np.vstack([exact.transitions, exact.transitions[0], np.full((2, 10), junk)])
    table[start, 0] = zero
    odd = type(exact)(table, start, frozenset({0, zero, junk}), exact.alphabet)
    assert exact.equivalent(odd) == ""  # they differ on the empty string...
    assert odd.accepts("05") and not exact.accepts("5")
    verdict = prove(odd, DIV3)  # ...and on "05", but no challenge asks about either
    assert verdict.equivalent is True and verdict.counterexample is None
    numbers = well_formed_numbers("0123456789")
    assert numbers.run_many(np.array(["0", "07", "70", ""])).tolist() == [True, False, True, False]

def test_non_regular_challenges_are_never_exact_for_a_dfa():
    verdict = prove(residue_automaton(3, 2), get_challenge("prime-base2"))
    assert verdict.equivalent is False and "not regular" in verdict.note
    assert verdict.counterexample is not None  # a proof of inexactness carries its counterexample


@pytest.mark.parametrize("learner", [RPNI, EDSM])
def test_state_merging_learns_the_minimal_dfa_of_div3_from_a_thousand_strings(learner):
    model = learner(time_budget=120)  # a loaded CI machine must not turn this into a timing test
    view = DIV3.learner_view()
    model.fit(view, DIV3.sample("train", 1000, seed=0), DIV3.sample("val", 100, seed=0), seed=0)
    assert model.prove_exact(DIV3).equivalent is True
    assert model.as_dfa().minimize().num_states == 3
    assert model.predict(np.array(["2225", "3333"])).tolist() == [False, True]


def test_run_records_equivalence_for_every_dfa_producing_cell():
    record = run_experiment(DIV3, "rpni", 0, profile=SMOKE)
    assert record["equivalent"] is True and record["counterexample"] is None
    assert record["dfa_states"] == 3 and record["train_size"] == SMOKE.train_size
    gru = run_experiment(DIV3, "gru", 0, profile=SMOKE)
    assert "equivalent" not in gru  # no DFA: its exactness is sampled, never claimed


def test_a_learner_past_its_time_budget_is_recorded_over_budget(monkeypatch):
    def slow(self, data, budget):
        time.sleep(5)

    monkeypatch.setattr(RPNI, "learn", slow)
    started = time.perf_counter()
    record = run_experiment(DIV3, "rpni", 0, profile=SMOKE, model_options={"time_budget": 0.2})
    assert time.perf_counter() - started < 4
    assert record["status"] == "over-budget" and "0.2 s budget" in record["reason"]
    assert "metrics" not in record


@pytest.mark.parametrize("model", ["rpni", "edsm"])
def test_a_state_merging_budget_counts_work_not_seconds(model):
    options = {"comparisons": 10, "comparisons_per_string": 0.0}  # far below what div3 needs
    record = run_experiment(DIV3, model, 0, profile=SMOKE, model_options=options)
    assert record["status"] == "over-budget" and "10 state comparisons" in record["reason"]
    done = run_experiment(DIV3, model, 0, profile=SMOKE)
    again = run_experiment(DIV3, model, 0, profile=SMOKE)
    assert done["fit"]["comparisons"] == again["fit"]["comparisons"] > 10  # the same work, every time
    assert done["fit"]["comparisons"] <= StateMergingConfig().limit(done["fit"]["strings"])


def test_prefix_tree_sizes_read_off_the_sorted_strings_count_what_a_walk_of_the_tree_counts():
    from aalpy.learning_algs.deterministic_passive.rpni_helper_functions import createPTA

    rng = np.random.default_rng(0)
    strings = ["".join(rng.choice(list("01+="), size=rng.integers(0, 9))) for _ in range(400)]
    root = createPTA([(tuple(text), True) for text in dict.fromkeys(strings)], "moore")
    walked, order, stack = {}, [], [root]
    while stack:  # every state, parents before children
        order.append(stack.pop())
        stack.extend(order[-1].children.values())
    for node in reversed(order):
        walked["".join(node.prefix)] = 1 + sum(walked["".join(c.prefix)] for c in node.children.values())
    sizes = PrefixTreeSizes(strings)
    assert {prefix: sizes.size(prefix) for prefix in walked} == walked and walked[""] > 400
    with pytest.raises(KeyError):
        sizes.size("=====")


@pytest.mark.parametrize("challenge_id", ["div7-base10", "even-base3", "add-base2"])
def test_rpni_merges_and_promotes_as_aalpys_own_loop_does(challenge_id):
    from aalpy.learning_algs.deterministic_passive.GsmRPNI import GsmRPNI

    from baselines.classical.counted_rpni import counted_rpni_class
    from baselines.classical.grammatical import WorkBudget

    challenge = get_challenge(challenge_id)
    examples = challenge.sample("train", 2000, seed=3)
    data = [(tuple(text), bool(label)) for text, label in zip(examples.texts.tolist(), examples.labels)]
    stock = GsmRPNI(list(data), "dfa", print_info=False)
    sizes = PrefixTreeSizes(examples.texts.tolist())
    ours = counted_rpni_class()(list(data), WorkBudget(10**12, "rpni"), sizes)
    stock_dfa, our_dfa = stock.run_rpni(), ours.run_rpni()
    assert ours.log == stock.log and any(step[0] == "merge" for step in ours.log)
    tables = [aalpy_to_dfa(dfa, challenge.alphabet).transitions.tolist() for dfa in (our_dfa, stock_dfa)]
    assert tables[0] == tables[1]


def test_full_collector_passes_wait_for_the_end_of_a_fit_even_one_that_fails():
    import gc

    from baselines.classical.grammatical import full_collections_deferred

    before = gc.get_threshold()
    with pytest.raises(BudgetExceeded), full_collections_deferred():
        assert gc.get_threshold()[:2] == before[:2] and gc.get_threshold()[2] > 10**8
        raise BudgetExceeded("over")
    assert gc.get_threshold() == before and gc.isenabled()


def test_budget_exceeded_is_a_challenge_error():
    from challenges.errors import ChallengeError

    assert issubclass(BudgetExceeded, ChallengeError)


def test_aalpy_automata_missing_transitions_go_to_a_rejecting_sink():
    from aalpy.learning_algs import run_RPNI

    learned = run_RPNI([(("1",), True), (("1", "0"), False)], automaton_type="dfa", print_info=False)
    dfa = aalpy_to_dfa(learned, "012")
    assert dfa.run_many(np.array(["1", "10", "2", "12"])).tolist() == [True, False, False, False]


def test_a_training_size_draws_that_many_strings_and_a_tenth_as_many_for_validation():
    from hofstadter.experiment import training_data

    train, val, _ = training_data(DIV3, 0, PROFILES["quick"], train_size=300)
    assert len(train) == 300 and len(val) == 30
    assert train.labels.sum() == 150  # balanced like the profile's own sets

"""neural-select: candidates trained on the same strings, the one validation prefers answers, no
candidate may know the rule, and the choice is recorded."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.automata.dfa import DFA
from baselines.automaton_learners.selection import NeuralSelect
from baselines.base import FitReport, Model, register_model
from baselines.references.fsa import residue_automaton
from challenges import get_challenge
from challenges.errors import InvalidArgument
from hofstadter.experiment import run_experiment
from hofstadter.profiles import PROFILES

DIV3 = get_challenge("div3-base10")


@pytest.fixture
def fixed_learners(clean_registries):
    """Two learners with fixed answers: the residue DFA mod 3, and 'always no' (no DFA)."""
    seen = []

    @register_model
    class Residues(Model):
        id = "test-residues"
        description = "the residue automaton mod 3, as if learned"
        trainable = True

        def fit(self, task, train, val, seed):
            seen.append((self.id, task, len(train), len(val), seed))
            self.dfa = residue_automaton(3, 10)
            return FitReport(steps=7, train_seconds=0.5)

        def predict(self, texts):
            return self.dfa.run_many(np.asarray(texts, dtype=np.str_))

        def as_dfa(self) -> DFA:
            return self.dfa

    @register_model
    class AlwaysNo(Model):
        id = "test-always-no"
        description = "rejects everything"
        trainable = True

        def fit(self, task, train, val, seed):
            seen.append((self.id, task, len(train), len(val), seed))
            return FitReport(steps=3, train_seconds=0.25, extra={"hit_time_cap": True})

        def predict(self, texts):
            return np.zeros(len(texts), dtype=bool)

    return seen


def test_the_candidate_validation_prefers_answers_and_the_choice_is_recorded(fixed_learners):
    model = NeuralSelect(candidates=("test-always-no", "test-residues"))
    train, val = DIV3.sample("train", 200, seed=0), DIV3.sample("val", 40, seed=0)
    report = model.fit(DIV3.learner_view(), train, val, seed=5)
    # both saw the learner's view, the same strings and the same seed
    assert [s[0] for s in fixed_learners] == ["test-always-no", "test-residues"]
    assert {(s[1], s[2], s[3], s[4]) for s in fixed_learners} == {(DIV3.learner_view(), 200, 40, 5)}
    assert report.extra["chosen"] == "test-residues"
    assert [c["val_accuracy"] for c in report.extra["candidates"]] == [0.5, 1.0]  # balanced sets
    assert [c["dfa_states"] for c in report.extra["candidates"]] == [None, 3]
    assert report.steps == 10 and report.train_seconds == 0.75 and report.best_val_accuracy == 1.0
    assert report.extra["hit_time_cap"]  # a candidate stopped by the cap marks the whole run
    assert model.predict(np.array(["2225", "3333"])).tolist() == [False, True]
    assert model.as_dfa().num_states == 3


def test_equal_validation_goes_to_training_agreement_then_to_fewer_states():
    def candidate(val, train, states):
        from baselines.automaton_learners.selection import Candidate

        return Candidate("x", None, FitReport(), val, train, states)

    ranked = sorted([candidate(1.0, 0.9, 3), candidate(1.0, 1.0, 9), candidate(1.0, 1.0, 3),
                     candidate(0.9, 1.0, 2), candidate(1.0, 1.0, None)], key=lambda c: c.rank())  # fmt: skip
    assert [(c.val_accuracy, c.train_accuracy, c.dfa_states) for c in ranked][::-1] == [
        (1.0, 1.0, 3), (1.0, 1.0, 9), (1.0, 1.0, None), (1.0, 0.9, 3), (0.9, 1.0, 2),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("candidates", "message"),
    [
        (("fsa",), "not a learner"),  # a reference knows the rule: it may not compete
        (("neural-select",), "itself a selection"),
        (("lineer-rnn",), "linear-rnn"),  # unknown: the suggestion
        (("soft-automaton:sates=2",), "unknown option"),
        ((), "at least one candidate"),
    ],
)
def test_bad_candidates_are_refused_with_a_reason(candidates, message):
    with pytest.raises(InvalidArgument, match=message):
        NeuralSelect(candidates=candidates)


def test_it_stands_behind_the_wall_and_solves_div3_from_300_strings():
    """The default candidates on the curve profile's 300 strings (the size RPNI needs)."""
    record = run_experiment(DIV3, "neural-select", 0, profile=PROFILES["curve"], train_size=300)
    assert record["status"] == "ok" and record["knows_rule"] is False
    assert record["fit"]["chosen"] == "soft-automaton:start_states=2"
    assert record["equivalent"] is True and record["dfa_states"] == 3
    assert record["metrics"][-1]["length"] == 1000 and record["metrics"][-1]["accuracy"] == 1.0


def test_progress_runs_once_across_all_candidates():
    from baselines.automaton_learners.selection import _share
    from baselines.training.train import TrainProgress

    seen = []
    second = _share(lambda state: seen.append(round(state.fraction, 3)), index=1, count=2)
    second(TrainProgress(step=0, max_steps=100, seconds=0.0, max_seconds=60.0, val_accuracy=0.5,
                         best_val_accuracy=0.5))  # fmt: skip
    second(TrainProgress(step=100, max_steps=100, seconds=1.0, max_seconds=60.0, val_accuracy=1.0,
                         best_val_accuracy=1.0))  # fmt: skip
    assert seen == [0.5, 1.0]  # the second of two candidates is the second half of the bar

"""run_experiment: one JSON-ready record per (challenge, model, seed), scored at every length."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from baselines.base import MODELS, Model, register_model
from challenges import get_challenge
from hofstadter.experiment import run_experiment
from hofstadter.profiles import PROFILES

SMOKE = PROFILES["smoke"]
DIV3 = get_challenge("div3-base10")
RECORD_KEYS = {
    "challenge", "challenge_version", "model", "model_config", "seed", "train_lengths", "metrics",
    "train_seconds", "steps", "parameters", "best_val_accuracy", "device", "status",
}  # fmt: skip


@pytest.fixture
def regular_only_model():
    class RegularOnly(Model):
        id = "test-regular-only"
        description = "answers 'member' everywhere, and only agrees to regular challenges"
        knows_rule = True  # it reads the challenge's facts, so it must be a reference

        def applies_to(self, challenge):
            return None if challenge.regular else f"{challenge.id} is not regular"

        def predict(self, texts):
            return np.ones(len(texts), dtype=bool)

    register_model(RegularOnly)
    yield RegularOnly.id
    MODELS.unregister(RegularOnly.id)


def test_a_narrow_training_range_is_still_scored_on_every_length():
    torch.set_num_threads(1)
    fractions = []
    record = run_experiment(
        DIV3, "gru", 0, profile=SMOKE, train_lengths=(1, 4),
        model_options={"hidden_size": 8}, progress=fractions.append,
    )  # fmt: skip
    assert RECORD_KEYS <= set(record)
    assert record["status"] == "ok" and record["train_lengths"] == [1, 4]
    assert record["model_config"]["hidden_size"] == 8
    assert record["model_config"]["max_steps"] == SMOKE.max_steps  # the profile's budget
    assert record["steps"] <= SMOKE.max_steps and record["parameters"] > 0
    scored = {m["length"] for m in record["metrics"]}
    assert {5, 6} <= scored  # in the challenge's range, unseen in training
    assert set(DIV3.extrapolation_lengths) <= scored
    assert all(0.0 <= m["accuracy"] <= 1.0 and m["split"] == "test" for m in record["metrics"])
    assert fractions and 0.0 < fractions[-1] <= 1.0
    json.dumps(record)  # plain data only


def test_model_options_override_the_profile_budget():
    record = run_experiment(DIV3, "gru", 1, profile=SMOKE, model_options={"max_steps": 5, "hidden_size": 4})
    assert record["steps"] == 5 and record["model_config"]["max_steps"] == 5


def test_a_model_that_does_not_apply_gives_a_not_applicable_record(regular_only_model):
    record = run_experiment(get_challenge("prime-base10"), regular_only_model, 0, profile=SMOKE)
    assert record["status"] == "not-applicable"
    assert record["reason"] == "prime-base10 is not regular"
    assert "metrics" not in record
    fine = run_experiment(DIV3, regular_only_model, 0, profile=SMOKE)
    assert fine["status"] == "ok" and fine["steps"] == 0

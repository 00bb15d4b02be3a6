"""Issue 32, a third adversarial pass: no plugin, file or index changes another model's figures or
slips past a check. Each test is one defect, reproduced as the attacker did it (smoke profile).

They live in a file of their own, beside tests/test_adversarial.py (issues 14 and 24), so that the
two passes' tests stay apart.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines import MODELS, register_model
from baselines.trivial import Majority
from challenges import get_challenge
from hofstadter.experiment import run_experiment
from hofstadter.profiles import PROFILES

SMOKE = PROFILES["smoke"]
DIV3 = get_challenge("div3-base10")


# --- 1. a plugin's in-place bug changes another model's figures --------------------------------


class _ShufflesInPlace(Majority):
    """Shuffles the strings and labels it is given, in place, the way a careless plugin does."""

    id = "m-torch-inplace"
    description = "shuffles its training labels and its test strings in place"

    def fit(self, task, train, val, seed):
        labels = torch.from_numpy(train.labels)  # writable, although the array says read-only
        labels[:] = labels[torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))]
        return super().fit(task, train, val, seed)

    def predict(self, texts):
        texts.flags.writeable = True  # a plugin can set the flag back, too
        texts[:] = texts[::-1].copy()
        return super().predict(texts)


def _figures(record: dict) -> tuple:
    return ([(m["length"], m["accuracy"]) for m in record["metrics"]], record.get("equivalent"),
            record.get("counterexample"))  # fmt: skip


@pytest.mark.parametrize("other", ["rpni", "fsa"])
def test_a_model_that_writes_its_data_in_place_changes_no_other_models_figures(clean_registries, other):
    alone = run_experiment(DIV3, other, 0, profile=SMOKE)
    register_model(_ShufflesInPlace)
    run_experiment(DIV3, "m-torch-inplace", 0, profile=SMOKE)  # the cell's first model
    after = run_experiment(DIV3, other, 0, profile=SMOKE)
    assert _figures(after) == _figures(alone)
    assert after["equivalent"] is True
    assert "m-torch-inplace" in MODELS


# --- 10. `explain div3-base10 --model gru --profile smoke` took minutes -------------------------


def test_explain_with_the_smoke_profile_records_a_tenth_of_the_prefixes():
    """A smoke-trained network never reaches the sweep's threshold, so every k to 64 is clustered:
    over the 10,000 prefixes of the quick profile that was 87 s of CPU, over 1,000 it is seconds."""
    from hofstadter.explain import explain

    report = explain(DIV3, "gru", profile="smoke", max_clusters=4, lengths=(3,),
                     model_options={"hidden_size": 8})  # fmt: skip
    assert report.max_length == 3 and len(report.trace.texts) == 1 + 10 + 90 + 900

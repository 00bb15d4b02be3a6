"""What an adversarial pass broke, kept broken-proof: a loaded machine, hostile input, lost work.

Each test is one defect of issue 14; the cache's and the plugins' cases live beside their code
(tests/test_cache.py, tests/test_plugins.py, tests/test_store.py).
"""

from __future__ import annotations

import itertools
import types

import pytest

import baselines.soft_automaton
import baselines.train
from challenges import get_challenge
from challenges.experiment import run_experiment
from challenges.leaderboard import CAPPED, render_markdown, statuses, tidy
from challenges.profiles import PROFILES

SMOKE = PROFILES["smoke"]
DIV3 = get_challenge("div3-base10")
SMALL = {
    "gru": {"hidden_size": 4, "max_steps": 40, "eval_every": 10, "target_accuracy": None},
    "soft-automaton": {"max_steps": 40, "eval_every": 10, "restarts": 2, "target_accuracy": None},
}


def clock(monkeypatch, seconds_per_call: float) -> None:
    """Time in the training code runs ``seconds_per_call`` per reading: a machine under load."""
    ticks = itertools.count()
    fake = types.SimpleNamespace(perf_counter=lambda: next(ticks) * seconds_per_call)
    for module in (baselines.train, baselines.soft_automaton):
        monkeypatch.setattr(module, "time", fake)


def figures(record: dict) -> tuple:
    return record["steps"], record["best_val_accuracy"], [(m["length"], m["accuracy"]) for m in record["metrics"]]


@pytest.mark.parametrize("model_id", sorted(SMALL))
def test_a_loaded_machine_records_the_same_metrics(monkeypatch, model_id):
    """Results depend on the key alone: a slow clock (a second job loading the machine) changes nothing."""
    idle = run_experiment(DIV3, model_id, 0, profile=SMOKE, model_options=SMALL[model_id])
    clock(monkeypatch, 0.5)  # each step 'takes' about a second: 40 steps, far below the 60 s cap
    loaded = run_experiment(DIV3, model_id, 0, profile=SMOKE, model_options=SMALL[model_id])
    assert figures(loaded) == figures(idle)
    assert not loaded["fit"].get("hit_time_cap")


def test_a_run_stopped_by_the_safety_cap_says_so_in_record_and_tables(monkeypatch):
    clock(monkeypatch, 30.0)  # the 60 s cap of the smoke profile is hit after a step or two
    record = run_experiment(DIV3, "gru", 0, profile=SMOKE, model_options=SMALL["gru"])
    assert record["fit"]["hit_time_cap"] is True and record["steps"] < 40
    record = {**record, "key": "k", "profile": "smoke"}
    board = render_markdown([record], tidy([record]), statuses([record]), {})
    assert f"gru {CAPPED}" in board and "safety cap" in board

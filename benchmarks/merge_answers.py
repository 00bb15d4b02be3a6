"""How often ``sr-so-gru``'s merge changes an answer: one fitted network, merged and not.

The merge is the last step of ``sr-so-gru``'s recipe
(:mod:`baselines.automaton_learners.state_regularised_gru`): nothing trains after it, so a network
fitted with the merge and then given back its identity alias (every centroid snaps to itself) *is*
the network ``sr-so-gru:merge=false`` fits on the same seed. This fits each cell once, exactly as
a quick-profile run does (same strings, budgets and seed), and answers every test string of the
run twice, merged and unmerged. One JSON line per cell: centroids before and after the merge,
whether the merge was kept, and how many test strings (of how many) the two answer differently,
per length and in all.

With ``--results DIR`` (a store holding both models' runs of these cells) it also checks that the
two networks score exactly as the recorded ``sr-so-gru`` and ``sr-so-gru:merge=false`` cells did
-- that the alias switch is the unmerged model -- and says so in each line (``matches_records``).

    python -m benchmarks.merge_answers even-base3 div3-base10 --seeds 100 101 102 \\
        --results results/published/merge-ablation
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

import baselines
from baselines.automaton_learners.state_regularised_gru import StateRegularisedSecondOrderGRUModel
from challenges import get_challenge
from hofstadter.api import test_sets
from hofstadter.experiment import model_options_for, training_data
from hofstadter.profiles import PROFILES
from hofstadter.store import ResultStore

MODEL = "sr-so-gru"


def measure(challenge_id: str, seed: int, profile: str = "quick") -> dict[str, Any]:
    """Fit ``sr-so-gru`` on the cell's strings; answer its test strings merged and unmerged."""
    challenge = get_challenge(challenge_id)
    chosen = PROFILES[profile]
    train, val, _ = training_data(challenge, seed, chosen)
    model = baselines.create_model(MODEL, **model_options_for(MODEL, chosen, "cpu"))
    assert isinstance(model, StateRegularisedSecondOrderGRUModel)
    started = time.perf_counter()
    report = model.fit(challenge, train, val, seed)
    network = model.network
    assert network is not None
    merged_alias = network.alias.clone()
    rows: dict[int, dict[str, Any]] = {}
    for length, examples in test_sets(challenge, profile=profile, seed=seed).items():
        network.alias = merged_alias
        merged = model.predict(examples.texts)
        network.alias = torch.arange(len(network.centroids))
        unmerged = model.predict(examples.texts)
        rows[length] = {
            "n": len(examples.texts),
            "differ": int((merged != unmerged).sum()),
            "merged_accuracy": float((merged == examples.labels).mean()),
            "unmerged_accuracy": float((unmerged == examples.labels).mean()),
        }
    network.alias = merged_alias
    n, differ = sum(r["n"] for r in rows.values()), sum(r["differ"] for r in rows.values())
    return {
        "challenge": challenge_id, "seed": seed, "profile": profile,
        "centroids": report.extra.get("centroids"),
        "used_after_merge": report.extra.get("merged_centroids"),
        "merge_kept": report.extra.get("merged_centroids") is not None,
        "merge_accuracy": report.extra.get("merge_accuracy"),
        "reachable_before_merge": _reachable(model),
        "test_strings": n, "answers_changed": differ, "changed_share": differ / n,
        "per_length": rows, "seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip


def _reachable(model: StateRegularisedSecondOrderGRUModel) -> int:
    """Centroids the unmerged hard network can reach from its start (the rest are never used)."""
    network = model.network
    assert network is not None and model.alphabet is not None
    merged_alias = network.alias.clone()
    network.alias = torch.arange(len(network.centroids))
    dfa = network.automaton(model.alphabet)
    network.alias = merged_alias
    seen, todo = {dfa.start}, [dfa.start]
    while todo:
        for state in np.asarray(dfa.transitions)[todo.pop()].tolist():
            if state not in seen:
                seen.add(state)
                todo.append(state)
    return len(seen - {dfa.start})  # the start is the zero state, not a centroid


def matches_records(line: dict[str, Any], store: Path) -> bool | None:
    """Whether the merged and unmerged accuracies are the recorded cells' (None: not recorded)."""
    recorded: dict[bool, dict[int, float]] = {}
    for record in ResultStore(store / "runs.jsonl").records():
        if record["challenge"] != line["challenge"] or record["seed"] != line["seed"]:
            continue
        if record["model"] == MODEL and record.get("status") == "ok":
            merge = bool(record["model_config"].get("merge", True))
            recorded[merge] = {m["length"]: m["accuracy"] for m in record["metrics"]}
    if set(recorded) != {True, False}:
        return None
    rows = line["per_length"]
    return all(
        recorded[True].get(length) == row["merged_accuracy"]
        and recorded[False].get(length) == row["unmerged_accuracy"]
        for length, row in rows.items()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("challenges", nargs="+")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--profile", default="quick", choices=sorted(PROFILES))
    parser.add_argument("--results", type=Path, help="a store with both models' records of these cells")
    args = parser.parse_args(argv)
    for challenge_id in args.challenges:
        for seed in args.seeds:
            line = measure(challenge_id, seed, args.profile)
            if args.results is not None:
                line["matches_records"] = matches_records(line, args.results)
            print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Figures for the learned baselines (docs/learned.md): speed, the classroom assignment, extrapolation.

Run one of::

    python benchmarks/bench_learned.py speed            # GRU on div3-base10: accuracy and seconds
    python benchmarks/bench_learned.py classroom        # GRU trained on 1-4 digits, scored per length
    python benchmarks/bench_learned.py extrapolation    # models x regular challenges x seeds

Every run goes through :func:`hofstadter.experiment.run_experiment` with a profile's budgets
(``--profile quick`` by default), so the figures are what the benchmark itself would record.
Prints Markdown; ``--jsonl PATH`` also writes the raw records. The models train and predict on
one torch thread (see :func:`baselines.training.network_model.one_torch_thread`).
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from challenges import get_challenge
from hofstadter.experiment import run_experiment
from hofstadter.profiles import get_profile
from hofstadter.reports.leaderboard import markdown

REGULAR = ("even-base3", "div3-base10", "div9-base10", "div7-base10", "div29-base10")


def parse_options(pairs: Sequence[str]) -> dict[str, Any]:
    """``["restarts=3", "lr=0.1"]`` -> ``{"restarts": 3, "lr": 0.1}`` (values read as JSON)."""
    options = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        try:
            options[name] = json.loads(value)
        except json.JSONDecodeError:
            options[name] = value
    return options


def accuracy_at(record: dict[str, Any], length: int) -> float:
    return next(m["accuracy"] for m in record["metrics"] if m["length"] == length)


def in_range_accuracy(record: dict[str, Any], low: int, high: int) -> float:
    """Accuracy over the lengths ``low..high``, weighted by the number of test strings."""
    rows = [m for m in record["metrics"] if low <= m["length"] <= high]
    return sum(m["accuracy"] * m["n"] for m in rows) / sum(m["n"] for m in rows)


def speed(args: argparse.Namespace) -> tuple[pd.DataFrame, list[dict]]:
    challenge = get_challenge("div3-base10")
    records = [run(args, challenge, model, seed) for model in args.models or ["gru"] for seed in args.seeds]
    rows = [{
        "model": r["model"], "seed": r["seed"], "test accuracy, 1-6 digits": in_range_accuracy(r, 1, 6),
        "train seconds": r["train_seconds"], "steps": r["steps"], "best val": r["best_val_accuracy"],
    } for r in records]  # fmt: skip
    return pd.DataFrame(rows), records


def classroom(args: argparse.Namespace) -> tuple[pd.DataFrame, list[dict]]:
    challenge = get_challenge("div3-base10")
    records = [
        run(args, challenge, model, seed, train_lengths=(1, 4))
        for model in args.models or ["gru"]
        for seed in args.seeds
    ]
    lengths = [m["length"] for m in records[0]["metrics"]]
    rows = [{"model": r["model"], "seed": r["seed"], "train seconds": r["train_seconds"],
             **{str(n): accuracy_at(r, n) for n in lengths}} for r in records]  # fmt: skip
    return pd.DataFrame(rows), records


def extrapolation(args: argparse.Namespace) -> tuple[pd.DataFrame, list[dict]]:
    rows, records = [], []
    for challenge_id in args.challenges:
        challenge = get_challenge(challenge_id)
        low, high = challenge.train_lengths
        # Columns by multiple of the longest training length, so base 3 (13 digits) lines up.
        columns = {f"{n // high}x" if n % high == 0 and n // high <= 10 else str(n): n
                   for n in challenge.extrapolation_lengths}  # fmt: skip
        for model_id in args.models or ["soft-automaton", "gru", "lstm"]:
            runs = [run(args, challenge, model_id, seed) for seed in args.seeds]
            records += runs
            row = {"challenge": challenge_id, "model": model_id,
                   "in range": statistics.mean(in_range_accuracy(r, low, high) for r in runs)}  # fmt: skip
            for name, length in columns.items():
                row[name] = statistics.mean(accuracy_at(r, length) for r in runs)
            row["train s"] = statistics.mean(r["train_seconds"] for r in runs)
            row["hardened"] = "".join(_hardening(r) for r in runs)
            rows.append(row)
    frame = pd.DataFrame(rows)
    lengths = ["2x", "5x", "10x", "100", "1000"]
    ordered = ["challenge", "model", "in range", *[c for c in lengths if c in frame], "train s", "hardened"]
    return frame[ordered], records


def _hardening(record: dict[str, Any]) -> str:
    """'H' for a seed whose automaton was hardened into a DFA, 's' for soft, '' for other models."""
    mode = record.get("fit", {}).get("mode")
    return {"hard": "H", "soft": "s"}.get(mode, "")


def run(args: argparse.Namespace, challenge, model_id: str, seed: int, **kwargs: Any) -> dict[str, Any]:
    record = run_experiment(
        challenge, model_id, seed, profile=args.profile_obj, model_options=args.options, **kwargs
    )
    print(f"  {challenge.id} {model_id} seed {seed}: {record['train_seconds']:.1f}s "
          f"{record['steps']} steps {record.get('fit', {})}", flush=True)  # fmt: skip
    return record


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figure", choices=("speed", "classroom", "extrapolation"))
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", help="default: gru; soft-automaton gru lstm to extrapolate")
    parser.add_argument("--challenges", nargs="+", default=list(REGULAR))
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="a model option for every run, e.g. restarts=3")  # fmt: skip
    parser.add_argument("--train-size", type=int, help="override the profile's training set size")
    parser.add_argument("--jsonl", type=Path, help="also write the raw records here")
    args = parser.parse_args(argv)
    profile = get_profile(args.profile)
    args.profile_obj = replace(profile, train_size=args.train_size) if args.train_size else profile
    args.options = parse_options(args.option)
    figure = {"speed": speed, "classroom": classroom, "extrapolation": extrapolation}[args.figure]
    table, records = figure(args)
    print(markdown(table.round(4)))
    if args.jsonl:
        with args.jsonl.open("a") as handle:
            for record in records:
                handle.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

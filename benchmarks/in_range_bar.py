"""Is a model within 2 points of the GRU at its training lengths? Per challenge, version and seed.

In range = the mean accuracy over the scored lengths inside each record's training range (the
board's test strings). Reads any number of runs.jsonl files; the GRU's records and the model's may
come from different stores (the GRU's published run and a new run of the model, say). A model
label with options (``transformer[max_seconds=1500.0]``) is matched by its id.

    python -m benchmarks.in_range_bar results/published/runs.jsonl /tmp/report/runs.jsonl --model transformer
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

BAR = 0.02  # the model may be at most this far below the GRU


def in_range(record: dict) -> float:
    """Mean accuracy over the record's scored lengths within its training range."""
    low, high = record["train_lengths"]
    accuracies = [m["accuracy"] for m in record["metrics"] if low <= m["length"] <= high]
    return float(np.mean(accuracies))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--model", required=True)
    parser.add_argument("--against", default="gru")
    args = parser.parse_args(argv)
    found: dict[tuple[str, int, str, int], float] = {}  # (challenge, version, model, seed)
    for path in args.runs:
        for line in path.read_text().splitlines():
            record = json.loads(line)
            model = record["model"].split("[")[0]
            if record.get("status") == "ok" and model in (args.model, args.against):
                if model == args.against and record.get("overrides"):
                    continue  # the GRU's default cell only
                version = record.get("challenge_version", 1)
                found[(record["challenge"], version, model, record["seed"])] = in_range(record)
    head = f"{'challenge':17} {'version':>7} {'seed':>4}  {args.against:>6}  {args.model:>11}"
    print(f"{head}  within {100 * BAR:.0f} points")
    for challenge, version, model, seed in sorted(found):
        if model != args.model:
            continue
        mine = found[(challenge, version, model, seed)]
        theirs = found.get((challenge, version, args.against, seed))
        verdict = "-" if theirs is None else ("yes" if mine >= theirs - BAR else "NO")
        shown = "-" if theirs is None else f"{100 * theirs:.1f}"
        print(f"{challenge:17} {version:7} {seed:4}  {shown:>6}  {100 * mine:11.1f}  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

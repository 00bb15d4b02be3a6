"""Accuracy by test length, one row a seed, from a run's records: the tables of docs/place-attention.md.

Reads ``runs.jsonl`` records (any model), keeps those of ``--model``, and prints one Markdown table
a challenge: the lowest accuracy over the training lengths, then every longer test length, the
steps (all restarts together), the step of the kept state within the last stage of training
(``fit.best_step``), the restarts tried, the centroids the state was snapped to (``fit.snap.k``,
0 = free; only where records have it) and the training seconds. ``--note`` is printed
under every table (the place-attention pages state the model's prior there).

    python -m benchmarks.length_table results/published/place-attention/runs.jsonl --model place-attention

>>> rows = [{"challenge": "add-base2", "model": "m", "seed": 100, "status": "ok", "steps": 900,
...          "train_lengths": [1, 2], "train_seconds": 12.0, "fit": {"restarts": [{}, {}], "best_step": 300},
...          "metrics": [{"split": "test", "length": 1, "accuracy": 1.0},
...                      {"split": "test", "length": 2, "accuracy": 0.99},
...                      {"split": "test", "length": 40, "accuracy": 0.5}]}]
>>> print(length_tables(rows, "m", note="Prior: none."))
`add-base2` (train 1-2):
<BLANKLINE>
| seed | 1-2 (lowest) | 40 | steps | best step | restarts | train s |
|---|---|---|---|---|---|---|
| 100 | 0.990 | 0.500 | 900 | 300 | 2 | 12 |
<BLANKLINE>
Prior: none.
<BLANKLINE>
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every record of a ``runs.jsonl`` file (blank lines skipped)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _row(record: dict[str, Any], longer: list[int], snapped: bool = False) -> str:
    low, high = record["train_lengths"]
    accuracy = {m["length"]: m["accuracy"] for m in record.get("metrics", []) if m.get("split") == "test"}
    inside = [a for length, a in accuracy.items() if low <= length <= high]
    cells = [str(record["seed"]), f"{min(inside):.3f}" if inside else "-"]
    cells += [f"{accuracy[n]:.3f}" if n in accuracy else "-" for n in longer]
    fit = record.get("fit", {})
    best = f"{fit['best_step']:,}" if "best_step" in fit else "-"
    cells += [f"{record.get('steps', 0):,}", best, str(len(fit.get("restarts", [None])))]
    cells += [str(fit.get("snap", {}).get("k", "-"))] if snapped else []
    cells += [f"{record.get('train_seconds', 0):,.0f}"]
    return "| " + " | ".join(cells) + " |"


def length_tables(records: Iterable[dict[str, Any]], model: str, note: str = "") -> str:
    """One Markdown table a challenge of ``model``'s finished records, seeds in order."""
    mine = [r for r in records if r.get("model") == model and r.get("status") == "ok"]
    out = []
    for challenge in sorted({r["challenge"] for r in mine}):
        rows = sorted((r for r in mine if r["challenge"] == challenge), key=lambda r: r["seed"])
        low, high = rows[0]["train_lengths"]
        longer = sorted({m["length"] for r in rows for m in r["metrics"] if m.get("split") == "test"
                         and m["length"] > high})  # fmt: skip
        header = ["seed", f"{low}-{high} (lowest)", *map(str, longer)]
        snapped = any("snap" in r.get("fit", {}) for r in rows)
        header += ["steps", "best step", "restarts", *(["snap k"] if snapped else []), "train s"]
        out += [f"`{challenge}` (train {low}-{high}):", "", "| " + " | ".join(header) + " |",
                "|" + "---|" * len(header)]  # fmt: skip
        out += [_row(r, longer, snapped) for r in rows]
        out += ["", note, ""] if note else [""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("records", type=Path, help="a runs.jsonl file")
    parser.add_argument("--model", default="place-attention")
    parser.add_argument("--note", default="", help="a line printed under every table")
    args = parser.parse_args(argv)
    if not args.records.is_file():
        print(f"error: no records file '{args.records}'", file=sys.stderr)
        return 2
    print(length_tables(read_records(args.records), args.model, args.note))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

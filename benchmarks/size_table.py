"""The size table of issue 31: per challenge and model, seeds proven exact, accuracy at the
longest tested length, training strings, fit time, and whether a safety cap stopped the fit.

Reads a store's ``runs.jsonl`` (the newest record of each cell wins, as the runner's own store
does, and of a model's versions only the newest is shown) and prints a Markdown table, one row
per challenge and model, models in the order given:

    python -m benchmarks.size_table results/published/size --models linear-rnn rpni edsm

A cell that failed (a learner over its budget, or contradictory labels) counts as not exact and
has no accuracy; its status is shown. "capped" counts the cells a wall-clock safety cap stopped:
the linear RNN's ``hit_time_cap``, or a state-merging learner over budget by its safety cap
rather than by its work budget.

>>> rows = [{"challenge": "div7-base10", "model": "rpni", "seed": 100, "status": "ok", "equivalent": True,
...          "key": "a", "train_size": 10, "fit_seconds": 1.5, "fit": {},
...          "metrics": [{"length": 1000, "accuracy": 1.0, "split": "test"}]}]
>>> print(table(rows, ["rpni"]).splitlines()[2])
| div7-base10 | rpni | 1/1 | 100.0% | 10 | 1.5 | 0 |

A model's records of several versions are never pooled: a row holds the newest version's,
named in the model column (``linear-rnn v4``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hofstadter.records import newest_per_key
from hofstadter.store import ResultStore


def _cell(records: list[dict]) -> str:
    seeds = len(records)
    exact = sum(bool(r.get("equivalent")) for r in records)
    scored = [r for r in records if r.get("status") == "ok" and r.get("metrics")]
    longest = [max(r["metrics"], key=lambda m: m["length"])["accuracy"] for r in scored]
    accuracy = f"{100 * sum(longest) / len(longest):.1f}%" if longest else "-"
    strings = sorted({r.get("train_size", 0) for r in records})
    seconds = [r.get("fit_seconds") or r.get("wall_seconds") or 0.0 for r in records]
    capped = sum(bool((r.get("fit") or {}).get("hit_time_cap")) or "safety cap" in r.get("reason", "")
                 for r in records)  # fmt: skip
    failed = [r.get("status", "failed") for r in records if r.get("status") != "ok"]
    note = f" ({len(failed)} {failed[0]})" if failed else ""
    spread = f"{min(seconds):.1f}" + (f"-{max(seconds):.1f}" if max(seconds) > min(seconds) else "")
    sizes = ", ".join(f"{s:,}" for s in strings)
    return f"{exact}/{seeds}{note} | {accuracy} | {sizes} | {spread} | {capped}"


def table(records: list[dict], models: list[str]) -> str:
    """Markdown: challenge, model, proven exact, mean accuracy at the longest length (scored
    seeds), training strings, fit seconds (range over seeds), cells the safety cap stopped."""
    lines = [
        "| challenge | model | proven exact | at 1000 digits | training strings | fit s | capped |",
        "|---|---|---|---|---|---|---|",
    ]
    records = newest_per_key(records, lambda record: record["key"])  # a rerun supersedes
    for challenge in sorted({r["challenge"] for r in records}, key=_modulus_order):
        for model in models:
            cell = [r for r in records if r["challenge"] == challenge and r["model"] == model]
            cell = _newest_version(cell)
            if cell:
                lines.append(f"| {challenge} | {model}{_version_label(cell)} | {_cell(cell)} |")
    return "\n".join(lines)


def _newest_version(records: list[dict]) -> list[dict]:
    """The records of the newest model version among ``records``: a model's versions answer
    differently, so a row never pools them (older ones are set aside, as on the board).

    A failed record (a learner over its budget) names no version: it stays with the newest.

    >>> rows = [{"seed": 1, "model_version": 3}, {"seed": 2, "model_version": 4}, {"seed": 3}]
    >>> [r["seed"] for r in _newest_version(rows)]
    [2, 3]
    """
    versions = [r["model_version"] for r in records if r.get("model_version") is not None]
    if not versions:
        return records
    return [r for r in records if r.get("model_version") in (None, max(versions))]


def _version_label(records: list[dict]) -> str:
    versions = [r["model_version"] for r in records if r.get("model_version") is not None]
    return f" v{max(versions)}" if versions and max(versions) != 1 else ""


def _modulus_order(challenge: str) -> tuple[int, str]:
    head = challenge.split("-")[0]
    return (int(head[3:]) if head[3:].isdigit() else 0, challenge)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="a store folder holding runs.jsonl")
    parser.add_argument("--models", nargs="+", default=["linear-rnn", "rpni", "edsm"])
    options = parser.parse_args(argv)
    path = options.results / "runs.jsonl"
    if not path.is_file():
        parser.exit(2, f"size_table: no runs.jsonl in {options.results}\n")
    store = ResultStore(path)
    records = store.records()  # the runner's own reader: a malformed line is skipped and named
    for number, why in store.problems:
        print(f"size_table: {path} line {number} skipped: {why}", file=sys.stderr)
    print(table(records, options.models))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

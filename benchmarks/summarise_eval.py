"""Summarise ``python -m challenges eval ... --json`` lines into Markdown accuracy tables.

One table, challenge x model; each cell reads "in range / 2x / 1000": the mean accuracy over the
training lengths, the accuracy at twice the longest training length, and at 1000 digits. A model
that does not apply is "n/a".

Run: ``python benchmarks/summarise_eval.py EVAL.jsonl``, where EVAL.jsonl holds the lines of
``python -m challenges eval ID --model MODEL --json`` runs (docs/references.md gives the loop).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from challenges import get_challenge
from hofstadter.reports.leaderboard import markdown


def load(path: Path) -> pd.DataFrame:
    frame = pd.DataFrame([json.loads(line) for line in path.read_text().splitlines() if line.strip()])
    longest = {c: get_challenge(c).max_train_length for c in frame["challenge"].unique()}
    frame["train_max"] = frame["challenge"].map(longest)
    return frame


def accuracy_table(frame: pd.DataFrame, rows: pd.Series) -> pd.DataFrame:
    """Mean accuracy of the selected rows, challenge x model, in the order first seen."""
    table = frame[rows].pivot_table(index="challenge", columns="model", values="accuracy", aggfunc="mean")
    order = {column: list(dict.fromkeys(frame[column])) for column in ("challenge", "model")}
    return table.reindex(index=order["challenge"], columns=order["model"])


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells "in range / 2x / 1000" (or "n/a" where a model never ran)."""
    parts = [
        accuracy_table(frame, frame["length"] <= frame["train_max"]),
        accuracy_table(frame, frame["length"] == 2 * frame["train_max"]),
        accuracy_table(frame, frame["length"] == 1000),
    ]
    cells = parts[0].copy().astype(object)
    for challenge in cells.index:
        for model in cells.columns:
            values = [part.loc[challenge, model] for part in parts]
            cells.loc[challenge, model] = (
                "n/a" if all(pd.isna(v) for v in values)
                else " / ".join("-" if pd.isna(v) else f"{v:.3f}" for v in values)
            )  # fmt: skip
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    print(markdown(summary(load(parser.parse_args().path)), index="challenge"))


if __name__ == "__main__":
    main()

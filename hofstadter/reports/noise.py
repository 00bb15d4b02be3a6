"""What label noise does to each learner: "proven exact" and accuracy at 1000 digits against P.

Fed by any store of run records (``run --label-noise P``, ``run --all --profile noise``): records
are grouped by challenge, training-set size, model and share of flipped labels ``P`` (absent in a
record: 0, clean labels); the newest record per run key counts; command-line variants
(``MODEL:key=value``) and narrower training ranges are left out, as on the leaderboard. A cell is
**proven exact** when its DFA was proven equivalent to the minimal one; a model whose final form
is not a DFA has no proof (``-``), and a seed of a DFA learner that ended without one (a soft
automaton kept soft) or did not finish counts as not exact. Accuracy is at the longest test
length, mean over the seeds that scored; a seed that failed or ran over its budget counts as not
exact and has no accuracy.

>>> records = [{"challenge": "div7-base10", "model": "rpni", "seed": s, "key": f"k{s}{p}", "status": "ok",
...             "train_size": 100, "equivalent": p == 0, "label_noise": p,
...             "metrics": [{"length": 1000, "accuracy": 1.0 if p == 0 else 0.5}]}
...            for s in (100, 101) for p in (0, 0.1)]
>>> print(noise_markdown(noise_table(noise_frame(records))), end="")
| challenge | strings | model | P = 0 | P = 0.1 |
|---|---|---|---|---|
| div7-base10 | 100 | rpni | 2/2 exact, 100.0% | 0/2 exact, 50.0% |
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from challenges import list_challenges
from hofstadter.profiles import PROFILES
from hofstadter.reports.leaderboard import latest_records
from hofstadter.reports.plots import line_style
from hofstadter.reports.tables import markdown

COLUMNS = ["challenge", "train_size", "model", "label_noise", "seed", "status", "proven", "exact",
           "accuracy_longest", "longest"]  # fmt: skip


def noise_frame(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per run: challenge, training size, model, P, seed, status, whether a proof exists
    (``proven``: the model ends as a DFA), whether it is exact, and the accuracy at the longest
    tested length."""

    rows = []
    for record in latest_records(records):
        if record.get("overrides") or record.get("status") in ("not-applicable", None):
            continue
        metrics = [m for m in record.get("metrics") or [] if m.get("split", "test") == "test"]
        longest = max(metrics, key=lambda m: m["length"]) if metrics else None
        ok = record.get("status") == "ok"
        size = record.get("train_size")  # a failed cell's record may not say: the profile's
        if size is None and record.get("profile") in PROFILES:
            size = PROFILES[record["profile"]].train_size
        rows.append({
            "challenge": record.get("challenge"), "train_size": size,
            "model": record.get("model"), "label_noise": float(record.get("label_noise") or 0.0),
            "seed": record.get("seed"), "status": record.get("status"),
            "proven": "equivalent" in record,
            "exact": ok and record.get("equivalent") is True,
            "accuracy_longest": longest["accuracy"] if ok and longest else None,
            "longest": longest["length"] if longest else None,
        })  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def noise_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (challenge, training size, model), one column per P: "k/n exact, acc%"
    (``-`` in place of "k/n exact" for a model with no DFA to prove; "n/a" without a score)."""
    if frame.empty:
        return pd.DataFrame(columns=["challenge", "strings", "model"])
    cells: dict[tuple, dict[str, str]] = {}
    keys = ["challenge", "train_size", "model", "label_noise"]
    for (challenge, size, model, noise), group in frame.groupby(keys, sort=False, dropna=False):
        scored = group["accuracy_longest"].dropna()
        accuracy = f"{100 * scored.mean():.1f}%" if len(scored) else "n/a"
        # A seed that ended with no DFA (a soft automaton kept soft) counts as not exact.
        has_proof = group["proven"].any() or (group["status"] != "ok").all()
        proven = f"{int(group['exact'].sum())}/{len(group)} exact" if has_proof else "-"
        others = group[group["status"] != "ok"]["status"].value_counts()
        note = "".join(f" ({n} {status})" for status, n in others.items())
        cells.setdefault((challenge, size, model), {})[f"P = {noise:g}"] = f"{proven}, {accuracy}{note}"
    noises = sorted({n for n in frame["label_noise"]})
    challenges = list_challenges()  # registry order, then sizes, then models as they first appear
    models = list(dict.fromkeys(frame["model"]))

    def order(key: tuple) -> tuple:
        challenge, size, model = key
        known = challenges.index(challenge) if challenge in challenges else len(challenges)
        return known, str(challenge), -1 if pd.isna(size) else size, models.index(model)

    rows = [{"challenge": c, "strings": "" if pd.isna(s) else f"{int(s):,}", "model": m,
             **{f"P = {n:g}": cells[(c, s, m)].get(f"P = {n:g}", "") for n in noises}}
            for c, s, m in sorted(cells, key=order)]  # fmt: skip
    return pd.DataFrame(rows)


def noise_markdown(table: pd.DataFrame) -> str:
    """The table as GitHub Markdown."""
    return markdown(table)


def plot_noise(frame: pd.DataFrame, path: Path) -> Path | None:
    """Two panels per challenge and training size: the share of seeds proven exact, and the mean
    accuracy at the longest length, against P; one line per model. None if nothing to draw."""
    import matplotlib  # slow to import: loaded by the commands that draw, not by every command

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt  # after use("Agg")


    if frame.empty:
        return None
    challenges = list_challenges()

    def registry_order(item: tuple) -> tuple:
        challenge, size = item[0]
        place = challenges.index(challenge) if challenge in challenges else len(challenges)
        return place, str(challenge), -1 if pd.isna(size) else size

    groups = sorted(frame.groupby(["challenge", "train_size"], sort=False, dropna=False), key=registry_order)
    widest = max(0.1, float(frame["label_noise"].max()))
    figure, axes = plt.subplots(len(groups), 2, figsize=(10, 3.2 * len(groups)), squeeze=False)
    models = list(dict.fromkeys(frame["model"]))
    for row, ((challenge, size), group) in zip(axes, groups):
        strings = "" if pd.isna(size) else f", {int(size):,} strings"
        for index, model in enumerate(models):
            runs = group[group["model"] == model]
            if runs.empty:
                continue
            style = line_style(index)
            by_p = runs.groupby("label_noise")
            if runs["proven"].any():
                exact = by_p["exact"].mean()
                row[0].plot(exact.index, 100 * exact.values, label=model, **style)
            accuracy = by_p["accuracy_longest"].mean().dropna()
            row[1].plot(accuracy.index, 100 * accuracy.values, label=model, **style)
        longest = group["longest"].dropna()
        at = f"{int(longest.max())} digits" if len(longest) else "the longest length"
        row[0].set_title(f"{challenge}{strings}: seeds proven exact", fontsize=9)
        row[1].set_title(f"{challenge}{strings}: accuracy at {at}", fontsize=9)
        for axis in row:
            axis.set_xlim(-0.05 * widest, 1.05 * widest)
            axis.set_xlabel("P (share of training and validation labels flipped)")
            axis.set_ylim(-5, 105)
            axis.grid(alpha=0.3)
        row[0].set_ylabel("% of seeds")
        row[1].set_ylabel("accuracy (%)")
        row[1].axhline(50, color="grey", linestyle=":", linewidth=0.8)
    legend: dict[str, Any] = {}  # every model once, whichever panel drew it
    for axis in axes.flat:
        for handle, label in zip(*axis.get_legend_handles_labels()):
            legend.setdefault(label, handle)
    figure.legend(legend.values(), legend.keys(), loc="upper center", ncol=min(len(legend), 6), fontsize=8,
                  frameon=False)  # fmt: skip
    figure.tight_layout(rect=(0, 0, 1, 1 - 0.5 / (3.2 * len(groups))))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def write_noise_report(records: Iterable[dict[str, Any]], out_dir: Path) -> dict[str, Path]:
    """``NOISE.md`` (the table and the plot), ``noise.csv`` (one row per run) and
    ``plots/noise.png`` in ``out_dir``; returns their paths."""
    frame = noise_frame(records)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"markdown": out_dir / "NOISE.md", "csv": out_dir / "noise.csv"}
    frame.to_csv(paths["csv"], index=False)
    plot = plot_noise(frame, out_dir / "plots" / "noise.png")
    text = ["# Label noise: proven exact and accuracy at the longest length, against P\n",
            "P = the share of training and validation labels flipped (test labels are exact). Each "
            "cell: seeds whose DFA is proven equivalent to the minimal one (`-`: no seed ended as a "
            "DFA; a seed that failed counts as not exact), and the mean accuracy at the longest test "
            "length over the seeds that scored.\n",
            noise_markdown(noise_table(frame))]  # fmt: skip
    if plot is not None:
        paths["plot"] = plot
        text.append("\n![proven exact and accuracy against P](plots/noise.png)\n")
    paths["markdown"].write_text("\n".join(text), encoding="utf-8")
    return paths

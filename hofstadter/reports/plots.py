"""Plots of run records: accuracy against length, and learning curves; tables are elsewhere.

Each model keeps one style -- colour, marker and dash -- in a figure (:func:`line_style`), so
that models at the same accuracy stay told apart; a panel holds at most :data:`PER_PANEL` lines,
and the learners spread over more panels where there are more. References (built from the rule)
and structured learners are drawn apart from the learners on raw strings, in their own panel.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hofstadter.reports.tables import per_size

PER_PANEL = 8  # lines a panel holds at most: more are split over panels
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#393b79")  # fmt: skip
GREYS = ("#4d4d4d", "#8c8c8c", "#b3b3b3")  # references: drawn apart, greyed
MARKERS = "osD^vPX*"
DASHES = ("-", "--", "-.", (0, (1, 1)))
CAPTION = ("Lines: mean over seeds; shaded band: lowest to highest seed; dashed vertical line: longest "
           "training length; dotted horizontal line: chance (50%).")


def line_style(index: int, reference: bool = False) -> dict:
    """The style of the ``index``-th line of a figure: a colour, a marker and a dash, whose
    (colour, marker, dash) triple no other index below 40 shares (24 for references, in grey).
    Markers are hollow, so lines that agree still show each shape.

    >>> line_style(0)["color"], line_style(0)["marker"], line_style(9)["marker"]
    ('#1f77b4', 'o', 's')
    >>> len({tuple(map(str, (s["color"], s["marker"], s["linestyle"]))) for s in map(line_style, range(40))})
    40
    """
    colours = GREYS if reference else PALETTE
    return {"color": colours[index % len(colours)], "marker": MARKERS[index % len(MARKERS)],
            "linestyle": DASHES[index % len(DASHES)], "markersize": 5, "markerfacecolor": "none",
            "linewidth": 1.0 if reference else 1.4}  # fmt: skip


def nested(style: dict, position: int, count: int) -> dict:
    """``style`` with a marker the smaller the later it is drawn among ``count`` lines: lines at one
    accuracy show nested shapes, none hidden under another.

    >>> [nested({}, i, 3)["markersize"] for i in range(3)]
    [9.0, 7.0, 5.0]
    """
    return {**style, "markersize": 9 - 4 * position / max(1, count - 1)}


def panels(kinds: dict[str, str]) -> list[tuple[str, list[str]]]:
    """(title, models) of each panel: learners on raw strings, at most :data:`PER_PANEL` a panel
    and evenly spread; then structured learners and references together, apart from them.

    >>> [(title, len(models)) for title, models in panels({f"m{i}": "learner" for i in range(10)})]
    [('learners on raw strings (1 of 2)', 5), ('learners on raw strings (2 of 2)', 5)]
    >>> panels({"gru": "learner", "fsa": "reference", "column-automaton": "structured"})[1]
    ('structured learners and references (grey)', ['column-automaton', 'fsa'])
    """
    learners = [m for m, kind in kinds.items() if kind == "learner"]
    apart = [m for m, kind in kinds.items() if kind == "structured"]
    apart += [m for m, kind in kinds.items() if kind == "reference"]
    out = []
    for group, title in ((learners, "learners on raw strings"), (apart, _apart_title(kinds))):
        count = -(-len(group) // PER_PANEL)
        for part in range(count):
            size = -(-len(group) // count)
            chosen = group[part * size : (part + 1) * size]
            out.append((f"{title} ({part + 1} of {count})" if count > 1 else title, chosen))
    return out


def _apart_title(kinds: dict[str, str]) -> str:
    found = set(kinds.values())
    if {"structured", "reference"} <= found:
        return "structured learners and references (grey)"
    return "structured learners" if "structured" in found else "references (grey, built from the rule)"


def challenge_figure(frame: pd.DataFrame, challenge_id: str):  # -> matplotlib Figure | None
    """Accuracy versus length: a panel per group of :func:`panels`, a line per model (mean over
    seeds, shaded from the lowest to the highest seed), each model its own :func:`line_style`,
    legends outside the data, the caption in the figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = frame[frame["challenge"] == challenge_id]
    if rows.empty:
        return None
    rows = rows[rows["version"] == rows["version"].max()] if "version" in rows else rows
    kinds = dict(zip(rows["model"], rows["kind"]))
    layout = panels({model: kinds[model] for model in dict.fromkeys(rows["model"])})
    height = 2.9 * len(layout) + 0.5
    figure, axes_list = plt.subplots(len(layout), 1, figsize=(9.5, height), sharex=True, squeeze=False)
    index = {"learner": 0, "reference": 0}
    for axes, (title, models) in zip(axes_list[:, 0], layout):
        for position, model in enumerate(models):
            reference = kinds[model] == "reference"
            style = nested(line_style(index["reference" if reference else "learner"], reference),
                           position, len(models))  # fmt: skip
            index["reference" if reference else "learner"] += 1
            stats = rows[rows["model"] == model].groupby("length")["accuracy"].agg(["mean", "min", "max"])
            axes.plot(stats.index, 100 * stats["mean"], label=model, **style)
            axes.fill_between(stats.index, 100 * stats["min"], 100 * stats["max"], color=style["color"],
                              alpha=0.12, linewidth=0)  # fmt: skip
        axes.axvline(rows["max_train_length"].max(), color="grey", linestyle="--", linewidth=1)
        axes.axhline(50, color="grey", linestyle=":", linewidth=1)
        axes.set_xscale("log")
        axes.set_ylim(0, 104)
        axes.set_ylabel("test accuracy (%)")
        axes.set_title(f"{challenge_id}: {title}", fontsize=10)
        axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    axes_list[-1, 0].set_xlabel("length (digits)")
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    figure.text(0.01, 0.005, CAPTION, fontsize=8, ha="left", va="bottom", wrap=True)
    return figure


def plot_challenge(frame: pd.DataFrame, challenge_id: str, path: Path) -> Path | None:
    """:func:`challenge_figure` saved to ``path`` (None where ``frame`` has no such challenge)."""
    return _save(challenge_figure(frame, challenge_id), path)


def curve_figure(frame: pd.DataFrame, challenge_id: str):  # -> matplotlib Figure | None
    """Accuracy against training strings (log x), one line per learner: in range and at the
    longest tested length, mean over seeds; the legend outside the data."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = frame[(frame["challenge"] == challenge_id) & ~frame["knows_rule"].astype(bool)]
    rows = rows[rows["train_size"].notna()]
    if rows.empty or rows["train_size"].nunique() < 2:
        return None
    longest = int(rows["length"].max())
    figure, (inside, beyond) = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    stats = per_size(rows)
    count = rows["model"].nunique()
    for index, (model, group) in enumerate(rows.groupby("model", sort=False)):
        style = nested(line_style(index), index, count)  # learners that agree draw on top of each other
        in_range = stats[stats["model"] == model].groupby("train_size")["in_distribution"].mean()
        inside.plot(in_range.index, 100 * in_range, label=model, **style)
        far = group[group["length"] == longest].groupby("train_size")["accuracy"].mean()
        beyond.plot(far.index, 100 * far, label=model, **style)
    for axes, title in ((inside, "training lengths"), (beyond, f"{longest} digits")):
        axes.set_xscale("log")
        axes.set_ylim(40, 102)
        axes.axhline(50, color="grey", linestyle=":", linewidth=1)
        axes.set_xlabel("training strings")
        axes.set_title(f"{challenge_id}: {title}")
    inside.set_ylabel("test accuracy (%, mean over seeds)")
    beyond.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    figure.tight_layout()
    return figure


def plot_curve(frame: pd.DataFrame, challenge_id: str, path: Path) -> Path | None:
    """:func:`curve_figure` saved to ``path`` (None where there is no curve of several sizes)."""
    return _save(curve_figure(frame, challenge_id), path)


def _save(figure, path: Path) -> Path | None:
    if figure is None:
        return None
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, bbox_inches="tight")  # the legends outside the axes stay in
    plt.close(figure)
    return path

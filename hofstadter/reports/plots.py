"""Plots of run records: accuracy against length, and learning curves; tables are elsewhere.

Each model keeps one style -- colour, marker and dash -- in a figure (:func:`line_style`), and
lines that share a panel are drawn a fraction of a point apart (:func:`offset`), with nested
markers, so that models at the same accuracy (several at 100%) stay visible; the caption says so.
Panels go by kind (:func:`panels`): networks that answer by their own forward pass, learners that
answer with a learned automaton, trivial baselines, other learners, then structured learners and
references apart. Every learners' panel carries the finite-state ceiling -- the best finite-state
check within a state budget, ``fsa-approx`` -- as a grey line. Bands are the 95% Wilson interval
of all seeds' answers pooled, as in the tables.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from baselines import MODELS
from hofstadter.reports.tables import per_size, wilson_interval

PER_PANEL = 8  # lines a panel holds at most: more are split over panels
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#393b79")  # fmt: skip
GREYS = ("#4d4d4d", "#8c8c8c", "#b3b3b3")  # references: drawn apart, greyed
MARKERS = "osD^vPX*"
DASHES = ("-", "--", "-.", (0, (1, 1)))
# The finite-state frontier (benchmarks/frontier.py draws it): linked from LEADERBOARD.md and the site.
FRONTIER = Path("results/frontier.png")
CEILING = "fsa-approx"  # the best finite-state check within a budget: drawn on every learners' panel
CEILING_LABEL = "finite-state ceiling (fsa-approx)"
OFFSET_POINTS = 0.8  # accuracy points between neighbouring lines of a panel, so none hides another
FAMILIES = (  # (what answers a test string, the panel's title), in panel order
    ("network", "networks: answer by their own forward pass"),
    ("automaton", "learners that answer with a learned automaton"),
    ("rule", "trivial baselines"),
    ("", "other learners"),
)
CAPTION = ("Lines: mean over seeds, drawn up to 3 points apart so that lines at one accuracy stay "
           "visible; shaded band: 95% Wilson interval of all seeds' answers pooled; grey dash-dot "
           "line: the finite-state ceiling (the best check within a state budget); dashed vertical "
           "line: longest training length; dotted horizontal line: chance (50%).")


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


def offset(position: int, count: int) -> float:
    """Accuracy points added to the ``position``-th of ``count`` lines of a panel: centred on 0,
    :data:`OFFSET_POINTS` apart, less than 3 points from the truth in a full panel.

    >>> [offset(i, 3) for i in range(3)]
    [-0.8, 0.0, 0.8]
    >>> max(abs(offset(i, 8)) for i in range(8)) < 3
    True
    """
    return round(OFFSET_POINTS * (position - (count - 1) / 2), 6)


def answers_with(model: str) -> str:
    """What answers a test string of ``model`` (its class's ``answers_with``; "" if unknown).

    >>> [answers_with(m) for m in ("sr-so-gru", "rpni", "gru[lr=0.003]", "external:x")]
    ['network', 'automaton', 'network', '']
    """

    cls = MODELS.find(model.split("[", 1)[0])
    return str(getattr(cls, "answers_with", "")) if cls is not None else ""


def panels(kinds: dict[str, str], families: dict[str, str] | None = None) -> list[tuple[str, list[str]]]:
    """(title, models) of each panel: learners on raw strings by what answers for them
    (:data:`FAMILIES`; ``families`` maps a model to it, :func:`answers_with` by default), at most
    :data:`PER_PANEL` a panel and evenly spread; then structured learners and references together.

    >>> [(title, len(models)) for title, models in panels({f"m{i}": "learner" for i in range(10)})]
    [('other learners (1 of 2)', 5), ('other learners (2 of 2)', 5)]
    >>> for title, models in panels({"majority": "learner", "sr-so-gru": "learner", "rpni": "learner"}):
    ...     print(f"{title}: {models}")
    networks: answer by their own forward pass: ['sr-so-gru']
    learners that answer with a learned automaton: ['rpni']
    trivial baselines: ['majority']
    >>> panels({"gru": "learner", "fsa": "reference", "column-automaton": "structured"})[1]
    ('structured learners and references (grey)', ['column-automaton', 'fsa'])
    """
    family = families if families is not None else {m: answers_with(m) for m in kinds}
    learners = [m for m, kind in kinds.items() if kind == "learner"]
    groups = [([m for m in learners if family.get(m, "") == key], title) for key, title in FAMILIES]
    apart = [m for m, kind in kinds.items() if kind == "structured"]
    apart += [m for m, kind in kinds.items() if kind == "reference"]
    out = []
    for group, title in [*groups, (apart, _apart_title(kinds))]:
        count = -(-len(group) // PER_PANEL)
        for part in range(count):
            size = -(-len(group) // count)
            chosen = group[part * size : (part + 1) * size]
            out.append((f"{title} ({part + 1} of {count})" if count > 1 else title, chosen))
    return out


def wilson_band(rows: pd.DataFrame) -> pd.DataFrame:
    """length -> mean accuracy over seeds, and the 95% Wilson interval of all seeds' answers pooled
    (``low``, ``high``), as the tables give it.

    >>> frame = pd.DataFrame({"length": [5, 5], "accuracy": [1.0, 0.9], "n": [100, 100]})
    >>> band = wilson_band(frame).round(3)
    >>> band.loc[5, "mean"], band.loc[5, "low"], band.loc[5, "high"]
    (np.float64(0.95), np.float64(0.91), np.float64(0.973))
    """

    out = {}
    for length, group in rows.groupby("length"):
        n = int(group["n"].sum())
        low, high = wilson_interval(float((group["accuracy"] * group["n"]).sum()), n)
        out[length] = {"mean": float(group["accuracy"].mean()), "low": low, "high": high}
    return pd.DataFrame.from_dict(out, orient="index").sort_index()


def _apart_title(kinds: dict[str, str]) -> str:
    found = set(kinds.values())
    if {"structured", "reference"} <= found:
        return "structured learners and references (grey)"
    return "structured learners" if "structured" in found else "references (grey, built from the rule)"


def challenge_figure(frame: pd.DataFrame, challenge_id: str):  # -> matplotlib Figure | None
    """Accuracy versus length: a panel per group of :func:`panels`, a line per model (mean over
    seeds, offset by :func:`offset`, shaded by its Wilson band), each model its own
    :func:`line_style`, the finite-state ceiling on every learners' panel, legends outside the
    data, the caption in the figure."""
    import matplotlib  # slow to import: loaded by the commands that draw, not by every command

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt  # after use("Agg")

    rows = frame[frame["challenge"] == challenge_id]
    if rows.empty:
        return None
    rows = rows[rows["version"] == rows["version"].max()] if "version" in rows else rows
    kinds = dict(zip(rows["model"], rows["kind"]))
    layout = panels({model: kinds[model] for model in dict.fromkeys(rows["model"])})
    ceiling = wilson_band(rows[rows["model"] == CEILING]) if CEILING in kinds else None
    height = 2.9 * len(layout) + 0.6
    figure, axes_list = plt.subplots(len(layout), 1, figsize=(9.5, height), sharex=True, squeeze=False)
    index = {"learner": 0, "reference": 0}
    for axes, (title, models) in zip(axes_list[:, 0], layout):
        learners_panel = all(kinds[m] == "learner" for m in models)
        if learners_panel and ceiling is not None:
            axes.plot(ceiling.index, 100 * ceiling["mean"], color="#7f7f7f", linestyle="-.", linewidth=2.2,
                      alpha=0.7, label=CEILING_LABEL, zorder=1)  # fmt: skip
        for position, model in enumerate(models):
            reference = kinds[model] == "reference"
            style = nested(line_style(index["reference" if reference else "learner"], reference),
                           position, len(models))  # fmt: skip
            index["reference" if reference else "learner"] += 1
            band = wilson_band(rows[rows["model"] == model])
            axes.plot(band.index, 100 * band["mean"] + offset(position, len(models)), label=model, **style)
            axes.fill_between(band.index, 100 * band["low"], 100 * band["high"], color=style["color"],
                              alpha=0.12, linewidth=0)  # fmt: skip
        axes.axvline(rows["max_train_length"].max(), color="grey", linestyle="--", linewidth=1)
        axes.axhline(50, color="grey", linestyle=":", linewidth=1)
        axes.set_xscale("log")
        axes.set_ylim(0, 106)
        axes.set_ylabel("test accuracy (%)")
        axes.set_title(f"{challenge_id}: {title}", fontsize=10)
        axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    axes_list[-1, 0].set_xlabel("length (digits)")
    figure.tight_layout(rect=(0, 0.6 / height, 1, 1))  # 0.6 inch at the foot for the caption
    figure.text(0.01, 0.005, CAPTION, fontsize=8, ha="left", va="bottom", wrap=True)
    return figure


def plot_challenge(frame: pd.DataFrame, challenge_id: str, path: Path) -> Path | None:
    """:func:`challenge_figure` saved to ``path`` (None where ``frame`` has no such challenge);
    not drawn again while its rows and this module are unchanged (:func:`unchanged`)."""
    rows = frame[frame["challenge"] == challenge_id]
    if unchanged(path, rows):
        return path
    return _remember(path, rows, _save(challenge_figure(frame, challenge_id), path))


def curve_figure(frame: pd.DataFrame, challenge_id: str):  # -> matplotlib Figure | None
    """Accuracy against training strings (log x), one line per learner: in range and at the
    longest tested length, mean over seeds; the legend outside the data."""
    import matplotlib  # slow to import: loaded by the commands that draw, not by every command

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt  # after use("Agg")

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
    """:func:`curve_figure` saved to ``path`` (None where there is no curve of several sizes);
    not drawn again while its rows and this module are unchanged."""
    rows = frame[frame["challenge"] == challenge_id]
    if unchanged(path, rows):
        return path
    return _remember(path, rows, _save(curve_figure(frame, challenge_id), path))


# Drawing a plot takes seconds; a board of 13 challenges drew 26 for one new record. Each plot
# folder keeps the key of what every plot there was drawn from: the rows plotted and this module's
# source (a change to the drawing code redraws everything).
KEYS = ".plot-keys.json"
PLOTTED = ("version", "model", "kind", "seed", "length", "accuracy", "n", "max_train_length", "knows_rule",
           "train_size")  # the columns a plot is drawn from


def plot_key(rows: pd.DataFrame) -> str:
    """sha256 of ``rows`` (as CSV) and of this module's source.

    >>> frame = pd.DataFrame({"length": [1], "accuracy": [0.5]})
    >>> plot_key(frame) == plot_key(frame.copy()), plot_key(frame) == plot_key(frame.assign(accuracy=0.6))
    (True, False)
    """

    # Only what a plot draws, in one dtype: a record elsewhere in the store without a training
    # size turns the column to floats everywhere, which must not redraw every plot.
    drawn = rows[[c for c in PLOTTED if c in rows.columns]]
    if "train_size" in drawn:
        drawn = drawn.assign(train_size=pd.to_numeric(drawn["train_size"]).astype(float))
    source = Path(__file__).read_bytes()
    return hashlib.sha256(source + drawn.to_csv(index=False).encode()).hexdigest()


def unchanged(path: Path, rows: pd.DataFrame) -> bool:
    """Whether ``path`` exists and was drawn from exactly ``rows`` by this code."""
    return path.exists() and _keys(path.parent).get(path.name) == plot_key(rows)


def _keys(folder: Path) -> dict:
    try:
        return json.loads((folder / KEYS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _remember(path: Path, rows: pd.DataFrame, saved: Path | None) -> Path | None:
    if saved is not None:
        keys = {**_keys(path.parent), path.name: plot_key(rows)}
        (path.parent / KEYS).write_text(json.dumps(keys, indent=0, sort_keys=True), encoding="utf-8")
    return saved


def _save(figure, path: Path) -> Path | None:
    if figure is None:
        return None
    import matplotlib.pyplot as plt  # slow to import: only when a figure was drawn

    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, bbox_inches="tight")  # the legends outside the axes stay in
    plt.close(figure)
    return path

"""Records in, tables and plots out: pure functions over a tidy pandas DataFrame.

``tidy(records)`` flattens run records to one row per (challenge, model, seed, length); the table
functions take that frame and return frames or Markdown strings; only :func:`write_leaderboard`
touches the disk. Nothing here prints.

Solved means, in every seed: proven exact (the model's DFA is equivalent to the challenge's
minimal DFA on every well-formed string), or a 95% Wilson lower bound of at least 99% at every
tested length -- the training range and every extrapolation length. A sampled 100 of 100 is not
enough (its lower bound is 96.3%); 1,000 of 1,000 is (99.6%).

References built from the rule (``knows_rule``) are shown apart from the learners and never
ranked with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

SOLVED_ACCURACY = 0.99
CAPPED = "†"  # marks a cell where a seed's training was stopped by the wall-clock safety cap
_METRIC_COLUMNS = [
    "challenge", "model", "seed", "length", "accuracy", "n", "max_train_length",
    "train_size", "knows_rule", "equivalent", "capped",
]  # fmt: skip


def wilson_interval(correct: float, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion: ``correct`` right answers of ``n``.

    Unlike the normal approximation it stays inside [0, 1] and is honest at 100%: all right is
    not the same as surely right.

    >>> [round(x, 4) for x in wilson_interval(100, 100)]
    [0.963, 1.0]
    >>> [round(x, 4) for x in wilson_interval(1000, 1000)]
    [0.9962, 1.0]
    """
    if n <= 0:
        return 0.0, 1.0
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    spread = z / (1 + z * z / n) * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5)
    return max(0.0, centre - spread), min(1.0, centre + spread)


def latest_records(records: Iterable[dict[str, Any]], profile: str | None = None) -> list[dict]:
    """The newest record per run key, of one profile, on each challenge's default lengths."""
    from . import CHALLENGES

    newest: dict[str, dict] = {}
    for record in records:
        if profile is not None and record.get("profile") != profile:
            continue
        challenge = CHALLENGES.find(record.get("challenge"))  # a plugin's id may not be loaded
        default = list(challenge.train_lengths) if challenge else None
        if record.get("train_lengths") not in (None, default):
            continue  # narrower training ranges are experiments, not leaderboard entries
        key = record.get("key") or f"{record.get('challenge')}/{record.get('model')}/{record.get('seed')}"
        if key not in newest or str(record.get("date", "")) >= str(newest[key].get("date", "")):
            newest[key] = record
    return list(newest.values())


def tidy(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per (challenge, model, seed, length) of the successful runs."""
    from . import CHALLENGES

    rows = []
    for record in records:
        if record.get("status") != "ok":
            continue
        challenge = CHALLENGES.find(record["challenge"])
        max_train = (record.get("train_lengths") or challenge.train_lengths)[1]  # type: ignore[union-attr]
        for metric in record.get("metrics", []):
            rows.append({
                "challenge": record["challenge"], "model": model_name(record), "seed": record["seed"],
                "length": int(metric["length"]), "accuracy": float(metric["accuracy"]),
                "n": int(metric["n"]), "max_train_length": int(max_train),
                "train_size": record.get("train_size"), "knows_rule": bool(record.get("knows_rule")),
                "equivalent": record.get("equivalent"),
                "capped": hit_time_cap(record),
            })  # fmt: skip
    frame = pd.DataFrame(rows, columns=_METRIC_COLUMNS)
    # Registry order, not the order runs finished in, so tables keep their shape across reruns.
    orders = {
        "challenge": in_registry_order(frame["challenge"], _registered_challenges()),
        "model": in_registry_order(frame["model"], _registered_models()),
    }

    def rank(column: pd.Series) -> pd.Series:
        return column.map({name: i for i, name in enumerate(orders[str(column.name)])})

    return frame.sort_values(["challenge", "model"], key=rank, kind="stable").reset_index(drop=True)


def hit_time_cap(record: dict[str, Any]) -> bool:
    """Whether the wall-clock safety cap, not the step budget, ended the record's training."""
    fit = record.get("fit")
    return bool(isinstance(fit, dict) and fit.get("hit_time_cap"))


def in_registry_order(names: Iterable[str], registered: list[str]) -> list[str]:
    """``names`` without repeats: registered ones in registry order, then the rest as they came.

    A variant with command-line options (``gru[hidden_size=16]``) follows its model.

    >>> in_registry_order(["gru[layers=2]", "gru", "plugin-model", "fsa", "gru"], ["fsa", "rnn", "gru"])
    ['fsa', 'gru', 'gru[layers=2]', 'plugin-model']
    """
    unique = list(dict.fromkeys(names))
    position = {name: i for i, name in enumerate(registered)}

    def rank(name: str) -> tuple[int, bool, int]:
        base = name.split("[", 1)[0]
        return position.get(base, len(position)), name != base, unique.index(name)

    return sorted(unique, key=rank)


def model_name(record: dict[str, Any]) -> str:
    """The row a record goes to: its model id, with any command-line options (``gru[lr=0.003]``)."""
    from .overrides import model_label

    return model_label(record["model"], record.get("overrides"))


def _registered_challenges() -> list[str]:
    from . import list_challenges

    return list_challenges()


def _registered_models() -> list[str]:
    from baselines import MODELS

    return list(MODELS)


def statuses(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """challenge, model -> status and reason of the runs that did not produce metrics."""
    rows = [
        {"challenge": r["challenge"], "model": model_name(r), "status": r.get("status"),
         "reason": r.get("reason", ""), "train_size": r.get("train_size")}  # fmt: skip
        for r in records
        if r.get("status") != "ok"
    ]
    return pd.DataFrame(rows, columns=["challenge", "model", "status", "reason", "train_size"])


def unscored_sizes(status: pd.DataFrame) -> list[str]:
    """One line per (challenge, model, status) of a learning curve: the sizes left without figures.

    >>> frame = pd.DataFrame({"challenge": ["c", "c"], "model": ["edsm", "edsm"],
    ...     "status": ["over-budget"] * 2, "reason": ["", ""], "train_size": [30000, 100000]})
    >>> unscored_sizes(frame)
    ['edsm on c: over-budget at 30,000 and 100,000 strings']
    """
    lines = []
    rows = status[status["train_size"].notna() & (status["status"] != "not-applicable")]
    for (challenge, model, kind), group in rows.groupby(["challenge", "model", "status"], sort=False):
        sizes = [f"{int(n):,}" for n in sorted(group["train_size"].unique())]
        listed = sizes[0] if len(sizes) == 1 else f"{', '.join(sizes[:-1])} and {sizes[-1]}"
        lines.append(f"{model} on {challenge}: {kind} at {listed} strings")
    return lines


def per_seed(frame: pd.DataFrame) -> pd.DataFrame:
    """Per (challenge, model, seed): in-distribution accuracy, the worst accuracy and Wilson
    lower bound over lengths, whether the run is proven exact, and whether it is solved."""
    frame = frame.assign(
        lower=[wilson_interval(a * n, n)[0] for a, n in zip(frame["accuracy"], frame["n"])]
    )
    in_range = frame[frame["length"] <= frame["max_train_length"]]
    weighted = in_range.assign(correct=in_range["accuracy"] * in_range["n"])
    keys = ["challenge", "model", "seed"]
    in_dist = (weighted.groupby(keys)["correct"].sum() / weighted.groupby(keys)["n"].sum())
    grouped = frame.groupby(keys)
    table = pd.concat(
        [
            in_dist.rename("in_distribution"),
            grouped["accuracy"].min().rename("worst"),
            grouped["lower"].min().rename("worst_lower"),
            grouped["equivalent"].first().map(lambda v: v is True).rename("proven"),
        ],
        axis=1,
    ).reset_index()
    table["solved"] = table["proven"] | (table["worst_lower"] >= SOLVED_ACCURACY)
    return table


def _pooled(group: pd.DataFrame) -> str:
    """Mean ± std over seeds, then the 95% Wilson interval of all seeds' answers pooled and n."""
    low, high = wilson_interval(float((group["accuracy"] * group["n"]).sum()), int(group["n"].sum()))
    return f"{_mean_std(group['accuracy'])} [{100 * low:.1f}, {100 * high:.1f}] n={int(group['n'].sum())}"


def _exactness(summary: pd.DataFrame, records_equivalent: pd.Series) -> str:
    """'proven' (every seed), 'k/n proven', 'no' (a DFA, proven inexact) or 'sampled' (no DFA)."""
    proven = int(summary["proven"].sum())
    if proven == len(summary):
        return "proven"
    if proven:
        return f"{proven}/{len(summary)} proven"
    return "not exact" if records_equivalent.notna().any() else "sampled"


def _mean_std(values: pd.Series) -> str:
    mean = 100 * values.mean()
    if len(values) < 2:
        return f"{mean:.1f}"
    return f"{mean:.1f} ± {100 * values.std(ddof=1):.1f}"


def challenge_table(
    frame: pd.DataFrame, challenge_id: str, status: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One challenge: a row per model; in-distribution and each extrapolation length.

    Each length's cell is the mean ± std over seeds, then the 95% Wilson interval of the pooled
    answers and their number. ``exact`` says whether the model's DFA is proven equivalent.
    """
    rows = frame[frame["challenge"] == challenge_id]
    out = []
    if not rows.empty:
        seeds = per_seed(rows)
        beyond = sorted(rows.loc[rows["length"] > rows["max_train_length"], "length"].unique())
        for model, group in rows.groupby("model", sort=False):
            summary = seeds[seeds["model"] == model]
            mark = f" {CAPPED}" if group["capped"].any() else ""
            entry = {"model": f"{model}{mark}", "seeds": int(summary["seed"].nunique()),
                     "in-distribution": _mean_std(summary["in_distribution"])}  # fmt: skip
            for length in beyond:
                at = group[group["length"] == length]
                entry[f"{length} digits"] = _pooled(at) if len(at) else "-"
            solved = bool(summary["solved"].all()) and (challenge_id, model) not in unfinished(status)
            entry["exact"] = _exactness(summary, group["equivalent"])
            entry["solved"] = "yes" if solved else "no"
            entry["_sort"] = (not solved, -float(summary["worst"].mean()))  # solved first, then best
            out.append(entry)
    if status is not None:
        for _, row in status[status["challenge"] == challenge_id].drop_duplicates("model").iterrows():
            if any(e["model"].removesuffix(f" {CAPPED}") == row["model"] for e in out):
                continue
            out.append({"model": row["model"], "seeds": "-", "in-distribution": row["status"],
                        "solved": "-", "_sort": (True, 2.0)})  # fmt: skip
    table = pd.DataFrame(out)
    if table.empty:
        return table
    ordered = table.sort_values("_sort", kind="stable").drop(columns="_sort").astype(object)
    return ordered.fillna("-").reset_index(drop=True)


def unfinished(status: pd.DataFrame | None) -> set[tuple[str, str]]:
    """(challenge, model) pairs with a seed that has no figures (over budget, failed): a pair
    can be solved only in every seed, and such a seed is not.

    >>> unfinished(pd.DataFrame({"challenge": ["c", "c"], "model": ["edsm", "fsa"],
    ...     "status": ["over-budget", "not-applicable"]}))
    {('c', 'edsm')}
    """
    if status is None or status.empty:
        return set()
    rows = status[status["status"] != "not-applicable"]
    return set(zip(rows["challenge"], rows["model"]))


def headline(frame: pd.DataFrame, status: pd.DataFrame | None = None) -> pd.DataFrame:
    """Challenges x models: accuracy at the longest tested length (mean over seeds); * = solved.

    ``status`` (see :func:`statuses`) names seeds without figures, which leave a pair unsolved.
    """
    if frame.empty:
        return pd.DataFrame()
    longest = frame.groupby("challenge")["length"].transform("max")
    at_longest = frame[frame["length"] == longest]
    mean = at_longest.groupby(["challenge", "model"], sort=False)["accuracy"].mean()
    solved = per_seed(frame).groupby(["challenge", "model"])["solved"].all()
    for pair in unfinished(status) & set(solved.index):
        solved[pair] = False
    capped = frame.groupby(["challenge", "model"])["capped"].any()
    cells = {
        key: f"{100 * value:.1f}{' *' if solved.get(key, False) else ''}"
        f"{f' {CAPPED}' if capped.get(key, False) else ''}"
        for key, value in mean.items()
    }
    table = pd.Series(cells).unstack(fill_value="n/a")
    order = list(dict.fromkeys(frame["challenge"]))
    references = set(frame.loc[frame["knows_rule"], "model"])
    models = list(dict.fromkeys(frame["model"]))
    # Learners first; references (built from the rule) after them, marked, never among them.
    columns = [m for m in models if m in table.columns and m not in references]
    columns += [m for m in models if m in table.columns and m in references]
    table = table.reindex(index=order, columns=columns).fillna("n/a")
    return table.rename(columns={m: f"{m}{REFERENCE_MARK}" for m in references})


REFERENCE_MARK = "(ref)"


def strings_needed(frame: pd.DataFrame) -> pd.DataFrame:
    """Challenge x learner: the fewest training strings at which every seed is solved.

    Over the training sizes the records cover (a learning-curve run); "> N" when even the
    largest size N left a seed unsolved. References are left out: they read no strings.
    """
    learners = frame[~frame["knows_rule"].astype(bool) & frame["train_size"].notna()]
    if learners.empty or learners["train_size"].nunique() < 2:
        return pd.DataFrame()
    runs = per_size(learners)
    # Every seed must be solved: a seed with no metrics at a size (over budget, failed) is not.
    seeds = runs.groupby(["challenge", "model"])["seed"].transform("nunique")
    counted = runs.assign(seeds=seeds).groupby(["challenge", "model", "train_size"], sort=False)
    solved = counted["solved"].sum() == counted["seeds"].first()
    cells = {}
    for (challenge, model), by_size in solved.groupby(level=["challenge", "model"], sort=False):
        sizes = by_size.index.get_level_values("train_size")
        enough = sizes[by_size.to_numpy()]
        cells[(challenge, model)] = f"{int(enough.min()):,}" if len(enough) else f"> {int(sizes.max()):,}"
    table = pd.Series(cells).unstack(fill_value="-")
    order = list(dict.fromkeys(learners["challenge"]))
    models = [m for m in dict.fromkeys(learners["model"]) if m in table.columns]
    return table.reindex(index=order, columns=models).fillna("-")


def per_size(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`per_seed` for each training size of a learning-curve frame."""
    parts = [per_seed(rows).assign(train_size=size) for size, rows in frame.groupby("train_size")]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _curve_style(index: int) -> dict:
    """Marker and dash of the ``index``-th line: distinct for the first 8 (4 dashes x 8 markers).

    >>> _curve_style(0), _curve_style(6)["linestyle"]
    ({'marker': 'o', 'linestyle': '-', 'markersize': 4}, '-.')
    """
    markers, dashes = "osD^vPX*", ("-", "--", "-.", ":")
    marker, dash = markers[index % len(markers)], dashes[index % len(dashes)]
    return {"marker": marker, "linestyle": dash, "markersize": 4}


def plot_curve(frame: pd.DataFrame, challenge_id: str, path: Path) -> Path | None:
    """Accuracy against training strings (log x), one line per learner: in range and at the
    longest tested length, mean over seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = frame[(frame["challenge"] == challenge_id) & ~frame["knows_rule"].astype(bool)]
    rows = rows[rows["train_size"].notna()]
    if rows.empty or rows["train_size"].nunique() < 2:
        return None
    longest = int(rows["length"].max())
    figure, (inside, beyond) = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    stats = per_size(rows)
    for index, (model, group) in enumerate(rows.groupby("model", sort=False)):
        style = _curve_style(index)  # learners that agree draw on top of each other: tell them apart
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
    beyond.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def markdown(table: pd.DataFrame, index: str | None = None) -> str:
    """A DataFrame as a GitHub Markdown table (no extra dependency)."""
    if table.empty:
        return "_no results_\n"
    frame = table.reset_index() if index else table
    if index:
        frame = frame.rename(columns={frame.columns[0]: index})
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body]) + "\n"


def plot_challenge(frame: pd.DataFrame, challenge_id: str, path: Path) -> Path | None:
    """Accuracy versus length, one line per model (mean over seeds, band = min..max)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = frame[frame["challenge"] == challenge_id]
    if rows.empty:
        return None
    figure, axes = plt.subplots(figsize=(7.5, 4.2))
    for model, group in rows.groupby("model", sort=False):
        stats = group.groupby("length")["accuracy"].agg(["mean", "min", "max"])
        axes.plot(stats.index, 100 * stats["mean"], marker="o", markersize=3, label=model)
        axes.fill_between(stats.index, 100 * stats["min"], 100 * stats["max"], alpha=0.15)
    axes.axvline(rows["max_train_length"].max(), color="grey", linestyle="--", linewidth=1)
    axes.axhline(50, color="grey", linestyle=":", linewidth=1)
    axes.set_xscale("log")
    axes.set_ylim(0, 102)
    axes.set_xlabel("length (digits; dashed line = longest training length)")
    axes.set_ylabel("test accuracy (%)")
    axes.set_title(challenge_id)
    axes.legend(fontsize=7, ncol=2, loc="lower left")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def render_markdown(
    records: list[dict],
    frame: pd.DataFrame,
    status: pd.DataFrame,
    plots: dict[str, str],
    curve: pd.DataFrame | None = None,
    curve_plots: dict[str, str] | None = None,
) -> str:
    """The whole LEADERBOARD.md."""
    challenges = in_registry_order([r["challenge"] for r in records], _registered_challenges())
    profiles = sorted({str(r.get("profile")) for r in records})
    commits = sorted({str(r.get("git_commit"))[:10] for r in records if r.get("git_commit")})
    sizes = sorted({int(s) for s in frame["train_size"].dropna()})
    parts = [
        "# Leaderboard\n",
        f"Built by `python -m challenges leaderboard` from {len(records)} runs "
        f"(profile: {', '.join(profiles)}; code: {', '.join(commits) or 'unknown'}"
        + (f"; {', '.join(f'{s:,}' for s in sizes)} training strings" if sizes else "")
        + "). Accuracy in %, mean ± standard deviation over seeds, on balanced test sets; "
        "beyond the training lengths each cell adds the 95% Wilson interval of all seeds' answers "
        "pooled, and their number n. "
        f"**Solved** = in every seed, proven exact (the model's DFA is equivalent to the minimal "
        f"DFA on every well-formed string) or a Wilson lower bound of at least "
        f"{100 * SOLVED_ACCURACY:.0f}% at every tested length (a seed without figures -- over "
        f"its budget, failed -- is not solved). Models marked {REFERENCE_MARK} are "
        "references built from the rule, shown apart and never ranked with the learners, which "
        "see only the alphabet, the training lengths and the labelled strings.\n",
        "## Headline: accuracy at the longest tested length (* = solved at every length)\n",
        markdown(headline(frame, status), index="challenge"),
    ]
    if curve is not None and not curve.empty:
        parts += [
            "## Strings needed: the fewest training strings at which every seed is solved\n",
            markdown(strings_needed(curve), index="challenge"),
            "A size where a seed has no figures (over its budget, failed) is not solved; "
            "\"> N\" names the largest size with figures.\n",
            *(f"* {line}\n" for line in unscored_sizes(status)),
        ]
        for challenge_id, path in (curve_plots or {}).items():
            parts.append(f"![{challenge_id} learning curve]({path})\n")
    if frame["capped"].any():
        parts.append(f"{CAPPED} The wall-clock safety cap (`max_seconds`), not the step budget, "
                     "stopped the training of at least one seed: those figures depend on the "
                     "machine's speed.\n")  # fmt: skip
    for challenge_id in challenges:
        parts.append(f"## {challenge_id}\n")
        if challenge_id in plots:
            parts.append(f"![{challenge_id}]({plots[challenge_id]})\n")
        table = challenge_table(frame, challenge_id, status)
        is_reference = table["model"].isin(set(frame.loc[frame["knows_rule"], "model"])) if len(table) else []
        parts.append(markdown(table[~is_reference] if len(table) else table))
        if len(table) and is_reference.any():
            parts.append(f"References {REFERENCE_MARK}, built from the rule:\n")
            parts.append(markdown(table[is_reference]))
    return "\n".join(parts)


def write_leaderboard(records: list[dict], out_dir: Path, profile: str | None = "quick") -> dict[str, Path]:
    """Write LEADERBOARD.md, leaderboard.csv and plots/*.png under ``out_dir``; returns the paths."""
    chosen = latest_records(records, profile)
    curve = tidy(chosen)
    status = statuses(chosen)
    # A learning-curve run: the tables show its largest training size, the curves all of them.
    sizes = curve["train_size"].dropna()
    frame = curve[curve["train_size"] == sizes.max()] if sizes.nunique() > 1 else curve
    out_dir.mkdir(parents=True, exist_ok=True)
    curve_plots = {}
    for challenge_id in dict.fromkeys(curve["challenge"]) if sizes.nunique() > 1 else ():
        path = plot_curve(curve, challenge_id, out_dir / "plots" / f"{challenge_id}-curve.png")
        if path is not None:
            curve_plots[challenge_id] = f"plots/{challenge_id}-curve.png"
    plots = {}
    for challenge_id in dict.fromkeys(frame["challenge"]):
        path = plot_challenge(frame, challenge_id, out_dir / "plots" / f"{challenge_id}.png")
        if path is not None:
            plots[challenge_id] = f"plots/{challenge_id}.png"
    csv_path = out_dir / "leaderboard.csv"
    summary = frame.groupby(["challenge", "model", "length"], sort=False)["accuracy"].agg(
        ["mean", "std", "min", "count"]
    )
    summary = summary.rename(columns={"count": "seeds"}).reset_index()
    summary.to_csv(csv_path, index=False, float_format="%.4f")
    md_path = out_dir / "LEADERBOARD.md"
    text = render_markdown(chosen, frame, status, plots, curve if curve_plots else None, curve_plots)
    md_path.write_text(text, encoding="utf-8")
    every_plot = {**plots, **{f"{k} curve": v for k, v in curve_plots.items()}}
    return {"markdown": md_path, "csv": csv_path, **{k: out_dir / v for k, v in every_plot.items()}}


def placeable(records: Iterable[dict[str, Any]]) -> tuple[list[dict], dict[str, int]]:
    """(records whose challenge is registered, count per unregistered challenge id).

    A record of a challenge that is not registered (its plugin not loaded) cannot be placed:
    neither its default training range nor its place in the order is known. Callers keep such
    records out of the tables and say so, rather than rewriting the tables without them.
    """
    from . import CHALLENGES

    placed, unplaced = [], {}
    for record in records:
        if CHALLENGES.find(record.get("challenge")) is not None:
            placed.append(record)
        else:
            name = str(record.get("challenge"))
            unplaced[name] = unplaced.get(name, 0) + 1
    return placed, unplaced

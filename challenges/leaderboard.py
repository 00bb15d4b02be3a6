"""Records in, tables and plots out: pure functions over a tidy pandas DataFrame.

``tidy(records)`` flattens run records to one row per (challenge, model, seed, length); the table
functions take that frame and return frames or Markdown strings; only :func:`write_leaderboard`
touches the disk. Nothing here prints.

Solved means: at least 99% accuracy at every tested length -- the training range and every
extrapolation length -- in every seed.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

SOLVED_ACCURACY = 0.99
_METRIC_COLUMNS = ["challenge", "model", "seed", "length", "accuracy", "n", "max_train_length"]


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
         "reason": r.get("reason", "")}  # fmt: skip
        for r in records
        if r.get("status") != "ok"
    ]
    return pd.DataFrame(rows, columns=["challenge", "model", "status", "reason"])


def per_seed(frame: pd.DataFrame) -> pd.DataFrame:
    """Per (challenge, model, seed): in-distribution accuracy and whether every length >= 99%."""
    in_range = frame[frame["length"] <= frame["max_train_length"]]
    weighted = in_range.assign(correct=in_range["accuracy"] * in_range["n"])
    grouped = weighted.groupby(["challenge", "model", "seed"])
    in_dist = (grouped["correct"].sum() / grouped["n"].sum()).rename("in_distribution")
    worst = frame.groupby(["challenge", "model", "seed"])["accuracy"].min().rename("worst")
    return pd.concat([in_dist, worst], axis=1).reset_index()


def _mean_std(values: pd.Series) -> str:
    mean = 100 * values.mean()
    if len(values) < 2:
        return f"{mean:.1f}"
    return f"{mean:.1f} ± {100 * values.std(ddof=1):.1f}"


def challenge_table(
    frame: pd.DataFrame, challenge_id: str, status: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One challenge: a row per model; in-distribution and each extrapolation length, mean ± std."""
    rows = frame[frame["challenge"] == challenge_id]
    out = []
    if not rows.empty:
        seeds = per_seed(rows)
        beyond = sorted(rows.loc[rows["length"] > rows["max_train_length"], "length"].unique())
        for model, group in rows.groupby("model", sort=False):
            summary = seeds[seeds["model"] == model]
            entry = {"model": model, "seeds": int(summary["seed"].nunique()),
                     "in-distribution": _mean_std(summary["in_distribution"])}  # fmt: skip
            for length in beyond:
                at = group.loc[group["length"] == length, "accuracy"]
                entry[f"{length} digits"] = _mean_std(at) if len(at) else "-"
            solved = bool((summary["worst"] >= SOLVED_ACCURACY).all())
            entry["solved"] = "yes" if solved else "no"
            entry["_sort"] = (not solved, -float(summary["worst"].mean()))  # solved first, then best
            out.append(entry)
    if status is not None:
        for _, row in status[status["challenge"] == challenge_id].drop_duplicates("model").iterrows():
            if any(e["model"] == row["model"] for e in out):
                continue
            out.append({"model": row["model"], "seeds": "-", "in-distribution": row["status"],
                        "solved": "-", "_sort": (True, 2.0)})  # fmt: skip
    table = pd.DataFrame(out)
    if table.empty:
        return table
    ordered = table.sort_values("_sort", kind="stable").drop(columns="_sort").astype(object)
    return ordered.fillna("-").reset_index(drop=True)


def headline(frame: pd.DataFrame) -> pd.DataFrame:
    """Challenges x models: accuracy at the longest tested length (mean over seeds); * = solved."""
    if frame.empty:
        return pd.DataFrame()
    longest = frame.groupby("challenge")["length"].transform("max")
    at_longest = frame[frame["length"] == longest]
    mean = at_longest.groupby(["challenge", "model"], sort=False)["accuracy"].mean()
    solved = per_seed(frame).groupby(["challenge", "model"])["worst"].min() >= SOLVED_ACCURACY
    cells = {
        key: f"{100 * value:.1f}{' *' if solved.get(key, False) else ''}" for key, value in mean.items()
    }
    table = pd.Series(cells).unstack(fill_value="n/a")
    order = list(dict.fromkeys(frame["challenge"]))
    models = list(dict.fromkeys(frame["model"]))
    return table.reindex(index=order, columns=[m for m in models if m in table.columns]).fillna("n/a")


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
    records: list[dict], frame: pd.DataFrame, status: pd.DataFrame, plots: dict[str, str]
) -> str:
    """The whole LEADERBOARD.md."""
    challenges = in_registry_order([r["challenge"] for r in records], _registered_challenges())
    profiles = sorted({str(r.get("profile")) for r in records})
    commits = sorted({str(r.get("git_commit"))[:10] for r in records if r.get("git_commit")})
    parts = [
        "# Leaderboard\n",
        f"Built by `python -m challenges leaderboard` from {len(records)} runs "
        f"(profile: {', '.join(profiles)}; code: {', '.join(commits) or 'unknown'}). "
        "Accuracy in %, mean ± standard deviation over seeds, on balanced test sets. "
        f"**Solved** = at least {100 * SOLVED_ACCURACY:.0f}% at every tested length in every seed.\n",
        "## Headline: accuracy at the longest tested length (* = solved at every length)\n",
        markdown(headline(frame), index="challenge"),
    ]
    for challenge_id in challenges:
        parts.append(f"## {challenge_id}\n")
        if challenge_id in plots:
            parts.append(f"![{challenge_id}]({plots[challenge_id]})\n")
        parts.append(markdown(challenge_table(frame, challenge_id, status)))
    return "\n".join(parts)


def write_leaderboard(records: list[dict], out_dir: Path, profile: str | None = "quick") -> dict[str, Path]:
    """Write LEADERBOARD.md, leaderboard.csv and plots/*.png under ``out_dir``; returns the paths."""
    chosen = latest_records(records, profile)
    frame = tidy(chosen)
    status = statuses(chosen)
    out_dir.mkdir(parents=True, exist_ok=True)
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
    md_path.write_text(render_markdown(chosen, frame, status, plots), encoding="utf-8")
    return {"markdown": md_path, "csv": csv_path, **{k: out_dir / v for k, v in plots.items()}}


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

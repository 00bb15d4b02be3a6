"""The leaderboard of a results store: LEADERBOARD.md, leaderboard.csv and plots, written to disk.

What a board shows is chosen in :mod:`hofstadter.reports.default_cells` (a profile's default cells; other
versions, variants and sizes named apart), its tables are pure functions in
:mod:`hofstadter.reports.tables`, its plots are drawn by :mod:`hofstadter.reports.plots`; this
module puts them
together and is the only one that writes. Nothing here prints. The table and plot functions are
importable from here too, as they were before the split.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from challenges import CHALLENGES
from hofstadter.profiles import get_profile
from hofstadter.records import newest_per_key
from hofstadter.reports.default_cells import Selection, apart_lines, select, set_aside_lines
from hofstadter.reports.plots import FRONTIER, challenge_figure, line_style, plot_challenge, plot_curve
from hofstadter.reports.tables import (
    CAPPED,
    KIND_MARKS,
    NOT_CLEAN,
    NOT_CLEAN_NOTE,
    REFERENCE_MARK,
    SOLVED_ACCURACY,
    STRUCTURED_MARK,
    _registered_challenges,
    challenge_table,
    headline,
    hit_time_cap,
    in_registry_order,
    markdown,
    model_facts,
    model_kinds,
    model_name,
    not_scored,
    per_seed,
    per_size,
    statuses,
    strings_needed,
    tidy,
    unfinished,
    unscored_sizes,
    wilson_interval,
)

__all__ = [
    "CAPPED", "REFERENCE_MARK", "SOLVED_ACCURACY", "STRUCTURED_MARK", "Selection", "challenge_figure",
    "challenge_table", "headline", "hit_time_cap", "in_registry_order", "latest_records", "line_style",
    "markdown", "model_name", "not_scored", "per_seed", "per_size", "placeable", "plot_challenge",
    "plot_curve", "render_markdown", "select", "statuses", "strings_needed", "tidy", "unfinished",
    "unscored_sizes", "wilson_interval", "write_leaderboard",
]  # fmt: skip


def latest_records(records: Iterable[dict[str, Any]], profile: str | None = None) -> list[dict]:
    """The newest record per run key, of one profile, on each challenge's default lengths."""

    def on_board(record: dict[str, Any]) -> bool:
        if profile is not None and record.get("profile") != profile:
            return False
        challenge = CHALLENGES.find(record.get("challenge"))  # a plugin's id may not be loaded
        default = list(challenge.train_lengths) if challenge else None
        return record.get("train_lengths") in (None, default)  # narrower ranges are experiments

    def key(record: dict[str, Any]) -> str:
        return record.get("key") or f"{record.get('challenge')}/{record.get('model')}/{record.get('seed')}"

    return newest_per_key(filter(on_board, records), key)



def render_markdown(
    records: list[dict],
    frame: pd.DataFrame,
    status: pd.DataFrame,
    plots: dict[str, str],
    curve: pd.DataFrame | None = None,
    curve_plots: dict[str, str] | None = None,
    selection: Selection | None = None,
    frontier: str | None = None,
) -> str:
    """The whole LEADERBOARD.md: ``records`` and ``frame`` are the default cells (see
    :func:`hofstadter.reports.default_cells.select`, which ``selection`` comes from), ``curve`` the
    learning-curve frame."""
    selection = selection or Selection(default=list(records))
    challenges = in_registry_order([r["challenge"] for r in records], _registered_challenges())
    parts = _introduction(records, frame, selection)
    parts += [
        "## Headline: accuracy at the longest tested length (* = solved at every length)\n",
        markdown(headline(frame, status), index="challenge"),
        *built_in_lines(frame),
    ]
    if frontier is not None:
        parts.append(f"The [finite-state frontier]({frontier}): the best finite-state check within each "
                     "state budget, against the learners (`python -m benchmarks.frontier`).\n")
    if curve is not None and not curve.empty:
        parts += _curve_section(curve, selection, curve_plots or {})
    if frame["capped"].any():
        parts.append(f"{CAPPED} The wall-clock safety cap (`max_seconds`), not the step budget, "
                     "stopped the training of at least one seed: those figures depend on the "
                     "machine's speed.\n")  # fmt: skip
    if any(NOT_CLEAN in str(column) for c in challenges for column in challenge_table(frame, c).columns):
        parts.append(f"{NOT_CLEAN_NOTE}\n")
    kinds = model_kinds(frame)
    for challenge_id in challenges:
        parts += _challenge_section(challenge_id, frame, status, plots, selection, kinds)
    unscored = not_scored(statuses(_unique(records, selection.curve)))
    if unscored:
        parts += ["## Not scored\n", *(f"* {line}\n" for line in unscored)]
    if selection.apart:
        parts += [
            "## Also in this store\n",
            "Not in the tables above (variants, one-off training sizes, seeds outside the profile); "
            "`leaderboard --all-variants` shows them as columns of their own:\n",
            *(f"* {line}\n" for line in apart_lines(selection.apart)),
        ]
    return "\n".join(parts)


def _introduction(records: list[dict], frame: pd.DataFrame, selection: Selection) -> list[str]:
    """The board's opening: where its figures come from, how to read them, what was left out."""
    profiles = sorted({str(r.get("profile")) for r in records})
    commits = sorted({str(r.get("git_commit"))[:10] for r in records if r.get("git_commit")})
    sizes = sorted({int(s) for s in frame["train_size"].dropna()})
    seeds = sorted({int(s) for s in frame["seed"]})
    parts = [
        "# Leaderboard\n",
        f"Built by `python -m challenges leaderboard` from {len(records)} runs "
        f"(profile: {', '.join(profiles)}; code: {', '.join(commits) or 'unknown'}"
        + (f"; {', '.join(f'{s:,}' for s in sizes)} training strings" if sizes else "")
        + (f"; {selection.seed_kind} seeds {', '.join(map(str, seeds))}" if seeds else "")
        + "). Accuracy in %, mean ± standard deviation over seeds, on balanced test sets; "
        "beyond the training lengths each cell adds the 95% Wilson interval of all seeds' answers "
        "pooled, and their number n. "
        f"**Solved** = in every seed, proven exact (the model's DFA is equivalent to the minimal "
        f"DFA on every well-formed string) or a Wilson lower bound of at least "
        f"{100 * SOLVED_ACCURACY:.0f}% at every tested length; a seed proven not exact, or without "
        "figures (over its budget, failed), is not solved. Learners see only the alphabet, the "
        f"training lengths and the labelled strings. Models marked {STRUCTURED_MARK} are "
        "structured learners: they learn from the same strings, through an encoding built by hand "
        f"(named below the headline). Models marked {REFERENCE_MARK} are references built from the "
        "rule. Both are shown apart and never ranked with the learners.\n",
    ]
    if selection.seed_kind == "development":
        parts.append("**Development seeds**: the store holds fewer default cells on the profile's report "
                     "seeds; defaults may have been tuned on these seeds, so these figures are not "
                     "estimates.\n")  # fmt: skip
    if selection.seed_note:
        parts.append(f"Seeds: {selection.seed_note}.\n")
    if selection.old_versions:
        named = "; ".join(f"{c} version {', '.join(map(str, v))}" for c, v in selection.old_versions.items())
        parts.append(f"Left out, never averaged in: {selection.old_version_records} record(s) of older "
                     f"challenge versions ({named}); each table shows the newest version.\n")  # fmt: skip
    if selection.set_aside:
        parts.append("Set aside, never averaged in: records of an older configuration of a cell "
                     "(model config, model version or evaluation seed); each cell shows its newest "
                     "configuration only.\n")  # fmt: skip
        parts += [f"* {line}\n" for line in set_aside_lines(selection.set_aside)]
    return parts


def _curve_section(curve: pd.DataFrame, selection: Selection, curve_plots: dict[str, str]) -> list[str]:
    """Strings needed: the fewest training strings at which every seed is solved, and the plots."""
    curve_status = statuses(selection.curve)
    return [
        "## Strings needed: the fewest training strings at which every seed is solved\n",
        markdown(strings_needed(curve), index="challenge"),
        "A size where a seed has no figures (over its budget, failed) is not solved; "
        "\"> N\" names the largest size with figures.\n",
        *(f"* {line}\n" for line in unscored_sizes(curve_status)),
        *(f"![{challenge_id} learning curve]({path})\n" for challenge_id, path in curve_plots.items()),
    ]


def _challenge_section(challenge_id: str, frame: pd.DataFrame, status: pd.DataFrame, plots: dict[str, str],
                       selection: Selection, kinds: dict[str, str]) -> list[str]:  # fmt: skip
    """One challenge's part: its plot, the learners' table, then structured learners and references apart."""
    parts = [f"## {challenge_id}\n"]
    if challenge_id in selection.old_versions:
        version = int(frame.loc[frame["challenge"] == challenge_id, "version"].max())
        parts.append(f"Version {version}; older versions left out.\n")
    if challenge_id in plots:
        parts.append(f"![{challenge_id}]({plots[challenge_id]})\n")
    table = challenge_table(frame, challenge_id, status)
    if not len(table):
        return [*parts, markdown(table)]
    kind = table["model"].map(lambda m: kinds.get(m.removesuffix(f" {CAPPED}"), "learner"))
    parts.append(markdown(table[kind == "learner"]))
    for apart, title in (("structured", f"Structured learners {STRUCTURED_MARK}, over an encoding "
                          "built by hand:"), ("reference", f"References {REFERENCE_MARK}, built "
                          "from the rule:")):  # fmt: skip
        rows = table[kind == apart]
        if len(rows) and not (rows["in-distribution"] == "not-applicable").all():  # named in Not scored
            parts += [f"{title}\n", markdown(rows)]
    return parts


def built_in_lines(frame: pd.DataFrame) -> list[str]:
    """One line per structured learner in ``frame``: what its encoding builds in."""
    lines = []
    for model, kind in model_kinds(frame).items():
        if kind == "structured":
            built_in = model_facts(model.split("[", 1)[0])[1] or "an encoding built by hand"
            lines.append(f"{model}{KIND_MARKS[kind]} builds in {built_in}.\n")
    return lines


def _unique(*groups: list[dict]) -> list[dict]:
    """The records of ``groups`` without repeats (a default cell may also be a curve point)."""
    return list({id(r): r for group in groups for r in group}.values())


def write_leaderboard(
    records: list[dict], out_dir: Path, profile: str | None = "quick", all_variants: bool = False
) -> dict[str, Path]:
    """Write LEADERBOARD.md, leaderboard.csv and plots/*.png under ``out_dir``; returns the paths.

    The tables show the profile's default cells (:func:`hofstadter.reports.default_cells.select`); with
    ``all_variants``, variants and one-off sizes as columns of their own too.
    """
    chosen = latest_records(records, profile)
    names = {str(r.get("profile")) for r in chosen}
    plan = get_profile(profile) if profile else get_profile(names.pop() if len(names) == 1 else "quick")
    selection = select(chosen, plan, all_variants=all_variants)
    frame = tidy(selection.default)
    status = statuses(selection.default)
    curve = tidy(selection.curve)
    out_dir.mkdir(parents=True, exist_ok=True)
    curve_plots = {}
    for challenge_id in dict.fromkeys(curve["challenge"]):
        path = plot_curve(curve, challenge_id, out_dir / "plots" / f"{challenge_id}-curve.png")
        if path is not None:
            curve_plots[challenge_id] = f"plots/{challenge_id}-curve.png"
    plots = {}
    for challenge_id in dict.fromkeys(frame["challenge"]):
        path = plot_challenge(frame, challenge_id, out_dir / "plots" / f"{challenge_id}.png")
        if path is not None:
            plots[challenge_id] = f"plots/{challenge_id}.png"
    csv_path = out_dir / "leaderboard.csv"
    summary = frame.groupby(["challenge", "version", "model", "length"], sort=False)["accuracy"].agg(
        ["mean", "std", "min", "count"]
    )
    summary = summary.rename(columns={"count": "seeds"}).reset_index()
    summary.to_csv(csv_path, index=False, float_format="%.4f")
    md_path = out_dir / "LEADERBOARD.md"
    text = render_markdown(selection.default, frame, status, plots, curve if curve_plots else None,
                           curve_plots, selection, frontier_link(out_dir))  # fmt: skip
    md_path.write_text(text, encoding="utf-8")
    every_plot = {**plots, **{f"{k} curve": v for k, v in curve_plots.items()}}
    return {"markdown": md_path, "csv": csv_path, **{k: out_dir / v for k, v in every_plot.items()}}


def frontier_link(out_dir: Path) -> str | None:
    """The frontier plot's path relative to ``out_dir``, where there is one to link."""


    if not FRONTIER.exists():
        return None
    return Path(os.path.relpath(FRONTIER.resolve(), out_dir.resolve())).as_posix()


def placeable(records: Iterable[dict[str, Any]]) -> tuple[list[dict], dict[str, int]]:
    """(records whose challenge is registered, count per unregistered challenge id).

    A record of a challenge that is not registered (its plugin not loaded) cannot be placed:
    neither its default training range nor its place in the order is known. Callers keep such
    records out of the tables and say so, rather than rewriting the tables without them.
    """

    placed, unplaced = [], {}
    for record in records:
        if CHALLENGES.find(record.get("challenge")) is not None:
            placed.append(record)
        else:
            name = str(record.get("challenge"))
            unplaced[name] = unplaced.get(name, 0) + 1
    return placed, unplaced

"""Tables of run records: pure functions over a tidy pandas DataFrame, no disk, no printing.

``tidy(records)`` flattens run records to one row per (challenge, model, seed, length); the table
functions take that frame and return frames or Markdown strings. Which records a board shows is
decided before (:mod:`hofstadter.reports.default_cells`); plots are drawn apart
(:mod:`hofstadter.reports.plots`).

Solved means, in every seed: proven exact (the model's DFA is equivalent to the challenge's
minimal DFA on every well-formed string), or a 95% Wilson lower bound of at least 99% at every
tested length -- the training range and every extrapolation length. A sampled 100 of 100 is not
enough (its lower bound is 96.3%); 1,000 of 1,000 is (99.6%). A seed proven *not* equivalent is
never solved, whatever it sampled; a record that claims equivalence beside a sampled error
contradicts itself and proves nothing.

Models are grouped by their ``kind`` (a fact on the model class, :class:`baselines.base.Model`):
learners on raw strings first; then structured learners (an encoding built by hand), marked
:data:`STRUCTURED_MARK`; then references built from the rule, marked :data:`REFERENCE_MARK`, never
ranked with the learners.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from baselines import MODELS
from baselines.model_spec import model_label
from challenges import CHALLENGES, list_challenges
from hofstadter.reports.default_cells import LABEL, version_of

SOLVED_ACCURACY = 0.99
CAPPED = "†"  # marks a cell where a seed's training was stopped by the wall-clock safety cap
NOT_CLEAN = "‡"  # marks a length where a shortcut separates the classes (Challenge.shortcut_free_lengths)
NOT_CLEAN_NOTE = (f"{NOT_CLEAN} A length where the challenge does not claim its non-members shortcut-free: "
                  "a rule that never computes the answer may be right on more than 75% of the strings "
                  "there, as in the training range (in-distribution) of every such challenge; the "
                  "measured ceilings are in results/published/shortcuts/shortcuts.md.")  # fmt: skip
REFERENCE_MARK = "(ref)"
STRUCTURED_MARK = "(enc)"
_METRIC_COLUMNS = [
    "challenge", "version", "model", "kind", "seed", "length", "accuracy", "n", "max_train_length",
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



def tidy(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per (challenge, model, seed, length) of the successful runs."""

    rows = []
    for record in records:
        if record.get("status") != "ok":
            continue
        challenge = CHALLENGES.find(record["challenge"])
        max_train = (record.get("train_lengths") or challenge.train_lengths)[1]  # type: ignore[union-attr]
        for metric in record.get("metrics", []):
            rows.append({
                "challenge": record["challenge"], "version": version_of(record),
                "model": model_name(record), "kind": model_kind(record), "seed": record["seed"],
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
    """The row a record goes to: its model id, with any command-line options (``gru[lr=0.003]``),
    or the column :func:`hofstadter.reports.default_cells.select` gave a variant it shows."""

    return record.get(LABEL) or model_label(record["model"], record.get("overrides"))


def model_kind(record: dict[str, Any]) -> str:
    """"reference" for a model built from the rule, else the registered class's ``kind``
    ("learner" or "structured"; "learner" for a model whose plugin is not loaded)."""
    if record.get("knows_rule"):
        return "reference"
    return str(model_facts(str(record.get("model")))[0])


def model_facts(model_id: str) -> tuple[str, str]:
    """(kind, what is built in) of a registered model class; ("learner", "") for an unknown id."""

    cls = MODELS.find(model_id)
    return str(getattr(cls, "kind", "learner")), str(getattr(cls, "built_in", ""))


def _registered_challenges() -> list[str]:
    return list_challenges()


def _registered_models() -> list[str]:
    return list(MODELS)


def statuses(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """challenge, model -> status and reason of the runs that did not produce metrics."""
    rows = [
        {"challenge": r["challenge"], "model": model_name(r), "seed": r.get("seed"),
         "status": r.get("status"), "reason": r.get("reason", ""),
         "train_size": r.get("train_size")}  # fmt: skip
        for r in records
        if r.get("status") != "ok"
    ]
    return pd.DataFrame(rows, columns=["challenge", "model", "seed", "status", "reason", "train_size"])


def not_scored(status: pd.DataFrame) -> list[str]:
    """The cells without figures, named: each failed cell with its reason; over-budget and
    not-applicable ones by model, with the challenges (and seeds) they cover and one reason.

    >>> status = pd.DataFrame({"challenge": ["c", "d", "c"], "model": ["gru", "fsa", "edsm"],
    ...     "seed": [0, 0, 1], "status": ["failed", "not-applicable", "over-budget"],
    ...     "reason": ["ValueError: bad\\nmore", "not regular", "over 10 s"], "train_size": None})
    >>> for line in not_scored(status): print(line)
    failed: gru on c, seed 0: ValueError: bad
    over-budget: edsm on c (seed 1) -- over 10 s
    not-applicable: fsa on d -- not regular
    """
    lines = []
    for row in status[status["status"] == "failed"].itertuples():
        reason = str(row.reason or "no reason recorded").strip().splitlines() or ["no reason recorded"]
        lines.append(f"failed: {row.model} on {row.challenge}, seed {row.seed}: {_short(reason[0])}")
    for kind in ("over-budget", "not-applicable"):
        for model, group in status[status["status"] == kind].groupby("model", sort=False):
            where = []
            for challenge, cells in group.groupby("challenge", sort=False):
                seeds = sorted({str(s) for s in cells["seed"].dropna()}, key=lambda s: (len(s), s))
                # Not applicable is a fact of the pair, the same in every seed: no seeds listed.
                listed = kind != "not-applicable" and seeds
                named = f" (seed{'s' * (len(seeds) > 1)} {', '.join(seeds)})" if listed else ""
                where.append(f"{challenge}{named}")
            reason = str(group["reason"].iloc[0] or "").strip().splitlines()
            why = f" -- {_short(reason[0])}" if reason else ""
            lines.append(f"{kind}: {model} on {', '.join(where)}{why}")
    return lines


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
    """Per (challenge, version, model, seed): in-distribution accuracy, the worst accuracy and
    Wilson lower bound over lengths, whether the run is proven exact, and whether it is solved.

    A seed proven not equivalent is never solved, however well it sampled; a record that says
    ``equivalent: true`` beside a sampled error contradicts itself: neither proven nor solved.

    >>> rows = pd.DataFrame({"challenge": "c", "version": 1, "model": "m", "seed": [0, 1, 2],
    ...     "length": 9, "accuracy": [1.0, 1.0, 0.5], "n": 10_000, "max_train_length": 6,
    ...     "equivalent": [None, False, True]})
    >>> per_seed(rows)[["seed", "proven", "disproven", "contradicts", "solved"]].to_numpy().tolist()
    [[0, False, False, False, True], [1, False, True, False, False], [2, False, False, True, False]]
    """
    frame = frame.assign(
        lower=[wilson_interval(a * n, n)[0] for a, n in zip(frame["accuracy"], frame["n"])]
    )
    in_range = frame[frame["length"] <= frame["max_train_length"]]
    weighted = in_range.assign(correct=in_range["accuracy"] * in_range["n"])
    keys = [k for k in ("challenge", "version", "model", "seed") if k in frame.columns]
    in_dist = (weighted.groupby(keys)["correct"].sum() / weighted.groupby(keys)["n"].sum())
    grouped = frame.groupby(keys)
    table = pd.concat(
        [
            in_dist.rename("in_distribution"),
            grouped["accuracy"].min().rename("worst"),
            grouped["lower"].min().rename("worst_lower"),
            grouped["equivalent"].first().map(lambda v: v is True).rename("claimed"),
            grouped["equivalent"].first().map(lambda v: v is False).rename("disproven"),
        ],
        axis=1,
    ).reset_index()
    table["contradicts"] = table["claimed"] & (table["worst"] < 1.0)
    table["proven"] = table["claimed"] & ~table["contradicts"]
    sampled = table["worst_lower"] >= SOLVED_ACCURACY
    table["solved"] = (table["proven"] | sampled) & ~table["disproven"] & ~table["contradicts"]
    return table.drop(columns="claimed")


def _pooled(group: pd.DataFrame) -> str:
    """Mean ± std over seeds, then the 95% Wilson interval of all seeds' answers pooled and n."""
    low, high = wilson_interval(float((group["accuracy"] * group["n"]).sum()), int(group["n"].sum()))
    return f"{_mean_std(group['accuracy'])} [{100 * low:.1f}, {100 * high:.1f}] n={int(group['n'].sum())}"


def _exactness(summary: pd.DataFrame, records_equivalent: pd.Series) -> str:
    """'proven' (every seed), 'k/n proven', 'not exact' (a DFA, proven inexact), 'sampled' (no
    DFA), or 'contradictory' where a record claims equivalence beside a sampled error."""
    if summary["contradicts"].any():
        return f"contradictory ({int(summary['contradicts'].sum())} seed(s) claim proof beside errors)"
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
    answers and their number. ``exact`` says whether the model's DFA is proven equivalent. Of
    several versions of the challenge in ``frame``, the newest alone: versions are never averaged.
    """
    rows = frame[frame["challenge"] == challenge_id]
    rows = rows[rows["version"] == rows["version"].max()] if len(rows) else rows
    out = []
    if not rows.empty:
        seeds = per_seed(rows)
        beyond = sorted(rows.loc[rows["length"] > rows["max_train_length"], "length"].unique())
        for model, group in rows.groupby("model", sort=False):
            summary = seeds[seeds["model"] == model]
            mark = f" {CAPPED}" if group["capped"].any() else ""
            clean = shortcut_free_lengths(challenge_id, int(rows["version"].max()))
            flag = {L: "" if clean is None or L in clean else f" {NOT_CLEAN}" for L in beyond}
            entry = {"model": f"{model}{mark}", "seeds": int(summary["seed"].nunique()),
                     "in-distribution": _mean_std(summary["in_distribution"])}  # fmt: skip
            for length in beyond:
                at = group[group["length"] == length]
                entry[f"{length} digits{flag[length]}"] = _pooled(at) if len(at) else "-"
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


def shortcut_free_lengths(challenge_id: str, version: int) -> tuple[int, ...] | None:
    """The lengths the registered challenge declares shortcut-free, if it is of ``version``; None:
    no claim either way (a regular language, or a version other than the registered one).

    >>> shortcut_free_lengths("add-base10", 3), shortcut_free_lengths("div7-base10", 1)
    ((60, 100, 1000), None)
    """

    challenge = CHALLENGES.find(challenge_id)
    if challenge is None or challenge.version != version:
        return None
    return challenge.shortcut_free_lengths


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

    ``status`` (see :func:`statuses`) names seeds without figures, which leave a pair unsolved;
    a pair with no figures because every seed ran out of its budget reads ``over budget`` (it ran:
    ``n/a`` is left for pairs not run or not applicable). A challenge present in several
    versions gets a row per version (``div3-base10 v2``): versions
    are never averaged. Columns: learners, then structured learners and references, marked.
    """
    if frame.empty:
        return pd.DataFrame()
    versions = frame.groupby("challenge")["version"].transform("nunique")
    row = frame["challenge"].where(versions == 1, frame["challenge"] + " v" + frame["version"].astype(str))
    frame = frame.assign(row=row)
    longest = frame.groupby("row")["length"].transform("max")
    at_longest = frame[frame["length"] == longest]
    mean = at_longest.groupby(["row", "model"], sort=False)["accuracy"].mean()
    seeds = per_seed(frame).merge(frame[["challenge", "version", "row"]].drop_duplicates())
    solved = seeds.groupby(["row", "model"])["solved"].all()
    rows_of = frame[["challenge", "version", "row"]].drop_duplicates()
    for challenge, model in unfinished(status):
        for name in rows_of.loc[rows_of["challenge"] == challenge, "row"]:
            if (name, model) in solved.index:
                solved[(name, model)] = False
    capped = frame.groupby(["row", "model"])["capped"].any()
    cells = {
        key: f"{100 * value:.1f}{' *' if solved.get(key, False) else ''}"
        f"{f' {CAPPED}' if capped.get(key, False) else ''}"
        for key, value in mean.items()
    }
    for challenge, model in over_budget_only(status, frame):
        for name in rows_of.loc[rows_of["challenge"] == challenge, "row"]:
            cells[(name, model)] = OVER_BUDGET
    table = pd.Series(cells).unstack(fill_value="n/a")
    kinds = model_kinds(frame)
    first = {c: i for i, c in enumerate(dict.fromkeys(frame["challenge"]))}  # registry order
    newest_first = rows_of.sort_values("version", ascending=False)
    order = list(newest_first.sort_values("challenge", key=lambda c: c.map(first), kind="stable")["row"])
    # Learners on raw strings first; structured learners and references after them, marked.
    columns = [m for kind in KIND_ORDER for m in kinds if kinds[m] == kind and m in table.columns]
    table = table.reindex(index=order, columns=columns).fillna("n/a")
    return table.rename(columns={m: f"{m}{KIND_MARKS[kinds[m]]}" for m in columns})


OVER_BUDGET = "over budget"


def over_budget_only(status: pd.DataFrame | None, frame: pd.DataFrame) -> set[tuple[str, str]]:
    """(challenge, model) pairs whose every record ran over its budget: no seed has figures.

    >>> frame = pd.DataFrame({"challenge": ["c"], "model": ["rpni"]})
    >>> sorted(over_budget_only(pd.DataFrame({"challenge": ["c", "d"], "model": ["rpni", "rpni"],
    ...     "status": ["over-budget", "over-budget"]}), frame))
    [('d', 'rpni')]
    """
    if status is None or status.empty:
        return set()
    over = status[status["status"] == "over-budget"]
    scored = set(zip(frame["challenge"], frame["model"]))
    return {pair for pair in zip(over["challenge"], over["model"]) if pair not in scored}


KIND_ORDER = ("learner", "structured", "reference")
KIND_MARKS = {"learner": "", "structured": STRUCTURED_MARK, "reference": REFERENCE_MARK}


def model_kinds(frame: pd.DataFrame) -> dict[str, str]:
    """Model column -> kind, in the frame's order (a variant has its model's kind)."""
    pairs = frame[["model", "kind"]].drop_duplicates("model")
    return dict(zip(pairs["model"], pairs["kind"]))


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



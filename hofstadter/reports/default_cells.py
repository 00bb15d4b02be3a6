"""Which records a leaderboard shows: a profile's default cells, and the rest named apart.

A store gathers more than one experiment: learning-curve sizes, command-line variants
(``gru[hidden_size=128]``), a one-off ``--train-size``, seeds outside the profile, an older version
of a challenge. The headline and per-challenge tables show only the **default cells** -- each
challenge's newest version in the store, default configs, the profile's training size and the
profile's seeds -- so that nothing else a store holds can change a headline figure:

* other versions are never averaged in: they are left out and named (:attr:`Selection.old_versions`);
* other training sizes feed only the strings-needed table, and only as a real curve
  (:data:`CURVE_SIZES` sizes or more, each recorded in every seed of the profile);
* everything else (variants, one-off sizes, other seeds) is listed apart, or, with
  ``all_variants``, shown in the tables as its own column (``majority[train_size=1000]``);
* of one cell (challenge, model, training size) the tables show one configuration -- its config,
  model version and evaluation seed -- the newest recorded: records of an older one are set aside
  and named (:attr:`Selection.set_aside`, :func:`set_aside_lines`), never averaged in.

Seeds: the profile's report seeds, unless its development seeds hold default cells of more
(challenge, model) pairs -- a development run, an older store, a development board beside which
one report-seed cell was run or scored --; then the development seeds, and it says so
(:attr:`Selection.seed_kind`, :attr:`Selection.seed_note`). One cell on the other kind never
empties a board.

>>> from hofstadter.profiles import Profile
>>> profile = Profile("p", (100,), 512, 1, 1, 1, 1, 1.0)
>>> def record(**fields):
...     return {"challenge": "div3-base10", "model": "fsa", "seed": 100, "train_size": 512,
...             "challenge_version": 1, "status": "ok", **fields}
>>> chosen = select([record(), record(model="gru", train_size=1000), record(challenge_version=0),
...                  record(model="gru", overrides={"lr": 0.1})], profile)
>>> [r["model"] for r in chosen.default]
['fsa']
>>> for line in apart_lines(chosen.apart): print(line)
gru on div3-base10 (1,000 training strings; seed 100)
gru[lr=0.1] on div3-base10 (512 training strings; seed 100)
>>> chosen.old_versions
{'div3-base10': [0]}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from baselines.model_spec import model_label
from hofstadter.profiles import Profile

CURVE_SIZES = 3  # a strings-needed row needs at least this many sizes, each in every profile seed
LABEL = "board_label"  # a record's column when it is shown as a variant (see ``all_variants``)


@dataclass
class Selection:
    """The records of one board, sorted by what the board does with them."""

    default: list[dict] = field(default_factory=list)  # headline and per-challenge tables
    curve: list[dict] = field(default_factory=list)  # strings needed (empty: no real curve)
    apart: list[dict] = field(default_factory=list)  # variants, one-off sizes, other seeds
    old_versions: dict[str, list[int]] = field(default_factory=dict)  # challenge -> versions left out
    old_version_records: int = 0
    seed_kind: str = "report"  # which of the profile's seeds the default cells are on
    seeds: tuple[int, ...] = ()
    seed_note: str | None = None  # why the other kind's default cells are listed apart, if any are
    set_aside: list[dict] = field(default_factory=list)  # older configurations of a shown cell


def version_of(record: dict[str, Any]) -> int:
    """A record's challenge version (records from before versions were recorded: 1)."""
    version = record.get("challenge_version")
    return version if isinstance(version, int) and not isinstance(version, bool) else 1


def variant_label(record: dict[str, Any], profile: Profile, seeds: Iterable[int]) -> str | None:
    """None for a default cell, else its column name: the model with what differs in brackets.

    >>> from hofstadter.profiles import PROFILES
    >>> quick = PROFILES["quick"]
    >>> variant_label({"model": "gru", "seed": quick.seeds[0]}, quick, quick.seeds) is None
    True
    >>> variant_label({"model": "gru", "overrides": {"lr": 0.1}, "train_size": 1000, "seed": 7},
    ...               quick, quick.seeds)
    'gru[lr=0.1,train_size=1000,seeds=other]'
    """

    options = dict(record.get("overrides") or {}) if isinstance(record.get("overrides"), dict) else {}
    if (size := profile.size_apart(record.get("train_size"))) is not None:
        options["train_size"] = size
    if record.get("label_noise"):  # noisy labels are never a default cell
        options["label_noise"] = record["label_noise"]
    if record.get("seed") not in set(seeds):
        options["seeds"] = "other"
    if not options:
        return None
    # model_label sorts its keys; keep the model's own options first, then what the board adds.
    added = {k: options.pop(k) for k in ("train_size", "label_noise", "seeds") if k in options}
    label = model_label(str(record.get("model")), options)
    extra = ",".join(f"{k}={v}" for k, v in added.items())
    if not extra:
        return label
    return f"{label[:-1]},{extra}]" if label.endswith("]") else f"{label}[{extra}]"


def board_seeds(records: list[dict], profile: Profile) -> tuple[tuple[int, ...], str]:
    """The seeds the default cells are on: the profile's report seeds, unless its development
    seeds hold default-config records of more (challenge, model) pairs.

    >>> from hofstadter.profiles import PROFILES
    >>> smoke = PROFILES["smoke"]
    >>> board = [{"challenge": c, "model": m, "seed": 0} for c in ("a", "b") for m in ("x", "y", "z")]
    >>> board_seeds([*board, {"challenge": "a", "model": "x", "seed": 100}], smoke)[1]
    'development'
    """
    report, development = _pairs_by_kind(records, profile)
    if len(development) > len(report):
        return tuple(getattr(profile, "development_seeds", ())), "development"
    return tuple(profile.seeds), "report"


def _pairs_by_kind(records: list[dict], profile: Profile) -> tuple[set[tuple], set[tuple]]:
    """(challenge, model) pairs with a default-config record on the report seeds, and on the
    development seeds."""
    report, development = set(profile.seeds), set(getattr(profile, "development_seeds", ()))
    plain = [r for r in records if not r.get("overrides") and not r.get("label_noise")
             and r.get("train_size") in (None, profile.train_size)]  # fmt: skip
    on = {"report": set(), "development": set()}
    for record in plain:
        seed = record.get("seed")
        kind = "report" if seed in report else "development" if seed in development else None
        if kind:
            on[kind].add((str(record.get("challenge")), str(record.get("model"))))
    return on["report"], on["development"]


def seed_note(records: list[dict], profile: Profile, kind: str) -> str | None:
    """Why default cells on the other kind of seed are listed apart (None: there are none).

    >>> from hofstadter.profiles import PROFILES
    >>> note = seed_note([{"challenge": "a", "model": "x", "seed": 0},
    ...                   {"challenge": "a", "model": "y", "seed": 0},
    ...                   {"challenge": "a", "model": "x", "seed": 100}], PROFILES["smoke"], "development")
    >>> print(*note.split("; "), sep="\\n")
    the board shows the development seeds, which hold default cells of 2 (challenge, model) pairs
    the report seeds hold 1, listed under "Also in this store" until they hold as many
    """
    report, development = _pairs_by_kind(records, profile)
    shown, other = (report, development) if kind == "report" else (development, report)
    if not other:
        return None
    other_kind = "development" if kind == "report" else "report"
    return (f"the board shows the {kind} seeds, which hold default cells of {len(shown)} (challenge, model) "
            f"pair{'s' * (len(shown) != 1)}; the {other_kind} seeds hold {len(other)}, listed under "
            f'"Also in this store"' + (" until they hold as many" if kind == "development" else ""))


def select(records: Iterable[dict[str, Any]], profile: Profile, all_variants: bool = False) -> Selection:
    """Sort ``records`` (newest per key, one profile:
    :func:`~hofstadter.reports.leaderboard.latest_records`)."""
    records = list(records)
    newest: dict[str, int] = {}
    for record in records:
        challenge = str(record.get("challenge"))
        newest[challenge] = max(newest.get(challenge, version_of(record)), version_of(record))
    current = [r for r in records if version_of(r) == newest[str(r.get("challenge"))]]
    old: dict[str, set[int]] = {}
    for record in records:
        if version_of(record) != newest[str(record.get("challenge"))]:
            old.setdefault(str(record.get("challenge")), set()).add(version_of(record))
    seeds, kind = board_seeds(current, profile)
    chosen = Selection(old_versions={c: sorted(v) for c, v in old.items()},
                       old_version_records=len(records) - len(current), seed_kind=kind, seeds=seeds,
                       seed_note=seed_note(current, profile, kind))  # fmt: skip
    labels = [variant_label(r, profile, seeds) for r in current]
    curve_keys = _curve_pairs(current, profile, seeds)
    for record, label in zip(current, labels):
        in_curve = _curve_key(record) in curve_keys
        variant = bool(record.get("overrides"))
        if in_curve and (all_variants or not variant):
            chosen.curve.append(record)  # a variant's curve only with all_variants
        if label is None:
            chosen.default.append(record)
        elif all_variants:
            if not (in_curve and record.get("train_size") != profile.train_size):
                chosen.default.append({**record, LABEL: label})  # a curve's other sizes: the curve only
        elif not (in_curve and not variant):
            chosen.apart.append({**record, LABEL: label})
    chosen.default, older = newest_configuration(chosen.default)
    chosen.curve, older_curve = newest_configuration(chosen.curve)
    chosen.set_aside = older + [r for r in older_curve if r not in older]
    return chosen


def configuration(record: dict[str, Any]) -> str:
    """What makes two records of one cell the same experiment, seed aside: the model's config and
    version and the evaluation seed (records from before those fields: version 1, seed 0)."""

    identity = [record.get("model_config"), record.get("model_version", 1), record.get("eval_seed", 0)]
    return json.dumps(identity, sort_keys=True, default=str)


def newest_configuration(records: list[dict[str, Any]]) -> tuple[list[dict], list[dict]]:
    """(the records of each cell's newest configuration, the records of older ones set aside).

    A cell is a challenge, a model (with its column label) and a training size; its newest
    configuration is that of its most recently dated record.

    >>> old = {"challenge": "c", "model": "m", "seed": 100, "model_config": {"k": 1}, "date": "2026-01"}
    >>> new = {**old, "seed": 101, "model_config": {"k": 2}, "date": "2026-02"}
    >>> kept, aside = newest_configuration([old, new])
    >>> [r["seed"] for r in kept], [r["seed"] for r in aside]
    ([101], [100])
    """
    def cell(record: dict[str, Any]) -> tuple:
        return record.get("challenge"), record.get(LABEL) or _curve_key(record)[1], record.get("train_size")

    newest: dict[tuple, dict] = {}
    for record in records:
        known = newest.get(cell(record))
        if known is None or str(record.get("date", "")) > str(known.get("date", "")):
            newest[cell(record)] = record
    kept = [r for r in records if configuration(r) == configuration(newest[cell(r)])]
    return kept, [r for r in records if configuration(r) != configuration(newest[cell(r)])]


def set_aside_lines(records: Iterable[dict[str, Any]]) -> list[str]:
    """One line per cell whose older configurations were set aside: how many records, which seeds.

    >>> set_aside_lines([{"challenge": "div7-base10", "model": "sr-so-gru", "seed": 100, "date": "d"}])
    ['sr-so-gru on div7-base10: 1 record of an older configuration (seed 100)']
    """
    found: dict[tuple[str, str], list[dict]] = {}
    for record in records:
        label = record.get(LABEL) or _curve_key(record)[1]
        found.setdefault((str(label), str(record.get("challenge"))), []).append(record)
    lines = []
    for (label, challenge), rows in sorted(found.items()):
        seeds = sorted({r.get("seed") for r in rows}, key=str)
        records, seed_word = f"record{'s' * (len(rows) > 1)}", f"seed{'s' * (len(seeds) > 1)}"
        lines.append(f"{label} on {challenge}: {len(rows)} {records} of an older "
                     f"configuration ({seed_word} {', '.join(map(str, seeds))})")  # fmt: skip
    return lines


def _curve_key(record: dict[str, Any]) -> tuple:
    """(challenge, model with its options, training size): one point of a learning curve."""

    overrides = record.get("overrides") if isinstance(record.get("overrides"), dict) else None
    return record.get("challenge"), model_label(str(record.get("model")), overrides), record.get("train_size")


def _curve_pairs(records: list[dict], profile: Profile, seeds: tuple[int, ...]) -> set[tuple]:
    """:func:`_curve_key` of the real learning curves: every size recorded in every seed, and at
    least :data:`CURVE_SIZES` such sizes for the (challenge, model)."""
    covered: dict[tuple, set[int]] = {}
    for record in records:
        if record.get("seed") not in seeds or record.get("train_size") is None:
            continue
        covered.setdefault(_curve_key(record), set()).add(record["seed"])
    full = [key for key, got in covered.items() if got >= set(seeds)]
    sizes: dict[tuple, int] = {}
    for challenge, model, _ in full:
        sizes[(challenge, model)] = sizes.get((challenge, model), 0) + 1
    return {key for key in full if sizes[key[:2]] >= CURVE_SIZES}


def apart_lines(records: Iterable[dict[str, Any]]) -> list[str]:
    """One line per model (with its options) and challenge: the training sizes and seeds the store
    holds of it. What "also in this store" lists.

    >>> apart_lines([{"model": "gru", "overrides": {"lr": 0.1}, "challenge": "c", "seed": s,
    ...               "train_size": n} for s in (2, 0) for n in (300, 100)])
    ['gru[lr=0.1] on c (100 and 300 training strings; seeds 0, 2)']
    >>> apart_lines([{"model": "rpni", "challenge": "c", "seed": 0, "label_noise": 0.1}])
    ['rpni with 10% of its labels flipped on c (seed 0)']
    """
    found: dict[tuple[str, str], tuple[set, set]] = {}
    for record in records:
        label = _curve_key(record)[1]
        if str(record.get(LABEL, "")).endswith("seeds=other]"):
            label += ", seeds outside the profile,"
        if record.get("label_noise"):
            label += f" with {100 * record['label_noise']:g}% of its labels flipped"
        sizes, seeds = found.setdefault((label, str(record.get("challenge"))), (set(), set()))
        sizes.add(record.get("train_size"))
        seeds.add(record.get("seed"))
    lines = []
    for (label, challenge), (sizes, seeds) in sorted(found.items()):
        counts = [f"{n:,}" for n in sorted(n for n in sizes if isinstance(n, int))]
        listed = ", ".join(counts[:-1]) + " and " * (len(counts) > 1) + "".join(counts[-1:])
        named = ", ".join(str(s) for s in sorted(seeds, key=str))
        where = f"{listed} training strings; " if counts else ""
        lines.append(f"{label} on {challenge} ({where}seed{'s' * (len(seeds) > 1)} {named})")
    return lines

"""Does the transformer learn its training range? It and the GRU, scored at the training lengths only.

For each challenge and seed, every model spec is trained exactly as a ``run`` cell trains it (the
strings of :func:`hofstadter.api.training_sets`, the profile's budgets) and scored on the run's own
test strings (:func:`hofstadter.api.test_sets`) at the *training* lengths only: the 100- and
1000-digit lengths, most of a cell's CPU time, are skipped. In range = the mean accuracy over those
lengths, as ``benchmarks.in_range_bar`` computes it from records. The bar of issue 29: the
transformer at least the GRU's figure minus 2 points. Development seeds (0-99) only: recipes are
tuned here, and published from ``run`` on report seeds.

``max_seconds`` is lifted to 3,000 s unless a spec sets it, so that on a loaded machine a figure
is a function of its steps, as on an idle one. ``--out FILE`` appends one CSV row per fit.

    python -m benchmarks.transformer_in_range div7-base10 --seed 0 --model transformer --model gru
    python -m benchmarks.transformer_in_range div7-base10 div9-base10 --seed 0 --seed 1 \\
        --model "transformer:causal=true,pooling=last" --out /tmp/in_range.csv
    python -m benchmarks.transformer_in_range --table results/development/transformer/in_range.csv
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np
import torch

import baselines
from baselines.base import task_for
from baselines.model_spec import parse_model_spec
from challenges import get_challenge
from challenges.errors import InvalidArgument
from hofstadter.api import test_sets, training_sets
from hofstadter.experiment import model_options_for
from hofstadter.profiles import get_profile, seed_kind

BAR = 0.02  # the transformer may be at most this far below the GRU
FIELDS = ("challenge", "seed", "model", "in_range", "per_length", "train", "val", "steps", "best_step",
          "cpu_seconds", "wall_seconds")  # fmt: skip


def fit_and_score(challenge_id: str, spec_text: str, seed: int, profile_name: str) -> dict:
    """Train ``spec_text`` on one cell's strings; its accuracy at each training length.

    >>> row = fit_and_score("div3-base10", "gru:max_steps=20", 0, "smoke")
    >>> row["steps"] <= 20, sorted(row["per_length"]) == [2, 3, 4, 5, 6], 0.0 <= row["in_range"] <= 1.0
    (True, True, True)
    """
    if seed_kind(seed) != "development":
        raise InvalidArgument(f"seed {seed} is a report seed: tune recipes on development seeds 0-99")
    profile, challenge = get_profile(profile_name), get_challenge(challenge_id)
    spec = parse_model_spec(spec_text)
    options = {**model_options_for(spec.model, profile, "cpu"), "max_seconds": 3000.0, **dict(spec.options)}
    model = baselines.create_model(spec.model, **options)
    data = training_sets(challenge, seed=seed, profile=profile_name)
    low, high = data.train_lengths
    started, cpu_started = time.perf_counter(), time.process_time()
    report = model.fit(task_for(model, challenge), data.train, data.val, seed)
    # CPU seconds beside wall seconds: on a shared machine the first says what a fit costs.
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    tests = test_sets(challenge, profile=profile_name, lengths=range(low, high + 1), seed=seed)
    per_length = {n: float((model.predict(t.texts) == t.labels).mean()) for n, t in tests.items()}
    seen = slice(0, 2000)
    return {
        "challenge": challenge.id, "seed": seed, "model": spec_text,
        "in_range": float(np.mean(list(per_length.values()))), "per_length": per_length,
        "train": float((model.predict(data.train.texts[seen]) == data.train.labels[seen]).mean()),
        "val": report.best_val_accuracy, "steps": report.steps, "best_step": report.extra.get("best_step"),
        "cpu_seconds": round(cpu), "wall_seconds": round(wall),
    }  # fmt: skip


def line(row: dict) -> str:
    """One fit in one line: in range, each length, train and validation, steps, cost."""
    lengths = " ".join(f"{n}:{100 * a:.1f}" for n, a in row["per_length"].items())
    return (f"{row['challenge']} seed {row['seed']} {row['model']}: in range {100 * row['in_range']:.1f} "
            f"[{lengths}] train {100 * row['train']:.1f} val {100 * row['val']:.1f} "
            f"steps {row['steps']} (best {row['best_step']}) "
            f"{row['cpu_seconds']} s CPU, {row['wall_seconds']} s wall")  # fmt: skip


def verdicts(rows: list[dict], against: str = "gru") -> list[str]:
    """For each non-GRU row with a GRU row of the same cell: within the bar or not.

    >>> rows = [{"challenge": "c", "seed": 0, "model": "gru", "in_range": 1.0},
    ...         {"challenge": "c", "seed": 0, "model": "transformer", "in_range": 0.97}]
    >>> verdicts(rows)
    ['c seed 0 transformer: 97.0 against gru 100.0 -> below the bar']
    """

    def is_reference(row: dict) -> bool:
        return row["model"].split(":")[0] == against

    reference = {(r["challenge"], r["seed"]): r["in_range"] for r in rows if is_reference(r)}
    said = []
    for r in rows:
        gru = reference.get((r["challenge"], r["seed"]))
        if not is_reference(r) and gru is not None:
            met = "meets the bar" if r["in_range"] >= gru - BAR - 1e-9 else "below the bar"
            said.append(f"{r['challenge']} seed {r['seed']} {r['model']}: {100 * r['in_range']:.1f} "
                        f"against {against} {100 * gru:.1f} -> {met}")  # fmt: skip
    return said


def markdown_table(rows: list[dict]) -> str:
    """The CSV's fits, one row each, beside the GRU's figure of the same challenge and seed.

    >>> rows = [{"challenge": "c", "seed": "0", "model": "gru", "in_range": "1.0", "per_length": "2:1.0",
    ...          "train": "1.0", "val": "1.0", "steps": "30", "best_step": "30", "cpu_seconds": "1"},
    ...         {"challenge": "c", "seed": "0", "model": "transformer:lr=0.1", "in_range": "0.5",
    ...          "per_length": "2:0.5", "train": "0.6", "val": "0.5", "steps": "30", "best_step": "20",
    ...          "cpu_seconds": "2"}]
    >>> print(markdown_table(rows).splitlines()[-1])
    | c | 0 | `lr=0.1` | 60.0 | 50.0 | **50.0** | 100.0 | no | 50.0 | 30 (20) | 2 |
    """
    references = [r for r in rows if r["model"].split(":")[0] == "gru"]
    gru = {(r["challenge"], r["seed"]): float(r["in_range"]) for r in references}
    out = ["| challenge | seed | recipe (changes from the default) | train | val | in range | GRU in range "
           "| within 2 points | longest length | steps (best) | CPU s |", "|---" * 11 + "|"]  # fmt: skip
    for r in rows:
        if r["model"].split(":")[0] == "gru":
            continue
        reference = gru.get((r["challenge"], r["seed"]))
        mine = float(r["in_range"])
        met = "-" if reference is None else ("yes" if mine >= reference - BAR - 1e-9 else "no")
        recipe = r["model"].partition(":")[2] or "default"
        longest = 100 * float(r["per_length"].split()[-1].split(":")[1])
        cells = [r["challenge"], r["seed"], f"`{recipe}`", f"{100 * float(r['train']):.1f}",
                 f"{100 * float(r['val']):.1f}", f"**{100 * mine:.1f}**",
                 "-" if reference is None else f"{100 * reference:.1f}", met, f"{longest:.1f}",
                 f"{r['steps']} ({r['best_step']})", r["cpu_seconds"]]  # fmt: skip
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("challenges", nargs="*")
    parser.add_argument("--seed", type=int, action="append", help="development seeds (default 0)")
    parser.add_argument("--model", action="append", help="model specs (default: transformer and gru)")
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--out", type=Path, help="append one CSV row per fit to this file")
    parser.add_argument("--table", type=Path, help="print this CSV's fits as a Markdown table; train nothing")
    args = parser.parse_args(argv)
    if args.table is not None:
        print(markdown_table(list(csv.DictReader(args.table.open()))))
        return 0
    if not args.challenges:
        parser.error("name at least one challenge (or --table FILE)")
    torch.set_num_threads(1)
    rows = []
    try:
        for challenge in args.challenges:
            for seed in args.seed or [0]:
                for spec in args.model or ["transformer", "gru"]:
                    rows.append(fit_and_score(challenge, spec, seed, args.profile))
                    print(line(rows[-1]), flush=True)
                    if args.out is not None:
                        _append(args.out, rows[-1])
    except InvalidArgument as error:
        parser.exit(2, f"error: {error}\n")
    print("\n".join(verdicts(rows)))
    return 0


def _append(path: Path, row: dict) -> None:
    fresh = not path.exists()
    with path.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        if fresh:
            writer.writeheader()
        lengths = " ".join(f"{n}:{a:.4f}" for n, a in row["per_length"].items())
        writer.writerow({**row, "per_length": lengths, "in_range": f"{row['in_range']:.4f}",
                         "train": f"{row['train']:.4f}", "val": f"{row['val']:.4f}"})  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())

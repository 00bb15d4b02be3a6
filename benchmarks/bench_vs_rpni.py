"""Training seconds per cell, a learner beside RPNI on the very same strings, with proven exactness.

The contestants issue asks the best neural learner to be as exact as RPNI and no slower. This
fits each model on the training (and validation) strings a run of the profile draws for each
regular challenge and seed -- one after the other, in one process, so machine load touches both
alike -- times ``fit`` alone (no test sets), and proves the resulting DFA against the
challenge's minimal one::

    python benchmarks/bench_vs_rpni.py                          # quick profile: 100,000 strings
    python benchmarks/bench_vs_rpni.py --train-size 30000       # a point on the learning curve
    python benchmarks/bench_vs_rpni.py --models rpni linear-rnn soft-automaton --seeds 0 1 2
    python benchmarks/bench_vs_rpni.py --models rpni linear-rnn linear-rnn:batch_size=64   # a variant

Prints a Markdown table (seconds, exact or not, states of the minimised DFA), each learner's
total against RPNI's, and on how many challenges each learner's fit was at or below RPNI's (the
contestants' target: every one); ``--csv PATH`` also writes the rows. Models train on one torch
thread.

The first torch optimiser a process builds imports torch's compiler (``torch._dynamo``): about
1.5 s on an idle core, 4 s on a loaded one, paid once per process, not per fit. It is paid here
before any fit is timed (``warm_up``), so that it does not land on whichever network comes first.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

import baselines
from baselines.base import BudgetExceeded
from baselines.model_spec import parse_model_spec
from challenges import get_challenge
from challenges.errors import ChallengeError
from hofstadter.experiment import model_for_spec, training_data
from hofstadter.profiles import get_profile
from hofstadter.reports.leaderboard import markdown

REGULAR = ("even-base3", "div3-base10", "div9-base10", "div7-base10", "div29-base10")


def fit_and_prove(model_text: str, challenge_id: str, seed: int, args: argparse.Namespace) -> dict:
    """One cell: fit ``model_text`` (a model id, or ``id:key=value,...`` as ``run --model`` takes
    it) on the profile's strings for ``seed``; seconds and exactness."""
    challenge, profile = get_challenge(challenge_id), get_profile(args.profile)
    train, val, lengths = training_data(challenge, seed, profile, train_size=args.train_size)
    spec = parse_model_spec(model_text)
    model = model_for_spec(spec, profile)
    started = time.perf_counter()
    try:
        report = model.fit(baselines.task_for(model, challenge, lengths), train, val, seed)
    except BudgetExceeded:  # a state-merging learner past its work budget: timed, no verdict
        report, verdict = None, None
    else:
        verdict = model.prove_exact(challenge)
    seconds = time.perf_counter() - started
    return {
        "challenge": challenge_id,
        "seed": seed,
        "model": spec.label,
        "seconds": round(seconds, 2),
        "exact": "over budget" if report is None else None if verdict is None else verdict.equivalent,
        "states": None if verdict is None else verdict.states,
        # the work done: optimiser steps, or a state-merging learner's state comparisons
        "work": None if report is None else report.extra.get("comparisons", report.steps),
    }


def warm_up() -> float:
    """Pay torch's one-time imports (the optimiser's compiler hooks); returns the seconds it took."""
    import torch

    started = time.perf_counter()
    torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))])
    return time.perf_counter() - started


def at_or_below(frame: pd.DataFrame, model_id: str, against: str = "rpni") -> tuple[int, int]:
    """(challenges where ``model_id``'s fits took at most ``against``'s in all, challenges).

    >>> rows = [{"challenge": c, "seed": 0, "model": m, "seconds": s}
    ...         for c, m, s in [("a", "rpni", 1.0), ("a", "x", 0.5), ("b", "rpni", 1.0), ("b", "x", 2.0)]]
    >>> at_or_below(pd.DataFrame(rows), "x")
    (1, 2)
    """
    seconds = frame.pivot_table(index="challenge", columns="model", values="seconds", aggfunc="sum")
    return int((seconds[model_id] <= seconds[against]).sum()), len(seconds)


def side_by_side(frame: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """One row per challenge and seed; per model "seconds s, exact (states)".

    >>> rows = [{"challenge": "c", "seed": 0, "model": "rpni", "seconds": 0.5, "exact": True, "states": 3}]
    >>> side_by_side(pd.DataFrame(rows), ["rpni"]).to_dict("records")
    [{'challenge': 'c', 'seed': 0, 'rpni': '0.5 s, exact (3)'}]
    """

    def cell(row: pd.Series) -> str:
        verdicts = {True: "exact", False: "not exact", None: "no DFA", "over budget": "over budget"}
        verdict = verdicts[row["exact"]]
        states = f" ({int(row['states'])})" if pd.notna(row["states"]) else ""
        return f"{row['seconds']} s, {verdict}{states}"

    cells = frame.assign(cell=frame.apply(cell, axis=1))
    wide = cells.pivot(index=["challenge", "seed"], columns="model", values="cell").reset_index()
    wide.columns.name = None
    return wide[["challenge", "seed", *models]]


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["rpni", "linear-rnn", "soft-automaton"])
    parser.add_argument("--challenges", nargs="+", default=list(REGULAR))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--train-size", type=int, default=None, help="default: the profile's")
    parser.add_argument("--csv", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    try:  # a misspelt model or option stops here, before any fit, with what is known
        labels = [parse_model_spec(text).label for text in args.models]
    except ChallengeError as error:
        parser.error(str(error))
    print(f"torch's one-time imports, before any fit is timed: {warm_up():.1f} s")
    rows = [
        fit_and_prove(model_id, challenge_id, seed, args)
        for challenge_id in args.challenges
        for seed in args.seeds
        for model_id in args.models
    ]
    frame = pd.DataFrame(rows)
    wide = side_by_side(frame, labels)
    work = frame.pivot(index=["challenge", "seed"], columns="model", values="work").reset_index()
    wide = wide.sort_values("challenge", key=lambda ids: ids.map(args.challenges.index), kind="stable")
    print(markdown(wide))
    print("\nWork done (optimiser steps; state comparisons for RPNI and EDSM; blank: over budget):\n")
    work.columns.name = None
    in_order = work.sort_values("challenge", key=lambda ids: ids.map(args.challenges.index), kind="stable")
    print(markdown(in_order))
    totals = frame.groupby("model")["seconds"].sum()
    exact = frame.groupby("model")["exact"].apply(
        lambda verdicts: f"{int((verdicts == True).sum())}/{len(verdicts)}"  # noqa: E712 - not "over budget"
    )
    print()
    for model_id in labels:
        beside_rpni = "rpni" in totals and model_id != "rpni"
        ratio = f", {totals[model_id] / totals['rpni']:.2f}x RPNI's" if beside_rpni else ""
        print(f"{model_id}: {totals[model_id]:.1f} s in all{ratio}; proven exact in {exact[model_id]} cells")
        if beside_rpni:
            done, of = at_or_below(frame, model_id)
            print(f"  at or below RPNI's fit time on {done} of {of} challenges")
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(args.csv, index=False)
    return frame


if __name__ == "__main__":
    main()

"""The finite-state frontier: accuracy at 100 and 1000 digits against states, for the best
finite-state approximation (``fsa-approx`` with a state budget) on primes, products and sums.

For each challenge and each budget, ``fsa-approx:max_states=S`` picks the largest prime wheel
that fits (``baselines.references.fsa.budget_wheel``) or searches the equation checks that fit for
the most accurate on the validation split -- the quick profile's, seed 0 -- never on test
(``search_moduli``); the automaton's real state count (the product automaton's, for several
checks) is the x value.
Learners that answered with a DFA (``dfa_states`` in a runs.jsonl) go on the same plot at
their state count, if ``--runs`` names such files. Writes ``results/frontier.csv`` and
``results/frontier.png``.

    python -m benchmarks.frontier --runs results/published/runs.jsonl    # every budget, quick-profile sizes
    python -m benchmarks.frontier --budgets 100 10000 --challenges add-base10 --out /tmp/f
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import baselines
from challenges import get_challenge
from challenges.core import Examples
from challenges.errors import ChallengeError
from challenges.evaluate import score
from hofstadter.profiles import PROFILES
from hofstadter.store import ResultStore

CHALLENGES = ("add-base2", "add-base10", "mul-base2", "mul-base10", "prime-base2", "prime-base10")
BUDGETS = tuple(int(10 ** (k / 2)) for k in range(2, 15))  # 10, 31, 100, ..., 10 million
LENGTHS = (100, 1000)
_NO_EXAMPLES = Examples(  # fixed references read no training examples
    np.array([], dtype=np.str_), np.array([], dtype=bool), np.array([], dtype=np.int64), "train"
)


def frontier(
    challenge_ids: tuple[str, ...], budgets: tuple[int, ...], test_size: int, prime_long_size: int
) -> pd.DataFrame:
    """One row per (challenge, distinct approximation): its states, what it checks, accuracies.

    ``test_size`` strings per length, but ``prime_long_size`` for primes at 1000 digits.
    """
    rows = []
    for challenge_id in challenge_ids:
        challenge = get_challenge(challenge_id)
        seen = set()
        val = challenge.sample("val", PROFILES["quick"].val_size, seed=0)  # the checks are chosen here
        for budget in budgets:
            model = baselines.create_model("fsa-approx", max_states=budget)
            model.fit(challenge, _NO_EXAMPLES, val, seed=0)
            checks = tuple(name for name, _ in model.approximation.checks)
            if checks in seen:
                continue
            seen.add(checks)
            long_size = prime_long_size if challenge.family == "primes" else test_size

            def size(length: int, long_size: int = long_size) -> int:
                return long_size if length > 100 else test_size

            metrics = score(model.predict, challenge, lengths=LENGTHS, n=size)
            row = {"challenge": challenge_id, "model": "fsa-approx", "budget": budget,
                   "states": model.approximation.num_states, "checks": " & ".join(checks)}  # fmt: skip
            row.update({f"accuracy_{m.length}": m.accuracy for m in metrics})
            row.update({f"n_{m.length}": m.n for m in metrics})
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    return pd.DataFrame(rows)


def learner_points(runs: list[Path], challenge_ids: tuple[str, ...]) -> pd.DataFrame:
    """Accuracy at 100 and 1000 digits of each learner run (one point per seed) on the current
    version of its challenge that answered with a DFA, at that DFA's minimised size; the column
    automaton's DFA reads aligned columns, not the string, and is labelled so."""
    rows = []
    # Through the store's reader: torn, forged or impossible lines are skipped, never plotted.
    records = [record for path in runs if path.is_file() for record in ResultStore(path).records()]
    for record in records:
        states = record.get("dfa_states")  # the minimised DFA the run answered with, if any
        if (record.get("status") != "ok" or record["challenge"] not in challenge_ids or not states
                or record.get("knows_rule")):  # fmt: skip
            continue
        if record.get("challenge_version", 1) != get_challenge(record["challenge"]).version:
            continue  # a run on an earlier version's data is no point on this frontier
        over_columns = record["model"] == "column-automaton"
        model = record["model"] + (" (states over columns)" if over_columns else "")
        accuracy = {m["length"]: m["accuracy"] for m in record["metrics"]}
        rows.append({"challenge": record["challenge"], "model": model, "states": states,
                     **{f"accuracy_{n}": accuracy.get(n) for n in LENGTHS}})  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=["challenge", "model", "states", *(f"accuracy_{n}" for n in LENGTHS)])
    return pd.DataFrame(rows)


def plot(table: pd.DataFrame, learners: pd.DataFrame, path: Path) -> None:
    """Accuracy at 1000 digits (solid) and 100 digits (dotted) against states, one panel per family."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    families = {"sums": "add-", "products": "mul-", "primes": "prime-"}
    figure, axes = plt.subplots(1, 3, figsize=(15, 6.5), sharey=True)
    stars = iter(["black", "tab:purple", "tab:red", "tab:green", "tab:brown", "tab:pink"] * 4)
    for axis, (family, prefix) in zip(axes, families.items()):
        for challenge_id, rows in table[table.challenge.str.startswith(prefix)].groupby("challenge"):
            rows = rows.sort_values("states")
            label = f"{challenge_id}, 1000 digits"
            (line,) = axis.plot(rows.states, rows.accuracy_1000, marker="o", label=label)
            axis.plot(rows.states, rows.accuracy_100, ls=":", marker=".", color=line.get_color(),
                      label=f"{challenge_id}, 100 digits")  # fmt: skip
        points = learners[learners.challenge.str.startswith(prefix)]
        for (model, challenge_id), group in points.groupby(["model", "challenge"]):
            axis.scatter(group.states, group.accuracy_1000, marker="*", s=90, zorder=3, color=next(stars),
                         label=f"{model} on {challenge_id}, 1000 digits (a star a seed)")  # fmt: skip
        axis.set_xscale("log")
        axis.set_title(f"{family}: best finite-state approximation")
        axis.set_xlabel("states (minimal DFA; product of the checks)")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14))
    axes[0].set_ylabel("accuracy")
    axes[0].set_ylim(0.45, 1.01)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--challenges", nargs="+", default=list(CHALLENGES))
    parser.add_argument("--budgets", nargs="+", type=int, default=list(BUDGETS))
    parser.add_argument("-n", type=int, default=PROFILES["quick"].test_size,
                        help="test strings per length (default: the quick profile's 1,000)")  # fmt: skip
    parser.add_argument("--prime-long-n", type=int, default=PROFILES["quick"].long_test_size,
                        help="primes at 1000 digits (slow to draw: 78 s for 100 in each base; default 100)")
    parser.add_argument("--runs", type=Path, nargs="+", default=[],
                        help="runs.jsonl files whose learners with DFA sizes join the plot")  # fmt: skip
    parser.add_argument("--out", type=Path, default=Path("results"))
    parser.add_argument("--replot", action="store_true",
                        help="redraw OUT/frontier.png from OUT/frontier.csv (learners from --runs)")
    args = parser.parse_args(argv)
    if args.replot:  # the approximations from the CSV; the learners from --runs, if named
        rows = pd.read_csv(args.out / "frontier.csv")
        table, learned = rows[rows.checks != "learned"], rows[rows.checks == "learned"]
        if args.runs:
            learned = learner_points(args.runs, tuple(args.challenges)).assign(budget=None, checks="learned")
            pd.concat([table, learned]).to_csv(args.out / "frontier.csv", index=False)
        plot(table, learned, args.out / "frontier.png")
        return 0
    try:
        table = frontier(tuple(args.challenges), tuple(sorted(args.budgets)), args.n, args.prime_long_n)
    except ChallengeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    learners = learner_points(args.runs, tuple(args.challenges))
    args.out.mkdir(parents=True, exist_ok=True)
    rows = pd.concat([table, learners.assign(budget=None, checks="learned")])
    rows.to_csv(args.out / "frontier.csv", index=False)
    plot(table, learners, args.out / "frontier.png")
    print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

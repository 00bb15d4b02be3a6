"""Which near-miss kinds does each modular check of ``fsa-approx`` catch?

For every arithmetic challenge, a few lengths and every kind in ``NEAR_MISS_KINDS`` (and the
off-by-lcm kind of versions 2 and 3, at the lengths where it fits), draw problems,
make near misses of that one kind with the family's own ``near_misses`` (a benchmark may look
inside a challenge; the models never do) and report the share each check rejects -- a check
catches a near miss by rejecting it. Run: ``python benchmarks/near_miss_checks.py [-n N]``.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from baselines.references.fsa import ApproxConfig, approximation
from challenges import get_challenge, list_challenges
from challenges.families.arithmetic import NEAR_MISS_KINDS
from challenges.families.hidden_near_misses import HIDDEN_KIND
from hofstadter.reports.leaderboard import markdown

KINDS = (*NEAR_MISS_KINDS, HIDDEN_KIND)  # the last only in versions 2 and 3, where Q fits the result


def near_misses_of_kind(challenge, length: int, kind: str, n: int, rng: np.random.Generator):
    """About ``n`` wrong equations of one kind (fewer where the kind is impossible for a problem)."""
    language = challenge.language
    a, b = language.operands(length, n, rng)
    truth = language.compute(a, b)
    if kind == HIDDEN_KIND and not language.hidden_fits(length):
        return np.array([], dtype=np.str_)
    kinds = np.full(n, KINDS.index(kind))
    wrong, ok = language.near_misses(a, b, truth, kinds, rng)
    return language.render_equations(a[ok], b[ok], wrong[ok])


def catch_rates(n: int, lengths: tuple[int, ...], seed: int = 0) -> pd.DataFrame:
    rows = []
    rng = np.random.default_rng(seed)
    for challenge_id in list_challenges():
        challenge = get_challenge(challenge_id)
        if challenge.family != "arithmetic":
            continue
        approx = approximation(challenge, ApproxConfig())
        for length in lengths:
            for kind in KINDS:
                texts = near_misses_of_kind(challenge, length, kind, n, rng)
                if not texts.size:
                    continue
                row = {"challenge": challenge_id, "length": length, "kind": kind, "n": texts.size}
                for name, dfa in approx.checks:
                    row[name] = 1 - dfa.run_many(texts).mean()
                row["all checks"] = 1 - approx.accepts_many(texts).mean()
                rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="near misses per (challenge, length, kind)")
    parser.add_argument("--lengths", type=int, nargs="+", default=[3, 6, 20, 100])
    args = parser.parse_args()
    table = catch_rates(args.n, tuple(args.lengths))
    for challenge_id, part in table.groupby("challenge", sort=False):
        part = part.drop(columns="challenge").dropna(axis=1, how="all").round(3)
        part = part[[c for c in part.columns if c != "all checks"] + ["all checks"]]
        print(f"\n{challenge_id}: share of near misses rejected\n")
        print(markdown(part))


if __name__ == "__main__":
    main()

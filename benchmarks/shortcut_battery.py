"""The shortcut battery: how well do rules that never compute the sum or product separate true
equations from their near misses, per challenge and test length?

A *shortcut* reads the equation ``a op b = c`` without computing ``a op b``. The battery tries:

``modular``    "a op b = c (mod m)" for every m up to 200 dividing Q (a superset of the checks
               that fit in 10,000 states, which all divide Q), and all of them at once (mod Q)
``leading``    the magnitude: ``a op b`` from the leading digits of a and b worth 53 bits (a
               float64's mantissa; 16 decimal digits) against c's, within the error those
               truncations allow, so that every true equation passes
``last-k``     "a op b = c (mod base**k)" for k = 1 .. the digits worth 20 bits (7 in base 10)
``and``        every AND of one of each
``classifier`` a logistic regression on all these verdicts, fitted on the training split

Every rule but the classifier accepts every true equation (checked), so each one's accuracy is
0.5 + (share of near misses it rejects) / 2. The *ceiling* of a length is the best of them,
picked on the test strings themselves: an upper estimate. Test sets are the board's (seed 0, the
quick profile's 1,000 strings a length). A length is *declared clean* when the challenge lists it
in ``shortcut_free_lengths``; the battery says whether the ceiling holds there (<= 0.75).

    python -m benchmarks.shortcut_battery --out results/published/shortcuts
    python -m benchmarks.shortcut_battery -n 300 --challenges add-base10 mul-base16
    python -m benchmarks.shortcut_battery --derive-table   # GUARDED_PRIME_POWERS, all bases (2 min)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from challenges import get_challenge, list_challenges
from challenges.core import Challenge
from challenges.errors import ChallengeError
from challenges.families.arithmetic import addition, multiplication
from challenges.families.hidden_near_misses import (
    GUARDED_PRIME_POWERS,
    TAIL_BITS,
    digits_worth,
    guard_modulus,
)
from challenges.numbers import to_base

BAR = 0.75  # no shortcut may beat this at a declared-clean length
MANTISSA_BITS = 53  # float64
LARGEST_MODULUS = 200
TRAIN_SIZE = 4000  # strings of the training split the classifier is fitted on
EXTRA = ("add-base3", "mul-base3", "add-base16", "mul-base16")  # built on the fly: not registered


def equation_challenge(challenge_id: str) -> Challenge:
    """A registered equation challenge, or a sum/product in another base built on the fly
    (``add-base3``, ``mul-base16``: the default version of :func:`addition`/:func:`multiplication`)."""
    if challenge_id in list_challenges():
        return get_challenge(challenge_id)
    kind, _, base = challenge_id.partition("-base")
    if kind not in ("add", "mul") or not base.isdigit():
        return get_challenge(challenge_id)  # the registry's error, with suggestions
    return (addition if kind == "add" else multiplication)(int(base))


def operands(challenge: Challenge, texts: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """a, b and c of every equation, as Python integers."""
    op, base = dict(challenge.parameters)["operator"], challenge.base
    a, b, c = [], [], []
    for text in texts.tolist():
        left, result = text.split("=")
        x, y = left.split(op)
        a.append(int(x, base))
        b.append(int(y, base))
        c.append(int(result, base))
    return a, b, c


def _truncated(text: str, digits: int, base: int) -> int:
    """The number ``text`` with all but its leading ``digits`` digits set to zero."""
    return int(text[:digits], base) * base ** max(len(text) - digits, 0)


def moduli(operator: str, base: int) -> list[int]:
    """Every m <= 200 dividing Q: every check within 10,000 states is among them, and more."""
    q = guard_modulus(operator, base)
    return [m for m in range(2, LARGEST_MODULUS + 1) if q % m == 0]


def verdicts(challenge: Challenge, texts: np.ndarray) -> dict[str, np.ndarray]:
    """Each shortcut's verdict (accept = True) on every string, by rule name."""
    op, base = dict(challenge.parameters)["operator"], challenge.base
    a, b, c = operands(challenge, texts)
    truth = [x + y if op == "+" else x * y for x, y in zip(a, b)]
    diff = [t - r for t, r in zip(truth, c)]
    rules: dict[str, np.ndarray] = {}
    for m in moduli(op, base):
        rules[f"mod {m}"] = np.array([d % m == 0 for d in diff])
    q = guard_modulus(op, base)
    rules["mod Q (all checks within 10,000 states)"] = np.array([d % q == 0 for d in diff])
    lead = digits_worth(MANTISSA_BITS, base)
    scale = base ** (lead - 1)  # truncating a, b and c to `lead` digits errs by < 4 c / scale
    close = []
    for text, r in zip(texts.tolist(), c):
        left, result = text.split("=")
        xt, yt, rt = (_truncated(part, lead, base) for part in (*left.split(op), result))
        approx = xt + yt if op == "+" else xt * yt
        close.append(abs(approx - rt) * scale <= 4 * max(r, 1))
    rules[f"leading {lead} digits"] = np.array(close)
    for k in range(1, digits_worth(TAIL_BITS, base) + 1):
        rules[f"last {k} digits"] = np.array([d % base**k == 0 for d in diff])
    return rules


def digits_to_beat(
    challenge: Challenge, texts: np.ndarray, labels: np.ndarray
) -> tuple[int | None, int | None]:
    """How many leading (then trailing) digits of the result a rule must read, beyond every
    modular check within 10,000 states, to beat the bar: the fewest j such that "mod Q AND the
    top (last) j digits of c are the truth's" is right on more than 75% of the strings. An
    idealised rule -- it is told the truth's digits -- so it measures the margin of the band:
    None when no j does (the result is too short).
    """
    op, base = dict(challenge.parameters)["operator"], challenge.base
    q = guard_modulus(op, base)
    a, b, c = operands(challenge, texts)
    widest = 0
    caught_by_q = np.zeros(len(texts), dtype=bool)
    top = np.full(len(texts), np.iinfo(np.int64).max)  # first differing digit from the top (1-based)
    bottom = top.copy()
    for i, (x, y, r) in enumerate(zip(a, b, c)):
        truth = x + y if op == "+" else x * y
        if truth == r:
            continue
        caught_by_q[i] = (truth - r) % q != 0
        shown, wanted = to_base(r, base), to_base(truth, base)
        widest = max(widest, len(shown))
        if len(shown) != len(wanted):
            top[i] = 1
        else:
            top[i] = next(k for k, (u, v) in enumerate(zip(shown, wanted), 1) if u != v)
        pairs = enumerate(zip(shown[::-1], wanted[::-1]), 1)  # differing lengths: past the shorter
        bottom[i] = next((k for k, (u, v) in pairs if u != v), min(len(shown), len(wanted)) + 1)
    out = []
    for first in (top, bottom):
        found = None
        for j in range(1, widest + 1):
            accept = ~caught_by_q & (first > j)
            if float((accept == labels).mean()) > BAR:
                found = j
                break
        out.append(found)
    return out[0], out[1]


def _family(name: str) -> str:
    return name.split(" ")[0].replace("mod", "modular")


def _logistic(features: np.ndarray, labels: np.ndarray, steps: int = 3000, rate: float = 1.0) -> np.ndarray:
    """Weights (bias last) of a logistic regression fitted by gradient descent, L2 1e-3.

    The features are yes/no verdicts, so rows repeat: fitted on the distinct rows, weighted by
    their counts (the same gradient, thousands of times cheaper).
    """
    rows = np.hstack([features, labels[:, None]]).astype(np.int8)
    distinct, counts = np.unique(rows, axis=0, return_counts=True)
    x = np.hstack([distinct[:, :-1], np.ones((len(distinct), 1))]).astype(float)
    y, weight = distinct[:, -1].astype(float), counts / counts.sum()
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -30, 30)))
        w -= rate * (x.T @ (weight * (p - y)) + 1e-3 * w)
    return w


def _matrix(rules: dict[str, np.ndarray], names: list[str]) -> np.ndarray:
    return np.stack([rules[n] for n in names], axis=1).astype(float)


def fit_classifier(challenge: Challenge, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """The rule names used as features and the weights fitted on the training split."""
    train = challenge.sample("train", TRAIN_SIZE, seed=seed)
    rules = verdicts(challenge, train.texts)
    op = dict(challenge.parameters)["operator"]
    powers = {f"mod {m}" for m in GUARDED_PRIME_POWERS[(op, challenge.base)] if m <= LARGEST_MODULUS}
    names = sorted(n for n in rules if n in powers or _family(n) != "modular" or "Q" in n)
    return names, _logistic(_matrix(rules, names), train.labels)


def battery(challenge: Challenge, length: int, n: int, classifier, seed: int = 0) -> dict:
    """One row: each family's best rule at ``length``, the best AND, the classifier, the ceiling."""
    examples = challenge.sample("test", n, seed=seed, length=length)
    labels = examples.labels
    rules = verdicts(challenge, examples.texts)
    accuracy = {name: float((verdict == labels).mean()) for name, verdict in rules.items()}
    rejected_members = [name for name, verdict in rules.items() if not verdict[labels].all()]
    if rejected_members:  # a rule that rejects a true equation is not the rule the battery means
        raise AssertionError(f"{challenge.id} at {length}: {rejected_members} reject a true equation")
    row = {"challenge": challenge.id, "version": challenge.version, "length": length,
           "in training range": length <= challenge.max_train_length,
           "declared clean": length in (challenge.shortcut_free_lengths or ()),
           "n": len(examples), "distinct": int(len(np.unique(examples.texts)))}  # fmt: skip
    band = getattr(challenge.language, "band", None)
    shortest = length if dict(challenge.parameters)["operator"] == "+" else 2 * length - 1
    row["band positions"] = band.positions(shortest) if band is not None else 0
    for family in ("modular", "leading", "last"):
        names = [name for name in rules if _family(name) == family]
        best = max(names, key=accuracy.get)
        row[family] = accuracy[best]
        row[f"{family} rule"] = best
    by_family = {f: [n for n in rules if _family(n) == f] for f in ("modular", "leading", "last")}
    # Every rule accepts every member, so an AND rejects what any of its parts rejects.
    best_and, best_name = 0.0, ""
    for m in by_family["modular"]:
        for lead in by_family["leading"]:
            for k in by_family["last"]:
                verdict = rules[m] & rules[lead] & rules[k]
                value = float((verdict == labels).mean())
                if value > best_and:
                    best_and, best_name = value, f"{m} AND {lead} AND {k}"
    row["and"], row["and rule"] = best_and, best_name
    names, weights = classifier
    x = np.hstack([_matrix(rules, names), np.ones((len(labels), 1))])
    row["classifier"] = float(((x @ weights > 0) == labels).mean())
    row["ceiling"] = max(row[f] for f in ("modular", "leading", "last", "and", "classifier"))
    row["head digits to beat"], row["tail digits to beat"] = digits_to_beat(challenge, examples.texts, labels)
    row["holds"] = row["ceiling"] <= BAR if row["declared clean"] else None
    return row


def run(challenge_ids: list[str], n: int, seed: int = 0, log=None) -> pd.DataFrame:
    """The battery over every challenge's longest training length and extrapolation lengths."""
    rows = []
    for challenge_id in challenge_ids:
        challenge = equation_challenge(challenge_id)
        if challenge.family != "arithmetic":
            raise ChallengeError(f"{challenge_id} is not an equation challenge (family {challenge.family})")
        classifier = fit_classifier(challenge, seed)
        for length in (challenge.max_train_length, *challenge.extrapolation_lengths):
            row = battery(challenge, length, n, classifier, seed)
            rows.append(row)
            if log is not None:
                claim = "clean" if row["declared clean"] else "not claimed"
                log(f"{challenge.id} {length}: ceiling {row['ceiling']:.3f} ({claim})")
    return pd.DataFrame(rows)


def distinct_strings(challenge_ids: list[str], n: int, seed: int = 0) -> pd.DataFrame:
    """How many distinct members and non-members each in-range test set holds (the board's: seed
    0, ``n`` strings a length). Short lengths have few strings, and the test split a tenth of
    them: a test set draws with replacement, so it may hold the same string many times."""
    from challenges.evaluate import scored_lengths

    rows = []
    for challenge_id in challenge_ids:
        challenge = get_challenge(challenge_id)
        for length in scored_lengths(challenge):
            if length > challenge.max_train_length:
                continue
            examples = challenge.sample("test", n, seed=seed, length=length)
            texts, labels = examples.texts, examples.labels
            rows.append({"challenge": challenge_id, "length": length, "n": len(examples),
                         "distinct members": len(np.unique(texts[labels])),
                         "distinct non-members": len(np.unique(texts[~labels]))})  # fmt: skip
    return pd.DataFrame(rows)


def distinct_report(table: pd.DataFrame) -> str:
    """Markdown: one row per challenge, one cell per in-range length ("members/non-members")."""
    from hofstadter.reports.tables import markdown

    cell = table["distinct members"].astype(str) + "/" + table["distinct non-members"].astype(str)
    wide = table.assign(cell=cell).pivot(index="challenge", columns="length", values="cell")
    wide = wide.reindex(list(dict.fromkeys(table["challenge"])))
    wide = wide.fillna("").rename(columns=lambda length: f"{length}")
    return ("## Distinct strings in the in-range test sets\n\n"
            f"Distinct members / distinct non-members among the board's {int(table['n'].iloc[0]):,} "
            "test strings at each training length (half of each class, drawn with replacement from "
            "the test split; lengths where the split lacks a class are not scored).\n\n"
            + markdown(wide, index="challenge"))  # fmt: skip


def report(table: pd.DataFrame, command: str, commit: str) -> str:
    """The Markdown page: what was run, then one table per challenge."""
    from hofstadter.reports.tables import markdown

    broken = table[table["holds"] == False]  # noqa: E712 -- None means not claimed
    lines = [
        "# Shortcut ceilings of the equation challenges\n",
        f"Made by `{command}` at commit {commit}, {datetime.now(timezone.utc):%Y-%m-%d}. "
        "See [docs/data.md](../../../docs/data.md#the-shortcut-battery) for the rules. Each cell is "
        "the accuracy of the best rule of its family on the board's test set at that length (seed 0); "
        "**ceiling** is the best of all, an upper estimate (picked on the test strings). A length is "
        f"**clean** when the challenge declares it shortcut-free; there no rule may beat {BAR}. "
        "Lengths not declared clean (the training range, and lengths too short for the band) "
        "are marked ‡ on the leaderboard. **band positions**: the places the hidden error may take "
        "in the shortest result of the length. **head / tail digits to beat**: how many leading "
        "(trailing) digits of the result an idealised rule, told the truth's digits, must read "
        f"beside every modular check within 10,000 states to beat {BAR} -- the margin the band "
        "leaves; the battery's own leading and last-digit rules read up to the digits worth 53 and "
        "20 bits.\n",
        f"Declared-clean lengths above {BAR}: "
        + ("none." if broken.empty else ", ".join(f"{r.challenge} at {r.length}" for r in broken.itertuples()))  # noqa: E501
        + "\n",
    ]
    shown = ["length", "declared clean", "band positions", "n", "distinct", "modular", "leading", "last",
             "and", "classifier", "ceiling", "head digits to beat", "tail digits to beat"]  # fmt: skip
    for challenge_id, part in table.groupby("challenge", sort=False):
        version = int(part["version"].iloc[0])
        band = getattr(equation_challenge(challenge_id).language, "band", None)
        where = "" if band is None else (f"; hidden errors below the top {band.head} digits and above the "
                                         f"last {band.tail}")  # fmt: skip
        lines.append(f"## {challenge_id} (version {version}{where})\n")
        part = part[shown].copy()
        part["declared clean"] = part["declared clean"].map({True: "yes", False: "no ‡"})
        for column in ("modular", "leading", "last", "and", "classifier", "ceiling"):
            part[column] = part[column].map(lambda v: f"{v:.3f}")
        for column in ("head digits to beat", "tail digits to beat"):
            part[column] = part[column].map(lambda v: "-" if pd.isna(v) else f"{int(v)}")
        lines.append(markdown(part))
    return "\n".join(lines)


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True)  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
        return out.stdout.strip() + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def derive_table() -> int:
    """Print ``fitting_prime_powers`` for every base and operator and whether the table agrees."""
    from baselines.references.fsa import fitting_prime_powers
    from challenges.families.hidden_near_misses import GUARD_STATES

    wrong = 0
    for key in sorted(GUARDED_PRIME_POWERS, key=lambda k: (k[1], k[0])):
        derived = fitting_prime_powers(*key, GUARD_STATES)
        same = derived == GUARDED_PRIME_POWERS[key]
        wrong += not same
        print(f"{key[0]} base {key[1]:2}: {derived} {'ok' if same else 'DIFFERS from the table'}", flush=True)
    return 1 if wrong else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    equations = [c for c in list_challenges() if get_challenge(c).family == "arithmetic"]
    parser.add_argument("--challenges", nargs="+", default=[*equations, *EXTRA])
    parser.add_argument("-n", type=int, default=1000,
                        help="test strings per length (the quick profile's 1,000)")  # fmt: skip
    parser.add_argument("--out", type=Path, help="write shortcuts.csv and shortcuts.md here")
    parser.add_argument("--derive-table", action="store_true", help="re-derive GUARDED_PRIME_POWERS and stop")
    parser.add_argument("--distinct", nargs="*", metavar="ID", default=None,
                        help="also count the distinct strings of the in-range test sets of these "
                        "challenges (no ID: every built-in)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.derive_table:
        return derive_table()
    try:
        table = run(args.challenges, args.n, log=lambda line: print(line, file=sys.stderr, flush=True))
    except ChallengeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    command = "python -m benchmarks.shortcut_battery " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(table, command.strip(), _commit())
    distinct = None
    if args.distinct is not None:
        distinct = distinct_strings(args.distinct or list_challenges(), args.n)
        text += "\n" + distinct_report(distinct)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        if distinct is not None:
            distinct.to_csv(args.out / "distinct.csv", index=False)
        table.to_csv(args.out / "shortcuts.csv", index=False)
        (args.out / "shortcuts.md").write_text(text)
    print(text)
    broken = table[table["holds"] == False]  # noqa: E712
    return 1 if len(broken) else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How well does a rule on the first two digits tell hard primes from their semiprimes?

At one length (so the rule also knows the length), the rule is the majority label of each
two-digit prefix, fitted on one test sample (seed 0) and scored on another (seed 1), then the
other way round: an honest estimate of the best such rule, 0.5 when there is no tell. Run:

    python -m benchmarks.leading_digits -n 2000 --lengths 12 40 100
    python -m benchmarks.leading_digits -n 300 --lengths 1000 --versions 2
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np

from challenges.core import Examples
from challenges.families.primes import primes


def leading_digit_rule_accuracy(fit: Examples, held_out: Examples) -> float:
    """Accuracy on ``held_out`` of the majority label of each two-digit prefix in ``fit``
    (prefixes ``fit`` never saw are called prime).

    >>> import numpy as np
    >>> a = Examples(np.array(["11", "12", "97"]), np.array([True, True, False]), np.array([2] * 3), "test")
    >>> leading_digit_rule_accuracy(a, a)
    1.0
    """
    votes: dict[str, Counter] = {}
    for text, label in zip(fit.texts.tolist(), fit.labels.tolist()):
        votes.setdefault(text[:2], Counter())[label] += 1
    guess = {prefix: count.most_common(1)[0][0] for prefix, count in votes.items()}
    pairs = zip(held_out.texts.tolist(), held_out.labels.tolist())
    return float(np.mean([guess.get(text[:2], True) == label for text, label in pairs]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="strings a sample (two samples a cell)")
    parser.add_argument("--lengths", type=int, nargs="+", default=[12, 40, 100])
    parser.add_argument("--versions", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--bases", type=int, nargs="+", default=[2, 10])
    args = parser.parse_args(argv)
    for base in args.bases:
        for version in args.versions:
            challenge = primes(base, hard=True, version=version)
            for length in args.lengths:
                start = time.time()
                a, b = (challenge.sample("test", args.n, seed=seed, length=length) for seed in (0, 1))
                print(f"{challenge.id} v{version} length {length}: {leading_digit_rule_accuracy(a, b):.3f} / "
                      f"{leading_digit_rule_accuracy(b, a):.3f} ({time.time() - start:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

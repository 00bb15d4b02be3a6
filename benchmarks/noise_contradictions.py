"""Why RPNI and EDSM refuse noisy labels here: repeated strings whose flipped copies disagree.

The training sample draws strings with replacement, so the short lengths repeat (a 100,000-string
sample of 1-6 digit numbers holds about 37,000 distinct strings). With labels flipped one copy at
a time (``run --label-noise P``), some distinct strings then carry both labels, and a learner that
must fit every label has no consistent automaton at all: AALpy's RPNI returns none and its EDSM
raises. This prints, per challenge and seed, the strings, the distinct strings, and the distinct
strings whose labels contradict each other, among the training and validation strings together.

    python -m benchmarks.noise_contradictions --noise 0.1 --seed 100 div7-base10 div29-base10
"""

from __future__ import annotations

import argparse

import numpy as np

from challenges import get_challenge
from hofstadter.experiment import training_data
from hofstadter.profiles import PROFILES


def contradictions(challenge_id: str, seed: int, noise: float, size: int | None) -> dict[str, int]:
    """Counts of strings, distinct strings and distinct strings labelled both ways."""
    train, val, _ = training_data(get_challenge(challenge_id), seed, PROFILES["quick"], train_size=size,
                                  label_noise=noise)  # fmt: skip
    texts = np.concatenate([train.texts, val.texts])
    labels = np.concatenate([train.labels, val.labels])
    distinct, index, counts = np.unique(texts, return_inverse=True, return_counts=True)
    members = np.bincount(index, weights=labels)
    both = (members > 0) & (members < counts)
    return {"strings": len(texts), "distinct": len(distinct), "contradicted": int(both.sum())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="+")
    parser.add_argument("--noise", type=float, default=0.1)
    parser.add_argument("--seed", type=int, action="append")
    parser.add_argument("--train-size", type=int)
    args = parser.parse_args()
    for challenge_id in args.ids:
        for seed in args.seed or [100]:
            counts = contradictions(challenge_id, seed, args.noise, args.train_size)
            print(f"{challenge_id} seed {seed} P={args.noise:g}: {counts['strings']:,} strings, "
                  f"{counts['distinct']:,} distinct, {counts['contradicted']:,} labelled both ways")


if __name__ == "__main__":
    main()

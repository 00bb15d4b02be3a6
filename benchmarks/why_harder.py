"""Why multiples of 7 and 29 are harder to learn than multiples of 3 and 9: three measurements.

For each divisibility challenge in base 10, on the quick profile's training sample (seed 0):

* ``10 mod m``: 1 means the residue is the digit sum mod m (each digit adds, order is free);
  otherwise every step multiplies the residue by 10 mod m first, so order matters;
* how often the residue path of a 6-digit training string (its residue after each digit) is
  shared by another 6-digit training string, and how often each (residue, digit) transition
  occurs in the training prefixes;
* the shortest suffix that tells two residues apart (Myhill-Nerode): the longer it is, the
  further the label that separates two rejecting states lies from where they differ.

    python benchmarks/why_harder.py
"""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np

from baselines.references.fsa import exact_automaton
from challenges import get_challenge
from hofstadter.profiles import PROFILES


def residue_path(text: str, modulus: int) -> tuple[int, ...]:
    """Residues after each digit: ``residue_path("123", 7) == (1, 5, 4)``."""
    residue, path = 0, []
    for char in text:
        residue = (residue * 10 + int(char)) % modulus
        path.append(residue)
    return tuple(path)


def main() -> None:
    profile = PROFILES["quick"]
    print("challenge     m  10%m  6-digit  paths shared  transitions seen (min / median)  "
          "longest / mean suffix telling residues apart")  # fmt: skip
    for challenge_id, modulus in (("div3-base10", 3), ("div9-base10", 9), ("div7-base10", 7),
                                  ("div29-base10", 29)):  # fmt: skip
        challenge = get_challenge(challenge_id)
        texts = challenge.sample("train", n=profile.train_size, seed=0, length_range=(1, 6)).texts.tolist()
        six = [t for t in texts if len(t) == 6]
        paths = Counter(residue_path(t, modulus) for t in six)
        shared = sum(count for count in paths.values() if count > 1) / len(six)
        transitions = Counter(
            (residue, char)
            for text in texts
            for residue, char in zip((0, *residue_path(text, modulus)[:-1]), text)
        )
        dfa = exact_automaton(challenge)
        suffixes = [
            len(dfa.with_start(a).equivalent(dfa.with_start(b)))
            for a, b in itertools.combinations(range(dfa.num_states), 2)
        ]
        counts = list(transitions.values())
        print(
            f"{challenge_id:13} {modulus:2} {10 % modulus:4}  {len(six):7}  {100 * shared:11.1f}%  "
            f"{len(transitions):3} of {10 * modulus:3}: {min(counts):4} / {int(np.median(counts)):4}"
            f"{'':14}{max(suffixes)} / {np.mean(suffixes):.2f}"
        )


if __name__ == "__main__":
    main()

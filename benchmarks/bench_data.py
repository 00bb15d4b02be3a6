"""Data-generation speed: labelled strings per second, best of several repeats.

    python benchmarks/bench_data.py            # the README's figures
    python benchmarks/bench_data.py --primes   # also 100 primes of 1000 decimal digits (slow)

Targets (issue 2): >= 1,000,000 labelled div7-base10 strings/s at lengths 1-6 and >= 100,000
labelled add-base10 strings/s. The primes figure is the time to draw 100 members of
prime-base10 at length 1000 (uses every core; each prime needs ~100 modular exponentiations of
3322-bit numbers, which is the floor for uniform random primes of that size).
"""

from __future__ import annotations

import argparse
import os
import time

from challenges import get_challenge


def best_rate(challenge_id: str, n: int, repeats: int = 5, **kwargs) -> float:
    challenge = get_challenge(challenge_id)
    best = float("inf")
    for seed in range(repeats):
        started = time.perf_counter()
        challenge.sample("train", n=n, seed=seed, **kwargs)
        best = min(best, time.perf_counter() - started)
    return n / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--primes", action="store_true", help="also time 1000-digit primes")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}")
    for challenge_id, n in [("div7-base10", 1_000_000), ("even-base3", 1_000_000),
                            ("add-base10", 200_000), ("mul-base10", 200_000),
                            ("add-base2", 200_000), ("prime-base10", 100_000)]:  # fmt: skip
        rate = best_rate(challenge_id, n)
        print(f"{challenge_id:14s} train split, training lengths: {rate:>12,.0f} labelled strings/s")
    if args.primes:
        challenge = get_challenge("prime-base10")
        started = time.perf_counter()
        examples = challenge.sample("test", n=200, seed=0, length=1000)
        elapsed = time.perf_counter() - started
        print(f"prime-base10 at 1000 digits: {int(examples.labels.sum())} primes "
              f"(+{int((~examples.labels).sum())} non-members) in {elapsed:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()

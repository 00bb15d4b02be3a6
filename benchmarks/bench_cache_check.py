"""What checking a cached test set costs on load: every row by the oracle, against the keyed checksum.

The figures behind :mod:`challenges.cache`'s choice (a checksum keyed with a secret, plus the oracle
on a random subset of rows). Draws the sets through the cache first -- 100 uniform 1000-digit
primes take minutes the first time -- then times, per set: parsing every string and re-deriving
its label and length; the keyed checksum; the 64-row oracle check the cache does on every load.

Run: ``python -m benchmarks.bench_cache_check`` (add ``--quick`` to leave out the 1000-digit primes).
"""

from __future__ import annotations

import argparse
import time

from challenges import cache, get_challenge

SETS = (("add-base10", 1000, 1000), ("mul-base10", 1000, 1000), ("prime-base10", 100, 1000),
        ("prime-base2", 1000, 100), ("prime-base10", 1000, 100))  # fmt: skip


def seconds(work, *args) -> float:
    started = time.perf_counter()
    work(*args)
    return time.perf_counter() - started


def every_row(challenge, examples) -> None:
    language = challenge.language
    parsed = [language.parse(str(text)) for text in examples.texts]
    assert all(language.is_member(p) == bool(y) for p, y in zip(parsed, examples.labels))
    assert all(language.length_of(p) == int(n) for p, n in zip(parsed, examples.lengths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="leave out the 1000-digit base-10 primes")
    args = parser.parse_args()
    cache._SLOW_SECONDS = -1.0  # every set goes to disk, so a second run only loads
    for challenge_id, length, n in SETS[:-1] if args.quick else SETS:
        challenge = get_challenge(challenge_id)
        examples = cache.cached_sample(challenge, "test", n, 0, length=length)
        arrays = (examples.texts, examples.labels, examples.lengths)
        full = seconds(every_row, challenge, examples)
        keyed = seconds(cache.checksum, *arrays, ("benchmark",))
        subset = seconds(cache._verify_rows, challenge, "test", *arrays)
        print(f"{challenge_id} length {length}, {n} strings: every row by the oracle {full:.2f} s, "
              f"keyed checksum {1000 * keyed:.1f} ms, 64-row oracle check {subset:.2f} s", flush=True)


if __name__ == "__main__":
    main()

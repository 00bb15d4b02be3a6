"""How fast the DFAs of the regular challenges run: batches, and one million-digit string.

Run: ``python benchmarks/bench_automata.py [--repeat R]``. Prints a Markdown table. Everything
runs on one core (the numpy operations used here do not multi-thread); the best of ``R`` runs is
reported, with the encoding of the strings included in every figure.

* batch -- ``DFA.run_many`` on a batch of 6-digit strings and one of 1000-digit strings;
* one long string -- ``DFA.final_state`` by chunked composition, against the plain loop over
  the encoded symbols (``final_state_loop``) and a pure-Python loop over the characters.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from baselines.automata.dfa import DFA
from baselines.references.fsa import exact_automaton
from challenges import get_challenge
from hofstadter.reports.leaderboard import markdown

CHALLENGES = ("div7-base10", "div29-base10", "even-base3")


def random_digit_strings(rng: np.random.Generator, alphabet: str, rows: int, length: int) -> np.ndarray:
    """``rows`` random strings of ``length`` symbols, written straight into a unicode buffer."""
    codes = np.frombuffer(alphabet.encode("utf-32-le"), dtype=np.uint32)
    return codes[rng.integers(0, len(alphabet), size=(rows, length))].view(f"<U{length}").ravel()


def best_seconds(repeat: int, run: Callable[..., object], *args: object) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run(*args)
        times.append(time.perf_counter() - started)
    return min(times)


def pure_python_loop(dfa: DFA, text: str) -> int:
    """The naive way: a dict lookup and a list lookup per character."""
    index = {symbol: i for i, symbol in enumerate(dfa.alphabet)}
    rows = dfa.transitions.tolist()
    state = dfa.start
    for char in text:
        state = rows[state][index[char]]
    return state


def batch_speed(challenge_id: str, dfa: DFA, rows: int, length: int, rng, repeat: int) -> dict:
    texts = random_digit_strings(rng, dfa.alphabet, rows, length)
    seconds = best_seconds(repeat, dfa.run_many, texts)
    return {
        "challenge": challenge_id, "states": dfa.num_states, "batch": f"{rows:,} x {length}",
        "seconds": f"{seconds:.3f}", "M digits/s": f"{rows * length / seconds / 1e6:.0f}",
    }  # fmt: skip


def long_string_speed(challenge_id: str, dfa: DFA, rng, repeat: int) -> dict:
    text = str(random_digit_strings(rng, dfa.alphabet, 1, 1_000_000)[0])
    assert dfa.final_state(text) == dfa.final_state_loop(text) == pure_python_loop(dfa, text)
    chunked = best_seconds(repeat, dfa.final_state_chunked, text)
    loop = best_seconds(repeat, dfa.final_state_loop, text)
    naive = best_seconds(repeat, pure_python_loop, dfa, text)
    return {
        "challenge": challenge_id, "states": dfa.num_states,
        "chunked composition (ms)": f"{chunked * 1e3:.1f}",
        "encoded loop (ms)": f"{loop * 1e3:.1f}", "pure-Python loop (ms)": f"{naive * 1e3:.1f}",
        "speed-up vs pure Python": f"{naive / chunked:.1f}x",
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    batch_rows, long_rows = [], []
    for challenge_id in CHALLENGES:
        dfa = exact_automaton(get_challenge(challenge_id))
        for rows, length in ((1_000_000, 6), (10_000, 1000)):
            batch_rows.append(batch_speed(challenge_id, dfa, rows, length, rng, args.repeat))
        long_rows.append(long_string_speed(challenge_id, dfa, rng, args.repeat))
    print(f"numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}\n")
    print("Batch evaluation (run_many), encoding included:\n")
    print(markdown(pd.DataFrame(batch_rows)))
    print("One string of 1,000,000 digits (final state):\n")
    print(markdown(pd.DataFrame(long_rows)))


if __name__ == "__main__":
    main()

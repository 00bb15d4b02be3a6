"""Accuracy far beyond the training range on more test strings than a quick run scores.

Fits a model on exactly the strings a quick-profile run of the same seed trains on
(``hofstadter.experiment.training_data``), with the profile's budgets unless options override
them, then scores it on the fixed test sets at the longest training length, twice it, 100 and
1000 digits -- ``-n`` strings each (1,000 by default; the quick profile scores 100 at 1000 digits).
One JSON line per seed; for the column automaton on additions, also whether its DFA is the carry
automaton.

    python -m benchmarks.long_accuracy column-automaton add-base10
    python -m benchmarks.long_accuracy transformer add-base10 --seeds 0 --long-n 20 --option max_seconds=300
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import baselines
from challenges import get_challenge
from challenges.errors import ChallengeError
from challenges.evaluate import score
from hofstadter.experiment import model_options_for, training_data
from hofstadter.profiles import PROFILES


def option(text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` with VALUE read as an int, float or bool where it is one."""
    name, _, value = text.partition("=")
    for convert in (int, float):
        try:
            return name, convert(value)
        except ValueError:
            pass
    return name, {"True": True, "False": False}.get(value, value)


def measure(
    model_id: str, challenge_id: str, seed: int, options: dict[str, Any], n: int, long_n: int
) -> dict[str, Any]:
    """Fit on the quick profile's strings of ``seed``; score far beyond the training range."""
    challenge = get_challenge(challenge_id)
    profile = PROFILES["quick"]
    train, val, _ = training_data(challenge, seed, profile)
    model = baselines.create_model(model_id, **{**model_options_for(model_id, profile, "cpu"), **options})
    started = time.perf_counter()
    report = model.fit(challenge, train, val, seed)
    wall = time.perf_counter() - started
    longest = challenge.max_train_length
    lengths = [longest, 2 * longest, 100, 1000]
    metrics = score(model.predict, challenge, lengths=lengths, n=lambda length: long_n if length > 100 else n)
    record = {
        "challenge": challenge_id, "model": model_id, "seed": seed, "options": options,
        "steps": report.steps, "train_seconds": round(report.train_seconds or wall, 1),
        "best_val_accuracy": report.best_val_accuracy, "mode": report.extra.get("mode"),
        "accuracy": {m.length: m.accuracy for m in metrics}, "n": {m.length: m.n for m in metrics},
    }  # fmt: skip
    if model_id == "column-automaton" and dict(challenge.parameters).get("operator") == "+":
        from baselines.references.fsa import carry_automaton
        from baselines.structured.column_automaton import column_shape_automaton, intersect

        dfa = model.as_dfa()
        reference = intersect(carry_automaton(challenge.base), column_shape_automaton(challenge.base))
        record["dfa_states"] = dfa and dfa.num_states
        record["equivalent_to_carry"] = dfa is not None and dfa.equivalent(reference) is None
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("challenge")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("-n", type=int, default=1000, help="test strings per length up to 100 digits")
    parser.add_argument("--long-n", type=int, default=1000, help="test strings at 1000 digits")
    parser.add_argument("--option", type=option, action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    try:
        for seed in args.seeds:
            record = measure(args.model, args.challenge, seed, dict(args.option), args.n, args.long_n)
            print(json.dumps(record), flush=True)
    except ChallengeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

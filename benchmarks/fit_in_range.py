"""Does a network fit its own training range? Train, validation and in-range test accuracy of one recipe.

The quick profile's data (100,000 training strings, 2,000 validation strings) and budgets (3,000
steps), one challenge and seed; it prints the accuracy on 2,000 of the training strings (can the
network fit what it saw?), on validation, and on 1,000 unseen test strings at each training length
(the board's test strings, the same for every seed), with the steps and seconds the fit took. A
recipe is a model spec as the command line takes it. Development seeds (0-99) only: this is where
recipes are tuned.

    python -m benchmarks.fit_in_range div7-base10 transformer --seed 0
    python -m benchmarks.fit_in_range div7-base10 "transformer:pooling=mean,head_hidden=0" --seed 0
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from baselines.base import task_for
from baselines.model_spec import parse_model_spec
from challenges import get_challenge
from challenges.evaluate import evaluation_set, scored_lengths
from hofstadter.experiment import model_for_spec, training_data
from hofstadter.profiles import PROFILES, seed_kind


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("challenge")
    parser.add_argument("spec", help="a model spec, e.g. transformer:lr=0.003")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--test-size", type=int, default=1000)
    args = parser.parse_args(argv)
    if seed_kind(args.seed) != "development":
        parser.error(f"seed {args.seed} is a report seed: tune recipes on development seeds 0-99")
    torch.set_num_threads(1)
    profile = PROFILES[args.profile]
    challenge = get_challenge(args.challenge)
    spec = parse_model_spec(args.spec)
    model = model_for_spec(spec, profile)
    train, val, (low, high) = training_data(challenge, args.seed, profile)
    started, cpu_started = time.perf_counter(), time.process_time()
    report = model.fit(task_for(model, challenge), train, val, args.seed)
    # CPU seconds as well as wall seconds: on a shared machine the first says what a fit costs.
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    seen = slice(0, 2000)
    train_accuracy = (model.predict(train.texts[seen]) == train.labels[seen]).mean()
    per_length = {}
    for length in scored_lengths(challenge, range(low, high + 1)):  # the board's own test strings
        test = evaluation_set(challenge, length, args.test_size)
        per_length[length] = float((model.predict(test.texts) == test.labels).mean())
    in_range = np.mean(list(per_length.values()))
    lengths = " ".join(f"{length}:{100 * a:.1f}" for length, a in per_length.items())
    print(
        f"{challenge.id} {spec.label} seed {args.seed}: train {100 * train_accuracy:.1f} "
        f"val {100 * report.best_val_accuracy:.1f} in-range test mean {100 * in_range:.1f} "
        f"[{lengths}] steps {report.steps} (best {report.extra.get('best_step')}) "
        f"{seconds:.0f} s ({cpu_seconds:.0f} s of CPU)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Which wrong equations a fitted model accepts, and which true ones it rejects, by their shape.

A figure like "0.986 at 3 digits" says how many test strings a model got wrong, not which. On the
equation challenges the wrong answers have a shape that names the mistake: this fits one model as
a ``run`` cell fits it (the profile's training strings for ``--seed``), then sorts every string it
gets wrong -- among its own training strings and among the test strings of each evaluation seed
asked for -- by what the string is (a benchmark may look inside a challenge; the models never do):

* ``true, rejected``: a member the model turns down;
* ``result shorter than an operand``: a wrong equation whose result has fewer digits than one of
  its operands (for a sum, a digit the result must have is missing);
* ``result longer / shorter than the truth``: wrong, but the operands' digits are all covered;
* ``same length, off by a power of the base`` (``c - truth = +-base^p``), ``same length, other``.

::

    python -m benchmarks.equation_errors add-base10 --model place-attention:snap_train_steps=1000 \\
        --seed 4 --eval-seed 0 2 3 --lengths 2 3 4 5 6

Prints one table of counts (and the first examples of each shape with ``--examples K``).
Refuses report seeds: it is for development.
"""

from __future__ import annotations

import argparse
import collections
from collections.abc import Iterable

import numpy as np
import pandas as pd

import baselines
from baselines.model_spec import parse_model_spec
from challenges import get_challenge
from challenges.core import Challenge
from challenges.errors import ChallengeError
from challenges.evaluate import evaluation_set, scored_lengths
from challenges.numbers import to_base
from hofstadter.evaluation_seeds import REPORT_EVAL_SEED
from hofstadter.experiment import model_for_spec, training_data
from hofstadter.profiles import get_profile, seed_kind
from hofstadter.reports.leaderboard import markdown

SHAPES = (
    "true, rejected",
    "result shorter than an operand",
    "result longer than the truth",
    "result shorter than the truth",
    "same length, off by a power of the base",
    "same length, other",
)


def shape_of(challenge: Challenge, text: str) -> str:
    """What a wrong answer on ``text`` is (see the module docstring).

    >>> add = get_challenge("add-base10")
    >>> [shape_of(add, t) for t in ("15+91=106", "15+91=6", "15+91=116", "948+8710=10658")]
    ['true, rejected', 'result shorter than an operand', 'same length, off by a power of the base', \
'result longer than the truth']
    """
    language = challenge.language
    first, second, result, a, b, c = language.parse(text)
    truth = language.compute(a, b)
    if truth == c:
        return "true, rejected"
    base, true_digits = language.base, len(to_base(truth, language.base))
    if len(result) < max(len(first), len(second)):
        return "result shorter than an operand"
    if len(result) != true_digits:
        return f"result {'longer' if len(result) > true_digits else 'shorter'} than the truth"
    gap = abs(c - truth)
    power = 1
    while power < gap:
        power *= base
    return "same length, off by a power of the base" if power == gap else "same length, other"


def wrong_by_shape(challenge: Challenge, texts: np.ndarray, labels: np.ndarray, answers: np.ndarray,
                   examples: int) -> tuple[collections.Counter, dict[str, list[str]]]:  # fmt: skip
    """Counts of the wrongly answered strings by :func:`shape_of`, and up to ``examples`` of each."""
    counts: collections.Counter = collections.Counter()
    shown: dict[str, list[str]] = collections.defaultdict(list)
    for text in texts[answers != labels]:
        shape = shape_of(challenge, str(text))
        counts[shape] += 1
        if len(shown[shape]) < examples:
            shown[shape].append(str(text))
    return counts, shown


def report(challenge_id: str, model_text: str, seed: int, eval_seeds: Iterable[int],
           lengths: Iterable[int] | None, n: int, examples: int) -> pd.DataFrame:  # fmt: skip
    """Fit, answer, sort: one row per string set (the training strings, then each draw)."""
    challenge, profile = get_challenge(challenge_id), get_profile("quick")
    model = model_for_spec(parse_model_spec(model_text), profile)
    train, val, train_lengths = training_data(challenge, seed, profile)
    model.fit(baselines.task_for(model, challenge, train_lengths), train, val, seed)
    sets = [("training strings", train.texts, train.labels)]
    low, high = challenge.train_lengths
    for eval_seed in eval_seeds:
        for length in scored_lengths(challenge, lengths or range(low, high + 1)):
            test = evaluation_set(challenge, length, n, eval_seed)
            sets.append((f"evaluation seed {eval_seed}, length {length}", test.texts, test.labels))
    rows = []
    for name, texts, labels in sets:
        counts, shown = wrong_by_shape(challenge, texts, labels, model.predict(texts), examples)
        rows.append({"strings": name, "n": len(texts), "wrong": sum(counts.values()),
                     **{shape: counts[shape] for shape in SHAPES}})  # fmt: skip
        for shape, texts_shown in shown.items():
            print(f"{name}: {shape}: {', '.join(texts_shown)}")
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("challenge", help="an equation challenge, e.g. add-base10")
    parser.add_argument("--model", required=True, help="model id, with options as run --model takes them")
    parser.add_argument("--seed", type=int, default=0, help="a development training seed (0-99)")
    parser.add_argument("--eval-seed", type=int, nargs="*", default=[0], dest="eval_seeds")
    parser.add_argument("--lengths", type=int, nargs="+", help="default: the training lengths")
    parser.add_argument("-n", type=int, default=1000, help="test strings a length (default 1000)")
    parser.add_argument("--examples", type=int, default=0, help="print up to K of each shape")
    args = parser.parse_args(argv)
    try:
        if seed_kind(args.seed) == "report" or REPORT_EVAL_SEED in args.eval_seeds:
            raise ChallengeError(f"for development: report seeds and the report evaluation seed "
                                 f"({REPORT_EVAL_SEED}) are refused")  # fmt: skip
        if not hasattr(get_challenge(args.challenge).language, "compute"):
            raise ChallengeError(f"{args.challenge} is not an equation challenge")
        frame = report(args.challenge, args.model, args.seed, args.eval_seeds, args.lengths, args.n,
                       args.examples)  # fmt: skip
    except ChallengeError as error:
        parser.error(str(error))
    print(markdown(frame))


if __name__ == "__main__":
    main()

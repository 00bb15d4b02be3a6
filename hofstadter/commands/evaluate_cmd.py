"""``eval`` and ``models``: score one model on one challenge per length, and list the models.

``eval`` fits a trainable model on a fresh training sample (``--seed``), then scores it on the
fixed test sets of :mod:`challenges.evaluate`, so every model is scored on the same strings: those
of the seed's kind, as ``run`` scores it (:mod:`hofstadter.evaluation_seeds`: a report seed on the
report evaluation seed's, any other on the development one's). Sizes and training budgets come from
a run profile (``quick`` by default), as in ``run``, so that one ``eval`` reproduces one cell of the
benchmark; ``-n`` and ``--train-size`` override the sizes (the validation size follows
``--train-size`` by the rule ``run`` uses: one function draws both).

``--eval-seed E [E ...]`` scores the one fitted model on other draws of test strings as well: how
much a figure at a short length owes to which few strings its draw holds (a length of 2-digit sums
holds about 400 distinct true equations, and a model wrong on a handful of near misses passes one
draw and fails another). A development seed scored on the report evaluation seed is allowed and
warned about: a choice made on those figures is made on the published test strings.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table

import baselines  # registers the built-in models; challenges never import it at load time
from baselines.model_spec import parse_model_spec
from challenges import evaluate, get_challenge
from challenges.core import Challenge, Examples, Split
from challenges.errors import InvalidArgument, NotApplicable
from challenges.evaluate import Metric, score
from challenges.splits import check_sample_size
from hofstadter import experiment  # experiment.training_data, looked up when used: tests watch it
from hofstadter.commands import _args
from hofstadter.commands._output import console
from hofstadter.evaluation_seeds import REPORT_EVAL_SEED, evaluation_seed
from hofstadter.experiment import model_for_spec
from hofstadter.profiles import PROFILES, get_profile, seed_kind


def register(subcommands: argparse._SubParsersAction) -> None:
    p = subcommands.add_parser("eval", help="fit one model (if it learns) and score it per length")
    p.add_argument("id", help="challenge id, e.g. div7-base10")
    p.add_argument("--model", required=True,
                   help="model id (see 'models'), with options as MODEL:key=value,...")  # fmt: skip
    p.add_argument(
        "--lengths", type=_args.length, nargs="+", metavar="L",
        help="lengths to score (default: the whole test split, extrapolation lengths included)",
    )  # fmt: skip
    p.add_argument("--seed", type=_args.seed, default=0, help="training seed (test sets are fixed)")
    p.add_argument("--profile", choices=sorted(PROFILES), default="quick",
                   help="sizes and training budgets (default quick)")  # fmt: skip
    p.add_argument("-n", type=_args.count, help="test examples per length (default: the profile's)")
    p.add_argument("--train-size", type=_args.count, metavar="N",
                   help="training strings for models that learn, as in run (default: the profile's; "
                   "validation: a tenth as many, at most the profile's)")  # fmt: skip
    p.add_argument("--train-n", type=_args.count, dest="train_n", help=argparse.SUPPRESS)  # deprecated
    p.add_argument("--device", type=_args.device, default="cpu",
                   help="cpu (default), cuda or cuda:N, for models that take it")  # fmt: skip
    p.add_argument("--eval-seed", type=_args.seed, nargs="+", dest="eval_seeds", metavar="E",
                   help="draws of test strings to score on (default: the one run uses for --seed's "
                   "kind: development or report)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="one JSON object per length (and evaluation seed)")
    p.set_defaults(handler=eval_command)

    p = subcommands.add_parser("models", help="list the registered models")
    p.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    p.set_defaults(handler=models_command)


def eval_command(args: argparse.Namespace) -> int:
    challenge = get_challenge(args.id)
    profile = get_profile(args.profile)
    spec = parse_model_spec(args.model)
    model = model_for_spec(spec, profile, args.device)
    task = baselines.task_for(model, challenge)
    reason = model.applies_to(task)
    if reason is not None:
        raise NotApplicable(reason)
    lengths = scored_lengths(challenge, args.lengths)
    for length in lengths:  # refuse a test set memory cannot hold before training, not after
        check_sample_size(challenge, args.n or profile.test_size_for(challenge)(length), length)
    if model.trainable:  # the very strings a run of this profile, seed and size trains on
        train, val, _ = experiment.training_data(challenge, args.seed, profile, train_size=train_size(args))
    else:  # fixed references read nothing but the challenge's facts
        train, val = _no_examples("train"), _no_examples("val")
    eval_seeds = args.eval_seeds or [evaluation_seed(args.seed)]
    if seed_kind(args.seed) == "development" and REPORT_EVAL_SEED in eval_seeds:
        print(f"warning: evaluation seed {REPORT_EVAL_SEED} draws the published figures' test strings; "
              "a choice made on development seeds scored there is made on them", file=sys.stderr)  # fmt: skip
    baselines.base.fit_report(model.fit(task, train, val, seed=args.seed))  # None: one clear line
    size = args.n or profile.test_size_for(challenge)
    for eval_seed in dict.fromkeys(eval_seeds):  # each draw once, in the order given
        metrics = score(model.predict, challenge, lengths=lengths, n=size, seed=eval_seed)
        if args.json:
            for metric in metrics:
                print(json.dumps(metric_record(challenge, spec.label, args.seed, metric, eval_seed)))
        else:
            console().print(metrics_table(challenge, spec.label, args.seed, metrics, eval_seed))
    return 0


def train_size(args: argparse.Namespace) -> int | None:
    """``--train-size``, or the deprecated ``--train-n`` with a warning; None: the profile's."""
    if args.train_n is None:
        return args.train_size
    if args.train_size is not None and args.train_size != args.train_n:
        raise InvalidArgument("--train-n is the old name of --train-size: give one of them")
    print("warning: --train-n is deprecated: use --train-size (as in run)", file=sys.stderr)
    return args.train_n


def scored_lengths(challenge: Challenge, lengths: list[int] | None) -> tuple[int, ...]:
    """The lengths to score; a requested length that cannot be scored is an error, not a gap."""
    usable = evaluate.scored_lengths(challenge, lengths)
    if lengths is not None:
        missing = sorted(set(lengths) - set(usable))
        if missing:
            raise InvalidArgument(
                f"{challenge.id}: the test split holds no members or no non-members of length "
                f"{', '.join(map(str, missing))}; scorable lengths: "
                f"{', '.join(map(str, evaluate.scored_lengths(challenge)))}"
            )
    return usable


def metric_record(challenge: Challenge, model_id: str, seed: int, metric: Metric, eval_seed: int) -> dict:
    """One ``eval --json`` line."""
    return {
        "challenge": challenge.id,
        "model": model_id,
        "seed": seed,
        "eval_seed": eval_seed,
        **metric.to_dict(),
        "extrapolation": metric.length > challenge.max_train_length,
    }


def metrics_table(
    challenge: Challenge, model_id: str, seed: int, metrics: list[Metric], eval_seed: int
) -> Table:
    table = Table(title=f"{model_id} on {challenge.id} (seed {seed}, evaluation seed {eval_seed})")
    table.add_column("length", justify="right")
    table.add_column("accuracy", justify="right")
    table.add_column("n", justify="right")
    table.add_column("range")
    for metric in metrics:
        beyond = metric.length > challenge.max_train_length
        table.add_row(
            str(metric.length),
            f"{metric.accuracy:.3f}",
            str(metric.n),
            "extrapolation" if beyond else "training range",
            style="dim" if beyond else None,
        )
    return table


def _no_examples(split: Split) -> Examples:
    return Examples(
        np.array([], dtype=np.str_), np.array([], dtype=bool), np.array([], dtype=np.int64), split
    )


def models_command(args: argparse.Namespace) -> int:
    rows = [
        {
            "id": model_id,
            "trainable": cls.trainable,
            "knows_rule": cls.knows_rule,
            "kind": "reference" if cls.knows_rule else getattr(cls, "kind", "learner"),
            "description": cls.description,
            "origin": baselines.MODELS.origin(model_id),
        }
        for model_id, cls in baselines.MODELS.items()
    ]
    if args.json:
        print(json.dumps(rows))
        return 0
    make_console().print(models_table(rows))
    return 0


def models_table(rows: list[dict], width: int = 80) -> Table:
    """One line per model within ``width`` columns: a long description ends in '...' (``--json``
    has it whole); an origin column (built-in or plugin; which plugin: ``--json``) only when a
    plugin added a model.

    >>> rows = [{"id": "gru", "trainable": True, "knows_rule": False, "kind": "learner",
    ...          "description": "GRU " * 40, "origin": "built-in"}]
    >>> from rich.console import Console
    >>> plain = Console(width=200)
    >>> with plain.capture() as shown:
    ...     plain.print(models_table(rows))
    >>> max(len(line) for line in shown.get().splitlines()) <= 80
    True
    """
    plugins = any(row["origin"] != "built-in" for row in rows)
    columns = ["id", "learns", "kind", "description", *(["origin"] if plugins else [])]
    lines = [
        [row["id"], "yes" if row["trainable"] else "no",
         "reference" if row["knows_rule"] else row.get("kind") or "learner",
         row["description"], *(["built-in" if row["origin"] == "built-in" else "plugin"] if plugins else [])]
        for row in rows
    ]  # fmt: skip
    widths = [max([len(name), *(len(line[i]) for line in lines)]) for i, name in enumerate(columns)]
    # what is left of ``width`` after the other columns, a space either side of each column and
    # the one between columns
    spacing = 3 * len(columns) - 1
    widths[3] = max(20, min(widths[3], width - spacing - sum(widths) + widths[3]))
    table = Table(title="models (whole descriptions: models --json)", box=box.SIMPLE_HEAD,
                  show_edge=False, padding=(0, 1), expand=False)  # fmt: skip
    for name, limit in zip(columns, widths):
        table.add_column(name, no_wrap=True, width=limit)
    for line in lines:
        table.add_row(*(_cut(text, limit) for text, limit in zip(line, widths)))
    return table


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def make_console() -> Console:
    """The commands' console, at most 80 columns wide, so that a table of models never wraps."""
    wide = console()
    return Console(width=min(wide.width, 80), highlight=False, markup=False)

"""``score``: put a model from any framework on the leaderboard, from a file of its predictions.

``python -m challenges score div7-base10 preds.jsonl --model-name my-lstm`` checks that the file
answers exactly the test strings ``run`` scores (``export div7-base10 --split test --profile quick
--out DIR`` writes them), scores them as ``run`` does and appends the record, model
``external:my-lstm``, to RESULTS/runs.jsonl, where ``leaderboard`` ranks it with the rest. The
file forms, and the automaton a file may carry, are in :mod:`hofstadter.scoring`.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from challenges import get_challenge
from challenges.errors import InvalidInput
from hofstadter.commands import _args
from hofstadter.commands.board import add_board_option, use_board
from hofstadter.commands.run_cmd import summary_text, write_board
from hofstadter.limits import MAX_FILE_BYTES, loads_json, read_bytes
from hofstadter.profiles import PROFILES, get_profile, seed_kind
from hofstadter.reports.default_cells import board_seeds
from hofstadter.reports.leaderboard import latest_records
from hofstadter.scoring import external_model_id, read_predictions, score_predictions
from hofstadter.store import ResultStore


def register(subcommands: argparse._SubParsersAction) -> None:
    p = subcommands.add_parser(
        "score",
        help="score a file of predictions made outside this package and record it as an external model",
        description="Score predictions (JSONL rows {text, prediction}, a CSV with those columns, or "
        "a directory of test-L<length> files as 'export' writes them) on a challenge's test "
        "strings, exactly as 'run' scores, and append the record to RESULTS/runs.jsonl as model "
        "external:NAME.",
    )
    p.add_argument("id", help="challenge id, e.g. div7-base10")
    p.add_argument("predictions", type=_args.directory, metavar="PREDICTIONS",
                   help="a .jsonl or .csv file, or a directory of test-L<length>.jsonl (or .csv) "
                   "files")  # fmt: skip
    p.add_argument("--model-name", required=True, metavar="NAME",
                   help="the name it is listed under, as external:NAME")  # fmt: skip
    p.add_argument("--seed", type=_args.seed, default=None,
                   help="the seed of the model's training run (default: the first seed the store's "
                   "board shows -- the profile's first report seed, or its first development seed in "
                   "a store of development runs); score each seed's predictions with its own --seed: "
                   "solved means solved in every seed")  # fmt: skip
    p.add_argument("--profile", choices=sorted(PROFILES), default="quick",
                   help="whose test sets (and test sizes) to score on (default quick)")  # fmt: skip
    p.add_argument("--automaton", type=Path, metavar="FILE",
                   help="a JSON file with the model's DFA, to be proven exact or not (a JSONL "
                   "predictions file may carry it as a line {\"automaton\": ...} instead)")  # fmt: skip
    p.add_argument("--description", metavar="TEXT", help="what the model is, for its page on the site")
    p.add_argument("--results", type=_args.directory, default=_args.DEFAULT_RESULTS, metavar="DIR",
                   help=f"the store to append to (default: {_args.DEFAULT_RESULTS}/)")
    p.add_argument("--json", action="store_true", help="print the record as one JSON line")
    add_board_option(p)
    p.set_defaults(handler=score_command)


def score_command(args: argparse.Namespace) -> int:
    challenge = get_challenge(args.id)
    profile = get_profile(args.profile)
    external_model_id(args.model_name)  # a bad name is refused before anything is written
    predictions = read_predictions(args.predictions)
    board = use_board(args, profile, several_seeds=False)  # --board published
    if board:
        print(board, file=sys.stderr)
    store = ResultStore(args.results / "runs.jsonl")
    seed = board_seed(store, profile) if args.seed is None else args.seed
    _args.require_writable_dir(args.results, "--results")
    if args.automaton is not None:
        if predictions.automaton is not None:
            raise InvalidInput(f"{args.predictions} carries an automaton already; drop --automaton")
        try:
            data = read_bytes(args.automaton, MAX_FILE_BYTES, "MAX_FILE_BYTES", "--automaton")
            automaton = loads_json(data.decode("utf-8-sig"), f"--automaton {args.automaton}")
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InvalidInput(f"--automaton {args.automaton}: cannot read it as JSON ({error})") from None
        predictions = replace(predictions, automaton=automaton)
    record = score_predictions(challenge, predictions, name=args.model_name, seed=seed, profile=profile,
                               description=args.description)
    store.append(record)
    if args.json:
        print(json.dumps(record))
    else:
        print(summary_text([record]))
        proven = record.get("equivalent")
        if proven is not None:
            counterexample = record.get("counterexample")
            print(f"automaton: {'proven exact' if proven else 'not exact'}"
                  + (f", counterexample {counterexample!r}" if counterexample is not None else ""))
        print(f"recorded {record['model']} (seed {seed}, a {seed_kind(seed)} seed; {args.profile} profile) "
              f"in {store.path}")
    if board:
        paths = write_board(store.records(), args.results, profile.name, Console(stderr=True))
        if paths:
            print(f"leaderboard: {paths['markdown']}; the site: python -m challenges leaderboard "
                  f"--results {args.results} --html {args.results / 'site'}", file=sys.stderr)
    return 0


def board_seed(store, profile) -> int:  # noqa: ANN001 - a ResultStore and a Profile
    """The first seed the store's board shows: a record on another seed would be listed apart."""

    seeds, _ = board_seeds(latest_records(store.records(), profile.name), profile)
    return seeds[0]

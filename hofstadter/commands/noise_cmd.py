"""``noise``: the label-noise report of a store -- proven exact and accuracy at 1000 digits against P.

``python -m challenges noise --results results/published/noise`` writes ``NOISE.md``,
``noise.csv`` and ``plots/noise.png`` beside the store and prints the table
(:mod:`hofstadter.reports.noise`).
"""

from __future__ import annotations

import argparse

from challenges.errors import InvalidArgument
from hofstadter.commands import _args
from hofstadter.reports.noise import noise_frame, noise_markdown, noise_table, write_noise_report
from hofstadter.store import ResultStore


def register(subcommands: argparse._SubParsersAction) -> None:
    p = subcommands.add_parser(
        "noise",
        help="table and plot of proven exact and accuracy at 1000 digits against label noise P",
        description="Read RESULTS/runs.jsonl (runs with --label-noise, or --profile noise) and write "
        "NOISE.md, noise.csv and plots/noise.png into RESULTS.",
    )
    p.add_argument("--results", type=_args.directory, default=_args.DEFAULT_RESULTS, metavar="DIR",
                   help=f"the store to read and write into (default: {_args.DEFAULT_RESULTS}/)")  # fmt: skip
    p.set_defaults(handler=noise_command)


def noise_command(args: argparse.Namespace) -> int:
    store = ResultStore(args.results / "runs.jsonl")
    if not store.path.exists():
        raise InvalidArgument(f"no results at {store.path}: run 'python -m challenges run --all --profile "
                              f"noise --results {args.results}' first")  # fmt: skip
    _args.require_writable_dir(args.results, "--results")
    records = store.records()
    paths = write_noise_report(records, args.results)
    print(noise_markdown(noise_table(noise_frame(records))), end="")
    print(f"wrote {', '.join(str(p) for p in paths.values())}")
    return 0

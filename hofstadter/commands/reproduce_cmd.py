"""``reproduce``: rerun recorded cells and print every difference from their records."""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

from challenges.errors import InvalidArgument
from hofstadter.commands import _args
from hofstadter.commands._output import console as make_console
from hofstadter.estimate import duration
from hofstadter.reproduce import cell_name, cell_of, choose, reproduce, reproducible
from hofstadter.run import _start_worker, prepare_test_sets, worker_count
from hofstadter.store import ResultStore


def register(subcommands: argparse._SubParsersAction) -> None:
    p = subcommands.add_parser(
        "reproduce",
        help="rerun recorded cells and compare every figure and proof with the record",
        description="Rerun cells of a store (all, a seeded sample, or the named ones) with this "
        "code and compare each figure and proof with the stored record. Prints every difference; "
        "exits 1 if there is one. Cells are named CHALLENGE/MODEL/SEED (MODEL with its options, "
        "gru[lr=0.1]) or CHALLENGE/MODEL for every seed.",
    )
    p.add_argument("cells", nargs="*", metavar="CELL", help="CHALLENGE/MODEL/SEED or CHALLENGE/MODEL")
    p.add_argument("--results", type=_args.directory, default=_args.PUBLISHED_RESULTS, metavar="DIR",
                   help=f"the store whose records are checked (default: {_args.PUBLISHED_RESULTS}/)")
    p.add_argument("--sample", type=_args.count, metavar="N", help="N cells drawn at random (seeded)")
    p.add_argument("--sample-seed", type=_args.seed, default=0, metavar="S",
                   help="the seed of --sample's draw (default 0)")  # fmt: skip
    p.add_argument("--jobs", type=_args.jobs, default=1,
                   help="cells run side by side in this many processes (default 1); results are "
                   "the same, each cell trains on one torch thread")  # fmt: skip
    p.set_defaults(handler=reproduce_command)


def reproduce_command(args: argparse.Namespace) -> int:
    store = ResultStore(args.results / "runs.jsonl")
    if not store.path.exists():
        raise InvalidArgument(f"no results at {store.path}: give --results DIR, a folder with runs.jsonl")
    records = reproducible(store.records())
    chosen = choose(records, args.cells, args.sample, args.sample_seed)
    say = make_console(stderr=True)
    out = make_console()
    say.print(f"reproducing {len(chosen)} of the {len(records)} finished cells in {store.path}")
    started = time.perf_counter()
    jobs = worker_count(args.jobs, len(chosen))
    prepare_test_sets([cell_of(r, tuple(args.plugin)) for r in chosen], jobs=jobs)  # once, before any cell
    differ = 0
    for number, outcome in enumerate(_outcomes(chosen, tuple(args.plugin), jobs), 1):
        record = outcome.recorded
        verdict = "same" if outcome.same else f"DIFFERS ({len(outcome.lines)})"
        out.print(f"[{number}/{len(chosen)}] {cell_name(record)}: {verdict}")
        for line in outcome.lines:
            out.print(f"    {line}")
        differ += not outcome.same
    out.print(f"{len(chosen) - differ} of {len(chosen)} cells reproduced figure for figure, {differ} "
              f"differ ({duration(time.perf_counter() - started)})")  # fmt: skip
    return 1 if differ else 0


def _outcomes(records: list[dict], plugins: tuple[str, ...], jobs: int) -> Iterator:
    """:func:`~hofstadter.reproduce.reproduce` of each record, in order, in ``jobs`` processes."""


    if jobs == 1:
        yield from (reproduce(record, plugins) for record in records)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(1,)) as pool:
        yield from pool.map(reproduce, records, [plugins] * len(records))

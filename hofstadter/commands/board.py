"""``--board published``: stand beside the published leaderboard in one step.

``run ... --board published`` and ``score ... --board published`` write into
``results/local/board/``, a local store that holds the published records (``results/published/
runs.jsonl``, copied in; later published records are added the next time) and the user's own. A
run then defaults to the profile's report seeds, the seeds the published board shows, so that a
new model lands in the board's columns rather than under "Also in this store"; ``score`` defaults
to the first of them. Both name the seeds they used.

>>> board_note(3, (100,))
'beside the published board in results/local/board (3 published record(s) copied in); report seed 100'
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from challenges.errors import InvalidArgument
from hofstadter.commands._args import DEFAULT_RESULTS, PUBLISHED_RESULTS
from hofstadter.profiles import Profile, seed_kind
from hofstadter.store import ResultStore

BOARDS = ("published",)
BOARD_RESULTS = DEFAULT_RESULTS / "board"
BOARD_PROFILE = "quick"  # the profile of results/published/runs.jsonl


def add_board_option(parser: argparse.ArgumentParser) -> None:
    """The ``--board`` option, the same for ``run`` and ``score``."""
    parser.add_argument("--board", choices=BOARDS, default=None,
                        help=f"write into {BOARD_RESULTS}/, a local copy holding the published "
                        "records and yours, on the report seeds by default; then 'leaderboard "
                        f"--results {BOARD_RESULTS} --html DIR' shows your model beside the "
                        "published ones")  # fmt: skip


def join_published(results: Path, published: Path = PUBLISHED_RESULTS) -> int:
    """Copy into ``results`` every published record it does not hold yet; returns how many."""

    source = ResultStore(published / "runs.jsonl")
    if not source.path.exists():
        raise InvalidArgument(f"no published records at {source.path}: run from the repository's root")
    target = ResultStore(results / "runs.jsonl")
    held = {json.dumps(r, sort_keys=True) for r in target.records()}
    missing = [r for r in source.records() if json.dumps(r, sort_keys=True) not in held]
    target.extend(missing)
    return len(missing)


def use_board(args: argparse.Namespace, profile: Profile, *, several_seeds: bool) -> str | None:
    """With ``--board``: the board's store in ``args.results``, the published records in it, and the
    report seeds where no seed was given (all of them for a ``run``, whose ``--seed`` is a list; the
    first for ``score``, which scores one seed's predictions). Returns the line that says so (None
    without ``--board``)."""
    if getattr(args, "board", None) is None:
        return None
    if args.results != DEFAULT_RESULTS:
        raise InvalidArgument(f"--board writes to {BOARD_RESULTS}: give --board or --results, not both")
    if profile.name != BOARD_PROFILE:
        raise InvalidArgument(f"the published board is the {BOARD_PROFILE} profile's: drop --profile "
                              f"{profile.name} or --board")  # fmt: skip
    if getattr(args, "development", False):
        raise InvalidArgument("the published board is on report seeds: drop --development or --board")
    if several_seeds:
        args.seed = args.seed or list(profile.seeds)
        seeds = tuple(args.seed)
    else:
        args.seed = profile.seeds[0] if args.seed is None else args.seed
        seeds = (args.seed,)
    args.results = BOARD_RESULTS
    return board_note(join_published(args.results), seeds)


def board_note(copied: int, seeds: tuple[int, ...]) -> str:
    kinds = sorted({seed_kind(s) for s in seeds})
    return (f"beside the published board in {BOARD_RESULTS} ({copied} published record(s) copied in); "
            f"{' and '.join(kinds)} seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}")

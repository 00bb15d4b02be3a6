"""``run`` (one cell, a filtered set, or ``--all``) and ``leaderboard``."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from ..errors import InvalidArgument
from ..profiles import PROFILES, get_profile
from . import _args


def register(subcommands: argparse._SubParsersAction) -> None:
    p = subcommands.add_parser(
        "run",
        help="train and score models on challenges; records go to RESULTS/runs.jsonl",
        description="Run challenge x model x seed cells. Finished cells are appended at once to "
        "RESULTS/runs.jsonl; a rerun skips what is recorded (--force redoes it).",
    )
    p.add_argument("ids", nargs="*", metavar="ID", help="challenge ids (default with --all: every one)")
    p.add_argument("--all", action="store_true", help="every registered challenge and model")
    p.add_argument("--model", action="append", metavar="MODEL", help="model id (repeatable)")
    p.add_argument("--seed", action="append", type=_args.seed, metavar="S",
                   help="seed (repeatable; default: the profile's seeds with --all, else 0)")  # fmt: skip
    p.add_argument("--train-lengths", type=_args.length_range, metavar="A-B",
                   help="train on lengths A..B only (default: the challenge's training range)")  # fmt: skip
    p.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    p.add_argument("--jobs", type=int, default=None,
                   help="parallel processes (default: one per core with --all, else 1)")  # fmt: skip
    p.add_argument("--force", action="store_true", help="run cells even if already recorded")
    p.add_argument("--results", type=Path, default=_args.DEFAULT_RESULTS, metavar="DIR",
                   help=f"where runs.jsonl and the leaderboard go (default: {_args.DEFAULT_RESULTS}/; "
                   f"the published run is in {_args.PUBLISHED_RESULTS}/)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print each record as one JSON line")
    p.set_defaults(handler=run_command)

    p = subcommands.add_parser("leaderboard", help="build tables and plots from RESULTS/runs.jsonl")
    p.add_argument("--results", type=Path, default=_args.DEFAULT_RESULTS, metavar="DIR",
                   help=f"the store to read and write tables into (default: {_args.DEFAULT_RESULTS}/; "
                   f"the published one: {_args.PUBLISHED_RESULTS}/)")  # fmt: skip
    p.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    p.set_defaults(handler=leaderboard_command)


def _summary(record: dict) -> tuple[str, str, str]:
    """(status, in-range accuracy, accuracy at the longest length) for the run table."""
    if record.get("status") != "ok":
        return record.get("status", "?"), "-", (record.get("reason") or "")[:60]
    max_train = record["train_lengths"][1]
    metrics = record["metrics"]
    seen = [m for m in metrics if m["length"] <= max_train]
    in_range = sum(m["accuracy"] * m["n"] for m in seen) / max(1, sum(m["n"] for m in seen))
    longest = max(metrics, key=lambda m: m["length"])
    return "ok", f"{100 * in_range:.1f}%", f"{100 * longest['accuracy']:.1f}% @ {longest['length']}"


def run_command(args: argparse.Namespace) -> int:
    from .. import get_challenge
    from ..evaluate import scored_lengths
    from ..leaderboard import write_leaderboard
    from ..run import execute, pending, plan, prepare_test_sets
    from ..store import ResultStore

    if not args.all and not (args.ids and args.model):
        raise InvalidArgument("name challenges and --model, or use --all (see 'run --help')")
    if args.jobs is None:
        args.jobs = (os.cpu_count() or 1) if args.all else 1
    if args.jobs < 1:
        raise InvalidArgument(f"--jobs must be at least 1, got {args.jobs}")
    _check_device(args.device)
    profile = get_profile(args.profile)
    seeds = tuple(args.seed) if args.seed else (profile.seeds if args.all else (0,))
    cells = plan(args.ids or None, args.model, seeds, profile.name,
                 train_lengths=args.train_lengths, device=args.device,
                 plugins=tuple(args.plugin))  # fmt: skip
    store = ResultStore(args.results / "runs.jsonl")
    todo, skipped = pending(cells, store, args.force)
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(
        f"{len(cells)} runs planned ({profile.name} profile, seeds {', '.join(map(str, seeds))}); "
        f"{skipped} already recorded in {store.path}, {len(todo)} to run"
        + ("" if not skipped else " (--force reruns them)")
    )
    finished: list[dict] = []
    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=False) as progress:
        if todo:
            challenges = dict.fromkeys(cell.challenge for cell in todo)
            lengths = sum(len(scored_lengths(get_challenge(c))) for c in challenges)
            preparing = progress.add_task("test sets", total=lengths)
            prepare_test_sets(todo, lambda c, n: progress.advance(preparing))
        overall = progress.add_task("all runs", total=len(todo))
        current = progress.add_task("", total=1.0, visible=False)

        def on_start(cell):
            progress.update(current, description=cell.label, completed=0, visible=args.jobs == 1)

        def on_progress(cell, fraction):
            progress.update(current, completed=min(max(fraction, 0.0), 1.0))

        def on_finish(cell, record):
            progress.advance(overall)
            status = record.get("status")
            if status == "failed":
                progress.console.print(f"[red]failed[/] {cell.label}: {record.get('reason')}")

        for record in execute(todo, store, args.jobs, on_start, on_finish, on_progress):
            finished.append(record)
            if args.json:
                print(json.dumps(record), flush=True)
    if not args.json:
        _print_runs(finished or _recorded(cells, store), Console(highlight=False))
    if args.all:
        paths = write_leaderboard(store.records(), args.results, profile=profile.name)
        console.print(f"leaderboard: {paths['markdown']} ({time.perf_counter() - started:.0f} s)")
    elif args.json and not finished:
        for record in _recorded(cells, store):
            print(json.dumps(record))
    failed = sum(r.get("status") == "failed" for r in finished)
    return 1 if failed and not args.all else 0


def _recorded(cells, store) -> list[dict]:
    from ..run import cell_key

    wanted = {cell_key(c) for c in cells}
    return [r for r in store.records() if r.get("key") in wanted]


def _print_runs(records: list[dict], console: Console) -> None:
    table = Table(title="runs")
    for column in ("challenge", "model", "seed", "status", "in range", "longest", "train s"):
        table.add_column(column)
    for record in records:
        status, in_range, longest = _summary(record)
        seconds = record.get("train_seconds")
        table.add_row(record["challenge"], record["model"], str(record["seed"]), status, in_range,
                      longest, "-" if seconds is None else f"{seconds:.1f}")  # fmt: skip
    console.print(table)
    for record in records:
        if record.get("status") == "ok" and len(records) == 1:
            detail = Table(title=f"{record['challenge']} / {record['model']}: accuracy per length")
            for column in ("length", "accuracy", "n", ""):
                detail.add_column(column)
            max_train = record["train_lengths"][1]
            for m in record["metrics"]:
                note = "trained" if m["length"] <= max_train else "extrapolation"
                detail.add_row(str(m["length"]), f"{100 * m['accuracy']:.2f}%", str(m["n"]), note)
            console.print(detail)


def _check_device(device: str) -> None:
    if device == "cpu":
        return
    if device == "cuda" or device.startswith("cuda:"):
        import torch

        if not torch.cuda.is_available():
            raise InvalidArgument(f"device '{device}' was asked for, but CUDA is not available here")
        return
    raise InvalidArgument(f"unknown device '{device}': use cpu, cuda or cuda:N")


def leaderboard_command(args: argparse.Namespace) -> int:
    from ..leaderboard import write_leaderboard
    from ..store import ResultStore

    store = ResultStore(args.results / "runs.jsonl")
    if not store.path.exists():
        raise InvalidArgument(f"no results at {store.path}: run 'python -m challenges run --all' first")
    records = store.records()
    paths = write_leaderboard(records, args.results, profile=args.profile)
    console = Console(highlight=False)
    if store.skipped_lines:
        console.print(f"[yellow]skipped {store.skipped_lines} torn line(s) in {store.path}[/]")
    console.print(f"wrote {paths['markdown']}, {paths['csv']} and {len(paths) - 2} plot(s)")
    return 0

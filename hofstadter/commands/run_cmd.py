"""``run`` (one cell, a filtered set, or ``--all``) and ``leaderboard``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from challenges import get_challenge
from challenges.errors import InvalidArgument
from challenges.evaluate import scored_lengths
from hofstadter import run as runner  # .execute, .prepare_test_sets looked up when used: tests stand in
from hofstadter.commands import _args
from hofstadter.commands._output import Ticker
from hofstadter.commands._output import console as make_console
from hofstadter.commands.board import add_board_option, use_board
from hofstadter.concurrency import claim_holder
from hofstadter.draw_costs import drawing_seconds, not_cached, read_costs, save_costs
from hofstadter.estimate import duration, estimate, longest_first
from hofstadter.evaluation_seeds import evaluation_seed
from hofstadter.executors import ray_executor
from hofstadter.outputs import refuse_foreign
from hofstadter.profiles import PROFILES, Profile, get_profile
from hofstadter.reports.default_cells import select
from hofstadter.reports.leaderboard import (
    headline,
    latest_records,
    not_scored,
    placeable,
    statuses,
    tidy,
    write_leaderboard,
)
from hofstadter.reports.site import build_site, site_files
from hofstadter.reports.terminal_table import TITLE, fit_headline
from hofstadter.run import Cell, pending, plan, test_sets_of, worker_count
from hofstadter.slow_cells import measured_seconds, split_slow_cells
from hofstadter.store import ResultStore


def register(subcommands: argparse._SubParsersAction) -> None:
    p = subcommands.add_parser(
        "run",
        help="train and score models on challenges; records go to RESULTS/runs.jsonl",
        description="Run challenge x model x seed cells. Finished cells are appended at once to "
        "RESULTS/runs.jsonl; a rerun skips what is recorded (--force redoes it).",
    )
    p.add_argument("ids", nargs="*", metavar="ID", help="challenge ids (default with --all: every one)")
    p.add_argument("--all", action="store_true", help="every registered challenge and model")
    p.add_argument("--model", action="append", metavar="MODEL",
                   help="model id, with options as MODEL:key=value,... (gru:hidden_size=128,lr=0.003); "
                   "repeatable")  # fmt: skip
    p.add_argument("--seed", action="append", type=_args.seed, metavar="S",
                   help="seed (repeatable; default: the profile's report seeds with --all, else 0); "
                   "seeds 0-99 are development seeds, 100 and up report seeds")  # fmt: skip
    p.add_argument("--development", action="store_true",
                   help="with --all: the profile's development seeds (0, 1, ...) instead of its "
                   "report seeds; tune on these, publish on the report seeds")  # fmt: skip
    p.add_argument("--train-lengths", type=_args.length_range, metavar="A-B",
                   help="train on lengths A..B only (default: the challenge's training range)")  # fmt: skip
    p.add_argument("--train-size", action="append", type=_args.count, metavar="N",
                   help="training strings (repeatable: a learning curve; default: the profile's, "
                   "which sweeps sizes for --profile curve)")  # fmt: skip
    p.add_argument("--label-noise", action="append", type=_args.label_noise, metavar="P",
                   help="flip a share P (0 <= P < 0.5) of the training and validation labels, by a "
                   "draw seeded from the cell's seed; test labels stay exact and the learner is not "
                   "told P (repeatable; default: the profile's, clean labels but for "
                   "--profile noise)")  # fmt: skip
    p.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    p.add_argument("--device", type=_args.device, default="cpu", help="cpu (default), cuda or cuda:N")
    p.add_argument("--jobs", type=_args.jobs, default=None,
                   help="parallel processes (default: one per core with --all, else 1)")  # fmt: skip
    p.add_argument("--executor", choices=("process", "ray"), default="process",
                   help="process: a local process pool of --jobs (default); ray: one Ray task per "
                   "cell, on a local Ray with --jobs CPUs or the cluster at RAY_ADDRESS "
                   "(pip install '.[ray]')")  # fmt: skip
    p.add_argument("--include-slow", action="store_true",
                   help="on CPU, also run the cells a whole run leaves out as slow there (networks on "
                   "the equations; the transformer, place-attention, EDSM and neural-select "
                   "everywhere: hours more on 2 cores; the run's estimate says how long)")  # fmt: skip
    p.add_argument("--force", action="store_true", help="run cells even if already recorded")
    p.add_argument("--results", type=_args.directory, default=_args.DEFAULT_RESULTS, metavar="DIR",
                   help=f"where runs.jsonl and the leaderboard go (default: {_args.DEFAULT_RESULTS}/; "
                   f"the published run is in {_args.PUBLISHED_RESULTS}/)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print each record as one JSON line")
    add_board_option(p)
    p.set_defaults(handler=run_command)

    p = subcommands.add_parser("leaderboard", help="build tables and plots from RESULTS/runs.jsonl")
    p.add_argument("--results", type=_args.directory, default=_args.DEFAULT_RESULTS, metavar="DIR",
                   help=f"the store to read and write tables into (default: {_args.DEFAULT_RESULTS}/; "
                   f"the published one: {_args.PUBLISHED_RESULTS}/)")  # fmt: skip
    p.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    p.add_argument("--all-variants", action="store_true",
                   help="also show variants (MODEL:key=value), one-off --train-size cells and seeds "
                   "outside the profile as columns of their own (default: listed apart)")  # fmt: skip
    p.add_argument("--html", type=_args.directory, metavar="DIR",
                   help="also write the board as a static site to DIR: index.html, a page per "
                   "challenge and per model, the plots; no server or network needed")  # fmt: skip
    p.set_defaults(handler=leaderboard_command)


def run_command(args: argparse.Namespace) -> int:
    """Plan the cells, say what will run, run them (progress on a terminal, lines off one), then the
    summary and the board."""
    if not args.all and not (args.ids and args.model):
        raise InvalidArgument("name challenges and --model, or use --all (see 'run --help')")
    if args.jobs is None:
        args.jobs = (os.cpu_count() or 1) if args.all else 1
    profile = get_profile(args.profile)
    board = use_board(args, profile, several_seeds=True)  # --board published
    _args.require_writable_dir(args.results, "--results")  # before any training, not after it
    run_cells = runner.execute
    if args.executor == "ray":
        run_cells = ray_executor(args.device)  # refuses at once, in one line, if Ray is missing
    cells, left_out, seeds = _planned(args, profile)
    store = ResultStore(args.results / "runs.jsonl")
    todo, skipped = pending(cells, store, args.force)
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    if board:
        console.print(board, markup=False)
    if store.skipped_lines:  # those cells count as not done: they run again
        console.print(store.skipped_text(), style="yellow", markup=False)
    console.print(
        f"{len(cells)} runs planned ({profile.name} profile, seeds {', '.join(map(str, seeds))}); "
        f"{skipped} already recorded in {escape(str(store.path))}, {len(todo)} to run"
        + ("" if not skipped else " (--force reruns them)")
    )
    if worker_count(args.jobs, len(todo)) < args.jobs:  # 1000 idle processes would only cost memory
        args.jobs = worker_count(args.jobs, len(todo))
        console.print(f"--jobs capped at {args.jobs}: no more processes than runs to do ({len(todo)}) "
                      f"or CPUs ({os.cpu_count()})", markup=False)  # fmt: skip
    planned_challenges = dict.fromkeys(c.challenge for c in [*cells, *left_out])
    if left_out:
        console.print(slow_cells_text(left_out, planned_challenges), markup=False)
    if len(todo) > 1:
        sources = time_sources(store)  # read once: the order and the estimate share them
        todo = longest_first(todo, sources)  # a shorter tail; no figure changes
        console.print(run_estimate(todo, sources, args.results, args.jobs).text(), markup=False)
    started = time.perf_counter()
    finished = _run_shown(todo, store, args, console, run_cells)
    if args.json and not finished:
        for record in _recorded(cells, store):
            print(json.dumps(record))
    # The run's own headline last: on stdout, or on stderr when stdout holds the JSON lines.
    print(summary_text(_recorded(cells, store), elsewhere=running_elsewhere(cells, store)),
          file=sys.stderr if args.json else sys.stdout)
    if args.all or board:
        paths = write_board(store.records(), args.results, profile.name, console)
        if paths:
            console.print(f"leaderboard: {paths['markdown']} ({time.perf_counter() - started:.0f} s)")
    else:  # a few named cells: the board stays as the last full run or 'leaderboard' left it
        plugins = "".join(f" --plugin {plugin}" for plugin in args.plugin)
        console.print(f"{args.results / 'LEADERBOARD.md'} not rewritten by a run of named cells: "
                      f"python -m challenges{plugins} leaderboard --results {args.results} "
                      f"--profile {profile.name}", markup=False)  # fmt: skip
    if left_out:  # again at the end, where the reader looks
        console.print(slow_cells_text(left_out, planned_challenges), markup=False)
    failed = [r for r in finished if r.get("status") == "failed"]
    if failed:  # named in the summary above; the exit code tells a script
        console.print(f"{len(failed)} cell(s) failed: exit code 1", style="red", markup=False)
    return 1 if failed else 0


def _planned(args: argparse.Namespace, profile: Profile) -> tuple[list[Cell], list[Cell], tuple[int, ...]]:
    """(the cells to run, the slow ones a whole CPU run leaves out, the seeds) that ``args`` ask for."""
    if args.development and args.seed:
        raise InvalidArgument("--development chooses the seeds: give it or --seed, not both")
    profile_seeds = profile.development_seeds if args.development else profile.seeds
    seeds = tuple(args.seed) if args.seed else (profile_seeds if args.all else (0,))
    cells = plan(args.ids or None, args.model, seeds, profile.name,
                 train_lengths=args.train_lengths, device=args.device,
                 plugins=tuple(args.plugin), train_sizes=args.train_size,
                 label_noises=args.label_noise)  # fmt: skip
    left_out: list[Cell] = []
    if not (args.model or profile.models) and not args.include_slow:  # named models always run
        cells, left_out = split_slow_cells(cells, published_cell_seconds())
    return cells, left_out, seeds


def _run_shown(todo: list[Cell], store: ResultStore, args: argparse.Namespace, console: Console,
               run_cells: Callable) -> list[dict]:  # fmt: skip
    """Draw the test sets, then run ``todo``: bars on a terminal; off one (a log file, a pipe),
    where bars would print nothing until the end, plain lines -- one per finished cell, and one a
    minute during a long phase. Returns the records of the cells run."""
    finished: list[dict] = []
    started = time.perf_counter()
    live = console.is_terminal
    say = partial(console.print, markup=False)
    tick, ended = Ticker(say), [0]  # a line a minute at most; cells finished (or skipped) so far
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=False, disable=not live) as progress:
        if todo:
            _draw_test_sets(todo, args, progress, say if not live else None, tick, started)
        overall = progress.add_task("all runs", total=len(todo))
        current = progress.add_task("", total=1.0, visible=False)

        def on_start(cell):
            progress.update(current, description=escape(cell.label), completed=0, visible=args.jobs == 1)

        def on_progress(cell, fraction):
            progress.update(current, completed=min(max(fraction, 0.0), 1.0))
            if not live:
                tick(f"{cell.label}: {100 * min(max(fraction, 0.0), 1.0):.0f}% of its training budget")

        def on_finish(cell, record):
            progress.advance(overall)
            ended[0] += 1
            line = cell_line(cell, record, ended[0], len(todo))
            if not live:
                say(line)
            else:  # a line per finished cell above the bars, failures in red
                style = "red" if record.get("status") == "failed" else None
                progress.console.print(line, markup=False, style=style)

        for record in run_cells(todo, store, args.jobs, on_start, on_finish, on_progress, args.force):
            finished.append(record)
            if args.json:
                print(json.dumps(record), flush=True)
    return finished


def _draw_test_sets(todo: list[Cell], args: argparse.Namespace, progress: Progress,
                    say: Callable[[str], None] | None, tick: Ticker, started: float) -> None:  # fmt: skip
    """Draw (or load) the test sets of ``todo`` before any cell runs, with a bar, or lines
    (``say``, off a terminal); keep what each took for the next run's estimate."""
    sets = dict.fromkeys((cell.challenge, evaluation_seed(cell.seed)) for cell in todo)
    lengths = sum(len(scored_lengths(get_challenge(c))) for c, _ in sets)
    preparing = progress.add_task("test sets", total=lengths)
    drawn = [0]
    if say:
        say(f"test sets: {lengths} lengths to draw or load from the cache")

    def on_length(challenge, length):
        progress.advance(preparing)
        drawn[0] += 1
        if say:
            tick(f"test sets: {drawn[0]} of {lengths} lengths ready ({since(started)})")

    drawn_seconds: dict = {}
    runner.prepare_test_sets(todo, on_length, jobs=args.jobs, seconds=drawn_seconds)
    save_costs(args.results, drawn_seconds)  # for the next run's estimate
    if say:
        say(f"test sets: all {lengths} ready ({since(started)})")


def cell_line(cell, record: dict, done: int, total: int) -> str:  # noqa: ANN001
    """The line a finished cell prints off a terminal.

    >>> from hofstadter.run import Cell
    >>> cell_line(Cell("div3-base10", "gru", 0), {"status": "ok", "wall_seconds": 12.5}, 3, 40)
    '[3/40] div3-base10 / gru / seed 0: ok (12.5 s)'
    >>> cell_line(Cell("div3-base10", "gru", 0), {"status": "failed", "reason": "ValueError: x"}, 4, 40)
    '[4/40] div3-base10 / gru / seed 0: failed: ValueError: x'
    """
    status = str(record.get("status"))
    if status in ("failed", "skipped", "over-budget", "not-applicable") and record.get("reason"):
        reason = str(record["reason"]).strip().splitlines() or [""]
        status = f"{status}: {reason[0][:200]}"
    seconds = record.get("wall_seconds")
    timing = f" ({seconds:.1f} s)" if isinstance(seconds, (int, float)) else ""
    return f"[{done}/{total}] {cell.label}: {status}{timing}"


def since(started: float) -> str:
    """Time since ``started`` (a perf_counter reading), for progress lines."""
    return duration(time.perf_counter() - started)


def run_estimate(todo: list, sources: list, results: Path, jobs: int):  # noqa: ANN201
    """The estimate of the cells ``todo`` from the recorded times ``sources`` (:func:`time_sources`),
    with drawing the test sets the disk cache lacks."""

    missing = not_cached(test_sets_of(todo))
    published = sorted(path.parent for path in _args.PUBLISHED_RESULTS.glob("**/runs.jsonl"))
    seconds, known = drawing_seconds(missing, read_costs([results, *published]), jobs)
    return estimate(todo, sources, jobs).with_test_sets(len(missing), known, seconds)


def published_cell_seconds() -> dict[tuple[str, str, str], float]:
    """What the published board's run measured each cell at (:func:`measured_seconds`): the
    second rule of what a whole CPU run leaves out as slow. Nothing without a published board."""
    board = _args.PUBLISHED_RESULTS / "runs.jsonl"
    return measured_seconds(ResultStore(board).records()) if board.exists() else {}


def time_sources(store) -> list[tuple[str, list[dict]]]:  # noqa: ANN001
    """Where earlier cells' times are read: this run's store, then the published stores."""

    sources = [(f"earlier runs in {store.path}", store.records())]
    published = sorted(_args.PUBLISHED_RESULTS.glob("**/runs.jsonl"))
    records = [r for path in published for r in ResultStore(path).records()]
    if records:
        sources.append((f"the published runs in {_args.PUBLISHED_RESULTS}, on another machine", records))
    return sources


def slow_cells_text(left_out: list, planned: Iterable[str] = ()) -> str:
    """One paragraph: which cells a whole CPU run left out, and the commands that run them.
    ``planned`` (challenge ids) lets a model left out of all of them read "every challenge".

    >>> from hofstadter.run import Cell
    >>> cells = [Cell("add-base2", "gru", 0), Cell("add-base2", "gru", 1),
    ...          Cell("add-base2", "transformer", 0), Cell("div7-base10", "transformer", 0)]
    >>> print(slow_cells_text(cells, planned=["add-base2", "div7-base10"]))  # doctest: +NORMALIZE_WHITESPACE
    left out on CPU, slow there (4 runs): gru on add-base2; transformer on every challenge.
    Run them here with --include-slow (or name models with --model), or on a GPU with --device cuda
    """
    where: dict[str, list[str]] = {}
    for cell in left_out:
        challenges = where.setdefault(cell.model, [])
        if cell.challenge not in challenges:
            challenges.append(cell.challenge)
    groups: dict[tuple[str, ...], list[str]] = {}
    for model, challenges in where.items():
        groups.setdefault(tuple(challenges), []).append(model)
    every = set(planned)

    def named(challenges: tuple[str, ...]) -> str:
        return "every challenge" if every and every <= set(challenges) else ", ".join(challenges)

    parts = [f"{', '.join(models)} on {named(challenges)}" for challenges, models in groups.items()]
    return (
        f"left out on CPU, slow there ({len(left_out)} runs): {'; '.join(parts)}.\nRun them here "
        "with --include-slow (or name models with --model), or on a GPU with --device cuda"
    )


def _recorded(cells, store) -> list[dict]:
    wanted = {c.key for c in cells}
    return [r for r in store.records() if r.get("key") in wanted]


def summary_text(records: list[dict], width: int = 80, elsewhere: Iterable[str] = ()) -> str:
    """What a run prints at the end: the headline of its cells, within ``width`` columns.

    The newest record per run key counts, so a rerun with ``--force`` replaces, not doubles. Of
    several training sizes, the headline shows one (the profile's, else the largest) and names
    the others; versions are never averaged (a row per version). A run of one challenge and one
    model adds its accuracy per length (mean over its seeds); runs that did not score are named.
    ``elsewhere`` (:func:`running_elsewhere`) names the run's cells still running in another process.
    """

    newest: dict[str, dict] = {}
    for record in records:
        newest[record.get("key", str(len(newest)))] = record
    chosen, _ = placeable(newest.values())
    size, others = headline_size(chosen)
    if others:  # never a mean over training sizes: one size, the others named
        chosen = [r for r in chosen if r.get("train_size") in (size, None)]
    frame = tidy(chosen)
    title = TITLE + (f"\nat {size:,} training strings (also run: {', '.join(f'{n:,}' for n in others)})"
                     if others else "")  # fmt: skip
    parts = [fit_headline(headline(frame, statuses(chosen)), width, title=title)]
    elsewhere = list(elsewhere)
    if elsewhere:  # a partial headline says so, and names what it is waiting for
        parts.append(f"partial: {len(elsewhere)} of this run's cells are still running elsewhere "
                     "(claimed by another live process), not in the figures above:")  # fmt: skip
        parts += [f"  {line}" for line in elsewhere]
        parts.append("  rerun this command when that process has recorded them; if it is hung, stop it "
                     "(kill PID) and rerun: a claim ends with its process")  # fmt: skip
    pairs = frame[["challenge", "model"]].drop_duplicates()
    if len(pairs) == 1:
        by_length = frame.groupby("length").agg(accuracy=("accuracy", "mean"), n=("n", "first"),
                                                seeds=("seed", "nunique"),
                                                trained=("max_train_length", "max"))  # fmt: skip
        lines = [f"\n{pairs.iat[0, 0]} / {pairs.iat[0, 1]}: accuracy per length "
                 f"(mean over {int(by_length['seeds'].max())} seed(s))",
                 f"{'length':>6}  {'accuracy':>8}  {'n':>5}"]  # fmt: skip
        for length, row in by_length.iterrows():
            note = "trained" if length <= row["trained"] else "extrapolation"
            lines.append(f"{length:>6}  {100 * row['accuracy']:>7.2f}%  {int(row['n']):>5}  {note}")
        parts.append("\n".join(lines))
    unscored = statuses(chosen)
    if not unscored.empty:  # each cell named: failed ones with their reason, the others by model
        counts = unscored["status"].value_counts()
        parts.append("not scored: " + ", ".join(f"{n} {status}" for status, n in counts.items()))
        parts += [f"  {line}" for line in not_scored(unscored)]
    return "\n".join(parts)


def headline_size(records: list[dict]) -> tuple[int | None, list[int]]:
    """(the training size a run's headline shows, the other sizes it ran): the profile's size
    where the run has it, else the largest.

    >>> headline_size([{"profile": "quick", "train_size": n} for n in (1000, 100_000, 300)])
    (100000, [300, 1000])
    """

    sizes = sorted({r["train_size"] for r in records if isinstance(r.get("train_size"), int)})
    if len(sizes) < 2:
        return (sizes[0] if sizes else None), []
    defaults = {PROFILES[r["profile"]].train_size for r in records if r.get("profile") in PROFILES}
    size = next((n for n in reversed(sizes) if n in defaults), sizes[-1])
    return size, [n for n in sizes if n != size]


def running_elsewhere(cells: list, store) -> list[str]:  # noqa: ANN001
    """The labels of ``cells`` without a record whose claim another live process holds, with its id.

    A cell claimed by a process that hangs is named here, never skipped without a word.
    """

    done = store.done_keys()
    lines = []
    for cell in cells:
        key = cell.key
        if key in done:
            continue
        holder = claim_holder(store.path.parent / ".claims", key)
        if holder is not None:
            lines.append(f"{cell.label} (process {holder or 'unknown'})")
    return lines


def write_board(
    records: list[dict], results: Path, profile: str, console: Console, all_variants: bool = False
) -> dict[str, Path] | None:
    """Write the leaderboard of ``records``; records of unregistered challenges are kept out.

    Their count and the reason go to ``console`` and to the end of LEADERBOARD.md; their plots
    stay where they are. If no record can be placed, nothing is rewritten (returns None).
    """

    placed, unplaced = placeable(r for r in records if r.get("profile") == profile)
    notes = [
        f"{count} record(s) of challenge '{challenge}' not placed: challenge not registered "
        "(load its plugin with --plugin)"
        for challenge, count in unplaced.items()
    ]
    for note in notes:
        console.print(note, style="yellow", markup=False)
    if notes and not placed:
        console.print(f"nothing rewritten in {results}: no record of profile '{profile}' could be "
                      "placed", style="yellow", markup=False)  # fmt: skip
        return None
    paths = write_leaderboard(placed, results, profile=profile, all_variants=all_variants)
    if (why := board_seed_note(placed, profile)) is not None:  # one cell on other seeds: say so here too
        console.print(f"{why}.", style="yellow", markup=False)
    if notes:
        with paths["markdown"].open("a", encoding="utf-8") as board:
            board.write("\n## Not placed\n\n" + "".join(f"* {note}\n" for note in notes))
    return paths


def board_seed_note(records: list[dict], profile: str) -> str | None:
    """:func:`hofstadter.reports.default_cells.seed_note` of the board ``records`` make."""

    return select(latest_records(records, profile), get_profile(profile)).seed_note


def leaderboard_command(args: argparse.Namespace) -> int:
    store = ResultStore(args.results / "runs.jsonl")
    if not store.path.exists():
        raise InvalidArgument(
            f"no results at {store.path}: run 'python -m challenges run --all' first, or read "
            f"the published run with --results {_args.PUBLISHED_RESULTS}"
        )
    _args.require_writable_dir(args.results, "--results")
    if getattr(args, "html", None) is not None:
        _args.require_writable_dir(args.html, "--html")
        refuse_foreign(args.html, site_files, "--html")  # before the board is rewritten
    records = store.records()
    console = make_console()
    warnings = make_console(stderr=True)
    if store.skipped_lines:
        warnings.print(store.skipped_text(), style="yellow", markup=False)
    paths = write_board(records, args.results, args.profile, warnings, all_variants=args.all_variants)
    if paths is None:
        return 1
    console.print(f"wrote {paths['markdown']}, {paths['csv']} and {len(paths) - 2} plot(s)")
    if getattr(args, "html", None) is not None:
        pages = build_site(placeable(records)[0], args.html, args.profile)
        console.print(f"wrote the site: {pages['index']} and {len(pages) - 1} more page(s)")
    return 0

"""challenge x model x seed -> result records: planning, running and resuming the benchmark.

A :class:`Cell` is one unit of work, plain and picklable, so that a process pool here (``--jobs``)
or any distributed executor (Ray, Dask, a cluster scheduler) can take it: ``run_cell(cell)`` returns
a JSON-ready record and touches no shared state. Only the caller writes records to the store.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
import traceback
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, as_completed, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import baselines
from baselines.model_spec import model_label, parse_model_spec
from challenges import get_challenge, list_challenges
from challenges.cache import cache_dir
from challenges.errors import ChallengeError, InvalidArgument
from challenges.evaluate import TestSetTimeout, evaluation_set, remember_timeout, scored_lengths
from challenges.noise import check_label_noise
from challenges.numbers import search_processes
from hofstadter.concurrency import WorkerMarks, claim, die_with_parent, mark_running, worker_deaths
from hofstadter.draw_costs import not_cached
from hofstadter.evaluation_seeds import evaluation_identity, evaluation_seed
from hofstadter.experiment import model_options_for, run_experiment
from hofstadter.isolation import kept_global_state
from hofstadter.plugins import load_plugins
from hofstadter.profiles import PLAN_FIELDS, get_profile
from hofstadter.records import closed, record_base, worker_died_record
from hofstadter.store import ResultStore


@dataclass(frozen=True)
class Cell:
    """One (challenge, model, seed) run with everything needed to repeat it."""

    challenge: str
    model: str
    seed: int
    profile: str = "quick"
    train_lengths: tuple[int, int] | None = None
    device: str = "cpu"
    plugins: tuple[str, ...] = ()
    model_options: tuple[tuple[str, Any], ...] = field(default=())
    train_size: int | None = None  # training strings; None: the profile's
    label_noise: float = 0.0  # share of training and validation labels flipped (challenges.noise)

    @cached_property
    def key(self) -> str:
        """:func:`cell_key`, computed once per cell (it builds the model to read its config); a cell
        sent to a worker carries it along."""
        return cell_key(self)

    @property
    def label(self) -> str:
        noise = f" / label noise {self.label_noise:g}" if self.label_noise else ""
        return f"{self.challenge} / {model_label(self.model, self.model_options)} / seed {self.seed}{noise}"


def cell_key(cell: Cell) -> str:
    """What makes two runs the same experiment: challenge version, model config, seed, lengths,
    and the training size and label noise where they are not the profile's defaults."""

    challenge = get_challenge(cell.challenge)
    profile = get_profile(cell.profile)
    model_class = baselines.get_model_class(cell.model)
    config = json.loads(_config_json(model_class, cell.model, cell.model_options, cell.profile, cell.device))
    identity = {
        "challenge": challenge.id,
        "version": challenge.version,
        "model": cell.model,
        "config": config,
        "seed": cell.seed,
        "train_lengths": list(cell.train_lengths or challenge.train_lengths),
        "profile": {k: v for k, v in profile.to_dict().items() if k not in PLAN_FIELDS},
    }
    if profile.size_apart(cell.train_size) is not None:
        identity["train_size"] = cell.train_size  # absent otherwise: keys of earlier runs hold
    if cell.label_noise:
        identity["label_noise"] = cell.label_noise  # absent at 0: clean runs keep their keys
    if cell.model_options:  # a command-line variant is its own row, even where its config is the default's
        identity["overrides"] = dict(cell.model_options)
    if getattr(model_class, "version", 1) != 1:  # absent at 1: the keys of runs before versions hold
        identity["model_version"] = model_class.version
    identity.update(evaluation_identity(cell.seed))
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:16]


@lru_cache(maxsize=4096)
def _config_json(model_class: type, model: str, options: tuple, profile: str, device: str) -> str:
    """A model's config for a cell, built once per (class, options, profile, device): cells that
    differ only in challenge and seed share it. The class is part of the key, so a model id that a
    plugin registers anew never gets the old class's config."""

    chosen = get_profile(profile)
    built = baselines.create_model(model, **model_options_for(model, chosen, device, dict(options)))
    return json.dumps(built.config_dict(), sort_keys=True, default=str)


def plan(
    challenge_ids: Iterable[str] | None,
    model_ids: Iterable[str] | None,
    seeds: Iterable[int],
    profile: str,
    *,
    train_lengths: tuple[int, int] | None = None,
    device: str = "cpu",
    plugins: tuple[str, ...] = (),
    train_sizes: Iterable[int] | None = None,
    label_noises: Iterable[float] | None = None,
) -> list[Cell]:
    """Every (challenge, training size, label noise, model, seed) cell, challenges in registry order.

    Unknown ids are rejected. Without ids, every challenge (the regular ones for a profile that
    asks for that); without ``train_sizes``, the profile's sweep, or its one training size;
    without ``label_noises``, the profile's (clean labels for most). Without models, the
    profile's list, else every registered model. A model may carry options,
    ``gru:hidden_size=128`` (see :mod:`baselines.model_spec`).
    """

    chosen = get_profile(profile)
    if challenge_ids:
        challenges = list(challenge_ids)
    else:
        challenges = [c for c in list_challenges() if get_challenge(c).regular or not chosen.regular_only]
    sizes: list[int | None] = list(train_sizes or chosen.train_sizes) or [None]
    noises = [check_label_noise(p) for p in dict.fromkeys(label_noises or chosen.label_noises or (0.0,))]
    models = [parse_model_spec(m) for m in (model_ids or chosen.models or default_models())]
    for challenge_id in challenges:
        check_train_lengths(get_challenge(challenge_id), train_lengths)
    return [
        Cell(c, m.model, s, profile, train_lengths, device, plugins, m.options, train_size=n, label_noise=p)
        for c in challenges
        for n in sizes
        for p in noises
        for m in dict.fromkeys(models)
        for s in seeds
    ]


def check_train_lengths(challenge, train_lengths: tuple[int, int] | None) -> None:
    """A narrower training range must lie inside the challenge's: refused before any run starts."""
    low, high = challenge.train_lengths
    if train_lengths is not None and not low <= train_lengths[0] <= train_lengths[1] <= high:
        raise InvalidArgument(
            f"--train-lengths {train_lengths[0]}-{train_lengths[1]} is outside the training range "
            f"{low}-{high} of {challenge.id}"
        )


def default_models() -> list[str]:
    """Every registered model (a whole run on CPU then leaves out its slow cells: :func:`slow_on_cpu`)."""

    return list(baselines.MODELS)


def run_cell(cell: Cell, progress: Callable[[float], None] | None = None) -> dict[str, Any]:
    """Run one cell; always returns a record (status ok, not-applicable or failed)."""

    started = time.perf_counter()
    base = record_base(cell)
    try:
        load_plugins(cell.plugins)
        base["key"] = cell.key
        challenge = get_challenge(cell.challenge)
        profile = get_profile(cell.profile)
        # What the model changes in torch's, NumPy's or Python's global settings ends with its cell.
        record = kept_global_state()(run_experiment)(
            challenge,
            cell.model,
            cell.seed,
            profile=profile,
            train_lengths=cell.train_lengths,
            device=cell.device,
            model_options=dict(cell.model_options),
            progress=progress,
            train_size=cell.train_size,
            label_noise=cell.label_noise,
        )
        record = {**base, **record}
        record.setdefault("status", "ok")
    except KeyboardInterrupt:
        raise
    except Exception as error:  # noqa: BLE001 - a failed run is recorded, the benchmark goes on
        record = {
            **base,
            "status": "failed",
            "reason": f"{type(error).__name__}: {error}",
            "traceback": traceback.format_exc(limit=6) if not isinstance(error, ChallengeError) else None,
        }
    return closed(record, cell, time.perf_counter() - started)


def worker_count(jobs: int, tasks: int) -> int:
    """How many worker processes ``--jobs`` gives for ``tasks`` pieces of work: no more than the
    tasks (an idle worker costs memory and start-up) nor than the CPUs (more only contend).

    >>> worker_count(1000, 3) == min(3, os.cpu_count()), worker_count(4, 0), worker_count(1, 50)
    (True, 1, 1)
    """
    return max(1, min(jobs, tasks, os.cpu_count() or 1))


def test_sets_of(cells: list[Cell]) -> list[tuple[str, int, int, int]]:
    """(challenge, length, strings, evaluation seed) of every test set ``cells`` score on, in plan order."""

    return [
        (
            challenge_id,
            length,
            get_profile(profile_name).test_size_for(get_challenge(challenge_id))(length),
            eval_seed,
        )
        for challenge_id, profile_name, eval_seed in dict.fromkeys(
            (c.challenge, c.profile, evaluation_seed(c.seed)) for c in cells
        )
        for length in scored_lengths(get_challenge(challenge_id))
    ]


def prepare_test_sets(
    cells: list[Cell],
    on_length: Callable[[str, int], None] | None = None,
    jobs: int = 1,
    seconds: dict[tuple[str, int, int, int], float] | None = None,
) -> list[tuple[str, int, int, int]]:
    """Draw (or load) every test set the cells will score on, once, before any cell runs.

    Test sets are shared by every model and seed; drawn here, each by one process, they reach the
    disk cache, so the workers that run cells load them instead of racing to find the same
    1000-digit primes. ``jobs`` processes draw side by side, longest strings first (the costly
    ones). Returns the (challenge, length, n, evaluation seed) drawn, in plan order (a plan of
    development and report seeds draws both kinds' test sets: :mod:`hofstadter.evaluation_seeds`).

    ``seconds``, if given, receives how long each test set that was not yet in the disk cache took
    to draw (:mod:`hofstadter.draw_costs` keeps them for later estimates).

    A test set that cannot be drawn within :data:`challenges.evaluate.TEST_SET_SECONDS` (a sampler
    that hangs) stops nothing here: it is remembered, and every cell scored on it fails at once
    with that reason (workers forked later inherit what is remembered).
    """

    wanted = test_sets_of(cells)
    to_draw = set(not_cached(wanted)) if seconds is not None else set()
    jobs = worker_count(jobs, len(wanted))
    if jobs == 1 or cache_dir() is None:  # no disk cache: nothing to share
        for item in wanted:
            try:
                took = _draw_test_set(*item)
                if item in to_draw:
                    seconds[item] = took  # type: ignore[index]
            except TestSetTimeout:
                pass  # remembered by evaluation_set: the cells scored on it fail with the reason
            if on_length is not None:
                on_length(item[0], item[1])
        return wanted
    longest_first = sorted(wanted, key=lambda item: -item[1])
    plugins = tuple(dict.fromkeys(p for cell in cells for p in cell.plugins))  # for spawned workers
    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(1,)) as pool:
        futures = {pool.submit(_draw_test_set, *item, plugins): item for item in longest_first}
        for future in as_completed(futures):
            try:
                took = future.result()  # any other failure to draw is raised here, not hidden
                if futures[future] in to_draw:
                    seconds[futures[future]] = took  # type: ignore[index]
            except TestSetTimeout as timeout:  # drawn in another process: remembered here
                challenge_id, length, n, seed = futures[future]
                remember_timeout(get_challenge(challenge_id), length, n, str(timeout), seed)
            if on_length is not None:
                on_length(futures[future][0], futures[future][1])
    return wanted


def _draw_test_set(challenge_id: str, length: int, n: int, seed: int, plugins: tuple[str, ...] = ()) -> float:
    """Draw (or load) one test set; returns the seconds it took."""

    load_plugins(plugins)  # a worker that was not forked has not registered them
    started = time.perf_counter()
    evaluation_set(get_challenge(challenge_id), length, n, seed)
    return time.perf_counter() - started


def pending(cells: list[Cell], store: ResultStore, force: bool) -> tuple[list[Cell], int]:
    """The cells still to run, and how many were skipped because they are recorded."""
    if force:
        return cells, 0
    done = store.done_keys()
    todo = [cell for cell in cells if cell.key not in done]
    return todo, len(cells) - len(todo)


def execute(
    cells: list[Cell], store: ResultStore, jobs: int = 1,
    on_start: Callable[[Cell], None] | None = None,
    on_finish: Callable[[Cell, dict], None] | None = None,
    on_progress: Callable[[Cell, float], None] | None = None,
    force: bool = False,
) -> Iterator[dict]:  # fmt: skip
    """Run ``cells`` (in ``jobs`` processes), appending each record to ``store`` as it finishes.

    Each cell is claimed first (a lock per key beside the store, held while it runs): a cell that
    another ``run`` is running, or has recorded since this one planned (unless ``force``), is
    skipped -- ``on_finish`` sees it with status 'skipped' -- so concurrent runs never repeat work.
    """
    if jobs < 1:
        raise InvalidArgument(f"--jobs must be at least 1, got {jobs}")
    jobs = worker_count(jobs, len(cells))
    claims = store.path.parent / ".claims"

    def claimed(cell: Cell) -> ExitStack | None:
        """The held claim of ``cell`` (close it when the record is stored), or None: skip it."""
        held = ExitStack()
        if held.enter_context(claim(claims, cell.key)) and (force or not store.is_done(cell.key)):
            return held
        held.close()
        if on_finish:
            on_finish(cell, {"status": "skipped", "reason": "run or recorded by another process"})
        return None

    if jobs == 1:
        for cell in cells:
            held = claimed(cell)
            if held is None:
                continue
            with held:
                if on_start:
                    on_start(cell)
                record = run_cell(cell, (lambda f, c=cell: on_progress(c, f)) if on_progress else None)
                store.append(record)
            if on_finish:
                on_finish(cell, record)
            yield record
        return
    queue = ((cell, held) for cell in cells if (held := claimed(cell)) is not None)
    yield from _in_pools(queue, store, jobs, on_start, on_finish)


def _in_pools(
    queue: Iterator[tuple[Cell, ExitStack]], store: ResultStore, jobs: int,
    on_start: Callable[[Cell], None] | None, on_finish: Callable[[Cell, dict], None] | None,
) -> Iterator[dict]:  # fmt: skip
    """Run the claimed cells of ``queue`` in a pool of ``jobs`` processes, storing each record.

    A worker killed under its cell (``kill -9``, the out-of-memory killer) breaks the pool and,
    with it, every cell in flight. The cell whose worker died is recorded as failed with how it
    died; the others run again in a new pool (once: in flight at a second break, they fail too).
    """
    again: list[tuple[Cell, ExitStack]] = []  # in flight beside a killed worker: they run first
    rerun: set[Cell] = set()
    tokens = itertools.count()  # one count across pools: a token names one cell's one start
    with WorkerMarks() as marks:
        while True:
            items = itertools.chain(again, queue)
            again = []
            broken, exit_codes = yield from _one_pool(items, store, jobs, marks, tokens, on_start, on_finish)
            if not broken:
                return
            deaths = worker_deaths(exit_codes, marks)
            for cell, held, token, started in broken:
                how = deaths.get(token)
                if how is None and cell not in rerun:
                    rerun.add(cell)
                    again.append((cell, held))
                    continue
                how = how or "its pool broke twice while it ran"
                record = worker_died_record(cell, how, time.perf_counter() - started)
                with held:
                    store.append(record)
                if on_finish:
                    on_finish(cell, record)
                yield record


InFlight = tuple[Cell, ExitStack, int, float]  # cell, its held claim, its token, when it started


def _one_pool(
    items: Iterator[tuple[Cell, ExitStack]], store: ResultStore, jobs: int, marks: WorkerMarks,
    tokens: Iterator[int], on_start: Callable[[Cell], None] | None,
    on_finish: Callable[[Cell, dict], None] | None,
) -> Generator[dict, None, tuple[list[InFlight], dict[int, int | None]]]:  # fmt: skip
    """Run ``items`` in one pool until they are done or it breaks; returns (the cells in flight
    when it broke -- none if it did not --, each worker's exit code by pid)."""
    threads = max(1, (os.cpu_count() or 1) // jobs)
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(threads,))
    running: dict[Future, InFlight] = {}
    workers: dict[int, Any] = {}  # pid -> Process: the exit codes say which one was killed

    def submit() -> None:
        item = next(items, None)
        if item is not None:
            token = next(tokens)
            future = pool.submit(_run_marked, item[0], marks.directory, token)
            running[future] = (*item, token, time.perf_counter())
            workers.update(getattr(pool, "_processes", None) or {})
            if on_start:
                on_start(item[0])

    broken = False
    try:
        for _ in range(jobs):
            submit()
        while running and not broken:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                if isinstance(future.exception(), BrokenProcessPool):
                    broken = True  # every cell in flight broke with it: the caller sorts them out
                    continue
                cell, held, _, _ = running.pop(future)
                with held:
                    record = future.result()
                    store.append(record)
                if on_finish:
                    on_finish(cell, record)
                yield record
                submit()
    except BaseException:  # a store that cannot be written, Ctrl-C: stop the cells now
        for process in workers.values():
            process.terminate()
        for _, held, _, _ in running.values():
            held.close()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return list(running.values()) if broken else [], {pid: p.exitcode for pid, p in workers.items()}


def _run_marked(cell: Cell, marks: str, token: int) -> dict[str, Any]:
    """In a worker: say which cell this process runs (so that its death names it), then run it."""
    mark_running(marks, token)
    return run_cell(cell)


def _start_worker(threads: int) -> None:
    """Worker start-up: die with the parent (no orphans after kill -9), share the cores -- torch's
    threads, and the processes a prime search may start (none: no pool inside a pool)."""

    die_with_parent()
    search_processes(1)
    _limit_threads(threads)


def _limit_threads(threads: int) -> None:
    """Worker start-up: share the cores. Oversubscribed torch threads slow down by 100x or more."""
    import torch  # in the worker only: the parent that plans and stores never pays for torch

    torch.set_num_threads(threads)

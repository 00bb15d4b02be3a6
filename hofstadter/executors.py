"""Other engines for the runner's cells: Ray, for sweeps beyond one machine.

:func:`hofstadter.run.execute` runs cells in a local process pool. ``run ... --executor ray`` sends
each cell to Ray as one task (``ray.remote(run_cell)``) instead: to a local Ray started with
``--jobs`` CPUs, or to the cluster named by ``RAY_ADDRESS`` (``ray start --head`` on one machine,
``ray start --address HEAD:6379`` on the others; every node needs this package installed). With
``--device cuda`` each task asks Ray for one GPU. This module schedules nothing itself.

The driver -- the process that ran the command -- writes every record through the same
:class:`~hofstadter.store.ResultStore` as the process pool, as each task finishes, so resuming,
``--force`` and the safety against a killed process are the same. Ray is optional
(``pip install -e '.[ray]'``); without it ``--executor ray`` is a one-line error.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from challenges.errors import InvalidArgument
from hofstadter.run import Cell, run_cell
from hofstadter.store import ResultStore

Executor = Callable[..., Iterator[dict]]


def ray_executor(device: str = "cpu") -> Executor:
    """An executor with :func:`hofstadter.run.execute`'s signature that runs cells on Ray.

    Raises :class:`InvalidArgument` at once when Ray is not installed, before any work starts.
    """
    try:
        import ray  # noqa: F401 - an optional extra: is it installed?
    except ImportError:
        raise InvalidArgument(
            "--executor ray needs Ray, which is not installed: pip install 'hofstadter-challenges[ray]' "
            "(or pip install 'ray>=2.9')"
        ) from None

    def execute_on_ray(
        cells: list[Cell], store: ResultStore, jobs: int = 1,
        on_start: Callable[[Cell], None] | None = None,
        on_finish: Callable[[Cell, dict], None] | None = None,
        on_progress: Callable[[Cell, float], None] | None = None,
        force: bool = False,
    ) -> Iterator[dict]:  # fmt: skip
        # The driver planned only cells not yet recorded (or all, with --force); Ray tasks are not
        # claimed per cell, so two drivers on one store may both run a cell (the store stays valid).
        return _run_on_ray(cells, store, jobs, device, on_finish)

    return execute_on_ray


def _run_on_ray(
    cells: list[Cell], store: ResultStore, jobs: int, device: str,
    on_finish: Callable[[Cell, dict], None] | None,
) -> Iterator[dict]:  # fmt: skip
    import ray  # an optional extra (pip install 'hofstadter-challenges[ray]'); checked by ray_executor

    if not cells:
        return
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(**_init_options(jobs))
    try:
        gpus = 1 if device.startswith("cuda") else 0
        if gpus and not ray.cluster_resources().get("GPU"):
            # Ray would queue the tasks for ever, waiting for a GPU that never comes.
            raise InvalidArgument(f"--device {device} asks each Ray task for a GPU, but this Ray "
                                  "cluster has none (see 'ray status')")  # fmt: skip
        task = ray.remote(num_cpus=1, num_gpus=gpus)(run_cell)
        # Every cell is submitted at once (Ray queues what the cluster cannot start yet), so
        # there is no "current cell" to show: on_start is not called.
        running = {task.remote(cell): cell for cell in cells}
        while running:
            done, _ = ray.wait(list(running), num_returns=1)
            cell = running.pop(done[0])
            record = ray.get(done[0])
            store.append(record)  # the driver alone writes, as each cell finishes
            if on_finish:
                on_finish(cell, record)
            yield record
    finally:
        if started_here:
            ray.shutdown()  # a Ctrl-C leaves the records written so far, as with the process pool


def _init_options(jobs: int) -> dict:
    """``ray.init`` arguments: the cluster at RAY_ADDRESS, or a local Ray of ``jobs`` CPUs."""
    quiet = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
    if os.environ.get("RAY_ADDRESS"):
        return {"address": os.environ["RAY_ADDRESS"], **quiet}
    # A local Ray's workers run this very checkout (not some other installed copy of the package).
    source = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (source, os.environ.get("PYTHONPATH", "")) if p)
    return {"num_cpus": jobs, "runtime_env": {"env_vars": {"PYTHONPATH": path}}, **quiet}

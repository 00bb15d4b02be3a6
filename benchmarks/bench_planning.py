"""What planning ``run --all`` costs over a large store: the plan, the cells' keys, and asking the
store once per cell whether it is done (as the runner does before it claims each cell).

    python -m benchmarks.bench_planning --records 100000

The store is synthetic: copies of the published quick run's records under other keys, so every line
is a valid record that the store has to read and check.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hofstadter.profiles import get_profile
from hofstadter.run import pending, plan
from hofstadter.store import ResultStore

PUBLISHED = Path(__file__).resolve().parent.parent / "results" / "published" / "runs.jsonl"


def synthetic_store(path: Path, records: int) -> ResultStore:
    """A store of ``records`` valid lines, made from the published records under fresh keys.

    The keys are not the plan's, so every cell is still to run: the worst case for planning."""
    models = [json.loads(line) for line in PUBLISHED.read_text().splitlines() if line.strip()]
    with path.open("w") as handle:
        for i in range(records):
            record = dict(models[i % len(models)], key=f"synthetic-{i:08d}")
            handle.write(json.dumps(record) + "\n")
    return ResultStore(path)


def measure(path: Path) -> str:
    """Plan ``run --all`` (quick) over the store at ``path`` as a new command does; say how long."""
    started = time.perf_counter()
    cells = plan(None, None, get_profile("quick").seeds, "quick")  # imports the models (torch)
    planned = time.perf_counter()
    store = ResultStore(path)
    todo, skipped = pending(cells, store, force=False)
    asked = sum(not store.is_done(cell.key) for cell in todo)  # the check before each claim
    done = time.perf_counter()
    return (f"{len(cells)} cells ({asked} to run): plan {planned - started:.2f} s, keys and "
            f"done-checks {done - planned:.2f} s, total {done - started:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # one run, in its own process
    args = parser.parse_args()
    if args.measure:
        print(measure(args.measure))
        return
    with tempfile.TemporaryDirectory() as folder:
        path = synthetic_store(Path(folder) / "runs.jsonl", args.records).path
        for run in ("first command over the store (no saved index)", "the next command (saved index)"):
            started = time.perf_counter()
            line = subprocess.run([sys.executable, "-m", "benchmarks.bench_planning", "--measure", str(path)],
                                  capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
            print(f"{run}, {args.records:,} records: {line}; the whole process "
                  f"{time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()

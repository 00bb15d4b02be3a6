"""Which commit each cell of the published board comes from, and what is left to rerun from one.

The board is meant to be one experiment: every cell it shows run from one commit, with the same
CPU kernels (issue 30). The whole quick profile, slow cells included, is hours on 2 cores, more
than one sitting; so it is rerun in pieces, each from a clean worktree of the same commit. This
says where that stands -- how many of the board's records each commit gave, and which were run
with the kernels pinned (``cpu_kernels``) -- and prints, per model, the command that reruns the
cells still from another commit, with the hours the published records took::

    python -m benchmarks.board_commits                      # against the commit most cells are from
    python -m benchmarks.board_commits --commit ed5599a     # against a named one

Run the printed commands from a clean worktree of that commit (``git worktree add DIR COMMIT``,
then ``cd DIR``), into a store of their own, and append their records to
``results/published/runs.jsonl``; the board shows the newest record of each key.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from hofstadter.profiles import get_profile
from hofstadter.reports.default_cells import select
from hofstadter.reports.leaderboard import latest_records
from hofstadter.store import ResultStore

PUBLISHED = Path("results/published")


def board_records(store: Path, profile: str = "quick") -> list[dict[str, Any]]:
    """The records the published board shows for ``profile``: its default cells (newest
    configuration of each, on the board's seeds), as the leaderboard selects them."""
    records = latest_records(ResultStore(store / "runs.jsonl").records(), profile)
    return select(records, get_profile(profile)).default


def commit_of(record: dict[str, Any]) -> str:
    """The record's commit, short (``unknown`` for a record without one).

    >>> commit_of({"git_commit": "ed5599a543be91811904aa1c6f52d43c71bb6b26"}), commit_of({})
    ('ed5599a', 'unknown')
    """
    return str(record.get("git_commit") or "unknown")[:7]


def left_to_rerun(records: list[dict[str, Any]], commit: str) -> dict[str, dict[str, float]]:
    """model -> challenge -> seconds the published records took, for the cells of ``records``
    that are not all from ``commit`` (a cell: a model on a challenge, every seed).

    >>> rows = [{"model": "gru", "challenge": "a", "git_commit": "x1", "wall_seconds": 2.0},
    ...         {"model": "gru", "challenge": "b", "git_commit": "y2", "wall_seconds": 3.0}]
    >>> left_to_rerun(rows, "x1")
    {'gru': {'b': 3.0}}
    """
    by_cell: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_cell[(record["model"], record["challenge"])].append(record)
    left: dict[str, dict[str, float]] = defaultdict(dict)
    for (model, challenge), cell in sorted(by_cell.items()):
        if any(not commit_of(record).startswith(commit) for record in cell):
            left[model][challenge] = sum(float(record.get("wall_seconds") or 0.0) for record in cell)
    return dict(left)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=PUBLISHED)
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--commit", help="the commit to bring every cell to (default: the most common)")
    args = parser.parse_args(argv)
    records = board_records(args.results, args.profile)
    if not records:
        raise SystemExit(f"no {args.profile} board in {args.results}: its runs.jsonl holds no default cells")
    commits = Counter(commit_of(record) for record in records)
    pinned = Counter(commit_of(record) for record in records if record.get("cpu_kernels"))
    print(f"{len(records)} records on the {args.profile} board ({args.results}):")
    for commit, count in commits.most_common():
        print(f"  {commit}: {count} records, {pinned[commit]} of them naming pinned CPU kernels")
    print("  (a record names its kernels when its model runs torch; those of models without it name none)")
    target = args.commit or commits.most_common(1)[0][0]
    left = left_to_rerun(records, target)
    if not left:
        print(f"every cell is from {target}")
        return
    cells = sum(len(challenges) for challenges in left.values())
    hours = sum(sum(challenges.values()) for challenges in left.values()) / 3600
    print(f"\n{cells} cell{'s' * (cells != 1)} not (all) from {target}; their published records "
          f"took {hours:.1f} h of cell time. From a clean worktree of {target}:\n")  # fmt: skip
    for model, challenges in sorted(left.items(), key=lambda item: -sum(item[1].values())):
        minutes = sum(challenges.values()) / 60
        plural = "s" * (len(challenges) != 1)
        print(f"# {model}: {len(challenges)} challenge{plural}, {minutes:.0f} min of cell time")
        print(f"python -m challenges run {' '.join(challenges)} --model {model} --seed 100 --seed 101 "
              f"--seed 102 --include-slow --jobs 2 --results results/local/{model}\n")  # fmt: skip


if __name__ == "__main__":
    main()

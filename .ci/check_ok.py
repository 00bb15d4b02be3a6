"""CI's verdict on a results store: every record ok, every line readable, every cell run as often as asked.

Run: ``python .ci/check_ok.py RESULTS/runs.jsonl --times 2`` after two ``run --all`` passes (the second
with ``--force``). Prints one line of counts; exit 1 with the cells that are not ok (or lines the
store's reader skipped, or cells recorded another number of times), exit 0 otherwise.

"Ok" means done as the store counts it (:data:`hofstadter.store.DONE_STATUSES`): scored, or
``not-applicable`` (an exact automaton on a language that is not regular: 25 cells of a smoke
``run --all``, by design), or ``over-budget`` (a classical learner that ran out of its time budget,
a measured outcome). ``--only-ok`` refuses those too. A ``failed`` record always fails CI.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from hofstadter.store import DONE_STATUSES, ResultStore

_SHOWN = 20  # problems printed; the count says how many there are


def problems(
    store: ResultStore, times: int, accepted: frozenset[str] = DONE_STATUSES
) -> tuple[list[str], Counter]:
    """(what is wrong, one line each; how many records of each status were read)."""
    records = store.records()
    wrong = [f"line {number}: {why}" for number, why in store.problems]
    wrong += [f"{r['challenge']} / {r['model']} / seed {r['seed']}: {r['status']}"
              + (f" ({r.get('reason')})" if r.get("reason") else "")
              for r in records if r["status"] not in accepted]  # fmt: skip
    if not records:
        wrong.append(f"no records in {store.path}")
    counts = Counter(r["key"] for r in records)
    wrong += [f"cell {key} recorded {n} times, not {times}" for key, n in counts.items() if n != times]
    return wrong, Counter(r["status"] for r in records)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", help="a runs.jsonl")
    parser.add_argument("--times", type=int, default=1, help="how often every cell was run (default 1)")
    parser.add_argument("--only-ok", action="store_true", help="refuse not-applicable and over-budget too")
    args = parser.parse_args(argv)
    accepted = frozenset({"ok"}) if args.only_ok else DONE_STATUSES
    wrong, statuses = problems(ResultStore(args.runs), args.times, accepted)
    for line in wrong[:_SHOWN]:
        print(f"not ok: {line}", file=sys.stderr)
    if len(wrong) > _SHOWN:
        print(f"not ok: ... and {len(wrong) - _SHOWN} more", file=sys.stderr)
    counts = ", ".join(f"{n} {status}" for status, n in statuses.most_common())
    print(f"{args.runs}: {sum(statuses.values())} records ({counts or 'none'}), {len(wrong)} problem(s)")
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``conform``: run the conformance checks on registered challenges, plugins included.

``python -m challenges --plugin my_family.py conform nondecreasing-base10`` prints one line per
check, PASS or FAIL with what was found; the exit code is 1 when a check fails (2 for usage errors,
such as an unknown id). It is what a plugin author runs before publishing a challenge.
"""

from __future__ import annotations

import argparse
import json

from challenges import get_challenge
from hofstadter.reports.conformance_report import run_conformance


def register(subcommands: argparse._SubParsersAction) -> None:
    p = subcommands.add_parser(
        "conform",
        help="run the conformance checks on challenges (built-in or from --plugin)",
        description="Check that each challenge keeps the contract: labels are the oracle's, "
        "strings well formed, classes balanced at every length, splits disjoint, samples "
        "deterministic, extrapolation lengths test-only, 1000-symbol strings work.",
    )
    p.add_argument("ids", nargs="+", metavar="ID", help="challenge ids")
    p.add_argument("--json", action="store_true", help="one JSON object per check")
    p.set_defaults(handler=conform_command)


def conform_command(args: argparse.Namespace) -> int:
    challenges = [get_challenge(i) for i in dict.fromkeys(args.ids)]  # unknown ids: exit 2 first
    failures = 0
    for challenge in challenges:
        if not args.json:
            print(f"{challenge.id} (version {challenge.version})", flush=True)

        def report(name: str, passed: bool, detail: str, seconds: float, cid=challenge.id) -> None:
            if args.json:
                print(json.dumps({"challenge": cid, "check": name, "passed": passed,
                                  "detail": detail, "seconds": round(seconds, 3)}), flush=True)  # fmt: skip
            else:
                print(f"  {'PASS' if passed else 'FAIL'}  {name}: {detail}", flush=True)

        failures += sum(not passed for _, passed, _ in run_conformance(challenge, report))
    if not args.json:
        checked = ", ".join(c.id for c in challenges)
        print(f"{failures} check(s) failed on {checked}" if failures else f"all checks passed on {checked}")
    return 1 if failures else 0

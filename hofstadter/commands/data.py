"""``list``, ``show``, ``sample`` and ``check``: look at the challenges and their data."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from rich.table import Table
from rich.text import Text

from challenges import CHALLENGES, get_challenge
from challenges.core import SPLITS
from challenges.errors import InvalidArgument, InvalidInput
from challenges.splits import MAX_LENGTH, sample_lengths
from hofstadter.commands import _args
from hofstadter.commands._output import console as make_console
from hofstadter.commands._output import drawing_progress


def register(subcommands: argparse._SubParsersAction) -> None:
    p = subcommands.add_parser("list", help="list the registered challenges")
    p.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    p.set_defaults(handler=list_command)

    p = subcommands.add_parser("show", help="describe one challenge, with examples")
    p.add_argument("id", help="challenge id, e.g. div7-base10")
    p.add_argument("--seed", type=_args.seed, default=0)
    p.set_defaults(handler=show_command)

    p = subcommands.add_parser("sample", help="draw labelled examples from a split")
    p.add_argument("id")
    p.add_argument("--split", choices=SPLITS, default="train")
    p.add_argument("--length", type=_args.length, help="one length (default: the training range)")
    p.add_argument("-n", type=_args.count, default=10, help="how many examples (default 10)")
    p.add_argument("--seed", type=_args.seed, default=0)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(handler=sample_command)

    p = subcommands.add_parser("check", help="the oracle's verdict on one string, with the reason")
    p.add_argument("id")
    p.add_argument("text", nargs="?", help="the string; '-' reads strings from standard input, one a line")
    p.add_argument("--file", type=Path, metavar="PATH",
                   help="read the strings from PATH, one a line (any length; blank lines "
                   "skipped)")  # fmt: skip
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=check_command)


def challenge_row(challenge) -> dict:
    """The facts ``list --json`` prints for one challenge."""
    return {
        "id": challenge.id,
        "version": challenge.version,
        "description": challenge.description,
        "family": challenge.family,
        "base": challenge.base,
        "alphabet": challenge.alphabet,
        "regular": challenge.regular,
        "min_states": challenge.min_states,
        "train_lengths": list(challenge.train_lengths),
        "extrapolation_lengths": list(challenge.extrapolation_lengths),
        "test_lengths": list(challenge.lengths("test")),
        "shortcut_free_lengths": _listed(challenge.shortcut_free_lengths),
        "origin": CHALLENGES.origin(challenge.id),
    }


def _listed(values: tuple[int, ...] | None) -> list[int] | None:
    return None if values is None else list(values)


def list_command(args: argparse.Namespace) -> int:
    rows = [challenge_row(c) for _, c in CHALLENGES.items()]
    if args.json:
        print(json.dumps(rows))
        return 0
    table = Table(title="Hofstadter's number challenges")
    for column in ("id", "description", "base", "regular", "min DFA states", "train lengths"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["id"],
            row["description"],
            str(row["base"]),
            "yes" if row["regular"] else "no",
            "-" if row["min_states"] is None else str(row["min_states"]),
            "{}-{}".format(*row["train_lengths"]),
        )
    make_console().print(table)
    return 0


def show_command(args: argparse.Namespace) -> int:
    challenge = get_challenge(args.id)
    console = make_console()
    heading = f" (version {challenge.version}): {challenge.description}"
    console.print(Text.assemble((challenge.id, "bold"), heading))
    console.print(f"alphabet: {challenge.alphabet!r}   base: {challenge.base}   family: {challenge.family}")
    states = f", minimal DFA with {challenge.min_states} states" if challenge.regular else ""
    console.print(f"regular language: {'yes' if challenge.regular else 'no'}{states}")
    length = max(sample_lengths(challenge, "train")[-1] // 2, sample_lengths(challenge, "train")[0])
    examples = challenge.sample("train", n=10, seed=args.seed, length=length)
    for label, name in ((True, "members"), (False, "non-members")):
        shown = [t for t, y in zip(examples.texts.tolist(), examples.labels.tolist()) if y == label]
        console.print(f"{name} ({length} digits): {', '.join(shown)}")
    table = Table(title="splits")
    for column in ("split", "lengths", "what"):
        table.add_column(column)
    low, high = challenge.train_lengths
    table.add_row("train", f"{low}-{high}", "80% of the strings of each length (by keyed hash)")
    table.add_row("val", f"{low}-{high}", "10%, disjoint from train")
    tested = challenge.lengths("test")
    in_range = [n for n in tested if n <= high]
    scored = f"{low}-{high}" if len(in_range) == high - low + 1 else ", ".join(map(str, in_range)) or "none"
    why = "" if len(in_range) == high - low + 1 else " (only these hold enough distinct test strings)"
    table.add_row(
        "test",
        f"{scored}, " + ", ".join(map(str, challenge.extrapolation_lengths)),
        f"10% in range{why}; every string beyond it (length extrapolation)",
    )
    console.print(table)
    if challenge.shortcut_free_lengths is not None:
        clean = ", ".join(map(str, challenge.shortcut_free_lengths)) or "none"
        console.print(f"shortcut-free test lengths: {clean} (at the others a rule that never computes "
                      "the answer may beat 75%: benchmarks/shortcut_battery.py)")  # fmt: skip
    return 0


def sample_command(args: argparse.Namespace) -> int:
    challenge = get_challenge(args.id)
    with drawing_progress(f"drawing {args.n:,} from {args.split}", args.n) as on_rows:
        examples = challenge.sample(args.split, n=args.n, seed=args.seed, length=args.length, on_rows=on_rows)
    if args.json:
        print("\n".join(json.dumps(record) for record in examples.records()))
        return 0
    table = Table(title=f"{challenge.id}: {args.split} split, seed {args.seed}")
    for column in ("text", "member", "length"):
        table.add_column(column)
    for record in examples.records():
        table.add_row(record["text"], "yes" if record["label"] else "no", str(record["length"]))
    make_console().print(table)
    return 0


MAX_CHECK_CHARACTERS = 3 * MAX_LENGTH + 2  # an equation of three MAX_LENGTH-digit numbers


MAX_CHECK_LINES = 100_000  # strings in one --file or standard input
SHOWN_RUN = 80  # a number longer than this is printed as head...tail (its length); --json has it whole


def check_command(args: argparse.Namespace) -> int:
    challenge = get_challenge(args.id)
    texts = _texts_to_check(args)
    verdicts = []
    for line, text in texts:  # every string is checked before any verdict is printed
        try:
            verdicts.append(challenge.check(text))
        except InvalidInput as error:
            if line is None:
                raise
            raise InvalidInput(f"{args.file or 'standard input'}, line {line}: {error}") from None
    console = make_console()
    for verdict in verdicts:
        if args.json:
            print(json.dumps({"id": challenge.id, "text": verdict.text, "member": verdict.member,
                              "length": verdict.length, "reason": verdict.reason}))  # fmt: skip
        else:
            console.print(shorten_numbers(verdict.reason))
    return 0


def shorten_numbers(text: str, limit: int = SHOWN_RUN) -> str:
    """``text`` with every run of more than ``limit`` digits (or letters) shown as head...tail.

    A verdict on a 5,001-digit number repeats it and its quotient: 15 KB on a terminal.

    >>> shorten_numbers("7" * 5001 + " is a multiple of 7")
    '777777777777777777777777777777...777777777777777777777777777777 (5,001 digits) is a multiple of 7'
    >>> shorten_numbers("12 = 3 x 4")
    '12 = 3 x 4'
    """
    keep = (limit - 20) // 2

    def short(match: re.Match) -> str:
        run = match.group()
        return f"{run[:keep]}...{run[-keep:]} ({len(run):,} digits)"

    return re.sub(rf"[0-9A-Za-z]{{{limit + 1},}}", short, text)


def _texts_to_check(args: argparse.Namespace) -> list[tuple[int | None, str]]:
    """(line number, string) from the argument (line None), standard input ('-') or ``--file``.

    A file or standard input holds one string a line (blank lines skipped); a single line is read
    exactly as given, so that an empty one is checked (and refused) like an empty argument.
    """
    if (args.text is None) == (args.file is None):
        raise InvalidArgument("give the string to check, '-' to read strings from standard input, "
                              "or --file PATH")  # fmt: skip
    if args.file is None and args.text != "-":
        lines = [args.text]
    else:
        try:
            if args.file is not None:
                with args.file.open(encoding="utf-8", newline="") as handle:
                    lines = _read_lines(handle)
            else:
                lines = _read_lines(sys.stdin)
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidArgument(f"cannot read {args.file or 'standard input'}: {error}") from None
    for number, text in enumerate(lines, start=1):
        if len(text) > MAX_CHECK_CHARACTERS:
            where = "" if len(lines) == 1 else f" (line {number})"
            raise InvalidArgument(f"the string{where} is longer than {MAX_CHECK_CHARACTERS:,} characters")
    if len(lines) == 1:
        return [(None, lines[0])]
    texts = [(number, text) for number, text in enumerate(lines, start=1) if text.strip()]
    if not texts:
        raise InvalidArgument(f"{args.file or 'standard input'} holds no string to check")
    return texts


def _read_lines(handle) -> list[str]:  # noqa: ANN001
    """The lines of ``handle`` without their line breaks; a line too long stops reading at once."""
    lines = []
    while True:
        line = handle.readline(MAX_CHECK_CHARACTERS + 3)
        if not line:
            return lines
        text = line.removesuffix("\n").removesuffix("\r")
        lines.append(text)
        if len(text) > MAX_CHECK_CHARACTERS or len(lines) > MAX_CHECK_LINES:
            if len(lines) > MAX_CHECK_LINES:
                raise InvalidArgument(f"more than {MAX_CHECK_LINES:,} strings to check: split the file")
            return lines

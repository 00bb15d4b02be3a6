"""``export``: write a challenge's exact sets to files other frameworks read, with a manifest.

``python -m challenges export div7-base10 --split train,test --lengths 1-6,12 -n 1000 --seed 0
--out data/div7`` writes one file per split and length (``train-L3.jsonl``; with ``--format
jsonl,csv`` also ``train-L3.csv``) and ``manifest.json``: challenge id and version, seed, sizes,
examples and members per file, each file's sha256, the command line and the package version.
Every file is a pure function of (challenge, split, length, n, seed): the same command writes the
same bytes, and the sha256 sums say so. ``--split test --profile quick`` writes exactly the test
sets ``run`` scores report seeds on with that profile (its test size per length, the report evaluation seed): answer
them with any code and ``score`` the answers (:mod:`hofstadter.commands.score_cmd`).

Each row: ``text`` (the string), ``label`` (true for members), ``length``, ``split``. To load::

    import datasets, pandas
    datasets.load_dataset("json", data_files={"train": "data/div7/train-L*.jsonl",
                                              "test": "data/div7/test-L*.jsonl"})
    pandas.read_json("data/div7/test-L12.jsonl", lines=True, dtype={"text": str})
    pandas.read_csv("data/div7/test-L12.csv", dtype={"text": str})
    datasets.load_dataset("csv", data_files="data/div7/test-L*.csv", features=datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.Value("bool"),
         "length": datasets.Value("int64"), "split": datasets.Value("string")}))

In the CSV every string is quoted, but pandas (and ``datasets``, which reads CSV with pandas)
still reads a quoted run of digits as a number -- "0012" as 12, a 1000-digit string as a float
-- unless told the column's type: ``dtype={"text": str}``, or the ``features`` above. The
manifest says so: ``dtypes`` names each column's type and ``load`` gives these lines.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import shlex
from pathlib import Path

from challenges import __version__, get_challenge
from challenges.core import SPLITS, Challenge
from challenges.errors import EmptyClass, InvalidArgument
from hofstadter.commands import _args
from hofstadter.profiles import PROFILES

FORMATS = ("jsonl", "csv")
# What each column holds, for readers that guess types (pandas turns digit strings into numbers).
DTYPES = {"text": "string", "label": "bool", "length": "int64", "split": "string"}


def register(subcommands: argparse._SubParsersAction) -> None:
    p = subcommands.add_parser(
        "export",
        help="write a challenge's sets to JSONL/CSV files, one per split and length, with a manifest",
        description="Write balanced, seeded samples of a challenge, one file per split and "
        "length, and manifest.json with counts and sha256 sums.",
    )
    p.add_argument("id", help="challenge id, e.g. div7-base10")
    p.add_argument("--split", type=_split_list, default=None, metavar="S[,S]",
                   help="train, val, test or a comma list (default: all three; with --profile, "
                   "test)")  # fmt: skip
    p.add_argument("--lengths", type=_length_list, metavar="SPEC",
                   help="lengths such as 1-6,12,100; beyond the training range only the test split "
                   "has them (default: every length of each split that holds both classes; the "
                   "test split includes the extrapolation lengths)")  # fmt: skip
    p.add_argument("-n", type=_args.count, default=None, help="examples per file (default 1000)")
    p.add_argument("--seed", type=_args.seed, default=None,
                   help="sampling seed (default 0: the benchmark's test sets)")  # fmt: skip
    p.add_argument("--profile", choices=sorted(PROFILES), default=None,
                   help="write the test strings this profile's runs score on: its test size at each "
                   "length, the report seeds' evaluation seed (instead of -n and --seed); what 'score' checks")  # fmt: skip
    p.add_argument("--development", action="store_true",
                   help="with --profile: the strings development seeds (0-99) are scored on, not "
                   "the report seeds' ones")  # fmt: skip
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="directory to write")
    p.add_argument("--format", type=_format_list, default=("jsonl",), metavar="F[,F]",
                   help="jsonl, csv or jsonl,csv (default jsonl)")  # fmt: skip
    p.set_defaults(handler=export_command)


def _comma_list(text: str, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    items = tuple(dict.fromkeys(part.strip() for part in text.split(",")))
    bad = [item for item in items if item not in allowed]
    if bad or not items:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {', '.join(map(repr, bad)) or repr(text)}: choose from {', '.join(allowed)}"
        )
    return items


def _split_list(text: str) -> tuple[str, ...]:
    return _comma_list(text, SPLITS, "split")


def _format_list(text: str) -> tuple[str, ...]:
    return _comma_list(text, FORMATS, "format")


def _length_list(text: str) -> tuple[int, ...]:
    """``1-6,12`` -> (1, 2, 3, 4, 5, 6, 12)."""
    lengths: set[int] = set()
    for part in text.split(","):
        low, high = _args.length_range(part.strip())
        lengths.update(range(low, high + 1))
    return tuple(sorted(lengths))


def export_command(args: argparse.Namespace) -> int:
    from challenges.cache import cached_sample
    from challenges.evaluate import scored_lengths
    from challenges.splits import check_length, classes_available, sample_lengths

    challenge = get_challenge(args.id)
    if args.split is None:
        args.split = ("test",) if args.profile else SPLITS
    size = _sizes(challenge, args)
    plan: list[tuple[str, int]] = []
    for split in args.split:
        if args.lengths is None:
            usable = scored_lengths(challenge) if split == "test" else sample_lengths(challenge, split)
            plan += [(split, length) for length in usable]
            continue
        for length in args.lengths:  # every problem is reported before any file is written
            if len(args.split) > 1 and split != "test" and length > challenge.max_train_length:
                continue  # with several splits, lengths beyond the training range go to test only
            check_length(challenge, split, length)
            member, non_member = classes_available(challenge, split, length)
            if not (member and non_member):
                both = scored_lengths(challenge) if split == "test" else sample_lengths(challenge, split)
                raise EmptyClass(
                    f"{challenge.id} has no {'member' if not member else 'non-member'} of length "
                    f"{length} in split '{split}'; lengths with both classes: {_ranges(both)}"
                )
            plan.append((split, length))
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InvalidArgument(f"cannot create --out {args.out}: {error.strerror}") from None
    files = []
    for split, length in plan:
        examples = cached_sample(challenge, split, n=size(length), seed=args.seed, length=length)
        rows = examples.records()
        for fmt in args.format:
            name = f"{split}-L{length}.{fmt}"
            data = _jsonl(rows) if fmt == "jsonl" else _csv(rows)
            (args.out / name).write_bytes(data)
            files.append({"path": name, "split": split, "length": length, "format": fmt,
                          "examples": len(rows), "members": int(examples.labels.sum()),
                          "sha256": hashlib.sha256(data).hexdigest()})  # fmt: skip
    manifest = build_manifest(challenge, args, files)
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(files)} file(s) and manifest.json to {args.out}")
    return 0


def _sizes(challenge: Challenge, args: argparse.Namespace):  # noqa: ANN202 - length -> examples
    """Examples per file at each length; with ``--profile``, that profile's test sets exactly."""
    from hofstadter.evaluation_seeds import DEVELOPMENT_EVAL_SEED, REPORT_EVAL_SEED
    from hofstadter.profiles import get_profile

    if getattr(args, "development", False) and args.profile is None:
        raise InvalidArgument("--development chooses a profile's development test strings: give --profile too")
    if args.profile is None:
        args.n, args.seed = args.n or 1000, 0 if args.seed is None else args.seed
        return lambda length: args.n
    if args.n is not None or args.seed is not None or set(args.split) != {"test"}:
        raise InvalidArgument("--profile writes the test split a profile scores on: use it with "
                              "--split test and without -n or --seed")  # fmt: skip
    # The strings report seeds are scored on (what `score` checks by default), or development seeds'.
    args.seed = DEVELOPMENT_EVAL_SEED if args.development else REPORT_EVAL_SEED
    return get_profile(args.profile).test_size_for(challenge)


def build_manifest(challenge: Challenge, args: argparse.Namespace, files: list[dict]) -> dict:
    """What was written and how to write it again; no date, so the same command gives the same bytes."""
    return {
        "challenge": challenge.id,
        "version": challenge.version,
        "description": challenge.description,
        "train_lengths": list(challenge.train_lengths),
        "seed": args.seed,
        "n": args.n,
        "profile": args.profile,
        "splits": list(args.split),
        "columns": {"text": "the string", "label": "true for members", "length": "its length",
                    "split": "train, val or test"},  # fmt: skip
        "dtypes": DTYPES,
        "load": {"pandas": 'pandas.read_csv(path, dtype={"text": str})',
                 "datasets": 'datasets.load_dataset("csv", data_files=paths, features=datasets.Features('
                 + "{" + ", ".join(f'"{k}": datasets.Value("{v}")' for k, v in DTYPES.items()) + "}))"},
        "files": files,
        "command": shlex.join(["python", "-m", "challenges", *getattr(args, "argv", [])]),
        "package_version": __version__,
    }


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def _csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    # Strings quoted, numbers not: a reader that honours quotes keeps "0012" a string.
    writer = csv.DictWriter(buffer, fieldnames=list(DTYPES), lineterminator="\n",
                            quoting=csv.QUOTE_NONNUMERIC)  # fmt: skip
    writer.writeheader()
    writer.writerows({**row, "label": "true" if row["label"] else "false"} for row in rows)
    return buffer.getvalue().encode()


def _ranges(values: tuple[int, ...]) -> str:
    from challenges.splits import _ranges as ranges

    return ranges(values)

"""``export``: write a challenge's exact sets to files other frameworks read, with a manifest.

Every set is the one a run uses, drawn by the same function:

* ``train`` and ``val`` are the strings of the run ``run ID --seed S --profile P``
  (:func:`hofstadter.api.training_sets`, which is :func:`hofstadter.experiment.training_data`):
  ``--seed`` (default: the profile's first report seed), ``--profile`` (default quick),
  ``--train-lengths`` and ``--train-size`` as ``run`` takes them;
* ``test`` holds the strings every report-seed run of the profile is scored on, at each scored
  length (:func:`hofstadter.api.test_sets`); ``--development`` writes the ones development seeds
  are scored on instead (:mod:`hofstadter.evaluation_seeds`); ``-n`` asks for another number per
  length, still drawn with that evaluation seed. ``score`` checks answers against exactly these.

``python -m challenges export div7-base10 --split train --seed 100 --out data/div7`` writes one
file per split and length (``train-L3.jsonl``; the strings of that length, in the order the run
drew them), and ``manifest.json``: challenge id and version, seed, profile, sizes, examples and
members per file, each file's sha256, the command line and the package version. The same command
writes the same bytes.

Formats (``--format``, a comma list):

* ``jsonl`` (default): one ``{"text", "label", "length", "split"}`` object a line;
* ``csv``: the same columns, strings quoted;
* ``parquet``: the same columns, typed (string, bool, int64, string), written by pyarrow;
* ``text``: the plain-text layout of the FLaRe suite (Butoi et al., ICLR 2025): a directory
  ``train-L3/`` holding ``main.tok`` (one string a line, its symbols separated by spaces) and
  ``labels.txt`` (one ``1`` or ``0`` a line, for member or not, line by line beside it).

To load::

    import datasets, pandas
    pandas.read_parquet("data/div7/train-L6.parquet")
    datasets.load_dataset("parquet", data_files={"train": "data/div7/train-L*.parquet",
                                                 "test": "data/div7/test-L*.parquet"})
    pandas.read_json("data/div7/test-L12.jsonl", lines=True, dtype={"text": str})
    pandas.read_csv("data/div7/test-L12.csv", dtype={"text": str})

In the CSV every string is quoted, but pandas (and ``datasets``, which reads CSV with pandas)
still reads a quoted run of digits as a number -- "0012" as 12, a 1000-digit string as a float
-- unless told the column's type: ``dtype={"text": str}``. Parquet carries its types and needs no
such care. The manifest says so: ``dtypes`` names each column's type and ``load`` gives these lines.
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
from challenges.core import SPLITS, Challenge, Examples
from challenges.errors import EmptyClass, InvalidArgument
from challenges.evaluate import evaluation_set, scored_lengths
from challenges.splits import _ranges as ranges
from challenges.splits import check_length, classes_available, sample_lengths
from hofstadter.api import test_sets, training_sets
from hofstadter.commands import _args
from hofstadter.evaluation_seeds import evaluation_seed
from hofstadter.limits import MAX_INDEX_BYTES, loads_json, read_bytes
from hofstadter.outputs import publish, refuse_foreign
from hofstadter.profiles import PROFILES, get_profile, seed_kind
from hofstadter.run import check_train_lengths

FORMATS = ("jsonl", "csv", "parquet", "text")
MANIFEST = "manifest.json"
# What each column holds, for readers that guess types (pandas turns digit strings into numbers).
DTYPES = {"text": "string", "label": "bool", "length": "int64", "split": "string"}


def register(subcommands: argparse._SubParsersAction) -> None:
    p = subcommands.add_parser(
        "export",
        help="write a challenge's training, validation and test sets, exactly as a run draws them, "
        "to JSONL/CSV/Parquet/text files with a manifest",
        description="Write the sets a run uses, one file per split and length, and manifest.json "
        "with counts and sha256 sums: train and val as 'run ID --seed S --profile P' draws them, "
        "test as every run of the profile is scored on it.",
    )
    p.add_argument("id", help="challenge id, e.g. div7-base10")
    p.add_argument("--split", type=_split_list, default=SPLITS, metavar="S[,S]",
                   help="train, val, test or a comma list (default: all three)")  # fmt: skip
    p.add_argument("--lengths", type=_length_list, metavar="SPEC",
                   help="write only these lengths, such as 1-6,12,100; beyond the training range "
                   "only the test split has them (default: every length of each split)")  # fmt: skip
    p.add_argument("--seed", type=_args.seed, default=None,
                   help="the run's seed, for train and val (default: the profile's first report "
                   "seed, 100); test sets do not depend on it")  # fmt: skip
    p.add_argument("--profile", choices=sorted(PROFILES), default="quick",
                   help="the run's profile: training, validation and test sizes (default quick)")
    p.add_argument("--train-lengths", type=_args.length_range, metavar="A-B",
                   help="as run's: train and val drawn over lengths A..B (default: the challenge's "
                   "training range)")  # fmt: skip
    p.add_argument("--train-size", type=_args.count, metavar="N",
                   help="as run's: training strings (default: the profile's; validation then holds "
                   "a tenth as many, as in a run)")  # fmt: skip
    p.add_argument("-n", type=_args.count, default=None,
                   help="test strings per length (default: the profile's, what runs are scored on)")
    p.add_argument("--development", action="store_true",
                   help="the test strings development seeds (0-99) are scored on, not the report "
                   "seeds' ones; train and val then default to the first development seed")  # fmt: skip
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="directory to write")
    p.add_argument("--format", type=_format_list, default=("jsonl",), metavar="F[,F]",
                   help="jsonl, csv, parquet, text (FLaRe's main.tok + labels.txt) or a comma list "
                   "(default jsonl)")  # fmt: skip
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
    challenge = get_challenge(args.id)
    profile = get_profile(args.profile)
    if args.split == ("test",) and args.seed is not None:
        raise InvalidArgument("test sets do not depend on --seed (every run is scored on the same "
                              "strings): drop it, or add --split train,val")  # fmt: skip
    if "test" not in args.split and args.n is not None:
        raise InvalidArgument("-n sets the test strings per length: use --train-size for train and val")
    if args.seed is None:
        args.seed = (profile.development_seeds if args.development else profile.seeds)[0]
    elif args.development and seed_kind(args.seed) != "development":
        raise InvalidArgument(f"--development writes development seeds' sets, but --seed {args.seed} "
                              "is a report seed: drop one of them")  # fmt: skip
    eval_seed = evaluation_seed(args.seed)  # the test strings a run of this seed is scored on
    check_train_lengths(challenge, args.train_lengths)
    plan = _plan(challenge, args)  # every problem is reported before any file is written
    refuse_foreign(args.out, exported_files, "--out")  # before drawing anything
    drawn: dict[str, Examples] = {}
    if {"train", "val"} & set(args.split):
        run = training_sets(challenge, seed=args.seed, profile=args.profile,
                            train_lengths=args.train_lengths, train_size=args.train_size)  # fmt: skip
        drawn = {"train": run.train, "val": run.val}
        args.train_lengths, sizes = run.train_lengths, {"train": len(run.train), "val": len(run.val)}
    tests = {}
    if "test" in args.split:
        tested = [length for split, length in plan if split == "test"]
        if args.n is None:
            tests = test_sets(challenge, profile=args.profile, lengths=tested, seed=args.seed)
        else:
            tests = {length: evaluation_set(challenge, length, args.n, eval_seed) for length in tested}
    files = []
    sets = {"evaluation_seed": eval_seed} if tests else {}
    if drawn:
        sets.update(train_lengths=list(args.train_lengths), **{f"{k}_size": v for k, v in sizes.items()})

    def write(staging: Path) -> None:
        for split, length in plan:
            examples = tests[length] if split == "test" else drawn[split].at_length(length)
            for fmt in args.format:
                for name, data in WRITERS[fmt](examples, f"{split}-L{length}"):
                    (staging / name).parent.mkdir(exist_ok=True)
                    (staging / name).write_bytes(data)
                    files.append({"path": name, "split": split, "length": length, "format": fmt,
                                  "examples": len(examples), "members": int(examples.labels.sum()),
                                  "sha256": hashlib.sha256(data).hexdigest()})  # fmt: skip
        manifest = build_manifest(challenge, args, files, sets)
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

    # Staged and moved into place: a folder holding files an export did not write is refused, a
    # link is replaced rather than written through, and an earlier export's files are removed.
    publish(args.out, write, exported_files, "--out")
    if drawn:
        print(f"train and val: the strings of 'run {challenge.id} --seed {args.seed} --profile "
              f"{args.profile}' ({', '.join(f'{v:,} {k}' for k, v in sizes.items())}; seed {args.seed} "
              f"is a {seed_kind(args.seed)} seed)")  # fmt: skip
    if tests:
        print(f"test: the strings every {seed_kind(args.seed)}-seed run of the {args.profile} profile "
              "is scored on" + ("" if args.n is None else f", {args.n} per length"))  # fmt: skip
    print(f"wrote {len(files)} file(s) and {MANIFEST} to {args.out}")
    return 0


def exported_files(out: Path) -> set[str] | None:
    """The files an earlier export wrote to ``out``, as its manifest lists them (None: none)."""

    try:
        text = read_bytes(out / MANIFEST, MAX_INDEX_BYTES, "MAX_INDEX_BYTES", "manifest").decode("utf-8")
        listed = [entry["path"] for entry in loads_json(text, str(out / MANIFEST))["files"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return {*listed, MANIFEST}


def _plan(challenge: Challenge, args: argparse.Namespace) -> list[tuple[str, int]]:
    """(split, length) of every file to write; a length no split can hold is refused in one line."""

    low, high = args.train_lengths or challenge.train_lengths
    plan: list[tuple[str, int]] = []
    for split in args.split:
        if split == "test":
            usable = scored_lengths(challenge)
        else:  # what the run's draw can hold: lengths of its range with both classes in the split
            usable = tuple(v for v in sample_lengths(challenge, split) if low <= v <= high)
        if args.lengths is None:
            plan += [(split, length) for length in usable]
            continue
        for length in args.lengths:
            if len(args.split) > 1 and split != "test" and length > challenge.max_train_length:
                continue  # with several splits, lengths beyond the training range go to test only
            check_length(challenge, split, length)
            if split != "test" and not low <= length <= high:
                raise InvalidArgument(f"length {length} is outside the run's training lengths "
                                      f"{low}-{high} (--train-lengths)")  # fmt: skip
            member, non_member = classes_available(challenge, split, length)
            if not (member and non_member):
                raise EmptyClass(
                    f"{challenge.id} has no {'member' if not member else 'non-member'} of length "
                    f"{length} in split '{split}'; lengths with both classes: {_ranges(usable)}"
                )
            plan.append((split, length))
    return plan


def build_manifest(challenge: Challenge, args: argparse.Namespace, files: list[dict], sets: dict) -> dict:
    """What was written and how to write it again; no date, so the same command gives the same bytes."""
    return {
        "challenge": challenge.id,
        "version": challenge.version,
        "description": challenge.description,
        "seed": args.seed,
        "profile": args.profile,
        "n": args.n,
        "splits": list(args.split),
        **sets,
        "columns": {"text": "the string", "label": "true for members", "length": "its length",
                    "split": "train, val or test"},  # fmt: skip
        "dtypes": DTYPES,
        "load": {"pandas": 'pandas.read_csv(path, dtype={"text": str})',
                 "parquet": "pandas.read_parquet(path)",
                 "datasets": 'datasets.load_dataset("parquet", data_files=paths)',
                 "text": "main.tok: one string a line, symbols separated by spaces; labels.txt: 1 or 0 "
                 "a line, beside it (the FLaRe suite's layout)"},  # fmt: skip
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


def _parquet(rows: list[dict]) -> bytes:
    """The rows as a Parquet file with typed columns (pyarrow: no hand-written format)."""
    # pyarrow only for --format parquet: the other formats do not load it
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"string": pa.string(), "bool": pa.bool_(), "int64": pa.int64()}
    schema = pa.schema([(name, types[kind]) for name, kind in DTYPES.items()])
    table = pa.Table.from_pylist(rows, schema=schema)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def _text_files(examples: Examples, stem: str) -> list[tuple[str, bytes]]:
    """FLaRe's layout: ``STEM/main.tok``, symbols separated by spaces, and ``STEM/labels.txt``."""
    tokens = "".join(" ".join(text) + "\n" for text in examples.texts.tolist())
    labels = "".join("1\n" if label else "0\n" for label in examples.labels.tolist())
    return [(f"{stem}/main.tok", tokens.encode()), (f"{stem}/labels.txt", labels.encode())]


WRITERS = {
    "jsonl": lambda examples, stem: [(f"{stem}.jsonl", _jsonl(examples.records()))],
    "csv": lambda examples, stem: [(f"{stem}.csv", _csv(examples.records()))],
    "parquet": lambda examples, stem: [(f"{stem}.parquet", _parquet(examples.records()))],
    "text": _text_files,
}


def _ranges(values: tuple[int, ...]) -> str:
    return ranges(values)

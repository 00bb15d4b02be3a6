"""``export``: files per split and length, a manifest whose sha256 sums verify, loadable files."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest
from cli_runner import run

from challenges import get_challenge
from challenges.evaluate import evaluation_set
from challenges.splits import sample_lengths


def test_export_writes_files_and_a_manifest_that_verifies(tmp_path, capsys):
    out_dir = tmp_path / "div7"
    argv = ["export", "div7-base10", "--split", "train,test", "--lengths", "2-3,12", "-n", "20",
            "--seed", "0", "--profile", "smoke", "--out", str(out_dir), "--format", "jsonl,csv"]  # fmt: skip
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["challenge"] == "div7-base10" and manifest["version"] == 1
    assert manifest["seed"] == 0 and manifest["splits"] == ["train", "test"]
    assert manifest["command"].startswith("python -m challenges export div7-base10")
    assert manifest["package_version"]
    # 12 digits is beyond the training range: the test split alone has it
    assert sorted({(f["split"], f["length"]) for f in manifest["files"]}) == [
        ("test", 2), ("test", 3), ("test", 12), ("train", 2), ("train", 3)
    ]  # fmt: skip
    for entry in manifest["files"]:
        data = (out_dir / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        if entry["split"] == "test":  # -n strings per test length; train holds the run's strings
            assert entry["examples"] == 20 and entry["members"] == 10
    rows = pd.read_json(out_dir / "test-L12.jsonl", lines=True, dtype={"text": str})
    table = pd.read_csv(out_dir / "test-L12.csv", dtype={"text": str})
    assert rows.equals(table)
    assert rows["label"].dtype == bool and (rows["length"] == 12).all()
    challenge = get_challenge("div7-base10")
    assert challenge.label(rows["text"].tolist()).tolist() == rows["label"].tolist()
    # seed 0 is the benchmark's evaluation seed: the test files are the very strings runs score on
    assert rows["text"].tolist() == evaluation_set(challenge, 12, 20).texts.tolist()


def test_the_same_command_writes_the_same_bytes(tmp_path, capsys):
    for name in ("a", "b"):
        code, _, _ = run(capsys, "export", "even-base3", "--split", "val", "--profile", "smoke",
                         "--seed", "1", "--out", str(tmp_path / name),
                         "--format", "jsonl,parquet,text")  # fmt: skip
        assert code == 0
    first, second = (json.loads((tmp_path / n / "manifest.json").read_text()) for n in ("a", "b"))
    assert [f["sha256"] for f in first["files"]] == [f["sha256"] for f in second["files"]]
    # by default, every training length at which the split holds both classes
    lengths = tuple(dict.fromkeys(f["length"] for f in first["files"]))
    assert lengths == sample_lengths(get_challenge("even-base3"), "val")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--split", "dev"], "unknown split 'dev'"),
        (["--format", "xlsx"], "unknown format 'xlsx'"),
        (["--lengths", "6-2"], "1 <= first <= last"),
        (["--split", "train", "--lengths", "12"], "test split only"),
        (["--split", "test", "--lengths", "1"], "no member of length 1 in split 'test'"),
        (["-n", "0"], "at least 1"),
        (["--split", "test", "--seed", "1"], "test sets do not depend on --seed"),
        (["--split", "train", "-n", "5"], "use --train-size for train and val"),
        (["--split", "train", "--train-lengths", "2-3", "--lengths", "5"], "outside the run's training"),
        (["--train-lengths", "1-9"], "outside the training range 1-6"),
    ],
)
def test_bad_export_options_are_one_line(tmp_path, capsys, extra, message):
    code, _, err = run(capsys, "export", "div7-base10", "--out", str(tmp_path / "x"), *extra)
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "x" / "manifest.json").exists()


def test_csv_reads_back_as_strings_with_the_manifests_dtypes(tmp_path, capsys):
    code, _, err = run(capsys, "export", "div7-base10", "--split", "test", "--lengths", "100", "-n", "6",
                       "--out", str(tmp_path), "--format", "csv")  # fmt: skip
    assert code == 0, err
    text = (tmp_path / "test-L100.csv").read_text()
    assert text.splitlines()[0] == '"text","label","length","split"'
    assert all(line.startswith('"') and ',100,"test"' in line for line in text.splitlines()[1:])
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["dtypes"] == {"text": "string", "label": "bool", "length": "int64", "split": "string"}
    assert 'dtype={"text": str}' in manifest["load"]["pandas"]
    # Quoted or not, pandas guesses a number; the manifest's dtype keeps every digit.
    guessed = pd.read_csv(tmp_path / "test-L100.csv")
    assert not guessed["text"].map(lambda value: isinstance(value, str)).any()  # numbers, all of them
    typed = pd.read_csv(tmp_path / "test-L100.csv", dtype={"text": str})
    assert typed["text"].str.len().eq(100).all() and typed["label"].dtype == bool


def test_profile_writes_the_test_sets_that_profile_scores(tmp_path, capsys):
    from hofstadter.profiles import get_profile

    code, _, err = run(capsys, "export", "prime-base10", "--profile", "smoke", "--split", "test",
                       "--lengths", "2,1000", "--out", str(tmp_path))  # fmt: skip
    assert code == 0, err
    size = get_profile("smoke").test_size_for(get_challenge("prime-base10"))
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["profile"] == "smoke" and manifest["evaluation_seed"] == 1  # the report seeds' strings
    assert [(f["length"], f["examples"]) for f in manifest["files"]] == [(2, size(2)), (1000, size(1000))]
    assert size(2) != size(1000)  # long primes are costly: fewer of them, as run scores them


def test_exported_training_strings_are_the_ones_a_run_trains_on(tmp_path, capsys):
    """Issue 33: export once drew its own training strings (179 of 3,980 six-digit ones shared)."""
    from hofstadter.api import training_sets
    from hofstadter.experiment import training_data
    from hofstadter.profiles import get_profile

    code, out, err = run(capsys, "export", "div7-base10", "--split", "train,val", "--seed", "100",
                         "--profile", "smoke", "--out", str(tmp_path),
                         "--format", "jsonl,parquet,text")  # fmt: skip
    assert code == 0, err
    assert "'run div7-base10 --seed 100 --profile smoke'" in out and "report seed" in out
    challenge = get_challenge("div7-base10")
    train, val, lengths = training_data(challenge, 100, get_profile("smoke"))  # what run_experiment calls
    api = training_sets("div7-base10", seed=100, profile="smoke")
    assert api.train.texts.tolist() == train.texts.tolist() and api.val.texts.tolist() == val.texts.tolist()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["train_size"] == len(train) and manifest["train_lengths"] == list(lengths)
    for split, examples in (("train", train), ("val", val)):
        written = sorted({f["length"] for f in manifest["files"] if f["split"] == split})
        assert written == sorted(set(examples.lengths.tolist()))
        for length in written:
            expected = examples.at_length(length)
            rows = pd.read_json(tmp_path / f"{split}-L{length}.jsonl", lines=True, dtype={"text": str})
            table = pd.read_parquet(tmp_path / f"{split}-L{length}.parquet")
            tokens = (tmp_path / f"{split}-L{length}" / "main.tok").read_text().splitlines()
            labels = (tmp_path / f"{split}-L{length}" / "labels.txt").read_text().split()
            assert rows["text"].tolist() == table["text"].tolist() == expected.texts.tolist()
            assert [line.replace(" ", "") for line in tokens] == expected.texts.tolist()
            assert table["label"].tolist() == [v == "1" for v in labels] == expected.labels.tolist()
            assert table["label"].dtype == bool and table["length"].dtype == "int64"

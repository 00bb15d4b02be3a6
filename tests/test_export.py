"""``export``: files per split and length, a manifest whose sha256 sums verify, loadable files."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from challenges import get_challenge
from challenges.evaluate import evaluation_set
from challenges.splits import sample_lengths
from hofstadter.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_export_writes_files_and_a_manifest_that_verifies(tmp_path, capsys):
    out_dir = tmp_path / "div7"
    argv = ["export", "div7-base10", "--split", "train,test", "--lengths", "2-3,12", "-n", "20",
            "--seed", "0", "--out", str(out_dir), "--format", "jsonl,csv"]  # fmt: skip
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
        code, _, _ = run(capsys, "export", "even-base3", "--split", "val", "-n", "8",
                         "--out", str(tmp_path / name))  # fmt: skip
        assert code == 0
    first, second = (json.loads((tmp_path / n / "manifest.json").read_text()) for n in ("a", "b"))
    assert [f["sha256"] for f in first["files"]] == [f["sha256"] for f in second["files"]]
    # by default, every training length at which the split holds both classes
    assert tuple(f["length"] for f in first["files"]) == sample_lengths(get_challenge("even-base3"), "val")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--split", "dev"], "unknown split 'dev'"),
        (["--format", "parquet"], "unknown format 'parquet'"),
        (["--lengths", "6-2"], "1 <= first <= last"),
        (["--split", "train", "--lengths", "12"], "test split only"),
        (["--split", "test", "--lengths", "1"], "no member of length 1 in split 'test'"),
        (["-n", "0"], "at least 1"),
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

    code, _, err = run(capsys, "export", "prime-base10", "--profile", "smoke",  # --split test implied
                       "--lengths", "2,1000", "--out", str(tmp_path))  # fmt: skip
    assert code == 0, err
    size = get_profile("smoke").test_size_for(get_challenge("prime-base10"))
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["profile"] == "smoke" and manifest["seed"] == 1  # the report seeds' test strings
    assert [(f["length"], f["examples"]) for f in manifest["files"]] == [(2, size(2)), (1000, size(1000))]
    assert size(2) != size(1000)  # long primes are costly: fewer of them, as run scores them


@pytest.mark.parametrize("extra", [["-n", "5"], ["--seed", "1"], ["--split", "train"]])
def test_profile_is_the_test_split_with_its_own_sizes(tmp_path, capsys, extra):
    code, _, err = run(capsys, "export", "div7-base10", "--profile", "smoke", "--out", str(tmp_path), *extra)
    assert code == 2 and "--profile writes the test split" in err

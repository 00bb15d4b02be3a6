"""``export``: files per split and length, a manifest whose sha256 sums verify, loadable files."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from challenges import get_challenge
from challenges.cli import main
from challenges.evaluate import evaluation_set
from challenges.splits import sample_lengths


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

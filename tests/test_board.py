"""``--board published``: a local store holding the published records and the user's, on report seeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run

from hofstadter.api import test_sets
from hofstadter.store import ResultStore

ROOT = Path(__file__).resolve().parent.parent
CHALLENGE = "div3-base10"




@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A working directory whose results/published holds the published records of one challenge
    (all of them would only make the board slower to write)."""
    published = tmp_path / "results" / "published"
    published.mkdir(parents=True)
    lines = (ROOT / "results" / "published" / "runs.jsonl").read_text().splitlines()
    kept = [line for line in lines if json.loads(line).get("challenge") == CHALLENGE]
    (published / "runs.jsonl").write_text("\n".join(kept) + "\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path, len(kept)


def test_score_puts_a_model_beside_the_published_records_on_a_report_seed(checkout, capsys):
    root, published = checkout
    rows = [{"text": t, "prediction": int(t) % 3 == 0}
            for examples in test_sets(CHALLENGE).values() for t in examples.texts.tolist()]  # fmt: skip
    (root / "preds.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    argv = ["score", CHALLENGE, "preds.jsonl", "--model-name", "mod3", "--board", "published"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert f"({published} published record(s) copied in); report seed 100" in err
    assert "seed 100, a report seed" in out
    records = ResultStore(root / "results/local/board/runs.jsonl").records()
    assert len(records) == published + 1 and records[-1]["model"] == "external:mod3"
    assert "external:mod3" in (root / "results/local/board/LEADERBOARD.md").read_text()
    # again: nothing published is copied twice, and the new record replaces its older self
    code, _, err = run(capsys, *argv)
    assert code == 0 and "(0 published record(s) copied in)" in err


def test_run_defaults_to_the_report_seeds_of_the_published_board(checkout, capsys):
    root, published = checkout
    code, _, err = run(capsys, "run", CHALLENGE, "--model", "majority", "--board", "published")
    assert code == 0, err
    assert "report seeds 100, 101, 102" in err
    # planned on the report seeds; whether the published records hold these very keys depends on
    # whether the board was published with this code's keys (evaluation seeds by kind), so not asserted
    assert "3 runs planned (quick profile, seeds 100, 101, 102)" in err
    assert (root / "results/local/board/LEADERBOARD.md").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--results", "elsewhere"], "give --board or --results, not both"),
        (["--profile", "smoke"], "the published board is the quick profile's"),
    ],
)
def test_board_refuses_what_the_published_board_is_not(checkout, capsys, extra, message):
    code, _, err = run(capsys, "run", CHALLENGE, "--model", "majority", "--board", "published", *extra)
    assert code == 2 and message in err and "Traceback" not in err


def test_evaluate_puts_a_python_model_on_the_same_board(checkout):
    from hofstadter.api import evaluate

    root, published = checkout
    record = evaluate(lambda texts: [int(t) % 3 == 0 for t in texts], CHALLENGE, name="mod3", seed=101,
                      board="published")  # fmt: skip
    records = ResultStore(root / "results/local/board/runs.jsonl").records()
    assert len(records) == published + 1 and records[-1] == record and record["seed"] == 101

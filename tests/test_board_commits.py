"""benchmarks.board_commits: the board's records by commit, and the commands that rerun the rest."""

from __future__ import annotations

import doctest
import json

import benchmarks.board_commits as board_commits
from challenges import get_challenge


def _record(model: str, challenge: str, seed: int, commit: str, **fields) -> dict:
    return {"challenge": challenge, "challenge_version": 3, "model": model, "seed": seed, "profile": "quick",
            "status": "ok", "train_size": 100_000, "key": f"{challenge}/{model}/{seed}", "git_commit": commit,
            "wall_seconds": 60.0, "model_config": {}, "model_version": 1,
            "train_lengths": list(get_challenge(challenge).train_lengths),
            "metrics": [{"length": 12, "accuracy": 1.0, "n": 10, "split": "test"}], **fields}  # fmt: skip


def test_cells_from_another_commit_get_a_rerun_command(tmp_path, capsys):
    records = [_record("gru", "div7-base10", seed, "aaaaaaa1", cpu_kernels={"MKL_CBWR": "AVX2"})
               for seed in (100, 101, 102)]  # fmt: skip
    records += [_record("rpni", "div7-base10", 100, "bbbbbbb2")]
    records += [_record("rpni", "div7-base10", seed, "aaaaaaa1") for seed in (101, 102)]
    (tmp_path / "runs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    board_commits.main(["--results", str(tmp_path)])
    out = capsys.readouterr().out
    assert "6 records on the quick board" in out
    assert "aaaaaaa: 5 records, 3 of them naming pinned CPU kernels" in out
    assert "1 cell not (all) from aaaaaaa" in out  # rpni's cell: one of its seeds is from bbbbbbb
    assert "python -m challenges run div7-base10 --model rpni" in out
    assert "--model gru" not in out


def test_a_board_from_one_commit_says_so(tmp_path, capsys):
    records = [_record("gru", "div7-base10", seed, "aaaaaaa1") for seed in (100, 101, 102)]
    (tmp_path / "runs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    board_commits.main(["--results", str(tmp_path)])
    assert "every cell is from aaaaaaa" in capsys.readouterr().out


def test_doctests():
    assert doctest.testmod(board_commits).failed == 0

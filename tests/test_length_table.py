"""benchmarks.length_table: tables by length from records, and one clear error for a missing file."""

from __future__ import annotations

import json

from benchmarks.length_table import main


def _record(seed, model="place-attention", status="ok"):
    metrics = [{"split": "test", "length": n, "accuracy": a} for n, a in ((1, 1.0), (6, 0.995), (1000, 0.75))]
    return {"challenge": "add-base10", "model": model, "seed": seed, "status": status, "steps": 3000,
            "train_lengths": [1, 6], "train_seconds": 100.0, "metrics": metrics}  # fmt: skip


def test_one_row_a_finished_seed_of_the_model_in_order(tmp_path, capsys):
    path = tmp_path / "runs.jsonl"
    rows = [_record(101), _record(100), _record(102, model="gru"), _record(103, status="failed")]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert main([str(path), "--note", "Prior: places."]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2] == "| seed | 1-6 (lowest) | 1000 | steps | best step | restarts | train s |"
    assert lines[4:6] == [f"| {seed} | 0.995 | 0.750 | 3,000 | - | 1 | 100 |" for seed in (100, 101)]
    assert lines[6:8] == ["", "Prior: places."]


def test_a_missing_file_is_one_line_and_exit_2(tmp_path, capsys):
    assert main([str(tmp_path / "none.jsonl")]) == 2
    assert capsys.readouterr().err.strip() == f"error: no records file '{tmp_path / 'none.jsonl'}'"

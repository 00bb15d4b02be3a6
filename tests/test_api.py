"""The Python API gives what the bench uses: the run's strings, the scored strings, score's record."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import numpy as np

from baselines.training.torch_data import data_loader
from challenges import get_challenge
from hofstadter import api
from hofstadter.cli import main
from hofstadter.evaluation_seeds import REPORT_EVAL_SEED
from hofstadter.experiment import run_experiment
from hofstadter.profiles import get_profile
from hofstadter.scoring import benchmark_strings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def test_the_api_page_runs_as_written():
    result = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 30 and result.failed == 0


def test_test_sets_are_the_strings_runs_and_score_use():
    challenge, profile = get_challenge("div7-base10"), get_profile("smoke")
    tests = api.test_sets(challenge, profile="smoke")
    assert {n: t.texts.tolist() for n, t in tests.items()} == {
        n: t.tolist() for n, t in benchmark_strings(challenge, profile, REPORT_EVAL_SEED).items()
    }
    development = api.test_sets(challenge, profile="smoke", seed=0)  # development seeds: their own strings
    assert {n: t.texts.tolist() for n, t in development.items()} == {
        n: t.tolist() for n, t in benchmark_strings(challenge, profile, 0).items()
    }
    record = run_experiment(challenge, "majority", 100, profile=profile)
    assert [(m["length"], m["n"]) for m in record["metrics"]] == [(n, len(t)) for n, t in tests.items()]


def test_evaluate_gives_the_record_score_writes(tmp_path, capsys):
    def predict(texts):
        return np.array([int(t) % 3 == 0 or t.endswith("7") for t in texts.tolist()])

    rows = [{"text": t, "prediction": bool(p)}
            for examples in api.test_sets("div3-base10", profile="smoke").values()
            for t, p in zip(examples.texts.tolist(), predict(examples.texts))]  # fmt: skip
    (tmp_path / "preds.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    argv = ["score", "div3-base10", str(tmp_path / "preds.jsonl"), "--model-name", "guess", "--seed", "101",
            "--profile", "smoke", "--results", str(tmp_path / "store"), "--json"]  # fmt: skip
    assert main(argv) == 0
    written = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    record = api.evaluate(predict, "div3-base10", name="guess", seed=101, profile="smoke")
    # what differs is where the answers came from and when: a file and its sha256, or Python
    differ = {"date", "predictions_sha256", "model_config"}
    assert {k: v for k, v in record.items() if k not in differ} == {
        k: v for k, v in written.items() if k not in differ
    }
    assert 0.5 < record["metrics"][-1]["accuracy"] < 1  # a wrong guess, scored as one


def test_the_data_loader_yields_every_string_once_in_order():
    run = api.training_sets("even-base3", seed=100, profile="smoke")
    alphabet = get_challenge("even-base3").alphabet
    texts, labels = [], []
    for ids, lengths, batch_labels in data_loader(run.train, alphabet, batch_size=100):
        texts += ["".join(alphabet[i] for i in row[:n]) for row, n in zip(ids.tolist(), lengths.tolist())]
        labels += batch_labels.tolist()
    assert texts == run.train.texts.tolist()
    assert labels == run.train.labels.astype(float).tolist()

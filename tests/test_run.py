"""The runner: one record per cell, resume, --force, failed and not-applicable runs, --jobs."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_runner import run

from baselines import MODELS, Model, register_model
from challenges import get_challenge
from challenges.evaluate import scored_lengths
from hofstadter.commands.run_cmd import published_cell_seconds
from hofstadter.slow_cells import SLOW_CELL_SECONDS, split_slow_cells
from hofstadter.store import ResultStore


def test_single_run_json_record(tmp_path, capsys):
    code, out, _ = run(capsys, "run", "div7-base10", "--model", "fsa", "--profile", "smoke",
                       "--results", str(tmp_path), "--json")  # fmt: skip
    assert code == 0
    record = json.loads(out.splitlines()[-1])
    assert {"challenge", "model", "seed", "train_lengths", "metrics"} <= set(record)
    assert record["train_lengths"] == [1, 6]
    lengths = [m["length"] for m in record["metrics"]]
    # every test length that holds both classes (the 10 one-digit numbers leave test no 7 or 0)
    assert lengths == list(scored_lengths(get_challenge("div7-base10")))
    assert lengths[-5:] == [12, 30, 60, 100, 1000] and 2 in lengths
    assert all(m["accuracy"] == 1.0 and m["split"] == "test" for m in record["metrics"])
    for field in ("challenge_version", "model_config", "train_seconds", "steps", "parameters",
                  "versions", "git_commit", "device", "date"):  # fmt: skip
        assert field in record


def test_rerun_skips_recorded_cells_and_force_redoes_them(tmp_path, capsys):
    args = ["run", "div3-base10", "--model", "majority", "--model", "fsa", "--seed", "0",
            "--seed", "1", "--profile", "smoke", "--results", str(tmp_path)]  # fmt: skip
    assert run(capsys, *args)[0] == 0
    store = ResultStore(tmp_path / "runs.jsonl")
    assert len(store.records()) == 4
    code, _, err = run(capsys, *args)
    assert code == 0 and "4 already recorded" in err and "0 to run" in err
    assert len(store.records()) == 4
    assert run(capsys, *args, "--force")[0] == 0
    assert len(store.records()) == 8


def test_not_applicable_is_recorded_as_such(tmp_path, capsys):
    code, out, _ = run(capsys, "run", "add-base10", "--model", "fsa", "--profile", "smoke",
                       "--results", str(tmp_path), "--json")  # fmt: skip
    record = json.loads(out.splitlines()[-1])
    assert code == 0 and record["status"] == "not-applicable" and "regular" in record["reason"]


class _Exploding(Model):
    id = "test-exploding"
    description = "raises while fitting"
    trainable = True

    def fit(self, challenge, train, val, seed):
        raise FloatingPointError("loss is NaN")

    def predict(self, texts):
        return np.zeros(len(texts), dtype=bool)


@pytest.fixture
def exploding_model():
    register_model(_Exploding)
    yield _Exploding.id
    MODELS.unregister(_Exploding.id)


def test_a_failed_run_is_recorded_and_the_others_go_on(tmp_path, capsys, exploding_model):
    code, out, _ = run(capsys, "run", "div3-base10", "--model", exploding_model, "--model",
                       "majority", "--profile", "smoke", "--results", str(tmp_path), "--json")  # fmt: skip
    records = {r["model"]: r for r in map(json.loads, out.splitlines())}
    assert code == 1
    assert records[exploding_model]["status"] == "failed"
    assert "loss is NaN" in records[exploding_model]["reason"]
    assert records["majority"]["status"] == "ok"
    # failed runs are not "done": a rerun tries them again, and only them
    _, _, err = run(capsys, "run", "div3-base10", "--model", exploding_model, "--model",
                    "majority", "--profile", "smoke", "--results", str(tmp_path))  # fmt: skip
    assert "1 already recorded" in err and "1 to run" in err


def test_parallel_jobs_write_every_record(tmp_path, capsys):
    code, _, _ = run(capsys, "run", "div3-base10", "even-base3", "--model", "fsa", "--model",
                     "majority", "--profile", "smoke", "--jobs", "2", "--results", str(tmp_path))  # fmt: skip
    records = ResultStore(tmp_path / "runs.jsonl").records()
    assert code == 0 and len(records) == 4
    assert {(r["challenge"], r["model"]) for r in records} == {
        ("div3-base10", "fsa"), ("div3-base10", "majority"),
        ("even-base3", "fsa"), ("even-base3", "majority"),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "div3-base10"], "--model"),
        (["run", "div3-base10", "--model", "gruu"], "Did you mean: 'gru'"),
        (["run", "div3-base10", "--model", "fsa", "--device", "tpu"], "unknown device 'tpu'"),
        (["run", "div3-base10", "--model", "fsa", "--train-lengths", "4-2"], "1 <= first <= last"),
        (["run", "div3-base10", "--model", "fsa", "--train-lengths", "a-b"], "look like 1-6"),
        (["run", "div3-base10", "--model", "fsa", "--jobs", "0"], "at least 1"),
        (["leaderboard", "--results", "/nonexistent/place"], "no results at"),
    ],
)
def test_bad_run_options_are_one_line_errors(tmp_path, capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err and "Traceback" not in err


def test_a_run_ends_with_the_headline_in_80_columns(tmp_path, capsys):
    code, out, _ = run(capsys, "run", "div3-base10", "even-base3", "--model", "fsa", "--model",
                       "majority", "--profile", "smoke", "--results", str(tmp_path))  # fmt: skip
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("accuracy (%) at the longest tested length")
    assert lines[1].split() == ["challenge", "majority", "fsa(ref)"]  # references after learners
    assert lines[2].split() == ["even-base3", "50.0", "100*"]  # registry order
    assert lines[3].split() == ["div3-base10", "50.0", "100*"]
    assert max(map(len, lines)) <= 80


def test_one_challenge_and_model_adds_accuracy_per_length(tmp_path, capsys):
    code, out, _ = run(capsys, "run", "div3-base10", "--model", "fsa", "--profile", "smoke",
                       "--results", str(tmp_path))  # fmt: skip
    assert code == 0 and "div3-base10 / fsa: accuracy per length" in out
    assert "  1000   100.00%     64  extrapolation" in out.splitlines()  # 64: long numbers are cheap


def test_the_default_store_is_ignored_by_git_and_apart_from_the_published_one():
    from pathlib import Path

    from hofstadter.commands._args import DEFAULT_RESULTS, PUBLISHED_RESULTS

    root = Path(__file__).resolve().parents[1]
    assert f"/{DEFAULT_RESULTS.as_posix()}/" in (root / ".gitignore").read_text().splitlines()
    assert (root / PUBLISHED_RESULTS / "runs.jsonl").exists()
    assert DEFAULT_RESULTS != PUBLISHED_RESULTS


def test_a_whole_cpu_run_leaves_out_slow_cells_and_names_them(tmp_path, capsys, monkeypatch):
    """Networks on the equations (22-83 symbols), the transformer and place-attention everywhere, and
    the cells the published run measured above 25 s wait for a GPU or --include-slow; everything
    else runs, and the run says what it left out, first and last."""
    import hofstadter.run as runner

    ran: list = []
    monkeypatch.setattr(runner, "prepare_test_sets", lambda cells, *a, **k: [])
    monkeypatch.setattr(runner, "execute", lambda cells, *a, **k: ran.extend(cells) or iter(()))
    code, _, err = run(capsys, "run", "--all", "--seed", "0", "--results", str(tmp_path))
    assert code == 0
    measured = published_cell_seconds()
    left_out = split_slow_cells(runner.plan(None, None, [0], "quick"), measured)[1]
    slow = {(c.model, c.challenge) for c in left_out}
    equations = {c for c in runner.list_challenges() if c.startswith(("add-", "mul-"))}
    networks = {m for m, cls in MODELS.items() if cls.cpu_symbol_limit == 20}
    assert {"gru", "lstm", "rnn", "soft-automaton", "linear-rnn"} <= networks
    long_measured = {(m, c) for (c, m, profile), seconds in measured.items() if seconds > SLOW_CELL_SECONDS}
    assert ("rpni", "prime-base10") in long_measured  # 260-280 s a cell in the published run
    assert slow == {(m, c) for m in networks for c in equations} | long_measured | {
        (m, c)
        for m in ("neural-select", "transformer", "place-attention", "edsm")
        for c in runner.list_challenges()
    }
    assert not {(c.model, c.challenge) for c in ran} & slow
    assert ("column-automaton", "add-base2") in {(c.model, c.challenge) for c in ran}  # columns, not symbols
    assert err.count("left out on CPU, slow there") == 2
    assert "neural-select, transformer, place-attention, edsm on every challenge" in err
    assert "--include-slow" in err and "--device cuda" in err

    ran.clear()  # asked for: nothing left out
    run(capsys, "run", "--all", "--seed", "0", "--results", str(tmp_path), "--include-slow")
    assert len(ran) == len(runner.plan(None, None, [0], "quick"))
    assert not split_slow_cells(runner.plan(None, None, [0], "quick", device="cuda"), measured)[1]


def test_test_sets_drawn_in_parallel_reach_the_cache_as_in_one_process(tmp_path, monkeypatch):
    """Worker processes draw each test set once, into the disk cache the cells then load from:
    the files hold exactly the strings one process draws."""
    import multiprocessing

    import challenges.cache as cache
    import hofstadter.run as runner

    monkeypatch.setenv("HOFSTADTER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_SLOW_SECONDS", -1.0)  # cache even fast samples (forked workers see it)
    monkeypatch.setattr(cache, "_MEMORY", type(cache._MEMORY)())  # nothing drawn by earlier tests
    cells = runner.plan(["even-base3"], ["majority"], [0, 100], "smoke")  # both kinds of seed
    cells += runner.plan(["div7-base10"], ["majority"], [0], "smoke")
    drawn = runner.prepare_test_sets(cells, jobs=2)
    expected = {("even-base3", 0), ("even-base3", 1), ("div7-base10", 0)}
    assert {(c, seed) for c, _, _, seed in drawn} == expected
    assert drawn == runner.prepare_test_sets(cells, jobs=1)  # the same sets, in plan order
    if multiprocessing.get_start_method() != "fork":
        pytest.skip("workers that are not forked do not see the patched threshold")
    from challenges.evaluate import evaluation_set

    cache._MEMORY.clear()  # what follows comes from the files the workers wrote
    for challenge_id, length, n, seed in drawn:
        challenge = get_challenge(challenge_id)
        assert cache.cache_path(challenge, "test", n, seed, length, None).exists()
        fresh = challenge.sample("test", n=n, seed=seed, length=length)
        assert evaluation_set(challenge, length, n, seed).texts.tolist() == fresh.texts.tolist()


def test_a_worker_searches_for_primes_in_its_own_process_only():
    """Issue 30: no pool inside a pool -- each worker of the runner's pools draws its large
    primes in one process, where a lone process spreads them over the cores."""
    from concurrent.futures import ProcessPoolExecutor

    import challenges.numbers as numbers
    import hofstadter.run as runner

    with ProcessPoolExecutor(max_workers=1, initializer=runner._start_worker, initargs=(1,)) as pool:
        assert pool.submit(_search_processes_here).result() == 1
    assert numbers._SEARCH_PROCESSES is None  # this process is no worker: all its cores


def _search_processes_here() -> int | None:
    import challenges.numbers as numbers

    return numbers._SEARCH_PROCESSES

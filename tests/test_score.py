"""``score``: predictions from outside the package, checked against the test strings, scored as
``run`` scores, recorded as an external model the tables rank with the rest."""

from __future__ import annotations

import hashlib
import json

import pytest
from cli_runner import run

from challenges import get_challenge
from hofstadter.evaluation_seeds import REPORT_EVAL_SEED
from hofstadter.profiles import get_profile
from hofstadter.scoring import benchmark_strings
from hofstadter.store import ResultStore

CHALLENGE = "div3-base10"




@pytest.fixture
def exported(tmp_path, capsys):
    """The smoke profile's test strings of div3-base10, as 'export --profile smoke' writes them."""
    out = tmp_path / "export"
    code, _, err = run(capsys, "export", CHALLENGE, "--split", "test", "--profile", "smoke",
                       "--out", out, "--format", "jsonl,csv")  # fmt: skip
    assert code == 0, err
    return out


def rows_of(directory, answer):
    """Every exported row with a prediction, as a script outside the package would write them."""
    rows = []
    for path in sorted(directory.glob("test-L*.jsonl"), key=lambda p: int(p.stem.split("-L")[1])):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            rows.append({"text": row["text"], "prediction": answer(row["text"])})
    return rows


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def residue_dfa(modulus: int) -> dict:
    """The documented JSON form of 'divisible by modulus', read left to right in base 10."""
    return {"states": [f"r{r}" for r in range(modulus)], "alphabet": "0123456789", "start": "r0",
            "accepting": ["r0"],
            "transitions": {f"r{r}": {str(d): f"r{(10 * r + d) % modulus}" for d in range(10)}
                            for r in range(modulus)}}  # fmt: skip


def test_exported_strings_are_the_ones_run_scores(exported):
    expected = benchmark_strings(get_challenge(CHALLENGE), get_profile("smoke"), REPORT_EVAL_SEED)
    texts = [r["text"] for r in rows_of(exported, lambda t: True)]
    assert texts == [t for batch in expected.values() for t in batch.tolist()]


def test_a_perfect_file_is_recorded_as_an_external_model(exported, tmp_path, capsys):
    rows = rows_of(exported, lambda t: int(t) % 3 == 0)
    path = write_jsonl(tmp_path / "preds.jsonl", rows)
    store = tmp_path / "store"
    code, out, err = run(capsys, "score", CHALLENGE, path, "--model-name", "mod3", "--profile", "smoke",
                         "--results", store, "--description", "int(text) % 3")  # fmt: skip
    assert code == 0, err
    assert "external:mod3" in out and "100.00%" in out
    (record,) = ResultStore(store / "runs.jsonl").records()
    assert record["model"] == "external:mod3" and record["kind"] == "external"
    assert record["predictions_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert record["seed"] == get_profile("smoke").seeds[0] and record["profile"] == "smoke"
    assert all(m["accuracy"] == 1.0 and m["n"] == 64 for m in record["metrics"])
    assert "equivalent" not in record  # no automaton: sampled, not proven
    # The tables rank it with everything else: 64 of 64 is not enough to be solved by sampling.
    from hofstadter.reports.leaderboard import tidy
    from hofstadter.reports.tables import per_seed

    seeds = per_seed(tidy([record]))
    assert seeds["model"].tolist() == ["external:mod3"] and not seeds["solved"].any()
    assert round(float(seeds["worst_lower"].iloc[0]), 3) == 0.943  # Wilson lower bound of 64/64


def test_csv_and_directory_forms_score_the_same(exported, tmp_path, capsys):
    answer = lambda text: text.endswith(("0", "3", "6", "9"))  # noqa: E731 - a poor rule, on purpose
    jsonl = write_jsonl(tmp_path / "preds.jsonl", rows_of(exported, answer))
    csv_path = tmp_path / "preds.csv"
    csv_path.write_text("text,prediction\n" + "".join(f'"{r["text"]}",{int(r["prediction"])}\n'
                                                      for r in rows_of(exported, answer)))  # fmt: skip
    directory = tmp_path / "per-length"
    directory.mkdir()
    for path in exported.glob("test-L*.jsonl"):  # export's files, a prediction column added
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        write_jsonl(directory / path.name, [{**r, "prediction": answer(r["text"])} for r in rows])
    metrics = []
    for name, source in (("a", jsonl), ("b", csv_path), ("c", directory)):
        code, _, err = run(capsys, "score", CHALLENGE, source, "--model-name", name, "--profile", "smoke",
                           "--results", tmp_path / "store", "--json")  # fmt: skip
        assert code == 0, err
    metrics = [r["metrics"] for r in ResultStore(tmp_path / "store" / "runs.jsonl").records()]
    assert metrics[0] == metrics[1] == metrics[2]
    assert 0.3 < min(m["accuracy"] for m in metrics[0]) < 0.9


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rows: rows[:-1], "1 missing (first: "),
        (lambda rows: rows + [rows[-1]], "1 more often than the test set holds it"),
        (lambda rows: [*rows[:-1], {**rows[-1], "text": rows[-1]["text"] + "1"}],
         "1 not a test string (first: '"),
        (lambda rows: rows[1:], "1 less often (first: '87')"),  # '87' is in the smoke test set twice
        (lambda rows: [*rows, {"text": "123", "prediction": True}], "1 not a test string (first: '123')"),
        (lambda rows: [{**rows[0], "prediction": "maybe"}, *rows[1:]], "must be true/false or 1/0"),
        (lambda rows: [{**rows[0], "text": 12.0}, *rows[1:]], "not a string (write it as a JSON string"),
    ],
)
def test_a_file_that_is_not_exactly_the_test_set_is_refused_in_one_line(
    exported, tmp_path, capsys, change, message
):
    rows = change(rows_of(exported, lambda t: True))
    path = write_jsonl(tmp_path / "preds.jsonl", rows)
    code, out, err = run(capsys, "score", CHALLENGE, path, "--model-name", "x", "--profile", "smoke",
                         "--results", tmp_path / "store")  # fmt: skip
    assert code == 2 and message in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "store" / "runs.jsonl").exists()  # never a partial score


def test_an_altered_string_names_both_sides(exported, tmp_path, capsys):
    rows = rows_of(exported, lambda t: True)
    long_row = next(i for i, r in enumerate(rows) if len(r["text"]) == 30)
    rows[long_row] = {**rows[long_row], "text": str(float(rows[long_row]["text"]))}  # as pandas reads it
    code, _, err = run(capsys, "score", CHALLENGE, write_jsonl(tmp_path / "p.jsonl", rows), "--model-name",
                       "x", "--profile", "smoke", "--results", tmp_path / "store")  # fmt: skip
    assert code == 2 and "1 missing" in err and "1 not a test string (first: '" in err and "e+29" in err


def test_an_automaton_is_proven(exported, tmp_path, capsys):
    rows = rows_of(exported, lambda t: int(t) % 3 == 0)
    path = write_jsonl(tmp_path / "preds.jsonl", [*rows, {"automaton": residue_dfa(3)}])
    code, out, err = run(capsys, "score", CHALLENGE, path, "--model-name", "dfa3", "--profile", "smoke",
                         "--results", tmp_path / "store")  # fmt: skip
    assert code == 0, err
    assert "automaton: proven exact" in out
    (record,) = ResultStore(tmp_path / "store" / "runs.jsonl").records()
    assert record["equivalent"] is True and record["counterexample"] is None and record["dfa_states"] == 3
    from hofstadter.reports.leaderboard import tidy
    from hofstadter.reports.tables import per_seed

    assert per_seed(tidy([record]))["solved"].all()  # proven: solved, though 64 strings could not say so


def test_an_inexact_automaton_gets_its_counterexample(exported, tmp_path, capsys):
    rows = rows_of(exported, lambda t: int(t) % 9 == 0)
    automaton = tmp_path / "dfa.json"
    automaton.write_text(json.dumps(residue_dfa(9)))
    path = write_jsonl(tmp_path / "preds.jsonl", rows)
    code, out, err = run(capsys, "score", CHALLENGE, path, "--model-name", "dfa9", "--profile", "smoke",
                         "--automaton", automaton, "--results", tmp_path / "store")  # fmt: skip
    assert code == 0, err
    (record,) = ResultStore(tmp_path / "store" / "runs.jsonl").records()
    assert record["equivalent"] is False and record["counterexample"] == "3"


@pytest.mark.parametrize(
    ("automaton", "message"),
    [
        (residue_dfa(9), "answers"),  # the predictions are mod 3: the automaton must agree with them
        ({**residue_dfa(3), "alphabet": "01"}, "alphabet must be the challenge's"),
        ({**residue_dfa(3), "transitions": {"r0": {}}}, "has no transition on '0'"),
        ({**residue_dfa(3), "start": "q"}, "start state 'q' is not one of the states"),
        ({"states": 1}, "missing alphabet, start, accepting, transitions"),
    ],
)
def test_a_bad_automaton_is_refused_in_one_line(exported, tmp_path, capsys, automaton, message):
    rows = rows_of(exported, lambda t: int(t) % 3 == 0)
    path = write_jsonl(tmp_path / "preds.jsonl", [{"automaton": automaton}, *rows])
    code, _, err = run(capsys, "score", CHALLENGE, path, "--model-name", "x", "--profile", "smoke",
                       "--results", tmp_path / "store")  # fmt: skip
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--model-name", "two words"], "must be 1-64 letters"),
        (["--model-name", "x", "--seed", "-1"], "seed must be from 0"),
        (["--model-name", "x", "--profile", "nope"], "invalid choice"),
    ],
)
def test_bad_options_are_one_line(tmp_path, capsys, argv, message):
    path = write_jsonl(tmp_path / "p.jsonl", [{"text": "3", "prediction": True}])
    code, _, err = run(capsys, "score", CHALLENGE, path, *argv, "--results", tmp_path / "store")
    assert code == 2 and message in err and "Traceback" not in err


def test_a_missing_file_is_one_line(tmp_path, capsys):
    code, _, err = run(capsys, "score", CHALLENGE, tmp_path / "nope.jsonl", "--model-name", "x",
                       "--results", tmp_path / "store")  # fmt: skip
    assert code == 2 and "no predictions file or directory" in err


def test_the_default_seed_is_one_the_board_shows(exported, tmp_path, capsys):
    """A store of development runs (seed 0) shows seed 0: the external model lands there, not apart."""
    development = tmp_path / "development"
    code, _, err = run(
        capsys, "export", CHALLENGE, "--profile", "smoke", "--development", "--out", development
    )
    assert code == 0, err
    path = write_jsonl(tmp_path / "preds.jsonl", rows_of(development, lambda t: True))
    common = ["--profile", "smoke", "--results", tmp_path / "store"]
    assert run(capsys, "score", CHALLENGE, path, "--model-name", "dev", "--seed", "0", *common)[0] == 0
    assert run(capsys, "score", CHALLENGE, path, "--model-name", "later", *common)[0] == 0
    seeds = {r["model"]: r["seed"] for r in ResultStore(tmp_path / "store" / "runs.jsonl").records()}
    assert seeds == {"external:dev": 0, "external:later": 0}
    assert get_profile("smoke").seeds[0] != 0  # on an empty store it would have been the report seed

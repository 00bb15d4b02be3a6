"""Issue 32, a third adversarial pass: no plugin, file or index changes another model's figures or
slips past a check. Each test is one defect, reproduced as the attacker did it (smoke profile).

They live in a file of their own, beside tests/test_adversarial.py (issues 14 and 24), so that the
two passes' tests stay apart.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines import MODELS, register_model
from baselines.references.trivial import Majority
from challenges import get_challenge
from hofstadter.experiment import run_experiment
from hofstadter.profiles import PROFILES

SMOKE = PROFILES["smoke"]
DIV3 = get_challenge("div3-base10")


# --- 1. a plugin's in-place bug changes another model's figures --------------------------------


class _ShufflesInPlace(Majority):
    """Shuffles the strings and labels it is given, in place, the way a careless plugin does."""

    id = "m-torch-inplace"
    description = "shuffles its training labels and its test strings in place"

    def fit(self, task, train, val, seed):
        labels = torch.from_numpy(train.labels)  # writable, although the array says read-only
        labels[:] = labels[torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))]
        return super().fit(task, train, val, seed)

    def predict(self, texts):
        texts.flags.writeable = True  # a plugin can set the flag back, too
        texts[:] = texts[::-1].copy()
        return super().predict(texts)


def _figures(record: dict) -> tuple:
    return ([(m["length"], m["accuracy"]) for m in record["metrics"]], record.get("equivalent"),
            record.get("counterexample"))  # fmt: skip


@pytest.mark.parametrize("other", ["rpni", "fsa"])
def test_a_model_that_writes_its_data_in_place_changes_no_other_models_figures(clean_registries, other):
    alone = run_experiment(DIV3, other, 0, profile=SMOKE)
    register_model(_ShufflesInPlace)
    run_experiment(DIV3, "m-torch-inplace", 0, profile=SMOKE)  # the cell's first model
    after = run_experiment(DIV3, other, 0, profile=SMOKE)
    assert _figures(after) == _figures(alone)
    assert after["equivalent"] is True
    assert "m-torch-inplace" in MODELS


# --- 10. `explain div3-base10 --model gru --profile smoke` took minutes -------------------------


def test_explain_with_the_smoke_profile_records_a_tenth_of_the_prefixes():
    """A smoke-trained network never reaches the sweep's threshold, so every k to 64 is clustered:
    over the 10,000 prefixes of the quick profile that was 87 s of CPU, over 1,000 it is seconds."""
    from hofstadter.explain import explain

    report = explain(DIV3, "gru", profile="smoke", max_clusters=4, lengths=(3,),
                     model_options={"hidden_size": 8})  # fmt: skip
    assert report.max_length == 3 and len(report.trace.texts) == 1 + 10 + 90 + 900


# --- 4. `score`'s automaton, JSONL and CSV are validated, within named limits ------------------

import json  # noqa: E402

from cli_runner import run as cli  # noqa: E402

from hofstadter.evaluation_seeds import REPORT_EVAL_SEED  # noqa: E402
from hofstadter.limits import MAX_AUTOMATON_STATES  # noqa: E402
from hofstadter.profiles import get_profile  # noqa: E402
from hofstadter.scoring import benchmark_strings  # noqa: E402


def smoke_rows(answer=lambda text: int(text) % 3 == 0) -> list[dict]:
    """div3-base10's smoke test strings of report seeds (``score --seed 100``), each with a prediction."""
    strings = benchmark_strings(DIV3, get_profile("smoke"), REPORT_EVAL_SEED)
    return [{"text": t, "prediction": answer(t)} for batch in strings.values() for t in batch.tolist()]


def one_line_error(code: int, err: str, says: str) -> None:
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert says in err, err


def _dfa(**changes) -> dict:
    modulus = 3
    base = {
        "states": modulus,
        "alphabet": "0123456789",
        "start": 0,
        "accepting": [0],
        "transitions": {str(r): {str(d): (10 * r + d) % modulus for d in range(10)} for r in range(modulus)},
    }
    return {**base, **changes}


@pytest.mark.parametrize("changes, says", [
    ({"states": MAX_AUTOMATON_STATES + 1}, "MAX_AUTOMATON_STATES"),
    ({"accepting": 5}, "'accepting' must be a list"),
    ({"alphabet": 123}, "'alphabet' must be a string"),
    ({"states": None}, "'states' must be a count"),
    ({"states": [[1], [2]]}, "'states' must be a count"),
    ({"start": {"x": 1}}, "start state"),
    ({"transitions": [1, 2]}, "'transitions' must be an object"),
])  # fmt: skip
def test_a_malformed_or_huge_automaton_is_one_line(tmp_path, capsys, changes, says):
    path = tmp_path / "p.jsonl"
    rows = [{"automaton": _dfa(**changes)}, *smoke_rows()]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    code, _, err = cli(capsys, "score", "div3-base10", path, "--model-name", "m", "--profile", "smoke",
                       "--results", tmp_path / "store", "--seed", 100)  # fmt: skip
    one_line_error(code, err, says)


def test_an_automaton_of_a_billion_states_is_refused_before_any_is_built():
    """It grew to 8.9 GB in 44 s before it was killed; a child process with 1 GB must answer at once."""
    child = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from hofstadter.scoring import automaton_from_json\n"
        "from challenges.errors import LimitExceeded\n"
        "try:\n"
        "    automaton_from_json({'states': 10**9, 'alphabet': '01', 'start': 0, 'accepting': [],"
        " 'transitions': {}}, '01')\n"
        "except LimitExceeded as error:\n"
        "    print(error)\n"
    )
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "MAX_AUTOMATON_STATES" in done.stdout, done.stderr[-2000:]


def test_a_line_nested_100000_deep_is_one_line_naming_the_limit(tmp_path, capsys):
    path = tmp_path / "p.jsonl"
    path.write_text("[" * 100_000 + "\n")
    code, _, err = cli(capsys, "score", "div3-base10", path, "--model-name", "m", "--profile", "smoke",
                       "--results", tmp_path / "store")  # fmt: skip
    one_line_error(code, err, "MAX_JSON_DEPTH")


def test_a_csv_field_over_128_kib_is_one_line_naming_the_limit(tmp_path, capsys):
    path = tmp_path / "p.csv"
    path.write_text('text,prediction\n"' + "1" * (1 << 21) + '",true\n')
    code, _, err = cli(capsys, "score", "div3-base10", path, "--model-name", "m", "--profile", "smoke",
                       "--results", tmp_path / "store")  # fmt: skip
    one_line_error(code, err, "MAX_LINE_BYTES")


def test_a_csv_with_a_byte_order_mark_is_read(tmp_path, capsys):
    path = tmp_path / "p.csv"
    rows = smoke_rows()
    text = "text,prediction\n" + "".join(f'"{r["text"]}",{str(r["prediction"]).lower()}\n' for r in rows)
    path.write_bytes(text.encode("utf-8-sig"))  # as spreadsheet programs write it
    code, out, err = cli(capsys, "score", "div3-base10", path, "--model-name", "m", "--profile", "smoke",
                         "--results", tmp_path / "store", "--seed", 100)  # fmt: skip
    assert code == 0, err
    assert "recorded external:m" in out


def test_a_predictions_file_past_the_size_limit_is_refused_unread(tmp_path, capsys, monkeypatch):
    import hofstadter.scoring

    monkeypatch.setattr(hofstadter.scoring, "MAX_FILE_BYTES", 1000)  # a file of gigabytes, in small
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in smoke_rows()))
    code, _, err = cli(capsys, "score", "div3-base10", path, "--model-name", "m", "--profile", "smoke",
                       "--results", tmp_path / "store")  # fmt: skip
    one_line_error(code, err, "larger than MAX_FILE_BYTES = 1,000 bytes")


# --- 3. the done-index: its keys are sealed, its size bounded ----------------------------------

import subprocess  # noqa: E402
import sys  # noqa: E402

from hofstadter.store import INDEX_NAME, ResultStore  # noqa: E402


def _done_store(tmp_path) -> ResultStore:
    store = ResultStore(tmp_path / "runs.jsonl")
    for key in ("k1", "k2"):
        store.append({"key": key, "status": "not-applicable", "challenge": "div3-base10", "model": "m",
                      "seed": 0})  # fmt: skip
    assert store.done_keys() == {"k1", "k2"}  # and saves the index
    return store


@pytest.mark.parametrize("forge", [lambda keys: [*keys, "never-ran"], lambda keys: []])
def test_an_edited_done_index_is_not_believed(tmp_path, forge):
    store = _done_store(tmp_path)
    index = tmp_path / INDEX_NAME
    data = json.loads(index.read_text())
    index.write_text(json.dumps({**data, "keys": forge(data["keys"])}))
    assert ResultStore(store.path).done_keys() == {"k1", "k2"}


def test_a_done_index_that_never_ends_is_not_read(tmp_path):
    """An index linked to /dev/zero was read until the out-of-memory killer stopped it (at 23.7 GB);
    here a child process has 1 GB of address space and must answer within a minute."""
    store = _done_store(tmp_path)
    (tmp_path / INDEX_NAME).unlink()
    (tmp_path / INDEX_NAME).symlink_to("/dev/zero")
    child = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)); "
        "from hofstadter.store import ResultStore; print(sorted(ResultStore(sys.argv[1]).done_keys()))"
    )
    done = subprocess.run([sys.executable, "-c", child, str(store.path)], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip() == "['k1', 'k2']", done.stderr[-2000:]


# --- 5. the conformance pass cannot be forged; a proof that contradicts the test labels fails ----

import dataclasses  # noqa: E402
from pathlib import Path  # noqa: E402

from challenges import CHALLENGES, conformance  # noqa: E402
from challenges.families.divisibility import Divisible, divisibility  # noqa: E402
from hofstadter import plugins  # noqa: E402

_LATE_PLUGIN = """
import dataclasses
from challenges import register_challenge
from challenges.families.divisibility import Divisible, divisibility

class Late(Divisible):  # labels wrong at 1000 digits only
    def draw(self, length, n, member, rng):
        return super().draw(length, n, member != (length >= 1000), rng)

def register():
    late = divisibility(7, 10, challenge_id="div7-late")
    register_challenge(dataclasses.replace(late, language=Late(7, 10)))
"""


def test_a_touched_conformance_marker_is_no_pass(capsys, tmp_path, monkeypatch, clean_registries):
    plugin = tmp_path / "late_plugin.py"
    plugin.write_text(_LATE_PLUGIN)
    with monkeypatch.context() as patched:  # a pass, recorded in the cache as a real one would be
        patched.setattr(conformance, "check_challenge", lambda challenge, **_: [])
        assert cli(capsys, "--plugin", plugin, "list")[0] == 0
    markers = list((Path(conformance.cache_dir()) / "conformance").glob("*.passed"))
    for marker in markers:
        marker.write_bytes(b"")  # what `touch` makes
    CHALLENGES.unregister("div7-late")
    plugins._loaded.clear()
    sys.modules.pop("hofstadter_plugin_late_plugin", None)
    code, _, err = cli(capsys, "--plugin", plugin, "run", "div7-late", "--model", "fsa", "--profile", "smoke",
                       "--results", tmp_path / "r")  # fmt: skip
    one_line_error(code, err, "fails the conformance checks")
    assert "length 1000" in err and not (tmp_path / "r" / "runs.jsonl").exists()


def test_a_proof_of_exactness_beside_a_wrong_answer_fails_the_cell():
    """What a forged pass let through: fsa recorded `equivalent: true` at 0.0 accuracy, status ok."""
    from baselines.automata.exactness import Exactness, ProofError
    from challenges.evaluate import Metric
    from hofstadter.experiment import exactness_fields

    proven = type("Proven", (), {"prove_exact": lambda self, c: Exactness(True, None, 3)})()
    assert exactness_fields(proven, DIV3, [Metric("test", 3, 1.0, 8)])["equivalent"] is True
    with pytest.raises(ProofError, match="scores 0.0% at length 1000"):
        exactness_fields(proven, DIV3, [Metric("test", 3, 1.0, 8), Metric("test", 1000, 0.0, 8)])


class _RandomAt1000(Divisible):
    def draw(self, length, n, member, rng):
        return super().draw(length, n, member, np.random.default_rng() if length >= 1000 else rng)


def test_a_sampler_nondeterministic_at_1000_digits_fails_conformance():
    challenge = dataclasses.replace(
        divisibility(7, 10, challenge_id="div7-random"), language=_RandomAt1000(7, 10)
    )
    problems = conformance.check_challenge(challenge)
    assert any("different samples at length 1000" in p for p in problems), problems


# --- 9. declared facts decide no proof: no inexactness without a counterexample ----------------

from baselines.automata.exactness import prove  # noqa: E402
from baselines.references.fsa import residue_automaton  # noqa: E402


def test_a_regular_language_declared_not_regular_gets_no_proof_of_inexactness():
    """A plugin registered multiples of 3 with regular=False: every exact DFA was recorded
    `equivalent: false` with no counterexample -- a proof that was never made."""
    declared = dataclasses.replace(DIV3, id="div3-declared", regular=False)
    verdict = prove(residue_automaton(3, 10), declared)
    assert verdict.equivalent is None and verdict.counterexample is None
    assert verdict.note.startswith("not provable: no reference automaton") and "not regular" in verdict.note
    wrong = prove(residue_automaton(9, 10), declared)  # inexact: said so, with a string the oracle checks
    assert wrong.equivalent is False and declared.is_member(wrong.counterexample) != (
        int(wrong.counterexample) % 9 == 0
    )


@pytest.mark.parametrize("challenge_id", ["prime-base2", "add-base10"])
def test_a_dfa_on_a_non_regular_challenge_is_disproven_by_a_checked_counterexample(challenge_id):
    challenge = get_challenge(challenge_id)
    verdict = prove(residue_automaton(3, 2) if challenge.base == 2 else _accept_all(challenge), challenge)
    assert verdict.equivalent is False and verdict.counterexample is not None
    said = (residue_automaton(3, 2) if challenge.base == 2 else _accept_all(challenge)).accepts(
        verdict.counterexample
    )
    assert challenge.is_member(verdict.counterexample) != said


def _accept_all(challenge):
    from baselines.automata.dfa import DFA

    return DFA(np.zeros((1, len(challenge.alphabet)), dtype=int), 0, frozenset({0}), challenge.alphabet)


# --- 6. tracebacks: export into a folder or an immutable file, a checkpoint onto a full disk ----


def test_export_onto_a_folder_where_a_file_goes_is_one_line(capsys, tmp_path):
    out = tmp_path / "out"
    assert cli(capsys, "export", "div3-base10", "--profile", "smoke", "--out", out)[0] == 0
    (out / "test-L3.jsonl").unlink()
    (out / "test-L3.jsonl").mkdir()  # a folder where the file goes
    code, _, err = cli(capsys, "export", "div3-base10", "--profile", "smoke", "--out", out)
    one_line_error(code, err, f"cannot write --out {out}")


def test_export_onto_a_file_it_cannot_replace_is_one_line(capsys, tmp_path, monkeypatch):
    import os

    out = tmp_path / "out"
    assert cli(capsys, "export", "div3-base10", "--profile", "smoke", "--out", out)[0] == 0
    real = os.replace

    def immutable(source, target, *args, **kwargs):  # what `chattr +i manifest.json` does
        if str(target).endswith("manifest.json"):
            raise PermissionError(1, "Operation not permitted", str(target))
        return real(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", immutable)
    code, _, err = cli(capsys, "export", "div3-base10", "--profile", "smoke", "--out", out)
    one_line_error(code, err, "Operation not permitted")


def test_a_checkpoint_onto_a_full_disk_is_one_line_and_leaves_nothing(capsys, tmp_path, monkeypatch):
    def full_disk(obj, handle, *args, **kwargs):  # what torch.save raises when the disk fills up
        handle.write(b"PK\x03\x04 partial")
        raise RuntimeError("[enforce fail at inline_container.cc:783] . PytorchStreamWriter failed "
                           "writing file data/0: file write failed")  # fmt: skip

    monkeypatch.setattr(torch, "save", full_disk)
    path = tmp_path / "gru.pt"
    code, _, err = cli(capsys, "explain", "div3-base10", "--model", "gru:hidden_size=4", "--profile", "smoke",
                       "--checkpoint", path, "--clusters", "3", "--max-length", "2", "--lengths", "3",
                       "--results", tmp_path)  # fmt: skip
    assert code == 2 and "Traceback" not in err, err  # the notice of what it does, then one line
    assert (
        err.strip().splitlines()[-1].startswith(f"error: cannot write the checkpoint {path}: [enforce fail")
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["explain"]  # no half-written file


# --- 7. no silent overwrite: leaderboard --html and export ------------------------------------


def test_the_site_never_overwrites_the_users_files_nor_writes_through_a_link(capsys, tmp_path):
    from hofstadter.reports.site import build_site

    results = tmp_path / "store"
    code, _, err = cli(capsys, "run", "div3-base10", "--model", "majority", "--model", "fsa", "--profile",
                       "smoke", "--seed", 0, "--results", results)  # fmt: skip
    assert code == 0, err
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "index.html").write_text("my own page")
    code, _, err = cli(capsys, "leaderboard", "--results", results, "--profile", "smoke", "--html", mine)
    one_line_error(code, err, "holds files this command did not write (index.html)")
    assert (mine / "index.html").read_text() == "my own page"
    assert not (results / "LEADERBOARD.md").exists()  # refused before any work
    records = ResultStore(results / "runs.jsonl").records()
    site, target = tmp_path / "site", tmp_path / "target.html"
    build_site(records, site, "smoke")
    target.write_text("elsewhere")
    (site / "models" / "fsa.html").unlink()
    (site / "models" / "fsa.html").symlink_to(target)  # a page replaced by a link
    build_site(records, site, "smoke")
    assert target.read_text() == "elsewhere" and not (site / "models" / "fsa.html").is_symlink()


def test_export_twice_leaves_no_stale_file_and_writes_through_no_link(capsys, tmp_path):
    out, target = tmp_path / "out", tmp_path / "target"
    assert (
        cli(capsys, "export", "div3-base10", "--lengths", "2-3", "-n", 8, "--split", "test", "--out", out)[0]
        == 0
    )
    target.write_text("elsewhere")
    (out / "test-L2.jsonl").unlink()
    (out / "test-L2.jsonl").symlink_to(target)
    assert (
        cli(capsys, "export", "div3-base10", "--lengths", "2", "-n", 8, "--split", "test", "--out", out)[0]
        == 0
    )
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "test-L2.jsonl"]  # L3 is gone
    assert target.read_text() == "elsewhere" and not (out / "test-L2.jsonl").is_symlink()
    (out / "notes.txt").write_text("mine")
    code, _, err = cli(
        capsys, "export", "div3-base10", "--lengths", "2", "-n", 8, "--split", "test", "--out", out
    )
    one_line_error(code, err, "did not write (notes.txt)")


# --- 8. one page per name: external:rpni and a plugin model external_rpni ----------------------


def test_names_that_differed_only_in_punctuation_get_pages_of_their_own():
    from hofstadter.reports.site import slug

    names = ["external:rpni", "external_rpni", "External_rpni", "gru[hidden_size=8]", "gru_hidden_size_8_"]
    assert len({slug(n) for n in names}) == len(names)
    assert len({slug(n).lower() for n in names}) == len(names)  # case-insensitive file systems too


# --- 2. one report-seed cell does not empty a development-seed board ---------------------------


def test_one_report_seed_cell_leaves_a_development_board_whole_and_says_why(capsys, tmp_path):
    results = tmp_path / "store"
    code, _, err = cli(capsys, "run", "div3-base10", "even-base3", "--model", "majority", "--model", "fsa",
                       "--profile", "smoke", "--seed", 0, "--results", results)  # fmt: skip
    assert code == 0, err
    code, _, err = cli(capsys, "run", "div3-base10", "--model", "majority", "--profile", "smoke",
                       "--seed", 100, "--results", results)  # fmt: skip
    assert code == 0, err
    code, out, err = cli(capsys, "leaderboard", "--results", results, "--profile", "smoke")
    assert code == 0, err
    assert "the board shows the development seeds, which hold default cells of 4" in out + err
    board = (results / "LEADERBOARD.md").read_text()
    headline = board.split("## Headline")[1].split("##")[0]
    assert all(name in headline for name in ("div3-base10", "even-base3", "majority", "fsa"))


class _ChangesGlobals(Majority):
    """Leaves torch in float64 without gradients, and the global generators seeded."""

    id = "m-globals"
    description = "changes torch's and NumPy's global settings"

    def fit(self, task, train, val, seed):
        torch.set_default_dtype(torch.float64)
        torch.set_grad_enabled(False)
        torch.manual_seed(1)
        np.random.seed(1)
        return super().fit(task, train, val, seed)


def test_what_a_model_changes_in_global_settings_ends_with_its_cell(clean_registries):
    from hofstadter.run import Cell, run_cell

    register_model(_ChangesGlobals)
    numpy_before, torch_before = np.random.get_state()[1].copy(), torch.get_rng_state().clone()
    assert run_cell(Cell("div3-base10", "m-globals", 0, profile="smoke"))["status"] == "ok"
    assert torch.get_default_dtype() == torch.float32 and torch.is_grad_enabled()
    assert (np.random.get_state()[1] == numpy_before).all()
    assert torch.equal(torch.get_rng_state(), torch_before)


@pytest.mark.parametrize("counterexample, says", [(None, "without a counterexample"), ("3", "is none")])
def test_a_proof_of_inexactness_needs_a_counterexample_the_oracle_confirms(counterexample, says):
    from baselines.automata.exactness import Exactness, ProofError
    from hofstadter.experiment import exactness_fields

    class Claims(Majority):  # a plugin's own prove_exact, answering 3 as a member (it is one)
        def predict(self, texts):
            return np.array([int(t) % 3 == 0 for t in texts.tolist()])

        def prove_exact(self, challenge):
            return Exactness(False, counterexample, 3)

    with pytest.raises(ProofError, match=says):
        exactness_fields(Claims(), DIV3)


def test_conform_catches_a_sampler_nondeterministic_at_1000_digits():
    from hofstadter.reports.conformance_report import Nonconforming, same_arguments_same_bytes

    random = divisibility(7, 10, challenge_id="div7-random")
    challenge = dataclasses.replace(random, language=_RandomAt1000(7, 10))
    with pytest.raises(Nonconforming, match="different samples at length 1000"):
        same_arguments_same_bytes(challenge)

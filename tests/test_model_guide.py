"""A model plugin written from docs/plugins.md alone: the guide's example runs, and the mistakes a
first plugin makes end in one line that says what to fix."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cli_runner import run

from challenges import CHALLENGES

DOCS = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"




def write(tmp_path: Path, name: str, source: str) -> str:
    path = tmp_path / name
    path.write_text(source)
    return str(path)


NO_REPORT = """\
import numpy as np
from baselines import Model, register_model

class NoReport(Model):
    id = "no-report"
    description = "fit forgets to return its FitReport"
    trainable = True

    def fit(self, task, train, val, seed):
        self.seen = len(train.texts)

    def predict(self, texts):
        return np.zeros(len(texts), dtype=bool)

def register():
    register_model(NoReport)
"""


def test_a_fit_that_returns_none_fails_its_cell_with_that_reason(tmp_path, capsys, clean_registries):
    plugin = write(tmp_path, "no_report.py", NO_REPORT)
    code, out, err = run(capsys, "--plugin", plugin, "run", "div3-base10", "--model", "no-report",
                         "--profile", "smoke", "--results", str(tmp_path / "r"), "--json")  # fmt: skip
    record = json.loads(out.splitlines()[0])
    assert code == 1
    assert record["status"] == "failed"
    assert record["reason"] == "BrokenContract: fit must return a FitReport, got None"
    assert "AttributeError" not in err and "Traceback" not in err


def test_eval_of_a_fit_that_returns_none_is_one_line(tmp_path, capsys, clean_registries):
    plugin = write(tmp_path, "no_report.py", NO_REPORT)
    code, _, err = run(capsys, "--plugin", plugin, "eval", "div3-base10", "--model", "no-report",
                       "--profile", "smoke", "--lengths", "3")  # fmt: skip
    assert code == 2
    assert err.strip().splitlines()[-1] == "error: fit must return a FitReport, got None"


def test_a_plugin_with_a_name_error_is_named_with_its_file_and_line(tmp_path, capsys, clean_registries):
    source = "def register():\n    helper()\n\n\ndef helper():\n    return regster\n"
    plugin = write(tmp_path, "typo.py", source)
    code, _, err = run(capsys, "--plugin", plugin, "list")
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "NameError: name 'regster' is not defined" in err
    assert f"at {plugin}, line 6" in err


def test_a_plugin_with_a_syntax_error_is_named_with_its_line_once(tmp_path, capsys, clean_registries):
    plugin = write(tmp_path, "broken.py", "x = 1\ndef register(:\n")
    code, _, err = run(capsys, "--plugin", plugin, "list")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"SyntaxError: invalid syntax (at {plugin}, line 2)" in err


def guide_example(name: str) -> str:
    """The fenced python block of docs/plugins.md whose first line is ``# NAME``."""
    blocks = re.findall(r"^```python\n(.*?)^```", DOCS.read_text(encoding="utf-8"), re.S | re.M)
    found = [block for block in blocks if block.startswith(f"# {name}\n")]
    assert len(found) == 1, f"docs/plugins.md holds {len(found)} blocks starting '# {name}'"
    return found[0]


def test_the_guides_model_runs_from_the_docs_alone(tmp_path, capsys, clean_registries):
    plugin = write(tmp_path, "modulus_guess.py", guide_example("modulus_guess.py"))
    code, out, err = run(capsys, "--plugin", plugin, "run", "div7-base10", "--model", "modulus-guess",
                         "--profile", "smoke", "--results", str(tmp_path / "r"), "--json")  # fmt: skip
    assert code == 0, err
    record = json.loads(out.splitlines()[0])
    assert record["status"] == "ok" and record["fit"] == {"modulus": 7}
    assert record["equivalent"] is True  # as_dfa: proven exact, as the guide says
    assert {m["accuracy"] for m in record["metrics"]} == {1.0}
    assert record["model_config"] == {"max_modulus": 30}


def test_the_guides_model_takes_its_config_from_the_command_line(tmp_path, capsys, clean_registries):
    plugin = write(tmp_path, "modulus_guess.py", guide_example("modulus_guess.py"))
    code, out, err = run(capsys, "--plugin", plugin, "run", "div7-base10", "--model",
                         "modulus-guess:max_modulus=5", "--profile", "smoke", "--results",
                         str(tmp_path / "r"), "--json")  # fmt: skip
    record = json.loads(out.splitlines()[0])
    assert code == 0 and record["model_config"] == {"max_modulus": 5} and record["equivalent"] is False


def test_a_plugin_family_is_proven_exact_once_it_registers_its_automaton(tmp_path, capsys, clean_registries):
    from baselines.references.fsa import EXACT_BUILDERS

    family = guide_example_starting('"""Numbers whose digits never decrease')
    results = str(tmp_path / "r")
    argv = ("run", "nondecreasing-base10", "--model", "fsa", "--profile", "smoke", "--results", results,
            "--json")  # fmt: skip
    without = write(tmp_path, "plain.py", family)
    code, out, _ = run(capsys, "--plugin", without, *argv)
    record = json.loads(out.splitlines()[0])
    assert record["status"] == "not-applicable"
    assert "no construction for the nondecreasing family" in record["reason"]
    CHALLENGES.unregister("nondecreasing-base10")  # the same family again, now with its automaton
    automaton = guide_example("nondecreasing.py, continued")
    with_automaton = write(tmp_path, "nondecreasing.py", family + automaton)
    try:
        code, out, err = run(capsys, "--plugin", with_automaton, *argv, "--force")
        record = json.loads(out.splitlines()[0])
        assert code == 0, err
        assert record["status"] == "ok" and record["equivalent"] is True
        assert {m["accuracy"] for m in record["metrics"]} == {1.0}
    finally:
        EXACT_BUILDERS.pop("nondecreasing", None)


def guide_example_starting(text: str) -> str:
    blocks = re.findall(r"^```python\n(.*?)^```", DOCS.read_text(encoding="utf-8"), re.S | re.M)
    found = [block for block in blocks if block.startswith(text)]
    assert len(found) == 1
    return found[0]

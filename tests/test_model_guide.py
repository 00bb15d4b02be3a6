"""A model plugin written from docs/plugins.md alone: the guide's example runs, and the mistakes a
first plugin makes end in one line that says what to fix."""

from __future__ import annotations

import json
from pathlib import Path

from challenges.cli import main

DOCS = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


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

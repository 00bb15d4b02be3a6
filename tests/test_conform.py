"""``conform``: the conformance checks on any registered challenge, from the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from cli_runner import run

from challenges import CHALLENGES
from challenges.families import divisibility
from hofstadter.reports.conformance_report import CHECKS, run_conformance

DOCS = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"




class _LyingSampler(type(divisibility(3, 10).language)):
    """Multiples of 3, except that every fifth drawn "member" is off by one."""

    def draw(self, length, n, member, rng):
        texts = super().draw(length, n, member, rng)
        if member and length > 2:
            texts = texts.copy()
            texts[::5] = [str(int(t) + 1) for t in texts[::5]]
        return texts


@pytest.fixture
def broken_challenge(clean_registries):
    from dataclasses import replace

    challenge = replace(divisibility(3, 10, challenge_id="test-lying"), language=_LyingSampler(3, 10))
    CHALLENGES.register(challenge.id, challenge)  # past any check at registration, on purpose
    return challenge


def test_a_built_in_challenge_passes(capsys):
    code, out, _ = run(capsys, "conform", "even-base3")
    assert code == 0
    assert out.count("PASS") == len(CHECKS) and "FAIL" not in out
    assert out.splitlines()[-1] == "all checks passed on even-base3"


def test_a_broken_challenge_fails_and_says_how(capsys, broken_challenge):
    code, out, _ = run(capsys, "conform", broken_challenge.id, "--json")
    results = {row["check"]: row for row in map(json.loads, out.splitlines())}
    assert code == 1
    assert not results["labels are the oracle's verdict"]["passed"]
    assert "differ from the oracle" in results["labels are the oracle's verdict"]["detail"]
    assert set(results) == {name for name, _, _ in run_conformance(broken_challenge)}


def test_an_exception_in_a_plugin_is_a_failed_check_not_a_crash(broken_challenge, monkeypatch):
    def explode(self, length, n, member, rng):
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(_LyingSampler, "draw", explode)
    results = {name: (passed, detail) for name, passed, detail in run_conformance(broken_challenge)}
    assert results["labels are the oracle's verdict"] == (False, "raised ZeroDivisionError: oops")
    assert results["1000-symbol strings work"] == (False, "raised ZeroDivisionError: oops")


def test_unknown_ids_are_usage_errors(capsys):
    code, _, err = run(capsys, "conform", "div3-base1O")
    assert code == 2 and "Did you mean" in err


def test_the_documented_family_passes_from_a_file_plugin(tmp_path, capsys, clean_registries):
    """docs/plugins.md's example, exactly as printed, loaded by path after the subcommand."""
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.S)
    source = next(b for b in blocks if "class NonDecreasing(Language)" in b)
    (tmp_path / "nondecreasing.py").write_text(source)
    code, out, err = run(capsys, "conform", "nondecreasing-base10",
                         "--plugin", str(tmp_path / "nondecreasing.py"))  # fmt: skip
    assert code == 0, out + err
    assert out.count("PASS") == len(CHECKS)
    challenge = CHALLENGES.get("nondecreasing-base10")
    assert challenge.label(np.array(["1123", "0", "1132", "10"])).tolist() == [True, True, False, False]

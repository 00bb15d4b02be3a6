"""Development seeds and report seeds: profiles publish on seeds no default was chosen on."""

from __future__ import annotations

import json

import pytest

from hofstadter.cli import main
from hofstadter.profiles import PROFILES, REPORT_SEED_START, seed_kind


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_profile_publishes_report_seeds_only(name):
    profile = PROFILES[name]
    assert all(seed_kind(s) == "report" for s in profile.seeds)
    assert all(seed_kind(s) == "development" for s in profile.development_seeds)
    assert len(profile.development_seeds) == len(profile.seeds)
    assert not set(profile.seeds) & set(profile.development_seeds)


def test_records_say_which_kind_of_seed_they_are(tmp_path, capsys):
    args = ["run", "div3-base10", "--model", "fsa", "--profile", "smoke", "--results", str(tmp_path),
            "--json"]  # fmt: skip
    assert main([*args, "--seed", "0", "--seed", str(REPORT_SEED_START)]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {(r["seed"], r["seed_kind"]) for r in records} == {(0, "development"), (100, "report")}


def test_development_and_seed_together_is_a_usage_error(tmp_path, capsys):
    code = main(["run", "--all", "--development", "--seed", "3", "--results", str(tmp_path)])
    assert code == 2
    assert "--development" in capsys.readouterr().err

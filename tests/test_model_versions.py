"""Every registered model's code is the code its version was recorded with.

A run key holds a model's ``version`` (:func:`hofstadter.run.cell_key`), so a record is tied to
the code that made it only if a change of behaviour bumps the version. The fixture holds, per
model, the version and the fingerprint of its code (:mod:`baselines.model_versions`); a model
whose code changed fails here until one of two things is done:

* its behaviour changed: bump ``version`` on the class (its new runs get new keys), then
* take the fingerprints again: ``python -m baselines.model_versions tests/fixtures/model_versions.json``
  (alone, when the change cannot change an answer: a comment, a docstring, a rename).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import baselines
from baselines.model_versions import code_fingerprint, code_modules, recorded_versions

FIXTURE = Path(__file__).parent / "fixtures" / "model_versions.json"
BUILT_IN = json.loads(FIXTURE.read_text()) if FIXTURE.exists() else {}


@pytest.mark.parametrize("model", sorted(BUILT_IN))
def test_code_matches_the_version_it_was_recorded_with(model: str) -> None:
    cls = baselines.get_model_class(model)
    recorded = BUILT_IN[model]
    assert isinstance(cls.version, int) and cls.version >= 1
    assert cls.version >= recorded["version"], f"{model}: version went back"
    if cls.version == recorded["version"]:
        assert code_fingerprint(cls) == recorded["fingerprint"], (
            f"the code of '{model}' changed ({', '.join(code_modules(cls))}) and its version did "
            f"not: bump {cls.__name__}.version if its answers can change, then run "
            "'python -m baselines.model_versions tests/fixtures/model_versions.json'"
        )


def test_every_built_in_model_is_recorded() -> None:
    retake = "run 'python -m baselines.model_versions tests/fixtures/model_versions.json'"
    assert sorted(recorded_versions()) == sorted(BUILT_IN), retake


def test_a_version_is_part_of_the_key() -> None:
    from hofstadter.run import Cell, cell_key

    cell = Cell("div3-base10", "majority", 0, "smoke")
    cls = baselines.get_model_class("majority")
    before = cell_key(cell)
    cls.version += 1
    try:
        assert cell_key(Cell("div3-base10", "majority", 0, "smoke")) != before
    finally:
        cls.version -= 1
    assert cell_key(Cell("div3-base10", "majority", 0, "smoke")) == before


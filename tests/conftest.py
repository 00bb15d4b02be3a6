"""Shared fixtures: an isolated sample cache, so tests never read or write the user's."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("HOFSTADTER_CACHE", str(tmp_path_factory.getbasetemp() / "sample-cache"))

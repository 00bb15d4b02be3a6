"""Shared fixtures: an isolated sample cache and cache secret, so tests never read or write the user's; clean
registries around tests that load plugins."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.getbasetemp()
    monkeypatch.setenv("HOFSTADTER_CACHE", str(base / "sample-cache"))
    monkeypatch.setenv("HOFSTADTER_CACHE_KEY", str(base / "sample-cache.key"))  # never the user's secret


@pytest.fixture
def clean_registries():
    """Whatever a test's plugins register is gone afterwards."""
    from baselines import MODELS
    from challenges import CHALLENGES
    from hofstadter import plugins

    challenges_before, models_before = set(CHALLENGES), set(MODELS)
    loaded_before = set(plugins._loaded)
    yield
    for name in set(CHALLENGES) - challenges_before:
        CHALLENGES.unregister(name)
    for name in set(MODELS) - models_before:
        MODELS.unregister(name)
    plugins._loaded.clear()
    plugins._loaded.update(loaded_before)
    prefixes = ("hofstadter_example", "bad_plugin", "hofstadter_plugin_")
    for module in [m for m in sys.modules if m.startswith(prefixes)]:
        sys.modules.pop(module)

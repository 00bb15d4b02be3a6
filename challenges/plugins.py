"""Plugins: other packages add challenges and models, loaded on demand and failing loudly.

Two ways in:

* **entry points** in the groups ``hofstadter.challenges`` and ``hofstadter.models``: each names a
  callable (or a module) that, when loaded, registers its challenges / models. They are read when
  the command line starts, never at import time of this package.
* ``--plugin MODULE``: import a module that is not packaged (``python -m challenges --plugin
  my_ideas list`` finds ``my_ideas.py`` in the current directory) and call its ``register()``.

A plugin that fails to import, or registers an id that is already taken, is an error that names it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from importlib.metadata import entry_points

from .errors import ChallengeError, PluginError
from .registry import registering_from

ENTRY_POINT_GROUPS = ("hofstadter.challenges", "hofstadter.models")
_loaded: set[str] = set()


def load_plugins(modules: Iterable[str] = ()) -> None:
    """Load every entry-point plugin and the named modules, once each."""
    for group in ENTRY_POINT_GROUPS:
        for entry in entry_points(group=group):
            name = f"{group}:{entry.name}"
            if name in _loaded:
                continue
            _loaded.add(name)
            _run(f"entry point '{entry.name}' ({entry.value}) in group {group}", entry.load, call=True)
    for module in modules:
        if module in _loaded:
            continue
        _loaded.add(module)
        _run(f"plugin module '{module}'", lambda m=module: _import_and_register(m), call=False)


def _import_and_register(module_name: str) -> None:
    module = importlib.import_module(module_name)
    register = getattr(module, "register", None)
    if not callable(register):
        raise PluginError(f"plugin module '{module_name}' has no register() function to call")
    register()


def _run(label: str, load, call: bool) -> None:
    try:
        with registering_from(label):
            loaded = load()
            if call and callable(loaded):
                loaded()
    except PluginError:
        raise
    except ChallengeError as error:
        raise PluginError(f"{label} was refused: {error}") from None
    except Exception as error:  # noqa: BLE001 - any failure of foreign code is reported by name
        raise PluginError(f"{label} failed to load: {type(error).__name__}: {error}") from None

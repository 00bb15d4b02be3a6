"""Plugins: other packages add challenges and models, loaded on demand and failing loudly.

Two ways in:

* **entry points** in the groups ``hofstadter.challenges`` and ``hofstadter.models``: each names a
  callable (or a module) that, when loaded, registers its challenges / models. They are read when
  the command line starts, never at import time of this package.
* ``--plugin MODULE``: import a module that is not packaged (``python -m challenges --plugin
  my_ideas list`` finds ``my_ideas.py`` in the current directory) and call its ``register()``.
  ``--plugin path/to/my_ideas.py`` loads that file instead, wherever it is.

A plugin that fails to import, or registers an id that is already taken, is an error that names it.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import traceback
from collections.abc import Iterable
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

from challenges.errors import ChallengeError, PluginError
from challenges.registry import registering_from

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
        kind = "file" if _is_path(module) else "module"
        _run(f"plugin {kind} '{module}'", lambda m=module: _import_and_register(m), call=False)


def plugin_name(text: str) -> str:
    """A ``--plugin`` value as it is stored and passed to workers: a file path made absolute.

    >>> plugin_name("my_ideas") == "my_ideas", plugin_name("plugins/mine.py").startswith("/")
    (True, True)
    """
    return str(Path(text).resolve()) if _is_path(text) else text


def _is_path(text: str) -> bool:
    return text.endswith(".py") or "/" in text or os.sep in text


def _import_file(path: Path) -> ModuleType:
    """Import a plugin file by its path, as module ``hofstadter_plugin_<stem>``."""
    if not path.is_file():
        raise PluginError(f"plugin file '{path}' does not exist")
    name = f"hofstadter_plugin_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"plugin file '{path}' cannot be imported (is it a .py file?)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look classes up by module name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _import_and_register(module_name: str) -> None:
    if _is_path(module_name):
        module = _import_file(Path(module_name))
    else:
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
        where = _where(error)
        # A SyntaxError's str() repeats its place as "(file.py, line 1)": its bare message here.
        detail = error.msg if isinstance(error, SyntaxError) and error.msg else str(error)
        raise PluginError(
            f"{label} failed to load: {type(error).__name__}: {detail}" + (f" ({where})" if where else "")
        ) from None


_OURS = (str(Path(__file__).resolve().parent.parent / "challenges"),
         str(Path(__file__).resolve().parent.parent / "baselines"))  # fmt: skip


def _where(error: BaseException) -> str | None:
    """``at FILE, line N``: where in the plugin's own code ``error`` arose, for a one-line report.

    A SyntaxError names its own place; otherwise the innermost frame outside this project and
    the import machinery -- the plugin's line, even when the error surfaced in code it called.

    >>> try:
    ...     exec(compile("undefined_name", "plugin.py", "exec"))
    ... except NameError as error:
    ...     print(_where(error))
    at plugin.py, line 1
    """

    if isinstance(error, SyntaxError) and error.filename:
        return f"at {error.filename}, line {error.lineno}"
    frames = [
        frame for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.startswith(_OURS) and not frame.filename.startswith("<frozen")
        and "/importlib/" not in frame.filename
    ]  # fmt: skip
    if not frames:
        return None
    return f"at {frames[-1].filename}, line {frames[-1].lineno}"

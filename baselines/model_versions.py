"""A model's code fingerprint: what ``tests/test_model_versions.py`` compares with its ``version``.

A run key names a model by its id, config and :attr:`baselines.Model.version`. Code that changes
a fitted model's answers without a new version would give one key two results, so each model's
code is fingerprinted -- the source of the modules of ``baselines`` its class reaches through
module-level names, followed transitively -- and the test holds the fingerprint beside the
version it was taken at. What is hashed is each module's code without its imports, docstrings and
comments, and not its name: moving a module to another package, or a comment, leaves it as it
was. A changed fingerprint fails the test until the version is bumped (the
behaviour changed) or the fingerprint is taken again (it did not: a comment, a rename):

    python -m baselines.model_versions tests/fixtures/model_versions.json

>>> from baselines import get_model_class
>>> len(code_fingerprint(get_model_class("rpni")))
16
>>> "baselines.classical.grammatical" in code_modules(get_model_class("rpni"))
True
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import sys
from types import ModuleType

from baselines.base import MODELS, get_model_class

PACKAGE = "baselines"


def _module_of(value: object) -> ModuleType | None:
    """The ``baselines`` module that defines ``value`` (a module, class or function), if any."""
    if isinstance(value, ModuleType):
        name = value.__name__
    else:
        name = getattr(value, "__module__", None) or ""
    if name != PACKAGE and not name.startswith(PACKAGE + "."):
        return None
    return sys.modules.get(name)


def code_modules(model_class: type) -> list[str]:
    """Names of the ``baselines`` modules the class's code reaches, sorted.

    Starts from the modules of the class, its bases and its config's bases, and follows every
    module-level name that comes from another ``baselines`` module. An import inside a function
    is not followed (say the module's name in a module-level import to have it counted).
    """
    starts = [*inspect.getmro(model_class), *inspect.getmro(getattr(model_class, "Config", None) or object)]
    todo = [m for m in (_module_of(c) for c in starts) if m is not None]
    seen: dict[str, ModuleType] = {}
    while todo:
        module = todo.pop()
        if module.__name__ in seen or module.__name__ == PACKAGE:
            continue
        seen[module.__name__] = module
        todo.extend(m for m in map(_module_of, vars(module).values()) if m is not None)
    return sorted(seen)


def code_fingerprint(model_class: type) -> str:
    """sha256 (16 hex digits) of the code of :func:`code_modules` (:func:`module_code`), in hash order."""
    digests = sorted(hashlib.sha256(module_code(sys.modules[name]).encode()).hexdigest()
                     for name in code_modules(model_class))  # fmt: skip
    return hashlib.sha256("\0".join(digests).encode()).hexdigest()[:16]


def module_code(module: ModuleType) -> str:
    """The module's syntax tree without imports and docstrings: what runs, wherever the module lives.

    >>> tree = ast.parse("'Doc.'\\nfrom .x import y  # why\\nZ = y + 1\\n")
    >>> ast.dump(_without_imports_and_docstrings(tree)) == ast.dump(ast.parse("Z = y + 1"))
    True
    """
    return ast.dump(_without_imports_and_docstrings(ast.parse(inspect.getsource(module))))


def _without_imports_and_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        kept = [child for child in body if not isinstance(child, (ast.Import, ast.ImportFrom))]
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and kept:
            first = kept[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
                first.value.value, str
            ):
                kept = kept[1:]
        node.body = kept or [ast.Pass()]
    return tree


def recorded_versions() -> dict[str, dict]:
    """Each built-in model's version and code fingerprint: what the fixture holds."""
    return {
        model: {"version": cls.version, "fingerprint": code_fingerprint(cls)}
        for model in sorted(MODELS)
        if (cls := get_model_class(model)).__module__.startswith(PACKAGE + ".")
    }


if __name__ == "__main__":
    import json
    from pathlib import Path

    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m baselines.model_versions FIXTURE.json")
    Path(sys.argv[1]).write_text(json.dumps(recorded_versions(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {sys.argv[1]}")

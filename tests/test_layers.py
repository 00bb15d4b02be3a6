"""The house has three layers -- challenges (data), baselines (contestants), hofstadter (bench) --
and every import points down: read from the source, and checked in a fresh interpreter."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("challenges", "baselines", "hofstadter")  # each may import only those before it
ENTRY_POINTS = {ROOT / "challenges" / "__main__.py"}  # `python -m challenges` runs the bench's CLI


def imported_packages(path: Path) -> set[str]:
    """Top-level packages a module imports, at load time or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_every_import_points_down(layer):
    above = set(LAYERS[LAYERS.index(layer) + 1 :])
    upward = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & above)
        for path in (ROOT / layer).rglob("*.py")
        if path not in ENTRY_POINTS and imported_packages(path) & above
    }
    assert upward == {}


@pytest.mark.parametrize(
    ("statement", "absent"),
    [
        ("import challenges", ("baselines", "hofstadter", "torch")),
        ("import baselines", ("hofstadter",)),
    ],
)
def test_importing_a_layer_loads_nothing_above_it(statement, absent):
    probe = f"import sys; {statement}; print(sorted(m for m in {absent!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


# Circles the README's layout section defends, each closed by one import inside a function:
# Challenge.sample is a shortcut to splits.sample; Model.prove_exact's default asks the proofs,
# which need the reference automata, which are models; a model spec may name any registered
# model, so parsing one loads the package that registers them (neural-select parses its candidates).
DEFENDED_CIRCLES = {
    frozenset({"challenges.core", "challenges.splits"}),
    frozenset({"baselines.base", "baselines.configured", "baselines.exactness", "baselines.references"}),
    frozenset({"baselines", "baselines.model_spec", "baselines.selection"}),
}


def module_graph() -> dict[str, set[str]]:
    """Module -> the project's modules it imports (at load time or inside functions)."""
    modules = {}
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = ".".join(package[: len(package) - node.level + 1] + [node.module or ""]).strip(".")
                base = base if node.level else node.module or ""
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected components of more than one module."""
    reach = {name: set() for name in graph}
    for start in graph:
        stack = list(graph[start])
        while stack:
            node = stack.pop()
            if node not in reach[start]:
                reach[start].add(node)
                stack.extend(graph[node])
    return {frozenset({start} | {n for n in reach[start] if start in reach[n]})
            for start in graph if start in reach[start]}  # fmt: skip


def test_the_only_import_circles_are_the_defended_ones():
    assert circles(module_graph()) == DEFENDED_CIRCLES

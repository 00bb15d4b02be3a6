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
        ("import baselines", ("hofstadter", "torch")),  # models load by name, on first use
    ],
)
def test_importing_a_layer_loads_nothing_above_it(statement, absent):
    probe = f"import sys; {statement}; print(sorted(m for m in {absent!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


# Imports that may stay inside functions: each guards a dependency that is optional (an extra of
# pyproject.toml) or heavy and needed by one command only, so that `import challenges`, `import
# baselines` and `python -m challenges --help` do not pay for it. Each such import says why, in a
# comment on its line or the line above.
GUARDED = {
    "ray": "optional extra: --executor ray",
    "playwright": "optional extra: the site's browser test",
    "pyarrow": "export --format parquet only",
    "matplotlib": "plots only; slow to import",
    "aalpy": "rpni and edsm only",
    "torch": "networks only; seconds to import",
    "hofstadter.explain": "the networks' hidden states: imports torch and every network",
}
MOST_UNGUARDED_INNER_IMPORTS = 15


def import_nodes(path: Path, *, inside_functions: bool) -> list[ast.Import | ast.ImportFrom]:
    """The module's import statements inside functions, or else those run when it loads (at module
    level, ``if TYPE_CHECKING:`` blocks left out: they never run)."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, (ast.Import, ast.ImportFrom)) and inner == inside_functions:
                found.append(child)
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def project_modules() -> dict[str, Path]:
    """Dotted name -> file of every module of the three packages."""
    modules = {}
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def module_graph(*, inside_functions: bool = False) -> dict[str, set[str]]:
    """Module -> the project's modules it imports when it loads (or, asked for, inside functions)."""
    modules = project_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        nodes = import_nodes(path, inside_functions=False)
        nodes += import_nodes(path, inside_functions=True) if inside_functions else []
        for node in nodes:
            if isinstance(node, ast.ImportFrom):
                base = ".".join(package[: len(package) - node.level + 1] + [node.module or ""]).strip(".")
                base = base if node.level else node.module or ""
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                targets = [alias.name for alias in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
                # Importing a.b.c first runs a/__init__.py and a/b/__init__.py: those are imported too
                # (but for the importer's own packages, already under way when it runs).
                parent = target.rpartition(".")[0]
                while parent:
                    if parent in modules and not (name == parent or name.startswith(parent + ".")):
                        graph[name].add(parent)
                    parent = parent.rpartition(".")[0]
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


def test_circles_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {frozenset("abc")}


def test_no_module_imports_itself_through_others():
    """Models and challenges register by name, so nothing imports in a circle -- not even through
    the imports left inside functions."""
    assert circles(module_graph()) == set()
    assert circles(module_graph(inside_functions=True)) == set()


def guarded_name(module: str) -> bool:
    return any(module == guard or module.startswith(guard + ".") for guard in GUARDED)


def says_why(lines: list[str], index: int) -> bool:
    """A comment on the import's line, on another of the imports just above it, or on the line
    above those."""
    while True:
        if "#" in lines[index]:
            return True
        index -= 1
        if index < 0 or not lines[index].strip().startswith(("import ", "from ", "#")):
            return False


def inner_imports() -> tuple[list[str], list[str]]:
    """(guarded, unguarded) imports inside functions, as 'path:line module'."""
    guarded, unguarded = [], []
    for path in project_modules().values():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in import_nodes(path, inside_functions=True):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            where = f"{path.relative_to(ROOT)}:{node.lineno} {' '.join(names)}"
            if node.level == 0 if isinstance(node, ast.ImportFrom) else True:
                if all(guarded_name(name) for name in names):
                    said = says_why(lines, node.lineno - 1)
                    (guarded if said else unguarded).append(where + ("" if said else " (no comment)"))
                    continue
            unguarded.append(where)
    return guarded, unguarded


def test_imports_inside_functions_are_few_and_guards_say_why():
    guarded, unguarded = inner_imports()
    assert guarded, "the guard list is used"
    assert len(unguarded) <= MOST_UNGUARDED_INNER_IMPORTS, "\n".join(unguarded)


MAX_MODULE_LINES, MAX_FUNCTION_LINES = 500, 60  # CONTRIBUTING.md: "one room per job"


def long_functions(path: Path) -> list[str]:
    """Functions over MAX_FUNCTION_LINES whose docstring does not say why ("Over 60 lines, ...")."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines = node.end_lineno - node.lineno + 1
            reason = f"over {MAX_FUNCTION_LINES} lines" in (ast.get_docstring(node) or "").lower()
            if lines > MAX_FUNCTION_LINES and not reason:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_rooms_are_small():
    """No module over 500 lines; no function over 60 unless its docstring says why."""
    modules = [p for layer in LAYERS for p in sorted((ROOT / layer).rglob("*.py"))]
    lines = {p: len(p.read_text(encoding="utf-8").splitlines()) for p in modules}
    too_long = [f"{p.relative_to(ROOT)} ({n} lines)" for p, n in lines.items() if n > MAX_MODULE_LINES]
    assert not too_long, too_long
    assert not [f for p in modules for f in long_functions(p)]

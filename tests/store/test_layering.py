"""The store's modules import one way (issue 14): no cycle, not even under TYPE_CHECKING.

A cycle hidden behind `if TYPE_CHECKING:` still couples the modules (each must change with
the other) and becomes an ImportError the day someone needs the name at runtime.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import aigym.store

PACKAGE = Path(aigym.store.__file__).parent
MODULES = sorted(p.stem for p in PACKAGE.glob("_*.py") if p.stem != "__init__")


def _imports(module: str) -> set[str]:
    """The sibling modules `module` imports anywhere in its source (TYPE_CHECKING included)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            name = node.module
            if name == "aigym.store":
                out |= {a.name for a in node.names if a.name in MODULES}
            elif name.startswith("aigym.store._"):
                out.add(name.split(".")[2])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[2] for a in node.names if a.name.startswith("aigym.store._")}
    return out - {module}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return [*path[path.index(n) :], n]
            if n not in state and (found := visit(n)):
                return found
        state[m] = 2
        path.pop()
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_the_checker_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_store_modules_import_one_way() -> None:
    graph = {m: _imports(m) for m in MODULES}
    assert {"_store", "_compact", "_writer", "_fs"} <= set(graph)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


_ALONE = """
import importlib, sys
for m in sys.argv[1:]:
    for k in [k for k in sys.modules if k == "aigym" or k.startswith("aigym.")]:
        del sys.modules[k]  # as in a fresh interpreter, with numpy/polars kept warm
    importlib.import_module("aigym.store." + m)
"""


def test_each_module_imports_first_on_its_own() -> None:
    """A runtime cycle fails only when a module in it is imported first: try each first."""
    p = subprocess.run([sys.executable, "-c", _ALONE, *MODULES], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr

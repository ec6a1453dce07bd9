"""The public surface: sorted and complete __all__, allowed imports, no eager polars."""

from __future__ import annotations

import ast
import inspect
import pathlib
import subprocess
import sys

import aigym.stats as stats_pkg

PKG_DIR = pathlib.Path(stats_pkg.__file__).parent


def test_all_is_sorted_and_unique():
    assert stats_pkg.__all__ == sorted(stats_pkg.__all__)
    assert len(set(stats_pkg.__all__)) == len(stats_pkg.__all__)


def test_all_is_complete():
    public = {
        name
        for name, obj in vars(stats_pkg).items()
        if not name.startswith("_") and not inspect.ismodule(obj) and name != "annotations"
    }
    assert public == set(stats_pkg.__all__)
    for name in stats_pkg.__all__:
        assert getattr(stats_pkg, name) is not None


def test_every_public_function_and_class_has_a_docstring():
    for name in stats_pkg.__all__:
        obj = getattr(stats_pkg, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert (obj.__doc__ or "").strip(), name


def test_only_errors_imported_from_aigym():
    for path in PKG_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("aigym"):
                assert node.module == "aigym.errors" or node.module.startswith("aigym.stats"), (
                    path.name,
                    node.module,
                )
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("aigym") or alias.name == "aigym.errors"


def test_polars_not_imported_at_module_level():
    for path in PKG_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:  # top-level statements only
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "polars" for n in names), path.name
    code = "import sys, aigym.stats; print('polars' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_frequentist_results_are_built_in_one_place():
    """One constructor (`_estimate.build_result`), not a copy per module (issue 14, item 6)."""
    builders = sorted(
        p.name for p in PKG_DIR.glob("_*.py") if "FrequentistResult(" in p.read_text()
    )
    assert builders == ["_estimate.py"]

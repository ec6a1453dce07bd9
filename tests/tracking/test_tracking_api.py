"""The public surface: sorted and complete __all__, docstrings, allowed imports."""

from __future__ import annotations

import ast
import inspect
import pathlib

import aigym.tracking as tracking_pkg

PKG_DIR = pathlib.Path(tracking_pkg.__file__).parent
ALLOWED = ("aigym._alias", "aigym._html", "aigym.errors",
           "aigym.records", "aigym.stats", "aigym.store", "aigym.registry",
           "aigym.scoring", "aigym.tracking")  # fmt: skip


def _ruf022(name: str) -> tuple[int, str]:
    """ruff RUF022's isort-style order: CONSTANTS, then Classes, then functions."""
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


def test_all_is_sorted_and_unique():
    assert tracking_pkg.__all__ == sorted(tracking_pkg.__all__, key=_ruf022)
    assert len(set(tracking_pkg.__all__)) == len(tracking_pkg.__all__)


def test_all_is_complete():
    public = {
        name
        for name, obj in vars(tracking_pkg).items()
        if not name.startswith("_") and not inspect.ismodule(obj) and name != "annotations"
    }
    assert public == set(tracking_pkg.__all__)


def test_every_public_function_and_class_has_a_docstring():
    for name in tracking_pkg.__all__:
        obj = getattr(tracking_pkg, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert (obj.__doc__ or "").strip(), name


def test_tracker_methods_mirror_module_functions():
    t = tracking_pkg.get_metric_tracker()
    names = ("record_execution", "record_user_feedback", "get_model_stats",
             "get_task_comparison", "get_cost_analysis", "get_recent", "dashboard")  # fmt: skip
    for name in names:
        fn = inspect.signature(getattr(tracking_pkg, name))
        method = inspect.signature(getattr(t, name))
        shared = [p for p in fn.parameters if p != "registry"]
        assert list(method.parameters) == shared, name


def test_imports_only_lower_layers():
    for path in PKG_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("aigym"):
                assert node.module.startswith(ALLOWED), (path.name, node.module)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("aigym") or alias.name.startswith(ALLOWED)


def test_scoring_is_only_read_for_primary_scorer_names():
    for path in PKG_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "aigym.scoring":
                assert [a.name for a in node.names] == ["primary_scorers"], path.name

"""The public surface: sorted and complete __all__, docstrings, allowed imports only."""

from __future__ import annotations

import ast
import inspect
import pathlib

import aigym.abtest as pkg

PKG_DIR = pathlib.Path(pkg.__file__).parent
ALLOWED = ("aigym._alias", "aigym._html", "aigym.errors",
           "aigym.records", "aigym.stats", "aigym.store", "aigym.registry",
           "aigym.abtest")  # fmt: skip


def _isort_key(name: str) -> tuple[int, str]:
    """Ruff's RUF022 order: CONSTANTS, then Classes, then functions."""
    if name.isupper():
        return 0, name
    return (1, name) if name[0].isupper() else (2, name)


def test_all_is_sorted_unique_and_complete() -> None:
    assert pkg.__all__ == sorted(pkg.__all__, key=_isort_key)
    assert len(set(pkg.__all__)) == len(pkg.__all__)
    public = {n for n in vars(pkg) if not n.startswith("_")} - {"annotations"}
    assert public == set(pkg.__all__)
    for name in pkg.__all__:
        assert getattr(pkg, name) is not None


def test_public_functions_and_classes_have_docstrings() -> None:
    for name in pkg.__all__:
        obj = getattr(pkg, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert (obj.__doc__ or "").strip(), name


def test_private_modules_import_only_allowed_layers() -> None:
    for path in PKG_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("aigym"):
                assert node.module.startswith(ALLOWED), (path.name, node.module)
                assert "._" not in node.module or node.module.startswith(
                    ("aigym.abtest._", "aigym._alias", "aigym._html")
                ), (
                    path.name,
                    node.module,
                )
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("aigym") or alias.name.startswith(ALLOWED)


def test_tables_are_registered_with_the_store() -> None:
    from aigym.store import TABLES

    assert TABLES["ab_tests"] is pkg.AB_TESTS
    assert TABLES["ab_assignments"] is pkg.AB_ASSIGNMENTS

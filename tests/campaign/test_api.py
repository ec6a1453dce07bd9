"""The public surface: sorted, complete `__all__`; layering; docstrings."""

from __future__ import annotations

import ast
import inspect
import pathlib

import aigym.campaign as campaign

PKG = pathlib.Path(campaign.__file__).parent
CLI = PKG.parent / "cli"
# the house's layers below campaign that it uses: routed campaigns and A/B arms need the router
ALLOWED = (
    "aigym._html",
    "aigym.errors",
    "aigym.records",
    "aigym.providers",
    "aigym.registry",
    "aigym.store",
    "aigym.outcomes",
    "aigym.router",
    "aigym.abtest",
)


def _ruf022(name: str) -> tuple[int, str]:
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_unique_and_complete() -> None:
    names = list(campaign.__all__)
    assert names == sorted(names, key=_ruf022)
    assert len(set(names)) == len(names)
    public = {
        n
        for n, v in vars(campaign).items()
        if not n.startswith("_") and not inspect.ismodule(v) and n != "annotations"
    }
    assert public == set(names)


def test_every_private_module_has_an_all_that_is_sorted() -> None:
    for path in PKG.glob("_*.py"):
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text())
        found = [
            n
            for n in tree.body
            if isinstance(n, ast.Assign)
            and any(getattr(t, "id", "") == "__all__" for t in n.targets)
        ]
        assert found, f"{path.name} has no __all__"
        names = [e.value for e in found[0].value.elts]  # type: ignore[attr-defined]
        assert names == sorted(names, key=_ruf022), path.name


def test_public_classes_and_functions_have_docstrings() -> None:
    for name in campaign.__all__:
        obj = getattr(campaign, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert (obj.__doc__ or "").strip(), name


def test_campaign_imports_only_layers_below_it() -> None:
    for path in PKG.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("aigym"):
                mod = node.module
                assert mod.startswith("aigym.campaign") or mod.startswith(ALLOWED), (path, mod)
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("aigym.") for a in node.names), path


def test_cli_is_thin() -> None:
    """Each command module is small and calls only the library's public packages."""
    public = {
        "aigym",
        "aigym.abtest",
        "aigym.campaign",
        "aigym.cli",
        "aigym.cli._common",
        "aigym.errors",
        "aigym.registry",
        "aigym.reports",
        "aigym.router",
        "aigym.store",
        "aigym.tracking",
    }
    files = sorted(CLI.glob("*.py"))
    assert len(files) >= 8
    for path in files:
        src = path.read_text()
        assert len(src.splitlines()) < 300, path.name
        tree = ast.parse(src)
        mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert {m for m in mods if m.startswith("aigym")} <= public, path.name

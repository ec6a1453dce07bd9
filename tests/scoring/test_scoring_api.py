"""The public surface: sorted, complete __all__ and allowed imports only."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import aigym.scoring as pkg

PKG_DIR = pathlib.Path(pkg.__file__).parent


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


def test_private_modules_import_only_allowed_layers() -> None:
    """scoring -> providers, store -> stats, records, errors (never campaign or tracking)."""
    allowed = (
        "aigym._progress",  # tqdm.auto bars, a bottom-layer helper
        "aigym.errors",
        "aigym.records",
        "aigym.scoring",
        "aigym.providers",
        "aigym.store",
        "aigym.stats",
    )
    for path in PKG_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("aigym"):
                assert node.module.startswith(allowed), (path.name, node.module)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("aigym.") or alias.name.startswith(allowed)


def test_harness_is_standalone() -> None:
    """The harness is copied into the sandbox, where aigym is not importable."""
    tree = ast.parse((PKG_DIR / "_harness.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert not (node.module or "").startswith("aigym")


def test_import_stays_cheap() -> None:
    """Heuristics run on hot paths: the judge, store and statistics load on first use."""
    heavy = "('polars', 'pyarrow', 'scipy', 'numpy', 'httpx', 'statsmodels', 'aigym.store')"
    code = f"import sys, aigym.scoring; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

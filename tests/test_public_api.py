"""Every package's public surface: a sorted `__all__` (ruff RUF022 order) that is complete."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import aigym


def _ruf022(names: list[str]) -> list[str]:
    def key(n: str) -> tuple[int, str]:
        return (0 if n.isupper() else 1 if n[0].isupper() else 2, n)

    return sorted(names, key=key)


PACKAGES = ["aigym"] + [
    f"aigym.{m.name}" for m in pkgutil.iter_modules(aigym.__path__) if not m.name.startswith("_")
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted(name: str) -> None:
    mod = importlib.import_module(name)
    names = list(mod.__all__)
    assert names == _ruf022(names)
    assert len(set(names)) == len(names)


def test_top_level_exports_resolve() -> None:
    for name in aigym.__all__:
        assert getattr(aigym, name) is not None, name
    assert set(aigym.__all__) == set(aigym._EXPORTS)
    with pytest.raises(AttributeError):
        aigym.nope  # noqa: B018


def test_import_is_cheap() -> None:
    heavy = "('polars', 'scipy', 'pyarrow')"
    code = f"import sys, aigym; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_open_store_refuses_unknown_models(tmp_path: object) -> None:
    from aigym import Execution, TaskMetrics, UnknownModelError, open_store

    store = open_store(str(tmp_path))
    ok = Execution.from_metrics(TaskMetrics("openai/gpt-4o", "generic", 1, 1, 1.0, 0.0))
    assert store.append("executions", [ok]) == 1
    bad = Execution.from_metrics(TaskMetrics("openai/gtp-4o", "generic", 1, 1, 1.0, 0.0))
    with pytest.raises(UnknownModelError, match="openai/gpt-4o"):
        store.append("executions", [bad])

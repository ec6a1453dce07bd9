"""Fixtures for the router tests: a small hand-made registry and a fresh real store per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aigym.registry import ModelRegistry
from aigym.router import ModelRouter, RouterConfig
from aigym.store import ParquetStore
from tests.router.helpers import make_registry


@pytest.fixture
def registry() -> ModelRegistry:
    return make_registry()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ParquetStore]:
    s = ParquetStore(tmp_path / "store", durability="none")
    yield s
    s.close()


@pytest.fixture
def router(registry: ModelRegistry) -> ModelRouter:
    """Refreshes on every call (max_staleness_s=0), so each test sees what it wrote."""
    return ModelRouter(registry, config=RouterConfig(max_staleness_s=0))

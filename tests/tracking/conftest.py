"""Fixtures for the tracker tests: a private registry and a fresh store per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aigym.registry import ModelRegistry
from aigym.store import ParquetStore
from aigym.tracking import MetricTracker


@pytest.fixture(scope="session")
def registry() -> ModelRegistry:
    """A private copy of the bundled catalogue (tests never touch the shared registry)."""
    return ModelRegistry.from_bundled()


@pytest.fixture
def tracker(registry: ModelRegistry) -> MetricTracker:
    return MetricTracker(registry)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ParquetStore]:
    s = ParquetStore(tmp_path / "store", durability="none")
    yield s
    s.close()

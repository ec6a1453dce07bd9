"""A small real store shared by the report tests (built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import small_store


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_store(tmp_path_factory.mktemp("reports") / "store")

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aigym.store import ParquetStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ParquetStore]:
    s = ParquetStore(tmp_path / "store")
    yield s
    s.close()

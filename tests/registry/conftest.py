from __future__ import annotations

from pathlib import Path

import pytest

from aigym.registry import ModelRegistry
from aigym.registry._build_data import LITELLM_FILE, LLMROUTER_FILE, default_data_dir

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def registry() -> ModelRegistry:
    """A private copy of the bundled catalogue, so tests never touch the shared registry."""
    return ModelRegistry.from_bundled()


@pytest.fixture
def shared_data() -> Path:
    d = default_data_dir()
    if not (d / LITELLM_FILE).is_file() or not (d / LLMROUTER_FILE).is_file():
        pytest.skip(f"shared data not found at {d} (set AIGYM_SHARED_DATA)")
    return d

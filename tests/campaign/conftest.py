"""Fixtures for campaign tests: a priced fault server, registries for it, prompt sets.

`local_models` (the real llama.cpp models) and `fault_server` come from
`aigym.providers.testing`; the local server is shared and reference-counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aigym.providers.testing import FaultServer, fault_server, local_models  # noqa: F401
from aigym.registry import ModelRegistry

from .helpers import COST_PER_TOKEN, fault_models


@pytest.fixture
def priced_server() -> Iterator[FaultServer]:
    """A fault server that reports OpenRouter-style `usage.cost` at the fault model's price."""
    with FaultServer(cost_per_token=COST_PER_TOKEN, reply_tokens=8) as server:
        yield server


@pytest.fixture
def models() -> ModelRegistry:
    """A private registry with the fault model at a notional $2/Mtok in and out."""
    return fault_models()


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"

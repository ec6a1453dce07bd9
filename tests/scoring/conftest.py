"""Sandbox fixtures: skip (or fail, when AIGYM_REQUIRE_SANDBOX=1 as in CI) without bwrap."""

from __future__ import annotations

import os

import pytest

from aigym.errors import ScoringError
from aigym.scoring import SandboxMode, check_sandbox


@pytest.fixture(scope="session")
def sandbox_mode() -> SandboxMode:
    try:
        return check_sandbox()
    except ScoringError as e:
        if os.environ.get("AIGYM_REQUIRE_SANDBOX") == "1":
            pytest.fail(str(e))
        pytest.skip(f"no usable bubblewrap here: {e}")

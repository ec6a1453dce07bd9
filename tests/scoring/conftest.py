"""Sandbox fixtures: skip (or fail, when AIGYM_REQUIRE_SANDBOX=1 as in CI) without bwrap.

`local_models` (the shared llama.cpp server, for the judge tests) comes from
`aigym.providers.testing`.
"""

from __future__ import annotations

import os

import pytest

from aigym.errors import ScoringError
from aigym.providers.testing import local_models  # noqa: F401
from aigym.scoring import SandboxMode, check_sandbox


@pytest.fixture(scope="session")
def sandbox_mode() -> SandboxMode:
    try:
        return check_sandbox()
    except ScoringError as e:
        if os.environ.get("AIGYM_REQUIRE_SANDBOX") == "1":
            pytest.fail(str(e))
        pytest.skip(f"no usable bubblewrap here: {e}")

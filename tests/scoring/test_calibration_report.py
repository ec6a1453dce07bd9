"""The calibration report end to end on a few prompts per set (slow: real local models)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aigym.providers import missing_local_packages

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "calibration_report.py"


@pytest.mark.slow
def test_report_runs_on_real_outputs(sandbox_mode: object) -> None:
    if missing_local_packages():
        pytest.skip("the local models are not installed: run `make test`")
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--limit", "2", "--max-tokens", "16"],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    ).stdout
    assert out.startswith("aigym scoring calibration (proxy for user feedback): 12 executions")
    assert "generic on all: n=12" in out
    assert "cannot be tested with this data" in out

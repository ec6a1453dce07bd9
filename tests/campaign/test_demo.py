"""`make demo`'s live campaign (run here on the shared test server, one prompt per set)."""

from __future__ import annotations

from pathlib import Path

import pytest

import aigym.campaign._runner as runner
from aigym.campaign import LocalServerStatus, run_local_demo
from aigym.providers import LocalModelServer
from aigym.store import ParquetStore


def test_run_local_demo(
    local_models: LocalModelServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    running = LocalServerStatus(True, "(test server)", base_urls=dict(local_models.base_urls))
    monkeypatch.setattr(runner, "local_server_status", lambda: running)
    with ParquetStore(tmp_path / "demo") as store:
        result = run_local_demo(store, n_prompts=1, progress=False)
    assert result is not None and result.successes == 4 and result.errors == 0
    out = capsys.readouterr().out
    assert "local/smollm2-135m" in out and "local/gemma3-270m" in out and "latency_p50_ms" in out

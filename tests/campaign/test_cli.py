"""The `aigym` command: exit codes, messages, and the local server's start/status/stop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aigym.campaign import CampaignSpec, Sampling, local_server_status, run_campaign
from aigym.cli import main
from aigym.providers import missing_local_packages
from aigym.providers.testing import FaultServer
from aigym.registry import ModelRegistry, get_model_registry
from aigym.registry._registry import _replace_default

from .helpers import COST_PER_TOKEN, prompts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def private_registry() -> Iterator[ModelRegistry]:
    """The CLI applies a spec's prices to the process-wide registry: give it a private one."""
    old = get_model_registry()
    fresh = ModelRegistry.from_bundled()
    _replace_default(fresh)
    try:
        yield fresh
    finally:
        _replace_default(old)


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AIGYM_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def _spec_file(tmp: Path, server: FaultServer, budget: str = "1") -> Path:
    (tmp / "p.jsonl").write_text("".join(json.dumps(p) + "\n" for p in prompts(30)))
    path = tmp / "c.toml"
    path.write_text(
        f"""name = "cli"
prompts = "p.jsonl"
models = ["fault/fault-model"]
budget_usd = {budget}
store = "store"
[sampling]
max_tokens = 8
[providers.fault]
base_url = "{server.base_url}"
trust_env = false
[prices."fault/fault-model"]
input = 2
output = 2
"""
    )
    return path


def test_models_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list", "--provider", "local"]) == 0
    out = capsys.readouterr().out
    assert "local/smollm2-135m" in out and "local/gemma3-270m" in out and "in $/Mtok" in out
    assert main(["models", "list", "--provider", "nobody"]) == 2


def test_campaign_run_dry_run_then_run_then_budget_stop(
    tmp_path: Path, private_registry: ModelRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    with FaultServer(cost_per_token=COST_PER_TOKEN) as srv:
        path = _spec_file(tmp_path, srv)
        assert main(["campaign", "run", str(path), "--dry-run"]) == 0
        assert "worst case $" in capsys.readouterr().err and srv.request_count == 0
        assert main(["campaign", "run", str(path), "--no-progress"]) == 0
        out, err = capsys.readouterr()
        assert srv.request_count == 30 and "fault/fault-model" in out and "30 calls made" in err
        (tmp_path / "tight").mkdir()
        tight = _spec_file(tmp_path / "tight", srv, budget="0.0008")
        assert main(["campaign", "run", str(tight), "--no-progress"]) == 3
        assert "STOPPED BY THE BUDGET" in capsys.readouterr().err


def test_bad_input_exits_2_with_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "c.toml"
    bad.write_text('name = "x"\nprompts = "p.jsonl"\nmodels = ["a/b"]\nbudget = 1\n')
    assert main(["campaign", "run", str(bad)]) == 2
    assert "did you mean 'budget_usd'" in capsys.readouterr().err


def test_local_server_status_with_nothing_running_or_a_stale_file(
    state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["local-server", "status"]) == 1
    assert "no local model server is running" in capsys.readouterr().out
    state_dir.mkdir(parents=True)
    (state_dir / "local-server.json").write_text(json.dumps({"pid": 2**22 + 7, "base_urls": {}}))
    assert main(["local-server", "status"]) == 1
    assert "stale" in capsys.readouterr().out
    assert main(["local-server", "stop"]) == 0  # clears the stale file
    assert not (state_dir / "local-server.json").exists()


@pytest.mark.skipif(bool(missing_local_packages(["smollm2-135m"])), reason="local models missing")
def test_local_server_start_is_found_by_campaigns_and_stops(
    state_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AIGYM_STATE_DIR": str(state_dir)}
    cmd = [sys.executable, "-m", "aigym.cli", "local-server", "start", "--model", "smollm2-135m"]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 120
        lines: list[str] = []
        while not any(line.startswith("ready") for line in lines):
            assert time.monotonic() < deadline and proc.poll() is None, lines
            lines.append(proc.stdout.readline())
        status = local_server_status()
        assert status.running and set(status.base_urls) == {"local/smollm2-135m"}
        assert main(["local-server", "status"]) == 0
        spec = CampaignSpec(
            name="uses-running-server",
            prompts=prompts(2),
            models=["local/smollm2-135m"],
            sampling=Sampling(max_tokens=4, temperature=0.0),
            store=tmp_path / "store",
        )
        result = run_campaign(spec, progress=False)
        assert result.successes == 2
        assert "using the local model server" in capsys.readouterr().err
        assert main(["local-server", "stop"]) == 0
        assert proc.wait(30) == 0
        assert not local_server_status().running
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

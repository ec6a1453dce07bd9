"""A run with no success is a failure (status, exception, exit code 4), said in one line; and
the small things around it: suggestions, relative prompt paths, a clean exception chain."""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from aigym.campaign import CampaignSpec, load_campaign_spec, run_campaign
from aigym.cli import main
from aigym.errors import AigymError, ProviderError, UnknownModelError
from aigym.providers.testing import Fault, FaultServer
from aigym.registry import ModelRegistry, get_model_registry
from aigym.registry._registry import _replace_default

from .helpers import COST_PER_TOKEN, MODEL, fault_providers, prompts

UNSET = "AIGYM_TEST_NEVER_SET_KEY"


@pytest.fixture
def private_registry() -> Iterator[ModelRegistry]:
    old = get_model_registry()
    fresh = ModelRegistry.from_bundled()
    _replace_default(fresh)
    try:
        yield fresh
    finally:
        _replace_default(old)


def _file(tmp: Path, server: FaultServer, n: int = 6, key_env: str | None = UNSET) -> Path:
    (tmp / "p.jsonl").write_text("".join(json.dumps(p) + "\n" for p in prompts(n)))
    key = f'api_key_env = "{key_env}"\n' if key_env else ""
    path = tmp / "c.toml"
    path.write_text(
        f'name = "allfail"\nprompts = "p.jsonl"\nmodels = ["{MODEL}"]\nstore = "store"\n'
        f'[sampling]\nmax_tokens = 8\n[providers.fault]\nbase_url = "{server.base_url}"\n'
        f'trust_env = false\nmax_retries = 0\n{key}[prices."{MODEL}"]\ninput = 2\noutput = 2\n'
    )
    return path


def test_a_run_where_every_call_fails_is_failed_and_says_why_in_one_line(
    tmp_path: Path, private_registry: ModelRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(UNSET, raising=False)
    with FaultServer(cost_per_token=COST_PER_TOKEN) as srv:
        result = run_campaign(_file(tmp_path, srv), progress=False, verbose=False)
        assert srv.request_count == 0  # refused before sending: no key
    assert result.status == "failed" and result.calls_made == 6 and result.successes == 0
    head = result.message.splitlines()[0]
    assert "FAILED" in head and "all 6 calls failed" in head and "missing_api_key x6" in head
    assert UNSET in head  # the fix: which variable to export
    with pytest.raises(ProviderError, match="all 6 calls failed"):
        result.raise_for_status()


def test_the_cli_exits_4_when_no_call_succeeds(
    tmp_path: Path,
    private_registry: ModelRegistry,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv(UNSET, raising=False)
    with FaultServer(cost_per_token=COST_PER_TOKEN) as srv:
        assert main(["campaign", "run", str(_file(tmp_path, srv)), "--no-progress"]) == 4
    assert "all 6 calls failed" in capsys.readouterr().err


def test_some_failures_and_one_success_still_complete(
    tmp_path: Path, private_registry: ModelRegistry
) -> None:
    with FaultServer(cost_per_token=COST_PER_TOKEN) as srv:
        srv.script(*[Fault.error(400)] * 5)  # 5 of 6 fail, one succeeds
        result = run_campaign(_file(tmp_path, srv, key_env=None), progress=False, verbose=False)
    assert result.status == "completed" and (result.successes, result.errors) == (1, 5)
    assert result.raise_for_status() is result


def test_nothing_left_to_do_is_completed_not_failed(tmp_path: Path) -> None:
    with FaultServer(cost_per_token=COST_PER_TOKEN) as srv:
        spec = CampaignSpec(name="done", prompts=prompts(2), models=[MODEL], store=tmp_path / "s")
        reg = fault_providers(srv)
        from .helpers import fault_models

        first = run_campaign(
            spec,
            progress=False,
            verbose=False,
            provider_registry=reg,
            model_registry=fault_models(),
        )
        again = run_campaign(
            spec,
            progress=False,
            verbose=False,
            provider_registry=reg,
            model_registry=fault_models(),
        )
    assert first.status == again.status == "completed" and again.calls_made == 0


def test_suggestions_for_a_typo_do_not_double_the_provider_prefix(
    private_registry: ModelRegistry,
) -> None:
    spec = CampaignSpec(name="typo", prompts=prompts(1), models=["local/smollm2-13m"])
    with pytest.raises(UnknownModelError) as info:
        run_campaign(spec, dry_run=True, verbose=False)
    assert "local/smollm2-135m" in info.value.suggestions
    assert not any(s.startswith("local/local/") for s in info.value.suggestions)
    assert "local/local/" not in str(info.value)
    spec = CampaignSpec(name="typo", prompts=prompts(1), models=["openrouter/openai/gpt-4o-mni"])
    with pytest.raises(UnknownModelError) as info:
        run_campaign(spec, dry_run=True, verbose=False)
    assert "openrouter/openai/gpt-4o-mini" in info.value.suggestions


def test_relative_paths_resolve_against_the_file_folder_from_any_cwd(
    tmp_path: Path, private_registry: ModelRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "camp").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "camp" / "p.jsonl").write_text(json.dumps(prompts(1)[0]) + "\n")
    (tmp_path / "camp" / "c.toml").write_text(
        'name = "rel"\nprompts = "p.jsonl"\nmodels = ["local/smollm2-135m"]\nstore = "runs"\n'
    )
    monkeypatch.chdir(tmp_path)
    spec = load_campaign_spec("camp/c.toml")  # a relative file path
    monkeypatch.chdir(tmp_path / "elsewhere")  # e.g. a notebook or scheduler's own folder
    assert Path(str(spec.prompts[0])) == tmp_path / "camp" / "p.jsonl"
    assert Path(spec.store) == tmp_path / "camp" / "runs"
    result = run_campaign(spec, dry_run=True, verbose=False)
    assert result.plan.n_prompts == 1
    assert not (tmp_path / "elsewhere" / "runs").exists() and os.listdir(".") == []


def test_errors_are_not_chained_to_the_event_loop_probe(private_registry: ModelRegistry) -> None:
    spec = CampaignSpec(name="typo", prompts=prompts(1), models=["nobody/nothing"])
    with pytest.raises(AigymError) as info:
        run_campaign(spec, dry_run=True, verbose=False)
    text = "".join(traceback.format_exception(info.value))
    assert "no running event loop" not in text
    assert info.value.__context__ is None or "event loop" not in str(info.value.__context__)

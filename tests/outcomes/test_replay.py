"""replay/<model>: a table served as a live endpoint, through real campaigns and the tracker."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from aigym.campaign import CampaignSpec, Sampling, run_campaign
from aigym.outcomes import (
    ITEM_ID_KEY,
    OutcomeTable,
    ReplayProvider,
    campaign_prompts,
    load_routellm,
    serve_replay,
)
from aigym.providers import BadRequestError, CompletionRequest, ProviderRegistry
from aigym.store import ParquetStore
from aigym.tracking import get_metric_tracker

from .conftest import run_replay


def _table() -> OutcomeTable:
    return OutcomeTable.from_records(
        [
            {
                "item_id": "a",
                "prompt": "2+2?",
                "model": "openai/gpt-4o-mini",
                "score": 0.75,
                "response": "4",
                "input_tokens": 5,
                "output_tokens": 1,
                "cost_usd": 0.001,
            },
            {
                "item_id": "a",
                "prompt": "2+2?",
                "model": "openai/gpt-4o",
                "score": 1.0,
                "input_tokens": 5,
                "output_tokens": 3,
                "cost_usd": 0.01,
            },
            {
                "item_id": "b",
                "prompt": "2+2?",
                "model": "openai/gpt-4o",
                "score": 0.0,
                "input_tokens": 5,
                "output_tokens": 9,
                "cost_usd": 0.02,
            },
        ]
    )


def _ask(model: str, prompt: str = "2+2?", **extra: object) -> CompletionRequest:
    return CompletionRequest.from_messages(
        model, [{"role": "user", "content": prompt}], max_tokens=8, extra=extra
    )


def test_serves_the_recorded_outcome() -> None:
    p = ReplayProvider(_table())
    c = p.complete(_ask("openai/gpt-4o-mini"))
    assert (c.text, c.prompt_tokens, c.completion_tokens) == ("4", 5, 1)
    assert c.cost_usd == 0.001 and c.quality_score == 75.0
    assert c.provider == "replay" and c.model == "openai/gpt-4o-mini"
    # no response text: a placeholder that says it is a replay
    c = p.complete(_ask("openai/gpt-4o"))
    assert "replay" in c.text and "item a" in c.text
    assert c.quality_score == 100.0
    # an item id in the request picks the item, over the (ambiguous) prompt text
    c = p.complete(_ask("openai/gpt-4o", **{ITEM_ID_KEY: "b"}))
    assert (c.quality_score, c.completion_tokens, c.cost_usd) == (0.0, 9, 0.02)
    # a registry alias of a served model works
    assert p.complete(_ask("gpt-4o-mini")).quality_score == 75.0


def test_unknown_model_or_prompt_is_a_bad_request() -> None:
    p = ReplayProvider(_table())
    with pytest.raises(BadRequestError, match="no outcomes of model") as e:
        p.complete(_ask("anthropic/claude-3-haiku"))
    assert "replay/openai/gpt-4o" in str(e.value)
    with pytest.raises(BadRequestError, match="no recorded outcome"):
        p.complete(_ask("openai/gpt-4o", "3+3?"))


def test_registered_from_outcomes_not_providers() -> None:
    reg = ProviderRegistry.with_defaults()
    assert "replay" in reg
    serve_replay(_table())
    p = reg.create("replay", max_concurrency=3)
    assert isinstance(p, ReplayProvider) and p.max_concurrency == 3
    assert p.models == ("openai/gpt-4o", "openai/gpt-4o-mini")


def test_providers_package_does_not_import_outcomes() -> None:
    import subprocess
    import sys

    code = "import sys, aigym.providers; print('aigym.outcomes' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_campaign_prompts_skip_repeated_texts() -> None:
    items = campaign_prompts(_table())
    assert items == [{"prompt_id": "a", "prompt": "2+2?"}]
    t = load_routellm("gsm8k")
    items = campaign_prompts(t)
    assert len(items) == len(t.item_ids())
    assert items[0]["task_type"] == "gsm8k"


def test_replay_campaign_lands_in_the_store_and_the_tracker_agrees(
    llmrouter_small: OutcomeTable, replay_store: ParquetStore
) -> None:
    table = llmrouter_small
    result = run_replay(table, replay_store)
    n = len(table.item_ids()) * len(table.models)
    assert (result.status, result.successes, result.errors) == ("completed", n, 0)
    rows = replay_store.scan_executions(campaign="replay-bakeoff", with_feedback=False).collect()
    assert rows.height == n
    assert set(rows["provider"].cast(pl.String)) == {"replay"}
    assert rows["latency_ms"].null_count() == 0
    # the tracker's cost analysis, per model: the same spend and calls as the table
    analysis = get_metric_tracker().get_cost_analysis(replay_store, days=1)
    by_model = {m.model_id: m for m in analysis.cost_by_model}
    want = table.per_model()
    assert sorted(by_model) == list(table.models)
    for r in want.iter_rows(named=True):
        got = by_model[r["model"]]
        assert got.n_executions == r["items"]
        assert got.total_cost_usd == pytest.approx(r["total_cost_usd"], rel=1e-12)
        assert got.avg_cost_usd == pytest.approx(r["mean_cost_usd"], rel=1e-12)
    assert analysis.total_cost_usd == pytest.approx(float(np.sum(table.cost_matrix())))
    # ... and the same mean quality (0-100) per model on the same prompts
    q = analysis.by_model_task.group_by("model_id").agg(pl.col("q_sum").sum(), pl.col("q_n").sum())
    for r in q.iter_rows(named=True):
        mean = float(want.filter(pl.col("model") == r["model_id"])["mean_score"][0])
        assert r["q_n"] == len(table.item_ids())
        assert r["q_sum"] / r["q_n"] == pytest.approx(100 * mean, rel=1e-12)
    assert analysis.n_unscored == 0


def test_rerun_resumes_and_unknown_prompts_become_error_rows(
    llmrouter_small: OutcomeTable, replay_store: ParquetStore
) -> None:
    table = llmrouter_small.select_models(llmrouter_small.models[:2])
    first = run_replay(table, replay_store, name="resume")
    again = run_replay(table, replay_store, name="resume")
    assert again.calls_made == 0 and again.plan.done == first.successes
    spec = CampaignSpec(
        name="stray",
        prompts=[{"prompt_id": "x", "prompt": "not in the table"}],
        models=[f"replay/{table.models[0]}"],
        sampling=Sampling(max_tokens=8),
        store=replay_store.root,
    )
    res = run_campaign(spec, store=replay_store, progress=False, verbose=False)
    assert (res.errors, res.successes) == (1, 0)
    assert "bad_request" in next(iter(res.error_types))
    assert not math.isnan(res.spent_usd)  # nothing charged for a refused replay
    assert float(res.spent_usd) == 0.0


def test_demo_replays_through_the_store(replay_store: ParquetStore) -> None:
    from aigym.demo import replay_routellm, run_replay_campaign

    t = load_routellm("gsm8k").split("test")
    t = t.select_items(t.item_ids()[:12])
    assert replay_routellm(replay_store, t) == len(t)
    rows = replay_store.scan_executions(campaign="routellm-replay").collect()
    assert rows["cost_usd"].sum() == pytest.approx(float(np.sum(t.cost_matrix())))
    assert rows["quality_score"].mean() == pytest.approx(100 * float(np.mean(t.score_matrix())))
    res = run_replay_campaign(replay_store, t, n_items=5, name="demo-replay")
    assert (res.successes, res.errors) == (10, 0)
    assert float(res.spent_usd) == pytest.approx(float(np.sum(t.cost_matrix()[:5])))


def test_plain_prompt_requests_and_the_registration_seam() -> None:
    from aigym.errors import ValidationError
    from aigym.providers import register_default_provider

    p = ReplayProvider(_table())
    c = p.complete(CompletionRequest.from_prompt("openai/gpt-4o-mini", "2+2?", max_tokens=4))
    assert c.text == "4"
    with pytest.raises(ValidationError, match="lowercase"):
        register_default_provider("Bad Name", ReplayProvider)
    with pytest.raises(ValidationError, match="callable"):
        register_default_provider("replay2", "not a factory")  # type: ignore[arg-type]
    # a provider created before serve_replay keeps the tables it was made with
    early = ProviderRegistry.with_defaults().create("replay")
    serve_replay(_table())
    assert early.models == ()  # type: ignore[attr-defined]
    with pytest.raises(BadRequestError, match="<none served>"):
        early.complete(_ask("openai/gpt-4o"))

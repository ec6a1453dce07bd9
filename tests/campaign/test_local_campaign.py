"""A real campaign against the embedded llama.cpp server: both local models, real tokens."""

from __future__ import annotations

import json
import time
from pathlib import Path

import polars as pl

from aigym.campaign import (
    CampaignSpec,
    Sampling,
    input_token_bound,
    latest_per_key,
    load_prompts,
    run_campaign,
)
from aigym.providers import LocalModelServer
from aigym.store import ParquetStore

from .helpers import DATA, CountingTransport

MODELS = ["local/smollm2-135m", "local/gemma3-270m"]


def test_campaign_on_both_local_models_lands_in_the_store_and_resumes_for_free(
    local_models: LocalModelServer, tmp_path: Path
) -> None:
    items = (
        load_prompts(DATA / "arithmetic.jsonl")[:10] + load_prompts(DATA / "factual_qa.jsonl")[:10]
    )
    spec = CampaignSpec(
        name="local-integration",
        prompts=items,
        models=MODELS,
        repeats=2,
        sampling=Sampling(max_tokens=8, temperature=0.7, seed=11),
        concurrency=4,
        store=tmp_path / "store",
    )
    sent = CountingTransport()
    provider = local_models.provider(max_concurrency=4, transport=sent)
    t0 = time.perf_counter()
    result = run_campaign(spec, providers={"local": provider}, progress=False, verbose=False)
    took = time.perf_counter() - t0
    print(f"\nlocal campaign: 80 calls on 2 models in {took:.1f} s")
    assert result.status == "completed" and result.calls_made == 80 == sent.count
    with ParquetStore(tmp_path / "store") as st:
        df = st.scan_executions(campaign="local-integration").collect()
    assert df.height == 80 and (df["status"] == "success").all()
    assert set(df["model_id"]) == set(MODELS) and set(df["provider"]) == {"local"}
    assert (df["prompt_tokens"] > 0).all()
    assert df["completion_tokens"].is_between(1, 8).all()
    assert (df["latency_ms"] > 0).all() and (df["attempts"] == 1).all()
    assert (df["cost_usd"] == 0).all()  # local models are free until given a notional price
    meta = [json.loads(m) for m in df["metadata"]]
    assert all(m["reference"] for m in meta)  # for scoring later
    assert sorted({(m["repeat"], m["seed"]) for m in meta}) == [(0, 11), (1, 12)]
    # The byte bound really bounds both tokenisers' input counts (few-shot template included).
    bounds = {
        (routes.provider_model, it.prompt): input_token_bound(
            provider, spec.sampling.request(routes.provider_model, it.prompt, 0), 64
        )
        for routes in result.plan.routes
        for it in items
    }
    for row in df.iter_rows(named=True):
        assert row["prompt_tokens"] <= bounds[(row["model_id"].split("/")[1], row["prompt"])]
    s = result.summary.sort("model_id")
    assert s["n"].to_list() == [40, 40] and s["errors"].to_list() == [0, 0]
    assert (s["latency_p50_ms"] > 0).all() and (s["latency_p99_ms"] >= s["latency_p50_ms"]).all()
    assert s["completion_tokens"].sum() == df["completion_tokens"].sum()
    # Re-running makes no call at all.
    again_sent = CountingTransport()
    again = run_campaign(
        spec,
        providers={"local": local_models.provider(max_concurrency=4, transport=again_sent)},
        progress=False,
        verbose=False,
    )
    assert again.calls_made == 0 and again_sent.count == 0 and again.plan.done == 80
    with ParquetStore(tmp_path / "store") as st:
        lf = st.scan_executions(campaign="local-integration")
        assert lf.select(pl.len()).collect().item() == 80
        assert latest_per_key(lf).select(pl.len()).collect().item() == 80

"""A router's picks replayed through campaigns and the store give the figures the evaluation
reports: the offline numbers are what the same calls would have cost and scored."""

from __future__ import annotations

import polars as pl
import pytest

from aigym.campaign import CampaignSpec, Sampling, run_campaign
from aigym.outcomes import (
    KnnRouter,
    campaign_prompts,
    evaluate_router,
    load_routellm,
    serve_replay,
)
from aigym.store import ParquetStore


def test_replaying_the_knn_picks_reproduces_the_fixed_split_figures(
    replay_store: ParquetStore,
) -> None:
    table = load_routellm("gsm8k")
    test = table.split("test")
    # the knob fixed at 0 (no inner tuning): the router's pick is its highest predicted quality
    ev = evaluate_router(
        KnnRouter(), table, folds=None, tune_folds=1, knobs=[0.0], resamples=100, name="knn"
    )
    assert ev.n_items == len(test.item_ids())
    row = ev.summary.filter(pl.col("policy") == "knn").row(0, named=True)

    fitted = KnnRouter().fit(table.split("train"))
    items = test.items
    picks = fitted.predict(items["prompt"].to_list()).route(0.0)
    assert len(set(picks)) == 2, "the picks should use both models for this check to mean much"
    serve_replay(table)
    for model in sorted(set(picks)):
        ids = [i for i, m in zip(items["item_id"].to_list(), picks, strict=True) if m == model]
        prompts = campaign_prompts(test.select_items(ids))
        assert len(prompts) == len(ids), "repeated prompt texts would be skipped by the replay"
        spec = CampaignSpec(
            name="routed-replay",
            prompts=prompts,
            models=[f"replay/{model}"],
            sampling=Sampling(max_tokens=512),
            store=replay_store.root,
        )
        result = run_campaign(spec, store=replay_store, progress=False, verbose=False)
        assert (result.successes, result.errors) == (len(ids), 0)
    replay_store.flush()

    rows = replay_store.scan_executions(campaign="routed-replay", with_feedback=False).collect()
    assert rows.height == ev.n_items
    assert rows["quality_score"].null_count() == 0
    assert rows["quality_score"].mean() / 100 == pytest.approx(row["quality"], rel=1e-9)
    assert rows["cost_usd"].mean() == pytest.approx(row["cost_usd"], rel=1e-9)

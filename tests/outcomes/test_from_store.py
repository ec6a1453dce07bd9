"""outcomes_from_store: a campaign's executions become an outcome table (and round-trip)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from aigym.campaign import CampaignSpec, Sampling, run_campaign
from aigym.errors import ValidationError
from aigym.outcomes import OutcomeTable, ReplayProvider, outcomes_from_store, prompt_item_id
from aigym.records import Execution, TaskMetrics
from aigym.scoring import rescore
from aigym.store import ParquetStore

from .conftest import run_replay


def test_round_trip_through_a_replay_campaign(
    llmrouter_small: OutcomeTable, replay_store: ParquetStore
) -> None:
    table = llmrouter_small
    run_replay(table, replay_store)
    back = outcomes_from_store(replay_store, campaign="replay-bakeoff")
    assert back.models == table.models
    assert set(back.item_ids()) == set(table.item_ids())
    back = back.select_items(table.item_ids())  # the same order, to compare matrices
    order = [back.item_ids().index(i) for i in table.item_ids()]
    np.testing.assert_allclose(back.score_matrix()[order], table.score_matrix(), rtol=1e-12)
    np.testing.assert_allclose(back.cost_matrix()[order], table.cost_matrix(), rtol=1e-12)
    key = ["item_id", "model"]
    a = table.frame.select(*key, "input_tokens", "output_tokens", "prompt").sort(key)
    b = back.frame.select(*key, "input_tokens", "output_tokens", "prompt").sort(key)
    assert a.equals(b)
    assert back.frame["repeats"].unique().to_list() == [1]
    assert not back.frame["cost_estimated"].any()  # costs as recorded in the store


def _exec(
    prompt: str, model: str, q: float | None, cost: float, pid: str | None = "p1"
) -> Execution:
    return Execution.from_metrics(
        TaskMetrics(
            model,
            "qa",
            10,
            20,
            5.0,
            cost,
            quality_score=q,
            prompt=prompt,
            prompt_id=pid,
            campaign="c",
            response=f"answer {q}",
        )
    )


def test_repeats_are_averaged_and_ids_fall_back_to_the_prompt_hash(
    replay_store: ParquetStore,
) -> None:
    rows = [
        _exec("Q one", "openai/gpt-4o", 100.0, 0.02),
        _exec("Q one", "openai/gpt-4o", 50.0, 0.04),
        _exec("Q one", "openai/gpt-4o-mini", 20.0, 0.001),
        _exec("Q two", "openai/gpt-4o", 10.0, 0.01, pid=None),
        _exec("Q two", "openai/gpt-4o-mini", None, 0.01, pid=None),  # unscored: left out
    ]
    replay_store.append("executions", rows)
    t = outcomes_from_store(replay_store, "c")
    assert t.item_ids() == ("p1", prompt_item_id("Q two"))
    s = t.score_matrix()
    assert s[0].tolist() == [0.75, 0.2]
    assert s[1, 0] == pytest.approx(0.1) and np.isnan(s[1, 1])
    assert t.cost_matrix()[0, 0] == pytest.approx(0.03)
    f = t.frame.filter(pl.col("item_id") == "p1").sort("model")
    assert f["repeats"].to_list() == [2, 1]
    assert f["response"][0] == "answer 100.0"  # the first response is kept


def test_a_scorer_overrides_record_time_quality(replay_store: ParquetStore) -> None:
    table = OutcomeTable.from_records(
        [
            {
                "item_id": "i1",
                "prompt": "Capital of France?",
                "model": m,
                "score": 0.5,
                "response": r,
                "cost_usd": 0.001,
            }
            for m, r in (("openai/gpt-4o", "Paris"), ("openai/gpt-4o-mini", "Lyon"))
        ]
    )
    spec = CampaignSpec(
        name="scored",
        prompts=[{"prompt_id": "i1", "prompt": "Capital of France?", "reference": "Paris"}],
        models=["replay/openai/gpt-4o", "replay/openai/gpt-4o-mini"],
        sampling=Sampling(max_tokens=8),
        store=replay_store.root,
    )
    run_campaign(
        spec,
        store=replay_store,
        progress=False,
        verbose=False,
        providers={"replay": ReplayProvider(table)},
    )
    replay_store.flush()
    assert outcomes_from_store(replay_store, "scored").score_matrix().tolist() == [[0.5, 0.5]]
    rescore(replay_store, campaign="scored", scorer="exact_match")
    replay_store.flush()
    t = outcomes_from_store(replay_store, "scored", scorer="exact_match")
    assert t.score_matrix().tolist() == [[1.0, 0.0]]
    # a scorer with no rows: the record-time quality stands
    t = outcomes_from_store(replay_store, "scored", scorer="token_f1")
    assert t.score_matrix().tolist() == [[0.5, 0.5]]


def test_empty_or_unusable_selections_say_why(replay_store: ParquetStore) -> None:
    with pytest.raises(ValidationError, match="no successful executions"):
        outcomes_from_store(replay_store, "nothing-here")
    replay_store.append("executions", [_exec("Q", "openai/gpt-4o", None, 0.0)])
    with pytest.raises(ValidationError, match="rescore"):
        outcomes_from_store(replay_store, "c")


def test_cache_hits_keep_the_replayed_quality(
    llmrouter_small: OutcomeTable, replay_store: ParquetStore
) -> None:
    table = llmrouter_small.select_models(llmrouter_small.models[:2])
    run_replay(table, replay_store, name="first")
    second = run_replay(table, replay_store, name="second")  # same requests: the response cache
    assert second.cache_hits == len(table) and second.calls_made == 0
    back = outcomes_from_store(replay_store, campaign="second")
    order = [back.item_ids().index(i) for i in table.item_ids()]
    np.testing.assert_allclose(back.score_matrix()[order], table.score_matrix(), rtol=1e-12)
    # the cost a model would have charged, not the cache's 0
    np.testing.assert_allclose(back.cost_matrix()[order], table.cost_matrix(), rtol=1e-12)

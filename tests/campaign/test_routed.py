"""Routed campaigns and routing-policy A/B arms, on replayed RouteLLM GSM8K outcomes (no network).

History: a fixed replay campaign of both models on the table's train items. Then a routed
campaign (`router:balanced`) on the test items, and an A/B test of `router:balanced` against
GPT-4 whose units are served through `serve_ab_unit` and recorded from the replay.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from aigym.abtest import ABTestConfig, ABTestManager
from aigym.campaign import CampaignSpec, run_campaign, serve_ab_unit
from aigym.errors import ValidationError
from aigym.outcomes import (
    KnnRouter,
    OutcomeTable,
    ReplayProvider,
    campaign_prompts,
    load_routellm,
)
from aigym.router import ModelRouter, RouterConfig
from aigym.store import ParquetStore

GPT4 = "openai/gpt-4-1106-preview"
MIXTRAL = "mistralai/mixtral-8x7b-instruct"
CANDIDATES = [f"replay/{GPT4}", f"replay/{MIXTRAL}"]


@pytest.fixture(scope="module")
def gsm8k() -> OutcomeTable:
    return load_routellm("gsm8k")


def _items(table: OutcomeTable, split: str, n: int) -> list[dict[str, Any]]:
    ids = set(table.frame.filter(pl.col("split") == split)["item_id"].to_list())
    return [p for p in campaign_prompts(table) if p["prompt_id"] in ids][:n]


@pytest.fixture
def store(tmp_path: Path, gsm8k: OutcomeTable) -> Iterator[ParquetStore]:
    """A store holding the replayed train outcomes of both models (the router's history)."""
    s = ParquetStore(tmp_path / "store", durability="none")
    spec = CampaignSpec(
        name="gsm8k-history", prompts=_items(gsm8k, "train", 120), models=CANDIDATES, store=s.root
    )
    res = run_campaign(
        spec, store=s, providers={"replay": ReplayProvider(gsm8k)}, progress=False, verbose=False
    )
    assert res.status == "completed" and res.successes == 240
    yield s
    s.close()


def _scores(table: OutcomeTable) -> dict[tuple[str, str], float]:
    f = table.frame
    return {(m, i): 100.0 * s for m, i, s in zip(f["model"], f["item_id"], f["score"], strict=True)}


def test_a_routed_replay_campaign_stores_each_prompts_decision(
    store: ParquetStore, gsm8k: OutcomeTable
) -> None:
    prompts = _items(gsm8k, "test", 40)
    spec = CampaignSpec(
        name="gsm8k-routed",
        prompts=prompts,
        models=["router:balanced"],
        candidates=CANDIDATES,
        store=store.root,
    )
    router = ModelRouter(models=[GPT4, MIXTRAL], config=RouterConfig(max_staleness_s=0))
    res = run_campaign(
        spec,
        store=store,
        providers={"replay": ReplayProvider(gsm8k)},
        router=router,
        progress=False,
        verbose=False,
    )
    assert res.status == "completed" and res.successes == len(prompts)
    assert res.plan.total_keys == len(prompts)  # one call per prompt, not one per candidate
    assert f"{len(prompts)} prompts x 1 models x 1 repeats = {len(prompts)} calls" in str(res.plan)
    rows = store.scan_executions(campaign="gsm8k-routed").collect()
    assert rows.height == len(prompts)
    truth = _scores(gsm8k)
    expected = {p["prompt_id"]: router.route("gsm8k", "balanced", store=store).id for p in prompts}
    for r in rows.iter_rows(named=True):
        routing = json.loads(r["metadata"])["routing"]
        assert routing["policy"] == "router:balanced" and routing["strategy"] == "balanced"
        assert routing["model_id"] == r["model_id"] == expected[r["prompt_id"]]
        assert routing["quality"]["n_history"] > 0  # the choice rested on the replayed history
        assert r["quality_score"] == pytest.approx(truth[(r["model_id"], r["prompt_id"])])
    # a re-run resumes: every key is done, nothing is routed into a second call
    again = run_campaign(
        spec,
        store=store,
        providers={"replay": ReplayProvider(gsm8k)},
        router=router,
        progress=False,
        verbose=False,
    )
    assert again.calls_made == 0 and again.plan.done == len(prompts)


def test_routed_spec_needs_candidates_and_candidates_need_a_policy() -> None:
    with pytest.raises(ValidationError, match="candidates"):
        CampaignSpec(name="x", prompts=["p.jsonl"], models=["router:balanced"])
    with pytest.raises(ValidationError, match="routing policy"):
        CampaignSpec(name="x", prompts=["p.jsonl"], models=[GPT4], candidates=[MIXTRAL])
    spec = CampaignSpec.from_dict(
        {"name": "x", "prompts": ["p.jsonl"], "models": ["router:fastest"], "candidates": [GPT4]}
    )
    assert spec.candidates == (GPT4,)


def test_ab_test_of_a_routing_policy_against_gpt4_on_replayed_outcomes(
    store: ParquetStore, gsm8k: OutcomeTable
) -> None:
    mgr = ABTestManager()
    config = ABTestConfig(
        test_name="balanced_vs_gpt4",
        task_type="gsm8k",
        variant_a_model=GPT4,
        variant_b_model="router:balanced",
        min_sample_size=20,
    )
    mgr.create_test(store, config)
    assert mgr.get_test(store, "balanced_vs_gpt4").config.variant_b_model == "router:balanced"
    # the policy routes per prompt: a kNN router fitted on the train split, for this task
    knn = KnnRouter().fit(OutcomeTable(gsm8k.frame.filter(pl.col("split") == "train")))
    router = ModelRouter(
        models=[GPT4, MIXTRAL],
        config=RouterConfig(max_staleness_s=0),
        per_prompt_routers={"gsm8k": knn},
    )
    replay = ReplayProvider(gsm8k)
    truth = _scores(gsm8k)
    served: dict[str, set[str]] = {"a": set(), "b": set()}
    expected_b: set[str] = set()
    with pytest.raises(ValidationError, match="routing policy"):
        mgr.record_variant_result(store, "balanced_vs_gpt4", "b", quality_score=1.0, cost_usd=0)
    for item in _items(gsm8k, "test", 120):
        unit = item["prompt_id"]
        s = serve_ab_unit(
            store, "balanced_vs_gpt4", unit, prompt=item["prompt"], router=router, manager=mgr
        )
        assert (s.decision is None) == (s.variant == "a")
        served[s.variant].add(s.model_id)
        if s.variant == "b":
            assert s.decision is not None and "KnnRouter" in s.decision.reasoning
            want = router.route("gsm8k", "balanced", store=store, prompt=item["prompt"])
            assert s.model_id == want.id
            expected_b.add(want.id)
        c = replay.complete(replay_request(s.model_id, item["prompt"]))
        assert c.quality_score == pytest.approx(truth[(s.model_id, unit)])
        mgr.record_variant_result(
            store,
            "balanced_vs_gpt4",
            s.variant,
            quality_score=c.quality_score,
            cost_usd=c.cost_usd,
            prompt_tokens=c.prompt_tokens,
            completion_tokens=c.completion_tokens,
            unit_id=unit,
            prompt_id=unit,
            model_id=s.model_id,
        )
    store.flush()
    assert served["a"] == {GPT4}
    assert served["b"] == expected_b == {GPT4, MIXTRAL}  # the policy used both models
    result = mgr.analyze_test(store, "balanced_vs_gpt4", engine="frequentist")
    rows = store.scan_executions().filter(pl.col("ab_test") == "balanced_vs_gpt4").collect()
    means = {
        v: float(g["quality_score"].mean())
        for (v,), g in rows.group_by("ab_variant")  # type: ignore[misc]
    }
    a, b = result.variant_a, result.variant_b
    assert b["model_id"] == "router:balanced"  # analysed as an arm like any other
    assert a["results"] + b["results"] == 120 and min(a["results"], b["results"]) > 20
    assert a["mean"] == pytest.approx(means["a"])
    assert b["mean"] == pytest.approx(means["b"])
    assert result.effect == pytest.approx(means["b"] - means["a"])


def replay_request(model: str, prompt: str) -> Any:
    from aigym.providers import CompletionRequest

    return CompletionRequest(model, 256, prompt=prompt)


def test_abtest_keeps_policy_arms_opaque_and_never_imports_the_router(tmp_path: Path) -> None:
    import ast

    import aigym.abtest

    pkg = Path(aigym.abtest.__file__).parent
    for path in pkg.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("aigym.router"), path
    config = ABTestConfig("p_vs_m", "gsm8k", "router:balanced", GPT4)
    assert config.variant_a_model == "router:balanced"
    with pytest.raises(ValidationError, match="strategy"):
        ABTestConfig("p_vs_m", "gsm8k", "router:", GPT4)
    with ParquetStore(tmp_path / "s", durability="none") as store:
        mgr = ABTestManager()
        mgr.create_test(store, config)  # not looked up in the registry
        assert mgr.get_test(store, "p_vs_m").config.variant_a_model == "router:balanced"
        with pytest.raises(ValidationError, match="this variant's model"):
            mgr.record_variant_result(
                store, "p_vs_m", "b", quality_score=1.0, cost_usd=0, model_id=MIXTRAL
            )

"""Strategies, constraints, the no-model path, fallback, councils and the decision's face."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from aigym.errors import AigymError, NoModelQualifiesError, ValidationError
from aigym.registry import ModelRegistry
from aigym.router import ModelRouter, RoutingDecision
from aigym.router._estimates import balanced_score
from aigym.store import ParquetStore
from tests.router.helpers import (
    ALPHA,
    ALPHA_MINI,
    BETA,
    DELTA,
    GAMMA,
    NOW,
    TASK,
    history,
    write,
)


@pytest.fixture
def measured(store: ParquetStore) -> ParquetStore:
    """3,000 calls per model: the data, not the priors, decides (hand-picked winners).

    alpha: best quality, dearest, slow; beta: cheapest; gamma: fastest; alpha-mini: good
    and mid-priced (the balanced pick); delta: poor quality.
    """
    write(store, history(ALPHA, 3000, 95.0, cost=0.05, latency=4000.0, end=NOW))
    write(store, history(BETA, 3000, 60.0, cost=0.0001, latency=2500.0, end=NOW))
    write(store, history(GAMMA, 3000, 50.0, cost=0.002, latency=200.0, end=NOW))
    write(store, history(ALPHA_MINI, 3000, 88.0, cost=0.0005, latency=900.0, end=NOW))
    write(store, history(DELTA, 3000, 40.0, cost=0.003, latency=3000.0, end=NOW))
    return store


@pytest.mark.parametrize(
    ("strategy", "winner"),
    [("best_quality", ALPHA), ("best_cost", BETA), ("fastest", GAMMA), ("balanced", ALPHA_MINI)],
)
def test_each_strategy_picks_its_known_winner(
    router: ModelRouter, measured: ParquetStore, strategy: str, winner: str
) -> None:
    d = router.route(TASK, strategy, store=measured, now=NOW)
    assert d.id == winner
    assert d.strategy == strategy
    assert len(d.alternatives) == 4
    scores = [e.score for e in d.ranked]
    assert scores == sorted(scores, reverse=True)


def test_balanced_score_is_the_stated_formula(router: ModelRouter, measured: ParquetStore) -> None:
    d = router.route(TASK, "balanced", store=measured, now=NOW)
    for e in d.ranked:
        q, c, lat = e.quality.mean, e.cost_per_request.mean, e.latency_ms.mean
        assert e.score == pytest.approx(balanced_score(q, c, lat))
    # alpha-mini by hand: quality (20 * 60 + 3000 * 88) / 3020, cost ~0.0005, latency ~900
    q = (20 * 60 + 3000 * 88) / 3020
    assert d.quality.mean == pytest.approx(q, rel=1e-5)
    cost_score = -__import__("math").log10(d.cost_per_request.mean) / 5
    speed = (4 - __import__("math").log10(d.latency_ms.mean)) / 2
    assert d.estimate.score == pytest.approx(0.5 * q / 100 + 0.3 * cost_score + 0.2 * speed)


def test_prior_only_ranking_without_a_store(router: ModelRouter) -> None:
    d = router.route(TASK, "best_quality")
    assert d.id == ALPHA  # tier 4
    assert d.quality.mean == pytest.approx(80.0)
    assert d.quality.source == "prior" and d.quality.n_history == 0
    assert d.quality.n_prior == 20
    assert router.route(TASK, "fastest").id == GAMMA  # 300 ms prior
    assert router.route(TASK, "best_cost").id == BETA  # cheapest price


def test_each_constraint_excludes_with_its_reason(
    router: ModelRouter, measured: ParquetStore
) -> None:
    d = router.route(TASK, "best_cost", store=measured, now=NOW, min_quality_score=85.0)
    assert d.id == ALPHA_MINI
    why = {x.model_id: x for x in d.excluded}
    assert why[BETA].constraint == "min_quality_score" and "< 85" in why[BETA].reason

    d = router.route(
        TASK, "best_quality", store=measured, now=NOW, max_cost_per_request=Decimal("0.01")
    )
    assert d.id == ALPHA_MINI
    assert {x.model_id: x.constraint for x in d.excluded}[ALPHA] == "max_cost_per_request"

    d = router.route(TASK, "best_quality", store=measured, now=NOW, max_latency_ms=500)
    assert d.id == GAMMA
    assert {x.constraint for x in d.excluded} == {"max_latency_ms"}
    assert len(d.excluded) == 4

    d = router.route(
        TASK, "best_quality", store=measured, now=NOW, required_capabilities=["vision"]
    )
    assert d.id == DELTA
    assert all(x.constraint == "required_capabilities" for x in d.excluded)

    d = router.route(TASK, "best_quality", store=measured, now=NOW, exclude=["alpha"])  # alias
    assert d.id == ALPHA_MINI
    assert [(x.model_id, x.constraint) for x in d.excluded] == [(ALPHA, "exclude")]
    assert ("exclude", [ALPHA]) in d.constraints


def test_task_capabilities_exclude_models(router: ModelRouter) -> None:
    d = router.route("code_generation", "balanced")
    assert d.id == ALPHA  # the only code model
    assert {x.model_id for x in d.excluded} == {ALPHA_MINI, BETA, GAMMA, DELTA}
    assert "code_generation" in d.excluded[0].reason


def test_no_model_qualifies_names_constraint_closest_and_relaxation(
    router: ModelRouter, measured: ParquetStore
) -> None:
    with pytest.raises(NoModelQualifiesError) as ei:
        router.route(TASK, "best_quality", store=measured, now=NOW, min_quality_score=99.0)
    e = ei.value
    assert isinstance(e, AigymError)
    assert e.constraint == "min_quality_score"
    assert e.counts == {"min_quality_score": 5}
    assert e.closest[0] == ALPHA
    assert "route_with_fallback" in str(e) and ALPHA in str(e)
    relaxed = e.relaxations["min_quality_score"]
    assert isinstance(relaxed, float) and relaxed < 99.0
    d = router.route(TASK, "best_quality", store=measured, now=NOW, min_quality_score=relaxed)
    assert d.id == ALPHA  # the relaxation admits the closest model

    with pytest.raises(NoModelQualifiesError) as ei:
        router.route(
            TASK,
            "best_quality",
            store=measured,
            now=NOW,
            min_quality_score=90.0,
            max_cost_per_request=0.0002,
        )
    e = ei.value
    assert set(e.relaxations) <= {"min_quality_score", "max_cost_per_request"}
    kwargs = {"min_quality_score": 90.0, "max_cost_per_request": 0.0002, **e.relaxations}
    d = router.route(TASK, "best_quality", store=measured, now=NOW, **kwargs)  # type: ignore[arg-type]
    assert d.id == e.closest[0]


def test_capability_nobody_has(router: ModelRouter) -> None:
    with pytest.raises(NoModelQualifiesError) as ei:
        router.route(TASK, required_capabilities=["function_calling"])
    assert ei.value.constraint == "required_capabilities"
    assert ei.value.counts == {"required_capabilities": 5}


def test_fallback_relaxes_limits_and_says_so(router: ModelRouter, measured: ParquetStore) -> None:
    d = router.route_with_fallback(
        TASK,
        "best_quality",
        "balanced",
        store=measured,
        now=NOW,
        min_quality_score=99.0,
        max_cost_per_request=0.0001,
    )
    assert d.strategy == "balanced" and d.id == ALPHA_MINI
    assert d.fallback_from == "best_quality: min_quality_score"
    assert "Fallback" in d.reasoning and "min_quality_score" in d.reasoning
    ok = router.route_with_fallback(TASK, "best_quality", "balanced", store=measured, now=NOW)
    assert ok.strategy == "best_quality" and ok.fallback_from is None and ok.id == ALPHA
    # hard constraints still hold in the fallback
    d = router.route_with_fallback(
        TASK,
        "best_quality",
        "best_cost",
        store=measured,
        now=NOW,
        min_quality_score=99.0,
        exclude=[BETA],
    )
    assert d.id != BETA and d.strategy == "best_cost"


def test_council_prefers_distinct_providers(router: ModelRouter, measured: ParquetStore) -> None:
    plain = router.route_council(
        TASK, 2, diversity="none", strategy="best_quality", store=measured, now=NOW
    )
    assert plain.model_ids == (ALPHA, ALPHA_MINI)  # both acme
    c = router.route_council(TASK, 3, strategy="best_quality", store=measured, now=NOW)
    assert c.model_ids == (ALPHA, BETA, GAMMA)  # alpha-mini skipped: acme already sits
    assert len(set(c.providers)) == 3
    assert "3 providers" in c.reasoning
    c5 = router.route_council(TASK, 5, strategy="best_quality", store=measured, now=NOW)
    assert c5.model_ids[:4] == (ALPHA, BETA, GAMMA, DELTA) and c5.model_ids[4] == ALPHA_MINI
    assert "repeat" in c5.reasoning
    assert [m.id for m in c5] == list(c5.model_ids) and c5[0].id == ALPHA
    with pytest.raises(ValidationError):
        router.route_council(TASK, 0)


def test_decision_works_where_the_spec_uses_the_model(
    router: ModelRouter, registry: ModelRegistry, measured: ParquetStore
) -> None:
    d = router.route(TASK, "best_quality", store=measured, now=NOW)
    assert isinstance(d, RoutingDecision)
    assert d.id == d.model.id == ALPHA
    assert d.calculate_cost(1200, 800) == registry.get(ALPHA).calculate_cost(1200, 800)
    assert d.quality.n_history == 3000 and d.quality.source == "history"
    assert d.quality.low <= d.quality.mean <= d.quality.high
    # the cost prior is the price at the task's observed token mix (1000 in, 500 out)
    prior = 10 * 1000 / 1e6 + 30 * 500 / 1e6
    assert d.cost_per_request.mean == pytest.approx((5 * prior + 3000 * 0.05) / 3005, rel=1e-5)
    assert type(d.quality.mean) is float
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.strategy = "x"  # type: ignore[misc]
    html = d._repr_html_()
    assert "<table>" in html and ALPHA in html and "highest estimated quality" in html
    assert "3000 scored calls" in d.reasoning


def test_bad_input_is_refused(router: ModelRouter) -> None:
    with pytest.raises(ValidationError):
        router.route(TASK, "cheapest-ish")
    with pytest.raises(ValidationError):
        router.route(TASK, min_quality_score=-1)
    with pytest.raises(ValidationError):
        router.route(TASK, required_capabilities=["telepathy"])


def test_a_newly_registered_model_is_routed_to(
    router: ModelRouter, registry: ModelRegistry, measured: ParquetStore
) -> None:
    assert router.route(TASK, "best_cost", store=measured, now=NOW).id == BETA
    spec = registry.get(BETA)
    registry.register(
        dataclasses.replace(spec, id="zeta/free", name="free", provider="zeta", aliases=(),
                            input_price_per_mtok=Decimal(0), output_price_per_mtok=Decimal(0))
    )  # fmt: skip
    d = router.route(TASK, "best_cost", store=measured, now=NOW)
    assert d.id == "zeta/free" and d.cost_per_request.source == "prior"


def test_decision_summary_is_json_ready(router: ModelRouter, measured: ParquetStore) -> None:
    import json

    d = router.route(TASK, "best_quality", store=measured, now=NOW, exclude=[BETA])
    out = json.loads(json.dumps(d.to_dict()))
    assert out["model_id"] == ALPHA and out["runner_up"] == ALPHA_MINI
    assert out["quality"]["n_history"] == 3000 and out["excluded"] == 1
    assert out["decided_at"] == NOW.isoformat()

"""Learning from history: shrinkage toward data, recency, feedback, and cool-downs."""

from __future__ import annotations

import datetime as dt

import pytest

from aigym.records import Execution, Feedback
from aigym.registry import ModelRegistry
from aigym.router import ModelRouter, RouterConfig
from aigym.store import ParquetStore
from tests.router.helpers import (
    ALPHA,
    ALPHA_MINI,
    BETA,
    GAMMA,
    NOW,
    TASK,
    execution,
    history,
    write,
)

DAY = dt.timedelta(days=1)


@pytest.mark.parametrize(("n", "winner"), [(3, ALPHA), (3000, GAMMA)])
def test_three_calls_do_not_beat_a_strong_prior_three_thousand_do(
    router: ModelRouter, store: ParquetStore, n: int, winner: str
) -> None:
    # gamma's prior is 40 (tier 2), alpha's 80 (tier 4); gamma scores 100 every time
    write(store, history(GAMMA, n, 100.0, end=NOW))
    d = router.route(TASK, "best_quality", store=store, now=NOW)
    assert d.id == winner
    g = next(e for e in d.ranked if e.model_id == GAMMA)
    w = g.quality.n_effective
    assert w == pytest.approx(n, rel=1e-3)  # seconds-old calls weigh ~1 each
    assert g.quality.mean == pytest.approx((20 * 40 + w * 100) / (20 + w))
    assert g.quality.n_history == n and g.quality.n_prior == 20
    assert g.quality.source == ("prior+history" if n == 3 else "history")


def test_prior_strength_is_a_stated_setting(registry: ModelRegistry, store: ParquetStore) -> None:
    write(store, history(GAMMA, 3, 100.0, end=NOW))
    weak = ModelRouter(registry, config=RouterConfig(prior_strength=0.5))
    assert weak.route(TASK, "best_quality", store=store, now=NOW).id == GAMMA


def test_recency_half_life(registry: ModelRegistry, store: ParquetStore) -> None:
    # alpha-mini was excellent 300 days ago and poor this week; beta is steady at 75
    write(store, history(ALPHA_MINI, 500, 98.0, end=NOW - 300 * DAY))
    write(store, history(ALPHA_MINI, 100, 50.0, end=NOW - DAY))
    write(store, history(BETA, 500, 75.0, end=NOW - DAY))
    models = [ALPHA_MINI, BETA]
    recent = ModelRouter(registry, models=models, config=RouterConfig(half_life_days=30))
    forever = ModelRouter(registry, models=models, config=RouterConfig(half_life_days=None))
    d = recent.route(TASK, "best_quality", store=store, now=NOW)
    assert d.id == BETA
    m = next(e for e in d.ranked if e.model_id == ALPHA_MINI).quality
    w_old, w_new = 500 * 0.5 ** (300 / 30), 100 * 0.5 ** (1 / 30)
    assert m.n_effective == pytest.approx(w_old + w_new, rel=1e-3)
    mean = (20 * 60 + w_old * 98 + w_new * 50) / (20 + w_old + w_new)
    assert m.mean == pytest.approx(mean, rel=1e-4)
    d = forever.route(TASK, "best_quality", store=store, now=NOW)
    assert d.id == ALPHA_MINI  # (20*60 + 500*98 + 100*50) / 620 = 89.0
    assert d.quality.mean == pytest.approx((20 * 60 + 500 * 98 + 100 * 50) / 620)


def test_feedback_is_folded_in(router: ModelRouter, store: ParquetStore) -> None:
    a = history(ALPHA_MINI, 30, 80.0, end=NOW)
    b = history(BETA, 30, 79.0, end=NOW)
    write(store, a + b)
    models = ModelRouter(
        router.registry, models=[ALPHA_MINI, BETA], config=RouterConfig(max_staleness_s=0)
    )
    assert models.route(TASK, "best_quality", store=store, now=NOW).id == ALPHA_MINI
    # users reject most of alpha-mini's answers and rate beta's highly
    fb = [
        Feedback.create(e.execution_id, approved=False, timestamp=NOW - DAY / 100) for e in a[:20]
    ]
    fb += [
        Feedback.create(e.execution_id, user_rating=5.0, timestamp=NOW - DAY / 100) for e in b[:10]
    ]
    store.append("feedback", fb)
    d = models.route(TASK, "best_quality", store=store, now=NOW)
    assert d.id == BETA
    got = {e.model_id: e for e in d.ranked}
    assert got[ALPHA_MINI].quality.n_feedback == 20
    assert got[ALPHA_MINI].approval_rate == 0.0
    assert got[BETA].quality.n_feedback == 10 and got[BETA].approval_rate is None
    # the latest verdict per execution counts: 20 later approvals replace the rejections
    later = [
        Feedback.create(e.execution_id, approved=True, timestamp=NOW - DAY / 200) for e in a[:20]
    ]
    store.append("feedback", later)
    d = models.route(TASK, "best_quality", store=store, now=NOW)
    again = {e.model_id: e for e in d.ranked}
    assert again[ALPHA_MINI].approval_rate == 100.0
    assert again[ALPHA_MINI].quality.n_feedback == 20
    assert d.id == ALPHA_MINI


def _fails(
    model: str,
    start: dt.datetime,
    n: int,
    *,
    gap_s: float = 5.0,
    error_type: str = "rate_limit",
    http_status: int | None = 429,
) -> list[Execution]:
    return [
        execution(
            model,
            start + dt.timedelta(seconds=i * gap_s),
            status="error",
            error_type=error_type,
            http_status=http_status,
        )
        for i in range(n)
    ]


def test_cooldown_after_transient_failures(router: ModelRouter, store: ParquetStore) -> None:
    write(store, history(ALPHA, 50, 95.0, end=NOW - DAY))
    t0 = NOW - dt.timedelta(seconds=60)
    write(store, _fails(ALPHA, t0, 3))  # three 429s within 10 s, the last at t0 + 10 s
    d = router.route(TASK, "best_quality", store=store, now=NOW)
    assert d.id != ALPHA
    x = next(x for x in d.excluded if x.model_id == ALPHA)
    assert x.constraint == "cooldown" and "3 transient failures" in x.reason
    assert "cooling down" in d.reasoning
    after = t0 + dt.timedelta(seconds=10 + 300 + 1)
    assert router.route(TASK, "best_quality", store=store, now=after).id == ALPHA


@pytest.mark.parametrize(
    ("rows", "cooled"),
    [
        ("two", False),  # fewer than allowed_fails
        ("spread", False),  # three failures, but over more than the 60 s window
        ("recovered", False),  # a success after the failures
        ("5xx", True),
        ("timeout", True),
        ("bad_request", False),  # the caller's fault, not the endpoint's
    ],
)
def test_cooldown_rules(router: ModelRouter, store: ParquetStore, rows: str, cooled: bool) -> None:
    write(store, history(ALPHA, 10, 95.0, end=NOW - DAY))
    t0 = NOW - dt.timedelta(seconds=100)
    batch = {
        "two": _fails(ALPHA, t0, 2),
        "spread": _fails(ALPHA, t0, 3, gap_s=40.0),
        "recovered": [*_fails(ALPHA, t0, 3), execution(ALPHA, t0 + dt.timedelta(seconds=30))],
        "5xx": _fails(ALPHA, t0, 3, error_type="http_error", http_status=503),
        "timeout": _fails(ALPHA, t0, 3, error_type="timeout", http_status=None),
        "bad_request": _fails(ALPHA, t0, 3, error_type="bad_request", http_status=400),
    }[rows]
    write(store, batch)
    d = router.route(TASK, "best_quality", store=store, now=NOW)
    assert (d.id != ALPHA) is cooled

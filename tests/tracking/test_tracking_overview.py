"""dashboard() and get_recent(): totals, trend, quality by task; newest rows with feedback."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from aigym.store import ParquetStore
from aigym.tracking import Dashboard, RecentExecutions, dashboard

from .helpers import GPT4O, MINI, SONNET, UNTIL, add_arm, at, execution, feedback


@pytest.fixture
def filled(store: ParquetStore) -> ParquetStore:
    add_arm(store, GPT4O, "email_writing", [80.0, 90.0] * 10, [0.05] * 20, day=3)  # $1.00
    add_arm(store, MINI, "email_writing", [70.0, 60.0] * 10, [0.01] * 20, day=2)  # $0.20
    add_arm(store, SONNET, "code_generation", [95.0, None] * 3, [0.1] * 6, day=1)  # $0.60
    store.append(
        "executions",
        [execution(MINI, "code_generation", at(1, 60), cost=0.02, status="error")],
    )
    return store


def test_dashboard_overview(filled, tracker):
    d = tracker.dashboard(filled, days=7, until=UNTIL)
    assert isinstance(d, Dashboard)
    assert (d.n_executions, d.n_models, d.n_tasks) == (47, 3, 2)
    assert d.total_cost_usd == pytest.approx(1.82)
    assert d.error_rate == pytest.approx(100 / 47)
    assert d.avg_quality_score == pytest.approx((20 * 85 + 20 * 65 + 3 * 95) / 43)
    assert d.n_unscored == 3
    top = d.to_polars("top_models")
    assert top["model_id"].to_list() == [MINI, GPT4O, SONNET]  # by executions: 21, 20, 6
    assert top["error_rate"].to_list() == pytest.approx([100 / 21, 0.0, 0.0])
    trend = d.to_polars("trend")
    assert trend.height == 7 and trend["total_cost_usd"].sum() == pytest.approx(1.82)
    assert trend.filter(trend["n_executions"] == 0)["avg_cost_usd"].null_count() == 4
    q = {r["task_type"]: r for r in d.quality_by_task.iter_rows(named=True)}
    assert q["email_writing"]["avg_quality_score"] == pytest.approx(75.0)
    assert q["email_writing"]["best_model"] == GPT4O
    assert q["code_generation"]["best_model"] is None  # fewer than 10 scored rows
    totals = d.to_polars("totals")
    assert totals.height == 1 and totals["n_executions"][0] == 47
    json.dumps(d.to_dict(), default=str)  # the endpoint's payload
    assert "Dashboard" in repr(d) and "top models" in repr(d)


def test_dashboard_agrees_with_cost_analysis(filled, tracker):
    d = dashboard(filled, days=7, until=UNTIL)
    a = tracker.get_cost_analysis(filled, days=7, until=UNTIL)
    assert d.total_cost_usd == pytest.approx(a.total_cost_usd)
    assert d.n_executions == a.n_executions
    assert d.n_unscored == a.n_unscored == 3


def test_dashboard_empty(store, tracker):
    d = tracker.dashboard(store, days=7, until=UNTIL)
    assert d.n_executions == 0 and d.total_cost_usd == 0.0
    assert "no executions" in repr(d)
    assert d.top_models.height == 0 and d.trend.height == 7


def test_recent_newest_first_with_latest_feedback(filled, tracker):
    newest = execution(GPT4O, "email_writing", at(0, -1), cost=0.3, quality=50.0)
    filled.append("executions", [newest])
    eid = newest.execution_id
    filled.append(
        "feedback",
        [feedback(eid, at(0, -0.5), approved=True, comment="ok"),
         feedback(eid, at(0, -0.2), approved=False, edit_distance=4, comment="edited")],
    )  # fmt: skip
    r = tracker.get_recent(filled, 5, until=UNTIL)
    assert isinstance(r, RecentExecutions) and len(r) == 5
    assert r[0]["execution_id"] == eid
    assert (r[0]["approved"], r[0]["edit_distance"], r[0]["feedback_comment"]) == (
        False,
        4,
        "edited",
    )
    times = [row["timestamp"] for row in r]
    assert times == sorted(times, reverse=True)
    assert r[1]["model_id"] == MINI and r[1]["status"] == "error"
    assert r[1]["approved"] is None and r[1]["quality"] is None
    assert "prompt" not in r.to_polars().columns
    assert "RecentExecutions" in repr(r)


def test_recent_spans_partitions_and_filters(filled, tracker):
    r = tracker.get_recent(filled, 30, until=UNTIL, model_id=GPT4O)
    assert len(r) == 20 and set(r.to_polars()["model_id"]) == {GPT4O}
    everything = tracker.get_recent(filled, 1000, until=UNTIL)
    assert len(everything) == 47
    assert everything.to_pandas().shape[0] == 47
    text = tracker.get_recent(filled, 2, until=UNTIL, include_text=True)
    assert {"prompt", "response"} <= set(text.to_polars().columns)
    before = tracker.get_recent(filled, 10, until=at(1))  # until is exclusive
    assert all(row["timestamp"] < at(1) for row in before)
    email = tracker.get_recent(filled, 100, until=UNTIL, task_type="email_writing")
    assert len(email) == 40


def test_recent_empty_and_bad_limit(store, tracker):
    r = tracker.get_recent(store, until=UNTIL)
    assert len(r) == 0 and "no executions" in repr(r)
    assert "execution_id" in r.to_polars().columns
    from aigym.errors import ValidationError

    with pytest.raises(ValidationError):
        tracker.get_recent(store, 0)


def test_recent_default_until_is_now(store, tracker):
    from .test_tracking_record import metrics

    tracker.record_execution(store, metrics())
    r = tracker.get_recent(store)
    assert len(r) == 1 and r.until <= dt.datetime.now(dt.UTC)

"""get_model_stats and get_task_comparison on a store whose every figure is known by hand."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats as sps

from aigym.records import TaskMetrics
from aigym.scoring import primary_scorers
from aigym.store import ParquetStore
from aigym.tracking import MetricTracker, TaskComparison, get_task_comparison

from .helpers import GPT4O, MINI, SINCE, SONNET, UNTIL, at, execution, feedback, score

LAT = [100.0, 200.0, 300.0, 400.0, 1000.0]


@pytest.fixture
def ids(store: ParquetStore) -> list[str]:
    """gpt-4o on email_writing: five rows in the window, two just outside it; see asserts."""
    rows = [
        execution(GPT4O, "email_writing", SINCE, cost=0.01, latency=100, quality=80,
                  completion_tokens=10, user_approved=True),  # on `since`: inside
        execution(GPT4O, "email_writing", at(20), cost=0.02, latency=200, quality=90,
                  completion_tokens=20, user_approved=False),
        execution(GPT4O, "email_writing", at(10), cost=0.03, latency=300, quality=None,
                  completion_tokens=30),  # success, unscored
        execution(GPT4O, "email_writing", at(10, 5), cost=0.04, latency=400, quality=70,
                  completion_tokens=40),
        execution(GPT4O, "email_writing", at(1), cost=0.10, latency=1000, status="error",
                  completion_tokens=50),
        execution(GPT4O, "email_writing", UNTIL, cost=9.0, quality=0),  # on `until`: outside
        execution(GPT4O, "email_writing", at(30, -1), cost=9.0, quality=0),  # before since
        execution(MINI, "email_writing", at(2), cost=0.001, latency=50, quality=60),
        execution(MINI, "email_writing", at(2, 1), cost=0.003, latency=70, quality=64),
        execution(GPT4O, "code_generation", at(3), cost=0.5, latency=2000, quality=95),
    ]  # fmt: skip
    store.append("executions", rows)
    e = [r.execution_id for r in rows]
    store.append(
        "feedback",
        [
            feedback(e[1], at(19), approved=True),
            feedback(e[1], at(18), approved=False, edit_distance=7),  # latest counts
            feedback(e[2], at(9), approved=True, edit_distance=3, user_rating=4.0),
            feedback(e[3], UNTIL, approved=False),  # recorded at `until`: not yet known
        ],
    )
    return e


def test_model_stats_by_hand(store, tracker, ids):
    s = tracker.get_model_stats(store, GPT4O, "email_writing", days=30, until=UNTIL)
    assert (s.n_executions, s.n_success, s.n_error) == (5, 4, 1)
    assert s.success_rate == pytest.approx(80.0) and s.error_rate == pytest.approx(20.0)
    assert s.total_cost_usd == pytest.approx(0.20) and s.avg_cost_usd == pytest.approx(0.04)
    assert s.avg_latency_ms == pytest.approx(400.0)
    assert s.median_latency_ms == pytest.approx(300.0)
    assert s.p95_latency_ms == pytest.approx(880.0)  # 400 + 0.8 * (1000 - 400)
    assert s.p95_latency_ms == pytest.approx(np.percentile(LAT, 95))
    assert s.avg_quality_score == pytest.approx(80.0)  # 80, 90, 70; error row not scored
    assert (s.n_scored, s.n_unscored, s.n_from_scorer) == (3, 1, 0)
    lo, hi = sps.t.interval(0.95, 2, loc=80.0, scale=sps.sem([80, 90, 70]))
    assert s.quality_interval == pytest.approx((lo, hi))
    # approval: row0 record-time True, row1 latest feedback False, row2 feedback True
    assert s.n_approval_verdicts == 3
    assert s.approval_rate == pytest.approx(200 / 3)
    assert s.avg_edit_distance == pytest.approx(5.0) and s.n_edit_distance == 2
    assert s.avg_user_rating == pytest.approx(4.0) and s.n_user_rating == 1
    assert s.total_prompt_tokens == 500 and s.total_completion_tokens == 150
    assert s.total_tokens == 650
    assert s["approval_rate"] == s.approval_rate  # dict-style access too
    assert "gpt-4o" in repr(s) and "66.7%" in repr(s)


def test_model_stats_all_tasks_and_alias(store, tracker, ids):
    s = tracker.get_model_stats(store, "gpt-4o", days=30, until=UNTIL)  # alias resolved
    assert s.model_id == GPT4O and s.task_type is None
    assert s.n_executions == 6
    assert s.total_cost_usd == pytest.approx(0.70)


def test_model_stats_frame(store, tracker, ids):
    df = tracker.get_model_stats(store, GPT4O, "email_writing", until=UNTIL).to_polars()
    assert df.height == 1
    assert df["p95_latency_ms"][0] == pytest.approx(880.0)
    assert df["quality_low"][0] < 80 < df["quality_high"][0]
    pdf = tracker.get_model_stats(store, GPT4O, until=UNTIL).to_pandas()
    assert list(pdf["n_executions"]) == [6]


def test_empty_window_is_a_clear_empty_result(store, tracker, ids):
    s = tracker.get_model_stats(store, GPT4O, days=1, until=SINCE - dt.timedelta(days=2))
    assert s.empty and s.n_executions == 0 and s.total_cost_usd == 0.0
    assert "no executions in this window" in repr(s)
    assert s.to_polars().height == 0
    with pytest.warns(UserWarning, match="no executions of task_type 'conversation'"):
        c = tracker.get_task_comparison(store, "conversation", until=UNTIL)
    assert len(c) == 0 and list(c) == [] and c.best is None
    assert "no executions" in repr(c) and c.to_polars().height == 0


def test_results_reproducible_at_fixed_until(store, tracker, ids):
    a = tracker.get_model_stats(store, GPT4O, "email_writing", until=UNTIL).to_dict()
    tracker.record_execution(store, _late_metrics())  # recorded now, after UNTIL
    store.append("feedback", [feedback(ids[0], UNTIL, approved=False)])
    b = tracker.get_model_stats(store, GPT4O, "email_writing", until=UNTIL).to_dict()
    assert a == b


def _late_metrics() -> TaskMetrics:
    return TaskMetrics(GPT4O, "email_writing", 1, 1, 1.0, 5.0, quality_score=1.0)


# ----------------------------------------------------------------------- scorer


def test_scores_override_record_time_quality(store, tracker, ids):
    primary = primary_scorers()["email_writing"]
    store.append(
        "scores",
        [
            score(ids[2], primary, "1", 50.0, at(9)),
            score(ids[2], primary, "2", 60.0, at(8)),  # latest by timestamp counts
            score(ids[0], primary, "2", 100.0, at(8)),
            score(ids[1], "token_f1", "1", 10.0, at(8)),  # another scorer: ignored by default
            score(ids[4], primary, "2", 99.0, at(8)),  # error row: never scored
        ],
    )
    s = tracker.get_model_stats(store, GPT4O, "email_writing", until=UNTIL)
    assert s.avg_quality_score == pytest.approx((100 + 90 + 60 + 70) / 4)
    assert (s.n_scored, s.n_unscored, s.n_from_scorer) == (4, 0, 2)
    assert "latest score by each task's primary scorer" in s.quality_source

    other = tracker.get_model_stats(store, GPT4O, "email_writing", until=UNTIL, scorer="token_f1")
    assert other.avg_quality_score == pytest.approx((80 + 10 + 70) / 3)
    assert (other.n_scored, other.n_unscored, other.n_from_scorer) == (3, 1, 1)

    pinned = tracker.get_model_stats(
        store, GPT4O, "email_writing", until=UNTIL, scorer=f"{primary}@1"
    )
    assert pinned.avg_quality_score == pytest.approx((80 + 90 + 50 + 70) / 4)  # v1 rows only

    missing = tracker.get_model_stats(store, GPT4O, "email_writing", until=UNTIL, scorer="nope")
    assert missing.avg_quality_score == pytest.approx(80.0)
    assert missing.n_from_scorer == 0


def test_each_task_uses_its_own_primary_scorer(store, tracker, ids):
    primary = primary_scorers()
    store.append(
        "scores",
        [
            score(ids[0], primary["email_writing"], "1", 100.0, at(8)),
            score(ids[9], primary["code_generation"], "1", 50.0, at(2)),
            score(ids[9], "token_f1", "1", 0.0, at(2)),  # not code_generation's primary
        ],
    )
    s = tracker.get_model_stats(store, GPT4O, until=UNTIL)  # all tasks: a per-task mapping
    assert s.avg_quality_score == pytest.approx((100 + 90 + 70 + 50) / 4)
    assert s.n_from_scorer == 2
    a = tracker.get_cost_analysis(store, until=UNTIL)
    cell = a.by_model_task.filter(model_id=GPT4O, task_type="code_generation")
    assert cell["q_sum"].item() == pytest.approx(50.0)


def test_declined_score_falls_back_to_record_time(store, tracker, ids):
    primary = primary_scorers()["email_writing"]
    store.append("scores", [score(ids[0], primary, "1", None, at(8))])
    s = tracker.get_model_stats(store, GPT4O, "email_writing", until=UNTIL)
    assert s.avg_quality_score == pytest.approx(80.0) and s.n_from_scorer == 0


# ----------------------------------------------------------------------- comparison


def test_task_comparison_ranked_with_pareto(store, tracker, ids):
    store.append(
        "executions",
        [execution(SONNET, "email_writing", at(4, i), cost=0.05, quality=q)
         for i, q in enumerate([70.0, 74.0])],
    )  # fmt: skip
    c = tracker.get_task_comparison(store, "email_writing", days=30, until=UNTIL)
    assert isinstance(c, TaskComparison)
    assert [s.model_id for s in c] == [GPT4O, SONNET, MINI]  # by quality: 80, 72, 62
    assert [s.rank for s in c] == [1, 2, 3]
    # gpt-4o (80, $0.04) and mini (62, $0.002) are on the front; sonnet (72, $0.05) is not
    assert {s.model_id: s.pareto_optimal for s in c} == {GPT4O: True, SONNET: False, MINI: True}
    assert [s.model_id for s in c.pareto_front] == [GPT4O, MINI]
    assert c[MINI].avg_cost_usd == pytest.approx(0.002)
    assert c[0] is c.best
    by_cost = tracker.get_task_comparison(store, "email_writing", until=UNTIL, rank_by="cost")
    assert [s.model_id for s in by_cost] == [MINI, GPT4O, SONNET]
    df = c.to_polars()
    assert df["model_id"].to_list() == [GPT4O, SONNET, MINI]
    assert df["pareto_optimal"].to_list() == [True, False, True]


def test_spec_example_loop_runs(store, tracker, ids, capsys):
    comparison = tracker.get_task_comparison(store, "email_writing", days=30, until=UNTIL)
    for model_stats in comparison:
        print(f"{model_stats.model_id}:")
        print(f"  Quality: {model_stats.avg_quality_score:.1f}/100")
        print(f"  Cost: ${model_stats.avg_cost_usd:.4f}")
        print(f"  Approval: {model_stats.approval_rate:.1f}%")
    out = capsys.readouterr().out
    assert "Quality: 80.0/100" in out and "Approval: 66.7%" in out and "Approval: nan%" in out


def test_comparison_module_function_matches_tracker(store, tracker, ids):
    a = get_task_comparison(store, "email_writing", until=UNTIL).to_polars()
    b = tracker.get_task_comparison(store, "email_writing", until=UNTIL).to_polars()
    assert a.equals(b)


def test_bad_arguments(store, tracker: MetricTracker):
    from aigym.errors import ValidationError

    with pytest.raises(ValidationError):
        tracker.get_task_comparison(store, "email_writing", rank_by="vibes")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        tracker.get_model_stats(store, GPT4O, days=0)
    with pytest.raises(ValidationError):
        tracker.get_model_stats(store, GPT4O, until=UNTIL.replace(tzinfo=None))
    with pytest.raises(ValidationError):
        tracker.get_model_stats(store, GPT4O, scorer="")
    assert math.isnan(tracker.get_model_stats(store, GPT4O).avg_quality_score)

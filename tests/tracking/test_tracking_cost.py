"""get_cost_analysis: exact spends, daily costs, and savings known by construction."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats as sps

from aigym.store import ParquetStore
from aigym.tracking import CostAnalysis, get_cost_analysis

from .helpers import GPT4O, MINI, SONNET, UNTIL, add_arm

N_A, N_NOISY, N_S = 100, 40, 50
Q_A = [78.0, 82.0] * (N_A // 2)  # mean 80, sd ~2
Q_MINI = [79.0, 81.0] * (N_A // 2)  # mean 80: truly matches gpt-4o
C_A = [0.04, 0.06] * (N_A // 2)  # mean $0.05
C_MINI = [0.004, 0.006] * (N_A // 2)  # mean $0.005
Q_CODE_A = [79.0, 81.0] * (N_NOISY // 2)  # mean 80
Q_CODE_MINI = [62.0, 100.0] * (N_NOISY // 2)  # mean 81: higher, but merely noisy


@pytest.fixture
def costly(store: ParquetStore) -> ParquetStore:
    add_arm(store, GPT4O, "email_writing", Q_A, C_A, day=5)  # $5.00
    add_arm(store, MINI, "email_writing", Q_MINI, C_MINI, day=4)  # $0.50
    add_arm(store, SONNET, "email_writing", [78.0, 82.0] * (N_S // 2), [0.1] * N_S, day=4)  # $5
    add_arm(store, GPT4O, "code_generation", Q_CODE_A, [0.05] * N_NOISY, day=3)  # $2.00
    add_arm(store, MINI, "code_generation", Q_CODE_MINI, [0.005] * N_NOISY, day=2)  # $0.20
    return store


def test_totals_and_breakdowns(costly, tracker):
    a = tracker.get_cost_analysis(costly, days=30, until=UNTIL)
    assert isinstance(a, CostAnalysis)
    assert a["total_cost_usd"] == pytest.approx(12.7) == a.total_cost_usd
    assert a.n_executions == 2 * N_A + N_S + 2 * N_NOISY
    by_model = [(m["model_id"], m["total_cost_usd"]) for m in a["cost_by_model"]]
    assert by_model == [(GPT4O, pytest.approx(7.0)), (SONNET, pytest.approx(5.0)),
                        (MINI, pytest.approx(0.7))]  # fmt: skip
    assert a["cost_by_model"][0]["model_id"] == GPT4O == a.cost_by_model[0].model_id
    assert a["cost_by_model"][-1]["model_id"] == MINI
    assert a.cost_by_model[0].share_percent == pytest.approx(700 / 12.7)
    assert a.cost_by_model[0].avg_cost_usd == pytest.approx(7.0 / 140)
    assert [(t.task_type, round(t.total_cost_usd, 9)) for t in a.cost_by_task] == [
        ("email_writing", 10.5),
        ("code_generation", 2.2),
    ]


def test_daily_cost_per_execution(costly, tracker):
    a = tracker.get_cost_analysis(costly, days=30, until=UNTIL)
    assert len(a.daily) == 30 and all(d.complete for d in a.daily)
    day = {d.date: d for d in a.daily}
    d4 = (UNTIL - dt.timedelta(days=4)).date()
    assert day[d4].n_executions == N_A + N_S
    assert day[d4].total_cost_usd == pytest.approx(5.5)
    assert day[d4].avg_cost_usd == pytest.approx(5.5 / 150)
    assert day[(UNTIL - dt.timedelta(days=10)).date()].total_cost_usd == 0.0
    df = a.to_polars("daily")
    assert df.height == 30 and df["total_cost_usd"].sum() == pytest.approx(12.7)
    assert df.filter(df["n_executions"] == 0)["avg_cost_usd"].null_count() == 26


def test_partial_days_are_flagged(costly, tracker):
    a = tracker.get_cost_analysis(costly, days=3, until=UNTIL - dt.timedelta(hours=12))
    assert [d.complete for d in a.daily] == [False, True, True, False]


def test_cheaper_model_that_truly_matches_is_recommended(costly, tracker):
    a = tracker.get_cost_analysis(costly, days=30, until=UNTIL, margin=2.0)
    rec = {(s.task_type, s.current_model): s for s in a.potential_savings}
    s = rec[("email_writing", GPT4O)]
    assert s.suggested_model == MINI and s.recommended
    assert s.savings_usd == pytest.approx(N_A * (0.05 - 0.005))  # $4.50
    # the interval is n * Welch CI of mean cost difference
    ci = sps.ttest_ind(C_A, C_MINI, equal_var=False).confidence_interval(0.95)
    assert s.savings_interval == pytest.approx((N_A * ci.low, N_A * ci.high))
    # the test is one-sided Welch: H0 mini - gpt4o <= -2
    p = sps.ttest_ind(np.add(Q_MINI, 2.0), Q_A, equal_var=False, alternative="greater").pvalue
    assert s.p_value == pytest.approx(p)
    assert s.quality_lower_bound > -2.0 and s.margin == 2.0
    # sonnet's cheapest non-inferior alternative is mini (gpt-4o also matches, costs more)
    assert rec[("email_writing", SONNET)].suggested_model == MINI
    assert rec[("email_writing", SONNET)].savings_usd == pytest.approx(N_S * (0.1 - 0.005))
    assert a.total_potential_savings_usd == pytest.approx(4.5 + 4.75)
    assert set(rec) == {("email_writing", GPT4O), ("email_writing", SONNET)}


def test_cheaper_model_that_is_merely_noisier_is_not_recommended(costly, tracker):
    a = tracker.get_cost_analysis(costly, days=30, until=UNTIL)
    [t] = [s for s in a.savings_tests if s.task_type == "code_generation"]
    assert (t.current_model, t.suggested_model) == (GPT4O, MINI)
    assert t.suggested_quality > t.current_quality  # a bare mean comparison would switch
    assert not t.recommended
    assert t.quality_lower_bound < -2.0
    assert all(s.task_type != "code_generation" for s in a.potential_savings)
    df = a.to_polars("savings")
    assert df.height == 4 and df["recommended"].sum() == 2


def test_holm_adjusts_over_all_tests(costly, tracker):
    from statsmodels.stats.multitest import multipletests

    a = tracker.get_cost_analysis(costly, days=30, until=UNTIL)
    raw = [s.p_value for s in a.savings_tests]
    expected = multipletests(raw, method="holm")[1]  # an independent reference, per test
    assert len(raw) >= 2
    for test, ref in zip(a.savings_tests, expected, strict=True):
        assert test.p_value_adjusted == pytest.approx(ref, rel=1e-9)


def test_min_samples_and_wider_margin(costly, tracker):
    a = tracker.get_cost_analysis(costly, until=UNTIL, min_samples=N_A + 1)
    assert a.savings_tests == [] and a.potential_savings == []
    wide = tracker.get_cost_analysis(costly, until=UNTIL, margin=10.0)
    assert any(s.task_type == "code_generation" for s in wide.potential_savings)


def test_forecast_from_complete_days(costly, tracker):
    a = tracker.get_cost_analysis(costly, until=UNTIL, horizon_days=7, budget_usd=1.0)
    f = a.forecast
    assert f.status == "ok" and f.start == UNTIL.date() and f.horizon_days == 7
    assert f.history_days == 5  # leading empty days (before the store began) are dropped
    assert f.to_polars().height == 7
    assert a["forecast"] is f and "BudgetForecast" in repr(a)


def test_empty_window(store, tracker):
    a = get_cost_analysis(store, days=7, until=UNTIL)
    assert a["total_cost_usd"] == 0.0 and a.n_executions == 0
    assert a["cost_by_model"] == [] and a.potential_savings == []
    assert a.forecast.status == "insufficient_data" and "no forecast" in a.forecast.message
    assert "no executions" in repr(a)
    for name, df in a.tables().items():
        assert df.height == (7 if name == "daily" else 0), name
    with pytest.raises(KeyError, match="use one of"):
        a.to_polars("nope")
    with pytest.raises(KeyError, match="use one of"):
        a["nope"]


def test_spec_weekly_review(costly, tracker):
    analysis = tracker.get_cost_analysis(costly, days=7, until=UNTIL)
    budget_threshold = 10.0
    assert analysis["total_cost_usd"] > budget_threshold
    assert f"Total spend: ${analysis['total_cost_usd']:.2f}" == "Total spend: $12.70"
    assert analysis.to_dict()["cost_by_model"][0]["model_id"] == GPT4O
    assert analysis.to_pandas("by_task").shape == (2, 5)

"""Budget forecast: statsmodels agreement, prediction-interval coverage, run-out dates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.regression.linear_model import OLS

from aigym.errors import ValidationError
from aigym.tracking import forecast_spend

START = dt.date(2026, 3, 1)


def _fit(y: np.ndarray):  # type: ignore[no-untyped-def]
    n = y.size
    return OLS(y, np.column_stack([np.ones(n), np.arange(n)])).fit()


def test_daily_intervals_match_statsmodels_get_prediction():
    rng = np.random.default_rng(7)
    y = 50 + 2 * np.arange(30) + rng.normal(0, 5, 30)
    f = forecast_spend(y, start=START, horizon_days=10)
    res = _fit(y)
    xf = np.column_stack([np.ones(10), np.arange(30, 40)])
    sf = res.get_prediction(xf).summary_frame(alpha=0.05)
    got = np.array([(p, lo, hi) for _, p, lo, hi in f.daily])
    assert got[:, 0] == pytest.approx(sf["mean"].to_numpy())
    assert got[:, 1] == pytest.approx(sf["obs_ci_lower"].to_numpy())
    assert got[:, 2] == pytest.approx(sf["obs_ci_upper"].to_numpy())
    assert [d for d, *_ in f.daily] == [START + dt.timedelta(days=k) for k in range(10)]
    assert f.daily_trend_usd == pytest.approx(res.params[1])


def test_total_interval_is_the_prediction_interval_of_the_sum():
    rng = np.random.default_rng(8)
    y = 20 + 0.5 * np.arange(21) + rng.normal(0, 3, 21)
    h = 14
    f = forecast_spend(y, start=START, horizon_days=h, confidence=0.9)
    res = _fit(y)
    s = np.column_stack([np.ones(h), np.arange(21, 21 + h)]).sum(axis=0)
    tt = res.t_test(s.reshape(1, -1))  # mean of the future total and its standard error
    half = sps.t.ppf(0.95, res.df_resid) * np.sqrt(h * res.scale + float(tt.sd[0, 0]) ** 2)
    total = float(tt.effect[0])
    assert f.projected_cost_usd == pytest.approx(total)
    assert f.interval == pytest.approx((total - half, total + half))
    assert f.confidence == 0.9 and f.history_days == 21


def _coverage(n_series: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    n, h = 28, 14
    hits = 0
    for _ in range(n_series):
        a, b, sd = rng.uniform(50, 150), rng.uniform(-1, 3), rng.uniform(2, 15)
        t = np.arange(n + h)
        y = a + b * t + rng.normal(0, sd, n + h)
        f = forecast_spend(y[:n], start=START, horizon_days=h)
        lo, hi = f.interval
        hits += lo <= y[n:].sum() <= hi
    return hits / n_series


def test_prediction_interval_covers_the_truth():
    cov = _coverage(200, seed=2026)
    assert 0.90 <= cov <= 0.99


@pytest.mark.slow
def test_prediction_interval_coverage_is_nominal():
    cov = _coverage(4000, seed=11)
    assert 0.94 <= cov <= 0.96  # 95% +- 3.7 binomial standard errors


def test_budget_run_out_date_on_an_exact_trend():
    y = 10.0 + np.arange(10)  # day k of the forecast costs 20 + k
    f = forecast_spend(y, start=START, horizon_days=5, budget_usd=100.0)
    assert f.projected_cost_usd == pytest.approx(20 + 21 + 22 + 23 + 24)
    assert f.interval == pytest.approx((110.0, 110.0), abs=1e-6)
    assert f.budget_exhausted_on == START + dt.timedelta(days=4)  # 20+21+22+23+24 = 110 >= 100
    assert f.budget_exhausted_earliest == f.budget_exhausted_on
    assert "runs out on 2026-03-05" in repr(f)


def test_earliest_run_out_uses_the_upper_bound():
    rng = np.random.default_rng(3)
    y = 100 + rng.normal(0, 20, 30)
    f = forecast_spend(y, start=START, horizon_days=30, budget_usd=1000.0)
    assert f.budget_exhausted_earliest is not None and f.budget_exhausted_on is not None
    assert f.budget_exhausted_earliest <= f.budget_exhausted_on


def test_falling_spend_stops_at_zero():
    y = 30.0 - 3 * np.arange(10)  # reaches zero on the forecast's first day
    f = forecast_spend(y, start=START, horizon_days=10, budget_usd=1.0)
    assert f.projected_cost_usd == pytest.approx(0.0, abs=1e-9)
    assert all(p == pytest.approx(0.0, abs=1e-9) for _, p, _, _ in f.daily)
    assert f.budget_exhausted_on is None
    assert f.interval[0] == 0.0


def test_too_little_history_is_reported_not_raised():
    f = forecast_spend([1.0, 2.0], start=START)
    assert f.status == "insufficient_data" and "3 needed" in f.message
    assert f.to_polars().height == 0 and "no forecast" in repr(f)


@pytest.mark.parametrize(
    "kw",
    [{"horizon_days": 0}, {"confidence": 1.0}, {"budget_usd": -1.0}, {"horizon_days": 2.5}],
)
def test_bad_arguments(kw):
    with pytest.raises(ValidationError):
        forecast_spend([1.0, 2.0, 3.0], start=START, **kw)


def test_bad_series():
    with pytest.raises(ValidationError):
        forecast_spend([1.0, float("nan"), 3.0], start=START)

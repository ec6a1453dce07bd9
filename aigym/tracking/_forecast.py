"""Budget forecast: OLS of daily spend on a linear trend (statsmodels), with a prediction
interval for the *total* over the horizon and the day a budget would run out.

Why OLS with a trend rather than ETS/SARIMAX: a bake-off window holds weeks, not years, of
daily totals; a two-parameter model is what such a short series can support, its prediction
interval for a sum of future days has an exact closed form under normal errors (checked for
coverage by simulation in the tests), and it fits in well under a millisecond.

The interval of the horizon total accounts for both the parameter uncertainty and the noise
of every future day: Var = h * s^2 + S' Cov(beta) S with S the summed future design rows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from aigym.errors import ValidationError
from aigym.tracking._result import NAN, Result, frame, usd

__all__ = ["BudgetForecast", "forecast_spend"]

MIN_HISTORY_DAYS = 3
_SEARCH_DAYS = 3660  # how far ahead to look for the day a budget runs out
METHOD = "OLS of daily spend on a linear trend (statsmodels), t prediction interval"


@dataclass(frozen=True, slots=True)
class BudgetForecast(Result):
    """Projected spend over the next `horizon_days` UTC days, from `start`.

    `interval` is a prediction interval for the total actually spent (not just its mean).
    `budget_exhausted_on` is the day cumulative projected spend reaches `budget_usd`;
    `budget_exhausted_earliest` uses the upper prediction bound instead (a cautious date).
    """

    status: str
    message: str
    method: str
    start: dt.date
    horizon_days: int
    history_days: int
    projected_cost_usd: float
    interval: tuple[float, float]
    confidence: float
    daily_intercept_usd: float
    daily_trend_usd: float
    budget_usd: float | None
    budget_exhausted_on: dt.date | None
    budget_exhausted_earliest: dt.date | None
    daily: tuple[tuple[dt.date, float, float, float], ...]

    def to_polars(self) -> pl.DataFrame:
        """One row per forecast day: date, predicted spend and its prediction interval."""
        rows = [
            {"date": d, "predicted_usd": p, "low_usd": lo, "high_usd": hi}
            for d, p, lo, hi in self.daily
        ]
        schema = {
            "date": pl.Date,
            "predicted_usd": pl.Float64,
            "low_usd": pl.Float64,
            "high_usd": pl.Float64,
        }
        return frame(rows, schema)

    def __repr__(self) -> str:
        if self.status != "ok":
            return f"BudgetForecast: {self.message}"
        lo, hi = self.interval
        text = (
            f"BudgetForecast next {self.horizon_days} days from {self.start}: "
            f"{usd(self.projected_cost_usd)} ({self.confidence:.0%} PI {usd(lo)} .. {usd(hi)}); "
            f"trend {self.daily_trend_usd:+.4f} $/day over {self.history_days} days of history"
        )
        if self.budget_usd is not None and self.budget_exhausted_on is None:
            text += f"\n  budget {usd(self.budget_usd)} lasts beyond {_SEARCH_DAYS} days"
        elif self.budget_usd is not None:
            early = self.budget_exhausted_earliest or "n/a"
            text += (
                f"\n  budget {usd(self.budget_usd)} runs out on {self.budget_exhausted_on} "
                f"(as early as {early})"
            )
        return text


def _t_quantile(p: float, df: float) -> float:
    from scipy import stats as sps

    return float(sps.t.ppf(p, df))


def _first_reaching(
    cumulative: npt.NDArray[np.float64], budget: float, start: dt.date
) -> dt.date | None:
    hit = np.flatnonzero(cumulative >= budget)
    return start + dt.timedelta(days=int(hit[0])) if hit.size else None


def forecast_spend(
    daily_spend: Sequence[float] | npt.NDArray[np.float64],
    *,
    start: dt.date,
    horizon_days: int = 30,
    confidence: float = 0.95,
    budget_usd: float | None = None,
) -> BudgetForecast:
    """Forecast from consecutive daily totals (oldest first) ending the day before `start`."""
    if isinstance(horizon_days, bool) or not isinstance(horizon_days, int) or horizon_days < 1:
        raise ValidationError("horizon_days", horizon_days, "pass a whole number of days >= 1")
    if not 0.5 <= confidence < 1:
        raise ValidationError("confidence", confidence, "pass a confidence in [0.5, 1), e.g. 0.95")
    if budget_usd is not None and (not math.isfinite(budget_usd) or budget_usd < 0):
        raise ValidationError("budget_usd", budget_usd, "pass the remaining budget in USD (>= 0)")
    y = np.asarray(daily_spend, dtype=np.float64)
    if y.ndim != 1 or not np.isfinite(y).all():
        raise ValidationError("daily_spend", "array", "pass a 1-D series of finite daily totals")
    n = int(y.size)
    if n < MIN_HISTORY_DAYS:
        return _insufficient(n, start, horizon_days, confidence, budget_usd)

    from statsmodels.regression.linear_model import OLS

    t = np.arange(n, dtype=np.float64)
    res: Any = OLS(y, np.column_stack([np.ones(n), t])).fit()
    beta = np.asarray(res.params, dtype=np.float64)
    cov = np.asarray(res.cov_params(), dtype=np.float64)
    s2 = float(res.scale)
    tq = _t_quantile(0.5 + confidence / 2, float(res.df_resid))

    steps = max(horizon_days, _SEARCH_DAYS)
    tf = np.arange(n, n + steps, dtype=np.float64)
    pred = beta[0] + beta[1] * tf
    # Per-day prediction intervals (as statsmodels' get_prediction(...).obs_ci_*).
    day_var = s2 + cov[0, 0] + 2 * cov[0, 1] * tf + cov[1, 1] * tf * tf
    half_day = tq * np.sqrt(np.maximum(day_var, 0.0))
    # Cumulative totals over the first k future days, with their prediction variance.
    k = np.arange(1, steps + 1, dtype=np.float64)
    st = np.cumsum(tf)
    cum = np.cumsum(pred)
    cum_var = k * s2 + k * k * cov[0, 0] + 2 * k * st * cov[0, 1] + st * st * cov[1, 1]
    cum_half = tq * np.sqrt(np.maximum(cum_var, 0.0))

    h = horizon_days
    total = float(cum[h - 1])
    lo, hi = total - float(cum_half[h - 1]), total + float(cum_half[h - 1])
    # Spend is never negative: a falling trend is projected to stop at zero, not below.
    spend_path = np.cumsum(np.maximum(pred, 0.0))
    on = early = None
    if budget_usd is not None:
        on = _first_reaching(spend_path, budget_usd, start)
        early = _first_reaching(np.maximum(spend_path, cum + cum_half), budget_usd, start)
    daily = tuple(
        (
            start + dt.timedelta(days=i),
            max(float(pred[i]), 0.0),
            max(float(pred[i] - half_day[i]), 0.0),
            max(float(pred[i] + half_day[i]), 0.0),
        )
        for i in range(h)
    )
    return BudgetForecast(
        status="ok",
        message=f"projected from {n} days of daily spend",
        method=METHOD,
        start=start,
        horizon_days=h,
        history_days=n,
        projected_cost_usd=max(float(spend_path[h - 1]), 0.0),
        interval=(max(lo, 0.0), max(hi, 0.0)),
        confidence=confidence,
        daily_intercept_usd=float(beta[0]),
        daily_trend_usd=float(beta[1]),
        budget_usd=budget_usd,
        budget_exhausted_on=on,
        budget_exhausted_earliest=early,
        daily=daily,
    )


def _insufficient(
    n: int, start: dt.date, horizon: int, confidence: float, budget: float | None
) -> BudgetForecast:
    return BudgetForecast(
        status="insufficient_data",
        message=(
            f"no forecast: {n} complete day(s) of spend in the window, {MIN_HISTORY_DAYS} needed; "
            "widen days= or wait for more data"
        ),
        method=METHOD,
        start=start,
        horizon_days=horizon,
        history_days=n,
        projected_cost_usd=NAN,
        interval=(NAN, NAN),
        confidence=confidence,
        daily_intercept_usd=NAN,
        daily_trend_usd=NAN,
        budget_usd=budget,
        budget_exhausted_on=None,
        budget_exhausted_earliest=None,
        daily=(),
    )

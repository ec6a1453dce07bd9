"""The one (effect, standard error, df) pair each two-arm analysis derives everything from.

Interval, p-value, Bayesian posterior and sequential interval all start from this pair, so
they can never disagree about what is being estimated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from aigym.stats import _dist
from aigym.stats._checks import Alternative
from aigym.stats._records import (
    NAN_INTERVAL,
    DifferenceType,
    FrequentistResult,
    StatsConfig,
    Status,
)
from aigym.stats._sufficient import SampleStats


@dataclass(frozen=True, slots=True)
class Estimate:
    """B - A (or relative) effect with its standard error and degrees of freedom."""

    baseline: float
    treatment: float
    effect: float
    standard_error: float
    df: float
    scale: DifferenceType
    status: Status


def relative(
    mean_a: float, mean_b: float, var_mean_a: float, var_mean_b: float
) -> tuple[float, float]:
    """(B - A) / |A| and its delta-method standard error (var_mean_* are variances of means).

    Dividing by |A| rather than A keeps the sign of B - A when a baseline is negative.
    """
    ratio = mean_b / mean_a
    se = math.sqrt(var_mean_b + ratio * ratio * var_mean_a) / abs(mean_a)
    return (mean_b - mean_a) / abs(mean_a), se


def welch_estimate(a: SampleStats, b: SampleStats, scale: DifferenceType) -> Estimate:
    """Welch (unpooled) estimate of B - A for two independent arms."""
    if a.n < 2 or b.n < 2:
        return Estimate(a.mean, b.mean, math.nan, math.nan, math.nan, scale, "insufficient_data")
    va, vb = a.variance, b.variance
    df = _dist.welch_df(va, a.n, vb, b.n)
    if scale == "relative":
        if a.mean == 0:
            return Estimate(a.mean, b.mean, math.nan, math.nan, df, scale, "zero_baseline")
        effect, se = relative(a.mean, b.mean, va / a.n, vb / b.n)
    else:
        effect, se = b.mean - a.mean, math.sqrt(va / a.n + vb / b.n)
    status: Status = "ok" if se > 0 else "zero_variance"
    return Estimate(a.mean, b.mean, effect, se, df, scale, status)


def build_result(
    method: str,
    est: Estimate,
    config: StatsConfig,
    *,
    interval: tuple[float, float],
    p_value: float,
    statistic: float,
    alternative: Alternative | None = None,
) -> FrequentistResult:
    """The one place a `FrequentistResult` is assembled from an `Estimate` and its test."""
    return FrequentistResult(
        method=method,
        status=est.status,
        baseline=est.baseline,
        treatment=est.treatment,
        effect=est.effect,
        interval=interval,
        p_value=p_value,
        statistic=statistic,
        standard_error=est.standard_error,
        df=est.df,
        scale=est.scale,
        confidence=config.confidence,
        alternative=config.alternative if alternative is None else alternative,
        direction=config.direction,
    )


def to_result(method: str, est: Estimate, config: StatsConfig) -> FrequentistResult:
    """Test H0: effect = 0 and build the interval from an `Estimate`."""
    computed = est.status not in ("insufficient_data", "zero_baseline", "zero_variance")
    if computed and est.standard_error > 0 and not math.isnan(est.df):
        stat = est.effect / est.standard_error
        p = _dist.p_value(stat, est.df, config.alternative)
        interval = _dist.wald_interval(
            est.effect, est.standard_error, est.df, config.confidence, config.alternative
        )
    else:
        stat, p, interval = math.nan, math.nan, NAN_INTERVAL
    return build_result(method, est, config, interval=interval, p_value=p, statistic=stat)

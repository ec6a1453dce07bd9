"""Comparisons of means: Welch t, non-inferiority, a t-interval, and geometric means.

Standard errors are always Welch (unpooled): arms of an LLM bake-off rarely share a variance.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from aigym.errors import ValidationError
from aigym.stats import _dist
from aigym.stats._checks import Alternative, as_values, check_finite, check_probability
from aigym.stats._estimate import Estimate, build_result, to_result, welch_estimate
from aigym.stats._records import (
    DEFAULT_CONFIG,
    NAN_INTERVAL,
    FrequentistResult,
    IntervalEstimate,
    NonInferiorityResult,
    StatsConfig,
)
from aigym.stats._sufficient import SampleStats


def welch_t(
    a: SampleStats, b: SampleStats, config: StatsConfig = DEFAULT_CONFIG
) -> FrequentistResult:
    """Welch's t-test of B - A (or the relative lift, by the delta method) for two arms."""
    est = welch_estimate(a, b, config.difference_type)
    return to_result(f"welch_t_{config.difference_type}", est, config)


def non_inferiority(
    a: SampleStats,
    b: SampleStats,
    margin: float,
    config: StatsConfig = DEFAULT_CONFIG,
) -> NonInferiorityResult:
    """One-sided Welch test that B is no worse than A by more than `margin`.

    `margin` is positive, in the metric's units (or a fraction of A's mean when
    `config.difference_type` is "relative"). For higher-is-better metrics H0 is
    B - A <= -margin; for lower-is-better (cost, latency) it is B - A >= +margin.
    `config.alternative` is ignored: the test is one-sided by construction.
    """
    m = check_finite("margin", margin)
    if m < 0:
        raise ValidationError("margin", margin, "pass the margin as a positive number")
    est = welch_estimate(a, b, config.difference_type)
    higher = config.direction == "higher_is_better"
    bound = -m if higher else m
    stat, p = math.nan, math.nan
    interval = NAN_INTERVAL
    if est.status in ("ok",) and est.standard_error > 0:
        stat = (est.effect - bound) / est.standard_error
        alternative: Alternative = "greater" if higher else "less"
        p = _dist.p_value(stat, est.df, alternative)
        interval = _dist.wald_interval(
            est.effect, est.standard_error, est.df, config.confidence, alternative
        )
    return NonInferiorityResult(
        method=f"non_inferiority_welch_t_{config.difference_type}",
        status=est.status,
        baseline=est.baseline,
        treatment=est.treatment,
        effect=est.effect,
        margin=m,
        interval=interval,
        p_value=p,
        statistic=stat,
        standard_error=est.standard_error,
        df=est.df,
        scale=est.scale,
        confidence=config.confidence,
        direction=config.direction,
    )


def mean_interval(stats: SampleStats, confidence: float = 0.95) -> IntervalEstimate:
    """Two-sided Student t confidence interval for one arm's mean."""
    conf = check_probability("confidence", confidence)
    if stats.n < 2:
        return IntervalEstimate(
            "t_interval", "insufficient_data", stats.mean, NAN_INTERVAL, math.nan, stats.n, conf
        )
    se = stats.standard_error
    if se == 0:
        point = (stats.mean, stats.mean)
        return IntervalEstimate(
            "t_interval", "zero_variance", stats.mean, point, 0.0, stats.n, conf
        )
    interval = _dist.wald_interval(stats.mean, se, stats.n - 1, conf, "two-sided")
    return IntervalEstimate("t_interval", "ok", stats.mean, interval, se, stats.n, conf)


def geometric_mean_ratio(
    a_values: npt.ArrayLike,
    b_values: npt.ArrayLike,
    config: StatsConfig = DEFAULT_CONFIG,
) -> FrequentistResult:
    """Welch t on log values: how a *typical* request differs, for skewed cost or latency.

    The effect is GM(B) / GM(A) - 1 (negative when B is typically cheaper or faster), the
    interval is exp(log-scale interval) - 1, and the p-value is Welch's on the logs.
    `baseline` / `treatment` are the geometric means. Values must be > 0.
    """
    xa, xb = as_values("a_values", a_values), as_values("b_values", b_values)
    if (xa.size and xa.min() <= 0) or (xb.size and xb.min() <= 0):
        nan = math.nan
        est = Estimate(nan, nan, nan, nan, nan, "relative", "non_positive_values")
        return build_result("geometric_mean_ratio", est, config, interval=NAN_INTERVAL,
                            p_value=nan, statistic=nan)  # fmt: skip
    log_a, log_b = SampleStats.from_values(np.log(xa)), SampleStats.from_values(np.log(xb))
    res = to_result("geometric_mean_ratio", welch_estimate(log_a, log_b, "absolute"), config)
    low, high = res.interval
    est = Estimate(
        baseline=math.exp(log_a.mean) if log_a.n else math.nan,
        treatment=math.exp(log_b.mean) if log_b.n else math.nan,
        effect=math.expm1(res.effect) if not math.isnan(res.effect) else math.nan,
        standard_error=res.standard_error,
        df=res.df,
        scale="relative",
        status=res.status,
    )
    interval = (math.expm1(low), math.expm1(high))
    return build_result("geometric_mean_ratio", est, config, interval=interval,
                        p_value=res.p_value, statistic=res.statistic)  # fmt: skip

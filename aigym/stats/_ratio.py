"""Ratio metrics (cost per 1k tokens, tokens per second) by the delta method.

A ratio of totals is not a mean of per-unit values: its standard error needs the variances
of numerator and denominator and their covariance. A model can be cheaper per token and
dearer per request (when it is more verbose), so report which one a decision optimises.
"""

from __future__ import annotations

import math

from aigym.stats._estimate import Estimate, relative, to_result
from aigym.stats._records import (
    DEFAULT_CONFIG,
    DifferenceType,
    FrequentistResult,
    StatsConfig,
    Status,
)
from aigym.stats._sufficient import RatioStats


def ratio_estimate(a: RatioStats, b: RatioStats, scale: DifferenceType) -> Estimate:
    """Delta-method estimate of ratio(B) - ratio(A) (or the relative difference), df = inf."""
    ra, rb = a.mean, b.mean
    if a.n < 2 or b.n < 2 or a.sum_y == 0 or b.sum_y == 0:
        return Estimate(ra, rb, math.nan, math.nan, math.inf, scale, "insufficient_data")
    va, vb = a.variance, b.variance
    if scale == "relative":
        if ra == 0:
            return Estimate(ra, rb, math.nan, math.nan, math.inf, scale, "zero_baseline")
        effect, se = relative(ra, rb, va, vb)
    else:
        effect, se = rb - ra, math.sqrt(va + vb)
    status: Status = "ok" if se > 0 else "zero_variance"
    return Estimate(ra, rb, effect, se, math.inf, scale, status)


def ratio_delta(
    a: RatioStats, b: RatioStats, config: StatsConfig = DEFAULT_CONFIG
) -> FrequentistResult:
    """z-test of ratio(B) - ratio(A) (or the relative difference) with delta-method errors.

    Normal reference distribution (df = inf): the delta method is itself a large-sample
    approximation, so use it with at least a few dozen units per arm.
    """
    scale = config.difference_type
    return to_result(f"ratio_delta_{scale}", ratio_estimate(a, b, scale), config)

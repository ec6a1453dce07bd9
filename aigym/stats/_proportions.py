"""Binary metrics (approval, pass rate): z-test, Fisher's exact test, Wilson and Newcomb.

The z-test is for large arms; at fewer than 5 successes or failures in an arm (an arm at 10/10,
say) it is flagged "small_sample" and Fisher's test with the Newcomb hybrid-score interval,
which stay valid at 0% and 100%, are the ones to read.
"""

from __future__ import annotations

import math

from scipy import special, stats

from aigym.stats import _dist
from aigym.stats._checks import Alternative, check_probability
from aigym.stats._estimate import Estimate, build_result, relative, to_result
from aigym.stats._records import (
    DEFAULT_CONFIG,
    NAN_INTERVAL,
    FrequentistResult,
    IntervalEstimate,
    StatsConfig,
    Status,
)
from aigym.stats._sufficient import ProportionStats

_MIN_CELL = 5


def _small(a: ProportionStats, b: ProportionStats) -> bool:
    return min(a.successes, a.failures, b.successes, b.failures) < _MIN_CELL


def _wilson(successes: int, n: int, confidence: float) -> tuple[float, float]:
    z = float(special.ndtri(1.0 - (1.0 - confidence) / 2.0))
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    center = (p + z2 / (2.0 * n)) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom
    return (max(0.0, center - half), min(1.0, center + half))


def _newcomb(a: ProportionStats, b: ProportionStats, confidence: float) -> tuple[float, float]:
    low_a, high_a = _wilson(a.successes, a.n, confidence)
    low_b, high_b = _wilson(b.successes, b.n, confidence)
    pa, pb = a.mean, b.mean
    diff = pb - pa
    lower = diff - math.sqrt((pb - low_b) ** 2 + (high_a - pa) ** 2)
    upper = diff + math.sqrt((high_b - pb) ** 2 + (pa - low_a) ** 2)
    return (lower, upper)


def _one_sided(interval_at: tuple[float, float], alternative: Alternative) -> tuple[float, float]:
    if alternative == "greater":
        return (interval_at[0], math.inf)
    if alternative == "less":
        return (-math.inf, interval_at[1])
    return interval_at


def wilson_interval(stats_: ProportionStats, confidence: float = 0.95) -> IntervalEstimate:
    """Wilson score interval for one arm's rate; sound at 0/n and n/n, unlike Wald."""
    conf = check_probability("confidence", confidence)
    if stats_.n == 0:
        return IntervalEstimate("wilson", "insufficient_data", math.nan, NAN_INTERVAL,
                                math.nan, 0, conf)  # fmt: skip
    interval = _wilson(stats_.successes, stats_.n, conf)
    return IntervalEstimate(
        "wilson", "ok", stats_.mean, interval, stats_.standard_error, stats_.n, conf
    )


def newcomb_interval(
    a: ProportionStats, b: ProportionStats, confidence: float = 0.95
) -> IntervalEstimate:
    """Newcomb's hybrid score interval for pB - pA (method 10), built from two Wilson intervals."""
    conf = check_probability("confidence", confidence)
    if a.n == 0 or b.n == 0:
        return IntervalEstimate("newcomb", "insufficient_data", math.nan, NAN_INTERVAL,
                                math.nan, a.n + b.n, conf)  # fmt: skip
    se = math.sqrt(a.variance / a.n + b.variance / b.n)
    return IntervalEstimate(
        "newcomb", "ok", b.mean - a.mean, _newcomb(a, b, conf), se, a.n + b.n, conf
    )


def two_proportion_z(
    a: ProportionStats, b: ProportionStats, config: StatsConfig = DEFAULT_CONFIG
) -> FrequentistResult:
    """Two-proportion Wald z-test of pB - pA: p-value and interval from one unpooled variance.

    The standard error sqrt(pA(1-pA)/nA + pB(1-pB)/nB) gives both the p-value and the interval
    (statsmodels' `test_proportions_2indep(method="wald")` and `confint_proportions_2indep(
    method="wald")`), so the interval excludes 0 exactly when p < 1 - confidence. On the
    relative scale both use the delta-method error of (pB - pA) / pA. When that variance is 0
    (arms at 0% and 100%) the p-value is NaN and the interval is Newcomb's: read `fisher_exact`.
    """
    scale = config.difference_type
    method = f"two_proportion_z_{scale}"
    if a.n == 0 or b.n == 0:
        est = Estimate(a.mean, b.mean, math.nan, math.nan, math.inf, scale, "insufficient_data")
        return to_result(method, est, config)
    pa, pb = a.mean, b.mean
    pooled = (a.successes + b.successes) / (a.n + b.n)
    if pooled in (0.0, 1.0):
        est = Estimate(pa, pb, pb - pa, 0.0, math.inf, scale, "zero_variance")
        return to_result(method, est, config)
    status: Status = "small_sample" if _small(a, b) else "ok"
    va, vb = pa * (1.0 - pa) / a.n, pb * (1.0 - pb) / b.n
    if scale == "relative":
        if pa == 0:
            est = Estimate(pa, pb, math.nan, math.nan, math.inf, scale, "zero_baseline")
            return to_result(method, est, config)
        effect, se = relative(pa, pb, va, vb)
    else:
        effect, se = pb - pa, math.sqrt(va + vb)
    est = Estimate(pa, pb, effect, se, math.inf, scale, status)
    if se > 0:
        z = effect / se
        p = _dist.p_value(z, math.inf, config.alternative)
        interval = _dist.wald_interval(effect, se, math.inf, config.confidence, config.alternative)
    else:  # both arms at 0% / 100% on opposite ends: no Wald width, use Newcomb
        z, p = math.nan, math.nan
        interval = _one_sided(_newcomb(a, b, config.confidence), config.alternative)
    return build_result(method, est, config, interval=interval, p_value=p, statistic=z)


def fisher_exact(
    a: ProportionStats, b: ProportionStats, config: StatsConfig = DEFAULT_CONFIG
) -> FrequentistResult:
    """Fisher's exact test for small or degenerate arms, with the Newcomb interval for pB - pA.

    `statistic` is the sample odds ratio of B against A (inf or 0 at a perfect arm). The
    effect is always absolute; a one-sided alternative uses the matching one-sided bound.
    """
    conf, alt = config.confidence, config.alternative
    status: Status = "ok"
    if a.n == 0 or b.n == 0:
        status = "insufficient_data"
    elif a.successes + b.successes in (0, a.n + b.n):
        status = "zero_variance"  # every unit the same: no evidence of a difference, p = 1
    se = math.nan
    p, odds, interval = math.nan, math.nan, NAN_INTERVAL
    if status != "insufficient_data":
        se = math.sqrt(a.variance / a.n + b.variance / b.n)
    if status == "zero_variance":
        p = 1.0  # the only table with these margins: scipy.stats.fisher_exact gives 1 too
        interval = _one_sided(_newcomb(a, b, conf if alt == "two-sided" else 2 * conf - 1), alt)
    if status == "ok":
        table = [[b.successes, b.failures], [a.successes, a.failures]]
        res = stats.fisher_exact(table, alternative=alt)
        p, odds = float(res.pvalue), float(res.statistic)
        level = conf if alt == "two-sided" else 2.0 * conf - 1.0
        interval = _one_sided(_newcomb(a, b, level), alt)
    est = Estimate(a.mean, b.mean, b.mean - a.mean, se, math.inf, "absolute", status)
    return build_result("fisher_exact", est, config, interval=interval, p_value=p, statistic=odds)

"""Always-valid inference for peeking: the mixture SPRT (mSPRT) and its confidence sequence.

Normal-mixture likelihood ratio of Johari, Pekelis and Walsh ("Always valid inference",
2017/2022), in the form GrowthBook uses: for an estimate d with variance V after N units,
mixing variance tau^2 = V * N * rho^2,

    Lambda = (1 + N rho^2)^(-1/2) * exp(N rho^2 z^2 / (2 (1 + N rho^2))),   z = d / sqrt(V)

and the interval {theta : Lambda(d - theta) < 1 / alpha}, whose half-width is

    sqrt(V N) * sqrt(2 (N rho^2 + 1) / (N^2 rho^2) * log(sqrt(N rho^2 + 1) / alpha)).

By Ville's inequality the interval covers the true effect at every look simultaneously with
probability >= 1 - alpha, so it may be checked after every request. rho is tuned so the
interval is narrowest at `tuning_n` total units (GrowthBook's default: 5000).
"""

from __future__ import annotations

import math
from dataclasses import replace

from aigym.errors import ValidationError
from aigym.stats._checks import check_finite
from aigym.stats._estimate import Estimate, build_result, relative, welch_estimate
from aigym.stats._ratio import ratio_estimate
from aigym.stats._records import (
    DEFAULT_CONFIG,
    NAN_INTERVAL,
    DifferenceType,
    FrequentistResult,
    StatsConfig,
    Status,
)
from aigym.stats._sufficient import ProportionStats, RatioStats, SampleStats


def mixing_rho2(alpha: float, tuning_n: float) -> float:
    """rho^2 that minimises the interval width at `tuning_n` units."""
    la = -2.0 * math.log(alpha)
    return (la + math.log(la + 1.0)) / tuning_n


def msprt_half_width(variance: float, n: int, alpha: float, tuning_n: float) -> float:
    """Half-width of the always-valid interval for an estimate with `variance` after n units."""
    r2 = mixing_rho2(alpha, tuning_n)
    nr = n * r2
    return math.sqrt(variance * n) * math.sqrt(
        2.0 * (nr + 1.0) / (n * n * r2) * math.log(math.sqrt(nr + 1.0) / alpha)
    )


def msprt_p_value(z: float, n: int, alpha: float, tuning_n: float) -> float:
    """1 / Lambda capped at 1: always valid at this look (keep the running minimum over looks)."""
    nr = n * mixing_rho2(alpha, tuning_n)
    log_p = 0.5 * math.log1p(nr) - nr * z * z / (2.0 * (1.0 + nr))
    return math.exp(min(0.0, log_p))


def proportion_estimate(a: ProportionStats, b: ProportionStats, scale: DifferenceType) -> Estimate:
    """pB - pA (or relative) with the Bernoulli variance p(1-p)/n of each arm, df = inf."""
    if a.n < 2 or b.n < 2:
        return Estimate(a.mean, b.mean, math.nan, math.nan, math.inf, scale, "insufficient_data")
    pa, pb = a.mean, b.mean
    va, vb = pa * (1.0 - pa) / a.n, pb * (1.0 - pb) / b.n
    if scale == "relative":
        if pa == 0:
            return Estimate(pa, pb, math.nan, math.nan, math.inf, scale, "zero_baseline")
        effect, se = relative(pa, pb, va, vb)
    else:
        effect, se = pb - pa, math.sqrt(va + vb)
    status: Status = "ok" if se > 0 else "zero_variance"
    return Estimate(pa, pb, effect, se, math.inf, scale, status)


def msprt_result(
    method: str, est: Estimate, n: int, config: StatsConfig, tuning_n: float
) -> FrequentistResult:
    """The always-valid interval and p-value of any (effect, standard error) after n units."""
    tn = check_finite("tuning_n", tuning_n)
    if tn <= 0:
        raise ValidationError("tuning_n", tuning_n, "pass the expected total units, e.g. 5000")
    stat, p, interval = math.nan, math.nan, NAN_INTERVAL
    if est.status == "ok":
        stat = est.effect / est.standard_error
        p = msprt_p_value(stat, n, config.alpha, tn)
        half = msprt_half_width(est.standard_error**2, n, config.alpha, tn)
        interval = (est.effect - half, est.effect + half)
    est = replace(est, df=math.inf)
    return build_result(
        method, est, config, interval=interval, p_value=p, statistic=stat, alternative="two-sided"
    )


def sequential_test(
    a: SampleStats | ProportionStats,
    b: SampleStats | ProportionStats,
    config: StatsConfig = DEFAULT_CONFIG,
    *,
    tuning_n: float = 5000.0,
) -> FrequentistResult:
    """mSPRT for B - A (or the relative lift): an interval and p-value valid under peeking.

    Always two-sided (`config.alternative` is ignored). Proportions use the Bernoulli
    variance p(1-p)/n per arm (as `two_proportion_z` does), means Welch's.
    """
    scale = config.difference_type
    if isinstance(a, ProportionStats) and isinstance(b, ProportionStats):
        est = proportion_estimate(a, b, scale)
    else:
        sa = a.to_sample_stats() if isinstance(a, ProportionStats) else a
        sb = b.to_sample_stats() if isinstance(b, ProportionStats) else b
        est = welch_estimate(sa, sb, scale)
    return msprt_result(f"msprt_{scale}", est, a.n + b.n, config, tuning_n)


def sequential_ratio(
    a: RatioStats, b: RatioStats, config: StatsConfig = DEFAULT_CONFIG, *, tuning_n: float = 5000.0
) -> FrequentistResult:
    """mSPRT for a ratio metric (or a mean per result over units): delta-method errors.

    `n` in the mixture is the number of units (the randomised clusters), not of results.
    """
    scale = config.difference_type
    return msprt_result(
        f"msprt_ratio_{scale}", ratio_estimate(a, b, scale), a.n + b.n, config, tuning_n
    )

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

from aigym.errors import ValidationError
from aigym.stats._checks import check_finite
from aigym.stats._estimate import welch_estimate
from aigym.stats._records import (
    DEFAULT_CONFIG,
    NAN_INTERVAL,
    FrequentistResult,
    StatsConfig,
)
from aigym.stats._sufficient import ProportionStats, SampleStats


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


def sequential_test(
    a: SampleStats | ProportionStats,
    b: SampleStats | ProportionStats,
    config: StatsConfig = DEFAULT_CONFIG,
    *,
    tuning_n: float = 5000.0,
) -> FrequentistResult:
    """mSPRT for B - A (or the relative lift): an interval and p-value valid under peeking.

    Always two-sided (`config.alternative` is ignored). Proportions are analysed as 0/1 means.
    """
    tn = check_finite("tuning_n", tuning_n)
    if tn <= 0:
        raise ValidationError("tuning_n", tuning_n, "pass the expected total units, e.g. 5000")
    sa = a.to_sample_stats() if isinstance(a, ProportionStats) else a
    sb = b.to_sample_stats() if isinstance(b, ProportionStats) else b
    est = welch_estimate(sa, sb, config.difference_type)
    alpha = config.alpha
    n = sa.n + sb.n
    stat, p, interval = math.nan, math.nan, NAN_INTERVAL
    if est.status == "ok":
        stat = est.effect / est.standard_error
        p = msprt_p_value(stat, n, alpha, tn)
        half = msprt_half_width(est.standard_error**2, n, alpha, tn)
        interval = (est.effect - half, est.effect + half)
    return FrequentistResult(
        method=f"msprt_{est.scale}",
        status=est.status,
        baseline=est.baseline,
        treatment=est.treatment,
        effect=est.effect,
        interval=interval,
        p_value=p,
        statistic=stat,
        standard_error=est.standard_error,
        df=math.inf,
        scale=est.scale,
        confidence=config.confidence,
        alternative="two-sided",
        direction=config.direction,
    )

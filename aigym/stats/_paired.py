"""Paired designs: the same prompts through both models (the usual offline bake-off).

Pairing removes prompt-to-prompt variation from the comparison, so these tests are usually
far more powerful than their two-sample counterparts on the same data. Rank-based Wilcoxon
lives in `_ranks`.
"""

from __future__ import annotations

import math

from scipy import special

from aigym.errors import ValidationError
from aigym.stats import _dist
from aigym.stats._estimate import Estimate, build_result, to_result
from aigym.stats._records import (
    DEFAULT_CONFIG,
    NAN_INTERVAL,
    FrequentistResult,
    StatsConfig,
    Status,
)
from aigym.stats._sufficient import PairedStats, RatioStats

_EXACT_BELOW = 25


def paired_t(stats: PairedStats, config: StatsConfig = DEFAULT_CONFIG) -> FrequentistResult:
    """Paired t-test on per-unit differences B - A (relative: mean(B) / mean(A) - 1, delta)."""
    scale = config.difference_type
    method = f"paired_t_{scale}"
    ma, mb = stats.a.mean, stats.b.mean
    if stats.n < 2:
        est = Estimate(ma, mb, math.nan, math.nan, math.nan, scale, "insufficient_data")
        return to_result(method, est, config)
    df = float(stats.n - 1)
    if scale == "relative":
        if ma == 0:
            return to_result(method, Estimate(ma, mb, math.nan, math.nan, df, scale,
                                              "zero_baseline"), config)  # fmt: skip
        ratio = RatioStats(stats.n, stats.sum_b, stats.sum_a, stats.sum_b2, stats.sum_a2,
                           stats.sum_ab)  # fmt: skip
        effect, se = (mb - ma) / abs(ma), ratio.standard_error
    else:
        d = stats.differences
        effect, se = d.mean, d.standard_error
    status: Status = "ok" if se > 0 else "zero_variance"
    return to_result(method, Estimate(ma, mb, effect, se, df, scale, status), config)


def _discordant(stats: PairedStats) -> tuple[int, int]:
    """(A only, B only) success counts from the sums of 0/1 outcomes."""
    for name, total, squares in (
        ("a", stats.sum_a, stats.sum_a2),
        ("b", stats.sum_b, stats.sum_b2),
    ):
        if total != squares or not float(total).is_integer():
            raise ValidationError(
                f"stats.sum_{name}2", squares, "McNemar needs 0/1 outcomes: build PairedStats "
                "from binary values (then sum of squares equals sum)",
            )  # fmt: skip
    a_only = round(stats.sum_a - stats.sum_ab)
    b_only = round(stats.sum_b - stats.sum_ab)
    if a_only < 0 or b_only < 0:
        raise ValidationError("stats.sum_ab", stats.sum_ab, "must not exceed sum_a or sum_b")
    return a_only, b_only


def mcnemar(
    stats: PairedStats,
    config: StatsConfig = DEFAULT_CONFIG,
    *,
    exact: bool | None = None,
    correction: bool = True,
) -> FrequentistResult:
    """McNemar's test for a paired binary outcome (approved under A vs under B, per prompt).

    Only discordant prompts carry information. `exact=None` uses the exact binomial test
    below 25 discordant pairs. `statistic` is statsmodels': min(discordant counts) when exact,
    else the chi-square. The effect is pB - pA with the Agresti-Min interval (Wald after adding
    0.5 to each cell), which keeps its coverage at small n and at 0 discordant pairs.
    """
    a_only, b_only = _discordant(stats)
    n, m = stats.n, a_only + b_only
    pa = stats.sum_a / n if n else math.nan
    pb = stats.sum_b / n if n else math.nan
    status: Status = "ok"
    if n == 0:
        status = "insufficient_data"
    elif m == 0:
        status = "zero_variance"
    effect = (b_only - a_only) / n if n else math.nan
    se = math.sqrt(m - (b_only - a_only) ** 2 / n) / n if n else math.nan
    p, stat, interval = math.nan, math.nan, NAN_INTERVAL
    if status == "ok":
        alt = config.alternative
        use_exact = m < _EXACT_BELOW if exact is None else exact
        if use_exact:
            stat = float(min(a_only, b_only))
            if alt == "two-sided":
                p = min(1.0, 2.0 * float(special.bdtr(min(a_only, b_only), m, 0.5)))
            elif alt == "greater":
                p = float(special.bdtrc(b_only - 1, m, 0.5)) if b_only > 0 else 1.0
            else:
                p = float(special.bdtr(b_only, m, 0.5))
        else:
            corr = 1.0 if correction else 0.0
            stat = max(0.0, abs(b_only - a_only) - corr) ** 2 / m
            if alt == "two-sided":
                p = float(special.chdtrc(1.0, stat))
            else:
                sign = 1.0 if alt == "greater" else -1.0
                z = (b_only - a_only - sign * corr) / math.sqrt(m)
                p = _dist.p_value(z, math.inf, alt)
        b_adj, c_adj, n_adj = b_only + 0.5, a_only + 0.5, n + 2.0
        se_adj = math.sqrt((b_adj + c_adj) - (b_adj - c_adj) ** 2 / n_adj) / n_adj
        interval = _dist.wald_interval((b_adj - c_adj) / n_adj, se_adj, math.inf,
                                       config.confidence, alt)  # fmt: skip
    est = Estimate(pa, pb, effect, se, math.inf, "absolute", status)
    return build_result("mcnemar", est, config, interval=interval, p_value=p, statistic=stat)

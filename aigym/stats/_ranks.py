"""Rank-based comparisons on raw values: Mann-Whitney and Wilcoxon signed-rank.

p-values come from scipy with every argument pinned. The effect is the Hodges-Lehmann shift
(median of all B - A differences, or of the Walsh averages of paired differences) and the
interval the matching distribution-free one (Moses / Tukey), with the normal approximation
to the rank statistic's null distribution. The order statistics are found by bisection with
`searchsorted`, so memory stays O(n) even when there are 10^10 pairs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from aigym.errors import ValidationError
from aigym.stats._checks import Alternative, FloatArray, as_values
from aigym.stats._estimate import Estimate, build_result
from aigym.stats._records import (
    DEFAULT_CONFIG,
    NAN_INTERVAL,
    FrequentistResult,
    StatsConfig,
    Status,
)

ZeroMethod = Literal["wilcox", "pratt", "zsplit"]
RankMethod = Literal["auto", "exact", "asymptotic"]

_ENUMERATE = 4096


def _count(rows: FloatArray, cols: FloatArray, start: npt.NDArray[np.int64], t: float) -> int:
    """#{(j, i): i >= start[j], rows[j] + cols[i] <= t} with `cols` sorted."""
    idx = np.searchsorted(cols, t - rows, side="right")
    return int(np.maximum(idx - start, 0).sum())


def kth_pair_sum(rows: FloatArray, cols: FloatArray, start: npt.NDArray[np.int64], k: int) -> float:
    """k-th smallest (1-based) of rows[j] + cols[i] over i >= start[j], cols sorted ascending."""
    lo = float(rows.min() + cols.min()) - 1.0
    hi = float(rows.max() + cols.max())
    c_lo, c_hi = 0, _count(rows, cols, start, hi)
    for _ in range(2000):
        if c_hi - c_lo <= _ENUMERATE:
            i_lo = np.maximum(np.searchsorted(cols, lo - rows, side="right"), start)
            i_hi = np.maximum(np.searchsorted(cols, hi - rows, side="right"), start)
            lengths = np.maximum(i_hi - i_lo, 0)
            row_idx = np.repeat(np.arange(rows.size), lengths)
            offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths,
                                                                 lengths)  # fmt: skip
            values = np.sort(rows[row_idx] + cols[i_lo[row_idx] + offsets])
            return float(values[k - c_lo - 1])
        mid = lo + (hi - lo) / 2.0
        if not lo < mid < hi:  # interval collapsed onto ties: every candidate equals hi
            break
        c_mid = _count(rows, cols, start, mid)
        if c_mid >= k:
            hi, c_hi = mid, c_mid
        else:
            lo, c_lo = mid, c_mid
    i_hi = np.searchsorted(cols, hi - rows, side="right")
    ok = i_hi > start
    return float(np.max(rows[ok] + cols[i_hi[ok] - 1]))


def _median_and_interval(
    kth: Callable[[int], float],
    total: int,
    null_sd: float,
    confidence: float,
    alternative: Alternative,
) -> tuple[float, tuple[float, float]]:
    """Median of `total` ordered values and the rank-test inversion interval around it."""
    odd = total % 2 == 1
    median = kth((total + 1) // 2) if odd else 0.5 * (kth(total // 2) + kth(total // 2 + 1))
    alpha = 1.0 - confidence
    tail = alpha / 2.0 if alternative == "two-sided" else alpha
    z = float(special.ndtri(1.0 - tail))
    drop = math.floor(total / 2.0 - z * null_sd - 0.5)  # values left out at each end
    low, high = (kth(drop + 1), kth(total - drop)) if drop >= 0 else (-math.inf, math.inf)
    if alternative == "greater":
        high = math.inf
    elif alternative == "less":
        low = -math.inf
    return float(median), (float(low), float(high))


def hodges_lehmann_shift(
    a: FloatArray, b: FloatArray, confidence: float, alternative: Alternative
) -> tuple[float, tuple[float, float]]:
    """Median of all B - A differences, with the Moses interval."""
    # Both sides sorted: the bisection's searchsorted queries (t - rows) then arrive in
    # order, which is several times faster than random queries on large arms.
    rows = np.sort(b.astype(np.float64))
    cols = np.sort(-a.astype(np.float64))
    start = np.zeros(rows.size, dtype=np.int64)
    total = a.size * b.size
    sd = math.sqrt(a.size * b.size * (a.size + b.size + 1) / 12.0)
    return _median_and_interval(
        lambda k: kth_pair_sum(rows, cols, start, k), total, sd, confidence, alternative
    )


def hodges_lehmann_paired(
    d: FloatArray, confidence: float, alternative: Alternative
) -> tuple[float, tuple[float, float]]:
    """Median of the Walsh averages (d_i + d_j) / 2, i <= j, with Tukey's interval."""
    s = np.sort(d.astype(np.float64))
    start = np.arange(s.size, dtype=np.int64)
    n = s.size
    total = n * (n + 1) // 2
    sd = math.sqrt(n * (n + 1) * (2 * n + 1) / 24.0)
    median, (low, high) = _median_and_interval(
        lambda k: kth_pair_sum(s, s, start, k), total, sd, confidence, alternative
    )
    return median / 2.0, (low / 2.0, high / 2.0)


def _result(
    method: str,
    status: Status,
    baseline: float,
    treatment: float,
    effect: float,
    interval: tuple[float, float],
    p_value: float,
    statistic: float,
    config: StatsConfig,
) -> FrequentistResult:
    est = Estimate(baseline, treatment, effect, math.nan, math.inf, "absolute", status)
    return build_result(method, est, config, interval=interval, p_value=p_value,
                        statistic=statistic)  # fmt: skip


def mann_whitney(
    a_values: npt.ArrayLike,
    b_values: npt.ArrayLike,
    config: StatsConfig = DEFAULT_CONFIG,
    *,
    use_continuity: bool = True,
    method: RankMethod = "auto",
) -> FrequentistResult:
    """Mann-Whitney U test of B against A (skewed cost or latency, ordinal scores).

    `statistic` is U for B; `baseline` / `treatment` are the medians; the effect is the
    Hodges-Lehmann shift B - A with the Moses interval. `config.difference_type` is ignored.
    """
    a, b = as_values("a_values", a_values), as_values("b_values", b_values)
    med_a = float(np.median(a)) if a.size else math.nan
    med_b = float(np.median(b)) if b.size else math.nan
    if a.size == 0 or b.size == 0:
        return _result("mann_whitney", "insufficient_data", med_a, med_b, math.nan,
                       NAN_INTERVAL, math.nan, math.nan, config)  # fmt: skip
    both = np.concatenate([a, b])
    if np.all(both == both[0]):
        return _result("mann_whitney", "zero_variance", med_a, med_b, 0.0,
                       NAN_INTERVAL, math.nan, math.nan, config)  # fmt: skip
    res = stats.mannwhitneyu(
        b, a, use_continuity=use_continuity, alternative=config.alternative, method=method
    )
    shift, interval = hodges_lehmann_shift(a, b, config.confidence, config.alternative)
    return _result("mann_whitney", "ok", med_a, med_b, shift, interval, float(res.pvalue),
                   float(res.statistic), config)  # fmt: skip


def wilcoxon(
    a_values: npt.ArrayLike,
    b_values: npt.ArrayLike,
    config: StatsConfig = DEFAULT_CONFIG,
    *,
    zero_method: ZeroMethod = "wilcox",
    correction: bool = False,
    method: RankMethod = "auto",
) -> FrequentistResult:
    """Wilcoxon signed-rank test on per-unit differences B - A (same prompts, both models).

    `statistic` is scipy's (the smaller rank sum for two-sided, else the positive-rank sum);
    the effect is the Hodges-Lehmann pseudo-median of the differences with Tukey's interval.
    `baseline` / `treatment` are the arms' medians. Ties at zero follow `zero_method`.
    """
    a, b = as_values("a_values", a_values), as_values("b_values", b_values)
    if a.shape != b.shape:
        raise ValidationError("b_values", f"length {b.size}", f"must match a (length {a.size})")
    med_a = float(np.median(a)) if a.size else math.nan
    med_b = float(np.median(b)) if b.size else math.nan
    d = b - a
    if d.size == 0:
        return _result("wilcoxon", "insufficient_data", med_a, med_b, math.nan,
                       NAN_INTERVAL, math.nan, math.nan, config)  # fmt: skip
    if np.all(d == 0):
        return _result("wilcoxon", "zero_variance", med_a, med_b, 0.0,
                       NAN_INTERVAL, math.nan, math.nan, config)  # fmt: skip
    res = stats.wilcoxon(
        d,
        zero_method=zero_method,
        correction=correction,
        alternative=config.alternative,
        method=method,
    )
    shift, interval = hodges_lehmann_paired(d, config.confidence, config.alternative)
    return _result("wilcoxon", "ok", med_a, med_b, shift, interval, float(res.pvalue),
                   float(res.statistic), config)  # fmt: skip

"""Exact quantiles: of one array (`numpy.partition`, linear time) and per group (polars).

Interpolation is "linear" (numpy's default, DuckDB's `quantile_cont`, R type 7), so results
equal theirs exactly. Grouped quantiles are fastest on categorical keys (what
`ParquetStore.scan` returns): on 10M rows in 40 groups, with the usual aggregates, 0.70-0.78 s
against DuckDB's 0.59 s (benchmarks/bench_store.py). On two string keys the quantiles alone
took 1.10 s in memory, against 0.17 s on an integer key.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from aigym.errors import ValidationError
from aigym.stats._checks import as_values
from aigym.stats._estimate import Estimate, build_result
from aigym.stats._records import (
    DEFAULT_CONFIG,
    NAN_INTERVAL,
    FrequentistResult,
    StatsConfig,
    Status,
)

if TYPE_CHECKING:
    import polars as pl

__all__ = ["exact_quantile", "grouped_quantiles", "quantile_difference"]


def exact_quantile(values: np.ndarray, qs: Sequence[float]) -> list[float]:
    """Linear-interpolation quantiles of `values` (NaN for an empty array)."""
    for q in qs:
        if not 0.0 <= q <= 1.0:
            raise ValidationError("q", q, "quantiles must lie in [0, 1]")
    n = len(values)
    if n == 0:
        return [float("nan")] * len(qs)
    pos = [(n - 1) * q for q in qs]
    ks = sorted({int(np.floor(p)) for p in pos} | {int(np.ceil(p)) for p in pos})
    part = np.partition(values, ks)
    out = []
    for p in pos:
        lo, hi = int(np.floor(p)), int(np.ceil(p))
        out.append(float(part[lo] + (part[hi] - part[lo]) * (p - lo)))
    return out


def grouped_quantiles(
    frame: pl.LazyFrame | pl.DataFrame,
    by: Sequence[str],
    column: str,
    qs: Sequence[float],
    *,
    aggs: Sequence[pl.Expr] = (),
    names: Sequence[str] | None = None,
) -> pl.DataFrame:
    """`frame.group_by(by).agg(*aggs)` plus exact quantiles of `column` (nulls skipped).

    The quantile columns are named `names` (default `"{column}_p{100*q:g}"`). Measured on
    10M rows: a `group_by` holding both ordinary aggregates and quantiles ran 4x slower than the
    two as separate queries, so they run as two queries collected together and joined.
    """
    import polars as pl

    names = list(names) if names is not None else [f"{column}_p{100 * q:g}" for q in qs]
    if len(names) != len(qs):
        raise ValidationError("names", names, "give one name per quantile")
    for q in qs:
        if not 0.0 <= q <= 1.0:
            raise ValidationError("q", q, "quantiles must lie in [0, 1]")
    lazy = frame.lazy()
    col = pl.col(column).drop_nulls()
    quant = lazy.group_by(*by).agg(
        col.quantile(q, "linear").alias(n) for q, n in zip(qs, names, strict=True)
    )
    if not aggs:
        return quant.collect()
    main, extra = pl.collect_all([lazy.group_by(*by).agg(*aggs), quant])
    return main.join(extra, on=list(by), how="left", nulls_equal=True)


def quantile_difference(
    a_values: npt.ArrayLike,
    b_values: npt.ArrayLike,
    q: float = 0.95,
    config: StatsConfig = DEFAULT_CONFIG,
    *,
    n_resamples: int = 2000,
    seed: int = 0,
) -> FrequentistResult:
    """Q_q(B) - Q_q(A) (e.g. the p95 latency difference) with a percentile bootstrap interval.

    Each arm is resampled on its own (independent arms), `n_resamples` times with a seeded
    generator, so the same data give the same interval. The p-value inverts the same
    bootstrap distribution (twice the smaller tail share at 0, at least 1 / n_resamples), so
    it is below 1 - confidence about exactly when the interval excludes 0. Quantiles use
    linear interpolation (numpy's default). `standard_error` is the bootstrap SD.
    """
    if not 0.0 <= q <= 1.0:
        raise ValidationError("q", q, "quantiles must lie in [0, 1], e.g. 0.95 for p95")
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 100:
        raise ValidationError("n_resamples", n_resamples, "give at least 100 resamples")
    xa, xb = as_values("a_values", a_values), as_values("b_values", b_values)
    method = f"bootstrap_p{100 * q:g}_difference"
    nan = math.nan
    if xa.size < 2 or xb.size < 2:
        est = Estimate(nan, nan, nan, nan, math.inf, "absolute", "insufficient_data")
        return build_result(method, est, config, interval=NAN_INTERVAL, p_value=nan,
                            statistic=nan)  # fmt: skip
    qa, qb = float(np.quantile(xa, q)), float(np.quantile(xb, q))
    rng = np.random.default_rng(seed)
    boot_a = np.quantile(xa[rng.integers(0, xa.size, (n_resamples, xa.size))], q, axis=1)
    boot_b = np.quantile(xb[rng.integers(0, xb.size, (n_resamples, xb.size))], q, axis=1)
    diffs = boot_b - boot_a
    se = float(diffs.std(ddof=1))
    effect = qb - qa
    status: Status = "ok" if se > 0 else "zero_variance"
    alpha, alt = config.alpha, config.alternative
    below, above = float(np.mean(diffs <= 0)), float(np.mean(diffs >= 0))
    floor = 1.0 / n_resamples
    if alt == "two-sided":
        low, high = (float(x) for x in np.quantile(diffs, [alpha / 2, 1 - alpha / 2]))
        p = min(1.0, max(floor, 2 * min(below, above)))
    elif alt == "greater":
        low, high = float(np.quantile(diffs, alpha)), math.inf
        p = max(floor, below)
    else:
        low, high = -math.inf, float(np.quantile(diffs, 1 - alpha))
        p = max(floor, above)
    if status != "ok":
        p = nan if effect != 0 else 1.0
    est = Estimate(qa, qb, effect, se, math.inf, "absolute", status)
    stat = effect / se if se > 0 else nan
    return build_result(method, est, config, interval=(low, high), p_value=p, statistic=stat)

"""Guards before a winner is called: sample ratio mismatch and multiple-comparison control.

In LLM traffic a sample ratio mismatch usually means one provider failed (or timed out) more
often than the other, so the arms no longer hold comparable units: log the assignment before
the call, count assigned distinct units, and block any winner call while SRM is flagged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import special

from aigym.errors import ValidationError
from aigym.stats._checks import FloatArray, check_count, check_finite, check_probability
from aigym.stats._records import Status

Correction = Literal["holm", "bh", "bonferroni", "by"]


@dataclass(frozen=True, slots=True)
class SrmResult:
    """Chi-square goodness of fit of assigned units to the intended split."""

    status: Status
    observed: tuple[int, ...]
    expected: tuple[float, ...]
    statistic: float
    df: int
    p_value: float
    threshold: float

    @property
    def mismatch(self) -> bool:
        """True when p < threshold: do not trust (or call a winner from) this test."""
        return not math.isnan(self.p_value) and self.p_value < self.threshold


def sample_ratio_mismatch(
    observed: Sequence[int],
    weights: Sequence[float] | None = None,
    *,
    threshold: float = 0.001,
) -> SrmResult:
    """Test assigned distinct-unit counts per arm against the intended split `weights`.

    `weights` are relative (e.g. (1, 1) or (0.2, 0.8)); None means an equal split. Flags at
    p < 0.001 by default, the usual SRM threshold: strict, because it is checked often.
    """
    counts = tuple(check_count(f"observed[{i}]", c) for i, c in enumerate(observed))
    if len(counts) < 2:
        raise ValidationError("observed", observed, "pass one assigned count per arm (>= 2 arms)")
    w = [1.0] * len(counts) if weights is None else [
        check_finite(f"weights[{i}]", x) for i, x in enumerate(weights)
    ]  # fmt: skip
    if len(w) != len(counts) or min(w) <= 0:
        raise ValidationError("weights", weights, "pass one positive weight per arm")
    thr = check_probability("threshold", threshold)
    total, wsum = sum(counts), sum(w)
    expected = tuple(total * x / wsum for x in w)
    df = len(counts) - 1
    if total == 0:
        return SrmResult("insufficient_data", counts, expected, math.nan, df, math.nan, thr)
    stat = sum((o - e) ** 2 / e for o, e in zip(counts, expected, strict=True))
    p = float(special.chdtrc(df, stat))
    status: Status = "small_sample" if min(expected) < 5 else "ok"
    return SrmResult(status, counts, expected, stat, df, p, thr)


def _checked(p_values: Sequence[float]) -> FloatArray:
    arr = np.asarray([float(p) for p in p_values], dtype=np.float64)
    bad = ~np.isnan(arr) & ((arr < 0) | (arr > 1))
    if bad.any():
        raise ValidationError("p_values", p_values, "p-values must lie in [0, 1] (NaN = skip)")
    return arr


def holm(p_values: Sequence[float]) -> tuple[float, ...]:
    """Holm step-down adjusted p-values (family-wise error: no false winner). NaN is skipped."""
    arr = _checked(p_values)
    out = np.full(arr.shape, np.nan)
    idx = np.flatnonzero(~np.isnan(arr))
    m = idx.size
    if m:
        order = idx[np.argsort(arr[idx], kind="stable")]
        scaled = np.minimum(1.0, (m - np.arange(m)) * arr[order])
        out[order] = np.maximum.accumulate(scaled)
    return tuple(float(x) for x in out)


def benjamini_hochberg(p_values: Sequence[float]) -> tuple[float, ...]:
    """Benjamini-Hochberg adjusted p-values (false discovery rate, for exploration)."""
    arr = _checked(p_values)
    out = np.full(arr.shape, np.nan)
    idx = np.flatnonzero(~np.isnan(arr))
    m = idx.size
    if m:
        order = idx[np.argsort(arr[idx], kind="stable")]
        scaled = m * arr[order] / np.arange(1, m + 1)
        out[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    return tuple(float(x) for x in out)


def bonferroni(p_values: Sequence[float]) -> tuple[float, ...]:
    """Bonferroni adjusted p-values: min(1, m * p). Family-wise error under any dependence."""
    arr = _checked(p_values)
    m = int(np.count_nonzero(~np.isnan(arr)))
    return tuple(float(x) for x in np.minimum(1.0, m * arr))


def benjamini_yekutieli(p_values: Sequence[float]) -> tuple[float, ...]:
    """Benjamini-Yekutieli adjusted p-values: BH scaled by sum(1/i), an FDR valid under any
    dependence between the tests (metrics of one test are correlated)."""
    arr = _checked(p_values)
    m = int(np.count_nonzero(~np.isnan(arr)))
    harmonic = float(np.sum(1.0 / np.arange(1, m + 1))) if m else 1.0
    bh = np.asarray(benjamini_hochberg(p_values), dtype=np.float64)
    return tuple(float(x) for x in np.minimum(1.0, harmonic * bh))


def adjust_p_values(p_values: Sequence[float], method: Correction = "holm") -> tuple[float, ...]:
    """Adjust a family of p-values (all metrics x arms of one decision).

    "holm" and "bonferroni" control the family-wise error (no false winner); "bh" and "by"
    the false discovery rate (BY also under arbitrary dependence). NaN entries are skipped.
    """
    if method == "holm":
        return holm(p_values)
    if method == "bh":
        return benjamini_hochberg(p_values)
    if method == "bonferroni":
        return bonferroni(p_values)
    if method == "by":
        return benjamini_yekutieli(p_values)
    raise ValidationError("method", method, "use 'holm', 'bonferroni', 'bh' or 'by'")

"""The prompt as the unit, and the sentence that says whether a difference is real.

Repeats of a prompt are not independent evidence (the same prompt is easy or hard for every
call), so intervals are taken over per-prompt means: with correlated repeats this is wider
than the naive interval over calls, and it is the honest one. Two models that answered the
same prompts are compared paired on them; otherwise with Welch's t.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from aigym.reports._style import fmt_n, fmt_num
from aigym.stats import (
    FrequentistResult,
    IntervalEstimate,
    PairedStats,
    SampleStats,
    StatsConfig,
    mean_interval,
    paired_t,
    sample_size_means,
    welch_t,
)

__all__ = ["Difference", "compare_units", "difference_sentence", "unit_interval", "unit_means"]

_MIN_SHARED = 0.5


def unit_means(df: pl.DataFrame, value: str, by: tuple[str, ...]) -> pl.DataFrame:
    """One row per group and prompt (`unit`; the execution id when there is no prompt id):
    the mean of `value` over the prompt's repeats and how many there were."""
    unit = (
        pl.coalesce(pl.col("prompt_id").cast(pl.String), pl.col("execution_id").cast(pl.String))
        if "execution_id" in df.columns and "prompt_id" in df.columns
        else pl.col("prompt_id").cast(pl.String)
        if "prompt_id" in df.columns
        else pl.int_range(pl.len()).cast(pl.String)
    )
    return (
        df.filter(pl.col(value).is_not_null() & pl.col(value).is_not_nan())
        .with_columns(unit.alias("unit"))
        .group_by(*by, "unit")
        .agg(pl.col(value).mean().alias("value"), pl.len().alias("repeats"))
        .sort(*by, "unit")
    )


def unit_interval(values: np.ndarray, confidence: float = 0.95) -> IntervalEstimate:
    """Student t interval of the mean over units."""
    return mean_interval(SampleStats.from_values(values), confidence)


@dataclass(frozen=True, slots=True)
class Difference:
    """B - A over prompts: the test result, how many units, their sd, paired or not."""

    a: str
    b: str
    result: FrequentistResult
    n: int
    sd: float
    paired: bool


def compare_units(
    a: str, ua: pl.DataFrame, b: str, ub: pl.DataFrame, confidence: float = 0.95
) -> Difference:
    """B - A on per-prompt means: paired t on shared prompts when most are shared, else Welch."""
    cfg = StatsConfig(confidence=confidence)
    shared = ua.join(ub, on="unit", how="inner", suffix="_b")
    if shared.height >= 2 and shared.height >= _MIN_SHARED * max(ua.height, ub.height):
        va, vb = shared["value"].to_numpy(), shared["value_b"].to_numpy()
        stats = PairedStats.from_values(va, vb)
        sd = float(np.std(vb - va, ddof=1))
        return Difference(a, b, paired_t(stats, cfg), shared.height, sd, True)
    sa = SampleStats.from_values(ua["value"].to_numpy())
    sb = SampleStats.from_values(ub["value"].to_numpy())
    pooled = math.sqrt((sa.variance + sb.variance) / 2) if sa.n > 1 and sb.n > 1 else math.nan
    return Difference(a, b, welch_t(sa, sb, cfg), min(sa.n, sb.n), pooled, False)


def difference_sentence(
    d: Difference,
    *,
    p_value: float | None = None,
    alpha: float = 0.05,
    detect: float = 2.0,
    unit: str = "points",
) -> str:
    """'B is 3.1 points better than A, 95% CI [1.2, 5.0]; the difference is real at the 5%
    level', or 'no detectable difference ... with 412 prompts; 1,900 would detect 2 points'.

    `p_value` overrides the test's own (e.g. Holm-adjusted); `detect` is the difference worth
    detecting, for the sample size that would (80% power, from `aigym.stats`).
    """
    r = d.result
    p = r.p_value if p_value is None else p_value
    level = f"{100 * (1 - alpha):g}%"
    lo, hi = r.interval
    if r.status != "ok" or not math.isfinite(p):
        return f"{d.b} vs {d.a}: too little data to compare ({d.n} prompts; {r.status})"
    design = f"the same {d.n:,} prompts" if d.paired else f"{d.n:,}+ prompts each (unpaired)"
    if p < alpha:
        better, worse, eff, ci = (d.b, d.a, r.effect, (lo, hi))
        if r.effect < 0:
            better, worse, eff, ci = (d.a, d.b, -r.effect, (-hi, -lo))
        return (
            f"{better} is {fmt_num(eff)} {unit} better than {worse}, {level} CI "
            f"[{fmt_num(ci[0])}, {fmt_num(ci[1])}] on {design}; the difference "
            f"is real at the {100 * alpha:g}% level"
        )
    text = (
        f"no detectable difference between {d.b} and {d.a} on {design} "
        f"({fmt_num(r.effect)} {unit}, {level} CI [{fmt_num(lo)}, {fmt_num(hi)}])"
    )
    if math.isfinite(d.sd) and d.sd > 0 and detect > 0:
        need = sample_size_means(detect, d.sd, alpha=alpha, paired=d.paired).n_a_required
        per = "" if d.paired else " per model"
        text += f"; {fmt_n(need)} prompts{per} would detect {detect:g} {unit}"
    return text

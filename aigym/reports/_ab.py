"""One A/B test at a glance: the distribution of B - A and what it means."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy import stats as sps

from aigym.abtest import ABTestResult
from aigym.reports._style import attach, colour, fmt_num, new_axes
from aigym.stats import BayesianResult, format_p_value

__all__ = ["ab_arms", "ab_summary", "plot_ab_posterior"]


def _sd(result: ABTestResult) -> float:
    d = result.details
    if isinstance(d, BayesianResult):
        return float(d.posterior_sd)
    if d is not None and math.isfinite(d.standard_error):
        return d.standard_error
    lo, hi = result.interval
    return float((hi - lo) / (2 * sps.norm.ppf(0.5 + result.confidence / 2)))


def _p_b_better(result: ABTestResult, sd: float) -> float:
    if result.chance_to_win is not None:
        return result.chance_to_win
    up = result.direction == "higher_is_better"
    z = result.effect / sd if sd > 0 else math.inf * np.sign(result.effect)
    return float(sps.norm.cdf(z if up else -z))


def ab_arms(result: ABTestResult) -> pl.DataFrame:
    """One row per arm: model, units with a result, results, assigned units, mean, interval."""
    rows = []
    for arm in (result.variant_a, result.variant_b):
        lo, hi = arm.get("interval", (math.nan, math.nan))
        rows.append(
            {
                "variant": arm.get("variant"),
                "model_id": arm.get("model_id"),
                "units": arm.get("sample_size"),
                "results": arm.get("results"),
                "assigned_units": arm.get("assigned_units"),
                "mean": arm.get("mean"),
                "ci_low": lo,
                "ci_high": hi,
            }
        )
    return pl.DataFrame(rows)


def ab_summary(result: ABTestResult) -> pl.DataFrame:
    """One tidy row: arms, B - A with its interval, P(B better), p-value, SRM, the winner."""
    sd = _sd(result)
    a, b = result.variant_a, result.variant_b
    return pl.DataFrame(
        [
            {
                "test_name": result.test_name,
                "metric": result.metric,
                "engine": result.engine,
                "model_a": a.get("model_id"),
                "model_b": b.get("model_id"),
                "n_a": a.get("sample_size"),
                "n_b": b.get("sample_size"),
                "mean_a": a.get("mean"),
                "mean_b": b.get("mean"),
                "effect_b_minus_a": result.effect,
                "ci_low": result.interval[0],
                "ci_high": result.interval[1],
                "sd": sd,
                "p_b_better": _p_b_better(result, sd),
                "p_value": result.p_value,
                "srm_p_value": result.srm.p_value,
                "winner": result.winner,
                "flags": ",".join(result.flags),
            }
        ]
    )


def plot_ab_posterior(result: ABTestResult, *, ax: Axes | None = None) -> Figure:
    """The (approximately normal) distribution of B - A, the side where B is better shaded."""
    table = ab_summary(result)
    row = table.row(0, named=True)
    fig, ax = new_axes(ax, (7.0, 3.6))
    sd, eff = row["sd"], result.effect
    up = result.direction == "higher_is_better"
    if not (math.isfinite(sd) and sd > 0 and math.isfinite(eff)):
        ax.text(0.5, 0.5, "not enough data for a posterior", ha="center", transform=ax.transAxes)
        caption = f"{result.test_name}: {result.recommendation}"
    else:
        span = max(4 * sd, abs(eff) * 1.2)
        x = np.linspace(min(eff - 4 * sd, -span * 0.2), max(eff + 4 * sd, span * 0.2), 400)
        dens = sps.norm.pdf(x, eff, sd)
        ax.plot(x, dens, color=colour(0), lw=2, label="B - A")
        better = x > 0 if up else x < 0
        ax.fill_between(
            x,
            0,
            dens,
            where=better,
            color=colour(2),
            alpha=0.35,
            label=f"B better: {100 * row['p_b_better']:.1f}%",
        )
        ax.fill_between(
            x,
            0,
            dens,
            where=~better,
            color=colour(3),
            alpha=0.25,
            label=f"A better: {100 * (1 - row['p_b_better']):.1f}%",
        )
        lo, hi = result.interval
        ax.axvspan(lo, hi, color="0.85", zorder=0, label=f"{result.confidence:.0%} interval")
        ax.axvline(0, color="black", lw=1)
        ax.legend(fontsize=8, loc="upper left")
        word = {"a": "A wins", "b": "B wins", "inconclusive": "no winner yet"}[result.winner]
        test = (
            f"P(B better) {100 * row['p_b_better']:.1f}%"
            if result.engine == "bayesian"
            else f"p {format_p_value(result.p_value or math.nan)}"
        )
        caption = (
            f"{result.test_name}: B - A = {fmt_num(eff, 2)} {result.metric}, "
            f"{result.confidence:.0%} interval [{fmt_num(lo, 2)}, {fmt_num(hi, 2)}], {test}; "
            f"{word} ({result.variant_b.get('sample_size', 0):,} vs "
            f"{result.variant_a.get('sample_size', 0):,} units)"
        )
        if result.flags:
            caption += f"; held back by: {', '.join(result.flags)}"
    kind = "posterior" if result.engine == "bayesian" else "sampling distribution (normal)"
    ax.set_xlabel(f"B - A in {result.metric} ({'higher' if up else 'lower'} is better)")
    ax.set_ylabel("density")
    ax.set_title(f"A/B test {result.test_name}: {kind} of B - A")
    return attach(fig, table, caption + ".")

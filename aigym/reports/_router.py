"""The router evaluation as a report figure: the cost-quality curves and what they say.

`aigym.outcomes.cost_quality_figure` draws the picture; this module adds what every report
figure carries (its tidy table, a one-sentence finding) and words the finding from the paired
bootstrap intervals the evaluation measured, so the sentence flips when the data does.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import polars as pl

from aigym.errors import ValidationError
from aigym.outcomes import RouterEvaluation, cost_quality_figure
from aigym.outcomes._evaluate import REFERENCE
from aigym.reports._style import attach, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_router_evaluation", "router_comparison", "router_verdict"]


def _check(evaluation: Any) -> RouterEvaluation:
    if not isinstance(evaluation, RouterEvaluation):
        raise ValidationError(
            "evaluation",
            type(evaluation).__name__,
            "pass the result of aigym.outcomes.evaluate_router(router, table)",
        )
    return evaluation


def _row(ev: RouterEvaluation, metric: str, versus: str | None) -> dict[str, Any] | None:
    try:
        return ev.value(ev.router, metric, versus)
    except KeyError:
        return None


def _pct(x: float) -> str:
    return f"{x:.0%}".replace("-0%", "0%")


def _versus(ev: RouterEvaluation, other: str, label: str, metric: str = "quality") -> str:
    q = _row(ev, metric, other)
    if q is None or not all(math.isfinite(q[k]) for k in ("difference", "diff_low", "diff_high")):
        return ""  # undefined (e.g. APGR when the two models tie in some resamples)
    d, lo, hi = q["difference"], q["diff_low"], q["diff_high"]
    diff = f"{d:+.3f}, 95% CI [{lo:+.3f}, {hi:+.3f}]"
    what = "quality" if metric == "quality" else metric.upper()
    if not (lo > 0 or hi < 0):
        return f"no detectable {what} difference from {label} ({diff})"
    word = "better" if d > 0 else "worse"
    return f"{what} {abs(d):.3f} {word} than {label} ({diff}; real at the 5% level)"


def router_verdict(evaluation: RouterEvaluation) -> str:
    """One honest sentence: the router against the best single model, in quality and cost."""
    ev = _check(evaluation)
    row = ev.summary.filter(pl.col("policy") == ev.router).row(0, named=True)
    head = (
        f"{ev.router} scores {row['quality']:.3f} [{row['quality_low']:.3f}, "
        f"{row['quality_high']:.3f}] at ${row['cost_usd'] * 1000:,.3f} per 1,000 calls "
        f"({ev.scheme}, {ev.n_items:,} items)"
    )
    parts = [head, _versus(ev, "best_single", f"the best single model {ev.best_single}")]
    saved = _row(ev, "cost_saved_at_best_quality", None)
    if saved is not None and math.isfinite(saved["value"]):
        lo, hi = saved["low"], saved["high"]
        if math.isfinite(lo) and lo > 0:
            parts.append(
                f"at that model's quality it costs {_pct(saved['value'])} less "
                f"(95% CI [{_pct(lo)}, {_pct(hi)}])"
            )
        else:
            parts.append(
                f"no detectable saving at that model's quality "
                f"({_pct(saved['value'])}, 95% CI [{_pct(lo)}, {_pct(hi)}])"
            )
    elif saved is not None:
        parts.append("its curve never reaches the best single model's quality")
    parts.append(_versus(ev, REFERENCE, "the reference kNN"))  # evaluate_router runs it beside
    apgr = _row(ev, "apgr", None)
    if apgr is not None and all(math.isfinite(apgr[k]) for k in ("value", "low", "high")):
        # two models: the share of the weak-to-strong gap recovered over the knob sweep
        parts.append(
            f"APGR {apgr['value']:.3f} [{apgr['low']:.3f}, {apgr['high']:.3f}] (random 0.5)"
        )
        parts.append(_versus(ev, REFERENCE, "the reference kNN", "apgr"))
    return "; ".join(p for p in parts if p) + "."


def router_comparison(evaluation: RouterEvaluation) -> pl.DataFrame:
    """The evaluated router's paired differences, one row per (metric, versus), tidy."""
    ev = _check(evaluation)
    return ev.metrics.filter(
        (pl.col("policy") == ev.router) & pl.col("versus").is_not_null()
    ).select("metric", "versus", "value", "versus_value", "difference", "diff_low", "diff_high")


def plot_router_evaluation(evaluation: RouterEvaluation, ax: Axes | None = None) -> Figure:
    """Quality against cost per 1,000 calls for the routers and baselines, with the finding."""
    ev = _check(evaluation)
    fig, axes = new_axes(ax, (7.5, 5.0))
    cost_quality_figure(ev, ax=axes)
    return attach(fig, ev.summary, router_verdict(ev))

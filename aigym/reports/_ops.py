"""How the calls behaved: latency distributions and error rates by type."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from aigym.errors import ValidationError
from aigym.reports._style import as_frame, attach, colour, fmt_num, new_axes
from aigym.stats import (
    ProportionStats,
    StatsConfig,
    fisher_exact,
    format_p_value,
    mann_whitney,
    two_proportion_z,
    wilson_interval,
)

__all__ = ["error_rates", "latency_quantiles", "plot_error_rates", "plot_latency_ecdf"]

_GRID = np.round(np.linspace(0.01, 0.99, 99), 2)


def _latencies(data: Any) -> dict[str, np.ndarray]:
    df = as_frame(data, ("model_id", "latency_ms"))
    if "status" in df.columns:
        df = df.filter(pl.col("status") == "success")
    df = df.filter(pl.col("latency_ms").is_not_null() & pl.col("latency_ms").is_not_nan())
    if df.height == 0:
        raise ValidationError("data", "no rows", "no successful executions with a latency_ms")
    return {
        str(k[0]): np.sort(g["latency_ms"].to_numpy())
        for k, g in df.group_by("model_id", maintain_order=True)
    }


def latency_quantiles(data: Any) -> pl.DataFrame:
    """Per model, the latency (ms) at each percentile 1..99 of successful calls: the ECDF."""
    frames = [
        pl.DataFrame(
            {
                "model_id": model,
                "quantile": _GRID,
                "latency_ms": np.quantile(v, _GRID, method="inverted_cdf"),
                "n_calls": v.size,
            }
        )
        for model, v in sorted(_latencies(data).items())
    ]
    return pl.concat(frames)


def plot_latency_ecdf(data: Any, *, ax: Axes | None = None) -> Figure:
    """The share of successful calls answered within each latency, one curve per model."""
    lat = dict(sorted(_latencies(data).items()))
    table = latency_quantiles(data)
    fig, ax = new_axes(ax, (7.0, 4.0))
    for i, (model, v) in enumerate(lat.items()):
        y = np.arange(1, v.size + 1) / v.size
        ax.step(v, y, where="post", color=colour(i), label=f"{model} (n={v.size:,})")
    if min(float(v[0]) for v in lat.values()) > 0:
        ax.set_xscale("log")
    ax.set_xlabel("latency (ms, log scale)")
    ax.set_ylabel("share of calls answered (ECDF)")
    ax.set_title("Latency distributions (successful calls)")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    med = {m: float(np.quantile(v, 0.5, method="inverted_cdf")) for m, v in lat.items()}
    fast, slow = min(med, key=med.__getitem__), max(med, key=med.__getitem__)
    p90 = float(np.quantile(lat[fast], 0.9, method="inverted_cdf"))
    caption = f"{fast} is fastest: median {fmt_num(med[fast], 0)} ms, p90 {fmt_num(p90, 0)} ms"
    if fast != slow:
        res = mann_whitney(lat[fast], lat[slow])
        real = "a real difference" if res.p_value < 0.05 else "not a detectable difference"
        caption += (
            f"; {slow} is slowest at a median of {fmt_num(med[slow], 0)} ms "
            f"({real} at the 5% level, Mann-Whitney p {format_p_value(res.p_value)})"
        )
    return attach(fig, table, caption + ".")


def error_rates(data: Any, confidence: float = 0.95) -> pl.DataFrame:
    """Per model and error type: errors, calls, the rate in percent; per model the overall
    error rate with its Wilson interval (type "all")."""
    df = as_frame(data, ("model_id", "status"))
    etype = pl.col("error_type") if "error_type" in df.columns else pl.lit(None, pl.String)
    df = df.with_columns(
        pl.when(pl.col("status") != "success")
        .then(etype.cast(pl.String).fill_null("unknown"))
        .otherwise(None)
        .alias("_type")
    )
    calls = df.group_by("model_id").agg(pl.len().alias("calls"))
    by_type = (
        df.filter(pl.col("_type").is_not_null())
        .group_by("model_id", "_type")
        .agg(pl.len().alias("errors"))
        .rename({"_type": "error_type"})
    )
    rows = []
    for r in calls.sort("model_id").iter_rows(named=True):
        n = r["calls"]
        errs = by_type.filter(pl.col("model_id") == r["model_id"])
        k = int(errs["errors"].sum())
        ci = wilson_interval(ProportionStats(n, k), confidence)
        rows.append(
            {
                "model_id": r["model_id"],
                "error_type": "all",
                "errors": k,
                "calls": n,
                "rate_pct": 100 * k / n,
                "low_pct": 100 * ci.interval[0],
                "high_pct": 100 * ci.interval[1],
            }
        )
        for e in errs.sort("errors", descending=True).iter_rows(named=True):
            rows.append(
                {
                    "model_id": r["model_id"],
                    "error_type": e["error_type"],
                    "errors": e["errors"],
                    "calls": n,
                    "rate_pct": 100 * e["errors"] / n,
                    "low_pct": None,
                    "high_pct": None,
                }
            )
    return pl.DataFrame(rows, schema_overrides={"low_pct": pl.Float64, "high_pct": pl.Float64})


def plot_error_rates(data: Any, *, confidence: float = 0.95, ax: Axes | None = None) -> Figure:
    """Error rate per model, stacked by error type, with the overall rate's interval."""
    table = error_rates(data, confidence)
    overall = table.filter(pl.col("error_type") == "all")
    types = sorted(set(table.filter(pl.col("error_type") != "all")["error_type"]))
    models = overall["model_id"].to_list()
    fig, ax = new_axes(ax, (7.0, 1.4 + 0.5 * len(models)))
    y = np.arange(len(models))[::-1]
    left = np.zeros(len(models))
    for i, t in enumerate(types):
        part = table.filter(pl.col("error_type") == t)
        rate = np.array(
            [float(part.filter(pl.col("model_id") == m)["rate_pct"].sum()) for m in models]
        )
        ax.barh(y, rate, left=left, color=colour(i + 1), label=t, height=0.6)
        left += rate
    rate = overall["rate_pct"].to_numpy()
    err = np.vstack([rate - overall["low_pct"].to_numpy(), overall["high_pct"].to_numpy() - rate])
    err = np.clip(np.nan_to_num(err), 0, None)
    ax.errorbar(
        rate,
        y,
        xerr=err,
        fmt="none",
        ecolor="black",
        capsize=4,
        label=f"{confidence:.0%} interval (all types)",
    )
    ax.set_yticks(y, [f"{m}  (n={n:,})" for m, n in zip(models, overall["calls"], strict=True)])
    ax.set_xlabel("error rate (% of calls)")
    ax.set_title("Error rates by type")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    total = int(overall["errors"].sum())
    if total == 0:
        worst = overall.sort("high_pct", descending=True).row(0, named=True)
        caption = (
            f"No errors in {int(overall['calls'].sum()):,} calls; the error rate of "
            f"{worst['model_id']} is below {worst['high_pct']:.1f}% ({confidence:.0%} bound)"
        )
        return attach(fig, table, caption + ".")
    ranked = overall.sort("rate_pct", descending=True)
    hi, lo = ranked.row(0, named=True), ranked.row(ranked.height - 1, named=True)
    main = table.filter((pl.col("model_id") == hi["model_id"]) & (pl.col("error_type") != "all"))
    caption = (
        f"{hi['model_id']} fails most: {hi['rate_pct']:.1f}% of {hi['calls']:,} calls "
        f"[{hi['low_pct']:.1f}, {hi['high_pct']:.1f}], mostly {main['error_type'][0]}"
    )
    if lo["model_id"] != hi["model_id"]:
        a = ProportionStats(lo["calls"], lo["errors"])
        b = ProportionStats(hi["calls"], hi["errors"])
        small = min(a.successes, a.n - a.successes, b.successes, b.n - b.successes) < 5
        res = (fisher_exact if small else two_proportion_z)(a, b, StatsConfig(confidence))
        verdict = "a real difference" if res.p_value < 1 - confidence else "within noise"
        caption += (
            f"; {lo['model_id']} fails least at {lo['rate_pct']:.1f}% ({verdict}, "
            f"p {format_p_value(res.p_value)})"
        )
    return attach(fig, table, caption + ".")

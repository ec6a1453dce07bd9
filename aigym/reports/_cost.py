"""What it costs: the quality-cost frontier, spend over time with its forecast, and the
campaign's own spend and duration."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from aigym.errors import ValidationError
from aigym.reports._models import successes
from aigym.reports._style import as_frame, attach, colour, fmt_num, new_axes
from aigym.reports._verdict import compare_units, difference_sentence, unit_interval, unit_means
from aigym.tracking import CostAnalysis, forecast_spend

__all__ = [
    "campaign_progress",
    "plot_campaign_progress",
    "plot_quality_cost",
    "plot_spend_forecast",
    "quality_cost_frontier",
    "spend_forecast",
]


def quality_cost_frontier(
    data: Any, metric: str = "quality_score", confidence: float = 0.95
) -> pl.DataFrame:
    """Per model: mean quality and cost per 1,000 calls, each with its interval over prompts,
    and whether it is on the frontier (no other model is both cheaper and at least as good)."""
    df = successes(data, metric)
    if "cost_usd" not in df.columns:
        raise ValidationError("data", df.columns, "the frontier needs a cost_usd column")
    q = unit_means(df, metric, ("model_id",))
    c = unit_means(df.with_columns(pl.col("cost_usd") * 1000), "cost_usd", ("model_id",))
    rows = []
    for (model,), qu in q.group_by("model_id", maintain_order=True):
        cu = c.filter(pl.col("model_id") == model)
        qi = unit_interval(qu["value"].to_numpy(), confidence)
        ci = unit_interval(cu["value"].to_numpy(), confidence)
        rows.append(
            {
                "model_id": model,
                "quality": qi.estimate,
                "quality_low": qi.interval[0],
                "quality_high": qi.interval[1],
                "usd_per_1k_calls": ci.estimate,
                "cost_low": ci.interval[0],
                "cost_high": ci.interval[1],
                "n_prompts": qu.height,
            }
        )
    out = pl.DataFrame(rows).sort("usd_per_1k_calls", "model_id")
    qs, cs = out["quality"].to_numpy(), out["usd_per_1k_calls"].to_numpy()
    front = [
        not any(
            (cs[j] <= cs[i] and qs[j] >= qs[i]) and (cs[j] < cs[i] or qs[j] > qs[i])
            for j in range(len(qs))
        )
        for i in range(len(qs))
    ]
    return out.with_columns(pl.Series("on_frontier", front))


def plot_quality_cost(
    data: Any,
    metric: str = "quality_score",
    *,
    confidence: float = 0.95,
    detect: float = 2.0,
    ax: Axes | None = None,
) -> Figure:
    """Quality against cost per 1,000 calls, intervals on both axes, the frontier joined."""
    df = successes(data, metric)
    table = quality_cost_frontier(df, metric, confidence)
    fig, ax = new_axes(ax, (7.0, 4.5))
    for i, r in enumerate(table.iter_rows(named=True)):
        ax.errorbar(
            r["usd_per_1k_calls"],
            r["quality"],
            xerr=[
                [r["usd_per_1k_calls"] - r["cost_low"]],
                [r["cost_high"] - r["usd_per_1k_calls"]],
            ],
            yerr=[[r["quality"] - r["quality_low"]], [r["quality_high"] - r["quality"]]],
            fmt="o" if r["on_frontier"] else "s",
            color=colour(i),
            capsize=3,
            label=f"{r['model_id']}{'' if r['on_frontier'] else ' (dominated)'}",
        )
    front = table.filter(pl.col("on_frontier"))
    ax.plot(front["usd_per_1k_calls"], front["quality"], "--", color="0.5", lw=1)
    cost = table["usd_per_1k_calls"].to_numpy()
    if cost.min() > 0 and cost.max() / cost.min() > 20:
        ax.set_xscale("log")
    ax.set_xlabel("cost (USD per 1,000 calls)")
    ax.set_ylabel(f"mean {metric} (0-100)")
    ax.set_title("Quality vs cost: the frontier")
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    names = ", ".join(front["model_id"])
    caption = f"On the frontier: {names}"
    dominated = table.filter(~pl.col("on_frontier"))["model_id"].to_list()
    if dominated:
        caption += f"; dominated (a cheaper model is at least as good): {', '.join(dominated)}"
    if front.height >= 2:
        cheap, best = front.row(0, named=True), front.row(front.height - 1, named=True)
        units = unit_means(df, metric, ("model_id",))
        ua = units.filter(pl.col("model_id") == cheap["model_id"])
        ub = units.filter(pl.col("model_id") == best["model_id"])
        d = compare_units(cheap["model_id"], ua, best["model_id"], ub)
        ratio = (
            best["usd_per_1k_calls"] / cheap["usd_per_1k_calls"]
            if cheap["usd_per_1k_calls"] > 0
            else math.inf
        )
        caption += (
            f"; {best['model_id']} costs {fmt_num(ratio)}x as much as {cheap['model_id']}, and "
            f"{difference_sentence(d, detect=detect)}"
        )
    return attach(fig, table, caption + ".")


def spend_forecast(analysis: CostAnalysis) -> pl.DataFrame:
    """Actual cumulative spend per complete day, then the forecast's cumulative spend with its
    prediction interval for each horizon (the interval of the total up to that day)."""
    days = [d for d in analysis.daily if d.complete]
    while days and days[0].n_executions == 0:  # the store began inside the window (as tracking)
        days = days[1:]
    rows: list[dict[str, Any]] = []
    total = 0.0
    for d in days:
        total += d.total_cost_usd
        rows.append(
            {
                "date": d.date,
                "kind": "actual",
                "daily_usd": d.total_cost_usd,
                "cumulative_usd": total,
                "low_usd": total,
                "high_usd": total,
            }
        )
    fc = analysis.forecast
    if fc.status == "ok":
        history = [d.total_cost_usd for d in days]
        for h, (date, pred, _lo, _hi) in enumerate(fc.daily, start=1):
            part = forecast_spend(history, start=fc.start, horizon_days=h, confidence=fc.confidence)
            lo, hi = part.interval
            rows.append(
                {
                    "date": date,
                    "kind": "forecast",
                    "daily_usd": pred,
                    "cumulative_usd": total + part.projected_cost_usd,
                    "low_usd": total + max(lo, 0.0),
                    "high_usd": total + hi,
                }
            )
    schema = {
        "date": pl.Date,
        "kind": pl.String,
        "daily_usd": pl.Float64,
        "cumulative_usd": pl.Float64,
        "low_usd": pl.Float64,
        "high_usd": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def plot_spend_forecast(analysis: CostAnalysis, *, ax: Axes | None = None) -> Figure:
    """Cumulative spend, the forecast with its prediction band, and the budget line."""
    table = spend_forecast(analysis)
    fc = analysis.forecast
    fig, ax = new_axes(ax, (7.5, 4.0))
    act = table.filter(pl.col("kind") == "actual")
    fut = table.filter(pl.col("kind") == "forecast")
    ax.plot(act["date"], act["cumulative_usd"], color=colour(0), lw=2, label="spent")
    spent = float(act["cumulative_usd"][-1]) if act.height else 0.0
    if fut.height:
        dates = [act["date"][-1], *fut["date"]] if act.height else list(fut["date"])
        mid = [spent, *fut["cumulative_usd"]] if act.height else list(fut["cumulative_usd"])
        lo = [spent, *fut["low_usd"]] if act.height else list(fut["low_usd"])
        hi = [spent, *fut["high_usd"]] if act.height else list(fut["high_usd"])
        ax.plot(dates, mid, "--", color=colour(1), lw=2, label="forecast")
        ax.fill_between(
            dates,
            lo,
            hi,
            color=colour(1),
            alpha=0.25,
            label=f"{fc.confidence:.0%} prediction interval",
        )
    if fc.budget_usd is not None:
        ax.axhline(
            spent + fc.budget_usd,
            color=colour(3),
            lw=1.5,
            ls=":",
            label=f"budget (USD {fc.budget_usd:,.2f} left at {fc.start})",
        )
    ax.set_xlabel("date (UTC)")
    ax.set_ylabel("cumulative spend (USD)")
    ax.set_title("Spend over time and the budget forecast")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    caption = f"Spent USD {spent:,.2f} over {act.height} complete days"
    if fc.status != "ok":
        caption += f"; no forecast: {fc.message}"
    else:
        lo_t, hi_t = fc.interval
        caption += (
            f"; the next {fc.horizon_days} days should cost USD {fc.projected_cost_usd:,.2f} "
            f"({fc.confidence:.0%} prediction interval {max(lo_t, 0):,.2f} to {hi_t:,.2f})"
        )
        if fc.budget_usd is not None:
            if fc.budget_exhausted_on is not None:
                early = fc.budget_exhausted_earliest
                caption += f"; the budget runs out on {fc.budget_exhausted_on}" + (
                    f" (as early as {early})" if early and early != fc.budget_exhausted_on else ""
                )
            else:
                caption += "; the budget is not projected to run out"
    return attach(fig, table, caption + ".")


def campaign_progress(data: Any) -> pl.DataFrame:
    """Per model, in the order calls finished: elapsed seconds since the campaign's first
    call, cumulative calls, errors and spend."""
    df = as_frame(data, ("model_id", "timestamp", "cost_usd"))
    if df.height == 0:
        raise ValidationError("data", "no rows", "the campaign has no executions in the store")
    t0 = df["timestamp"].min()
    status = pl.col("status") if "status" in df.columns else pl.lit("success")
    return (
        df.sort("timestamp")
        .with_columns(
            ((pl.col("timestamp") - pl.lit(t0)).dt.total_microseconds() / 1e6).alias("elapsed_s"),
            (status != "success").cast(pl.Int64).alias("_err"),
        )
        .with_columns(
            pl.int_range(1, pl.len() + 1).over("model_id").alias("calls"),
            pl.col("_err").cum_sum().over("model_id").alias("errors"),
            pl.col("cost_usd").fill_null(0.0).cum_sum().over("model_id").alias("spend_usd"),
        )
        .select("model_id", "elapsed_s", "calls", "errors", "spend_usd")
    )


def plot_campaign_progress(data: Any, *, ax: Axes | None = None) -> Figure:
    """The campaign's own spend (or calls, when it was free) against its elapsed time."""
    table = campaign_progress(data)
    fig, ax = new_axes(ax, (7.0, 3.8))
    total = float(table.group_by("model_id").agg(pl.col("spend_usd").last())["spend_usd"].sum())
    column, label = (
        ("spend_usd", "cumulative spend (USD)")
        if total > 0
        else ("calls", "cumulative calls (the models were free)")
    )
    last = table.group_by("model_id", maintain_order=True).agg(pl.all().last()).sort("model_id")
    for i, (model,) in enumerate(last.select("model_id").iter_rows()):
        part = table.filter(pl.col("model_id") == model)
        ax.step(part["elapsed_s"] / 60, part[column], where="post", color=colour(i), label=model)
    ax.set_xlabel("elapsed time (minutes)")
    ax.set_ylabel(label)
    ax.set_title("The campaign: spend and duration")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    calls, errors = int(last["calls"].sum()), int(last["errors"].sum())
    minutes = float(table["elapsed_s"].to_numpy().max()) / 60
    caption = (
        f"{calls:,} calls ({errors:,} errors) over {minutes:,.1f} minutes cost USD {total:,.4f}"
    )
    if total > 0:
        top = last.sort("spend_usd", descending=True).row(0, named=True)
        caption += f"; {top['model_id']} took {100 * top['spend_usd'] / total:.0f}% of the spend"
    return attach(fig, table, caption + ".")

"""Which model is best, and is it really: ranked intervals, pairwise verdicts, disagreements.

Input is a frame of executions (`store.scan_executions()`, `load_executions`, or any frame
with `model_id`, a metric column and `prompt_id`). Only successful rows count; the prompt is
the unit (repeats averaged per prompt first).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from aigym.errors import ValidationError
from aigym.reports._style import OKABE_ITO, as_frame, attach, colour, fmt_num, new_axes
from aigym.reports._verdict import compare_units, difference_sentence, unit_interval, unit_means
from aigym.stats import holm

__all__ = [
    "disagreements",
    "model_intervals",
    "pairwise_differences",
    "plot_model_intervals",
    "plot_pairwise_matrix",
    "successes",
]

_DIVERGING = LinearSegmentedColormap.from_list(
    "okabe_ito_div", [OKABE_ITO[3], "#FFFFFF", "#0072B2"]
)


def successes(data: Any, metric: str) -> pl.DataFrame:
    """Successful executions with a value of `metric`."""
    df = as_frame(data, ("model_id", metric))
    if "status" in df.columns:
        df = df.filter(pl.col("status") == "success")
    df = df.with_columns(pl.col(metric).cast(pl.Float64))
    return df.filter(pl.col(metric).is_not_null() & pl.col(metric).is_not_nan())


def _units_by_model(df: pl.DataFrame, metric: str) -> dict[str, pl.DataFrame]:
    units = unit_means(df, metric, ("model_id",))
    return {str(k[0]): g for k, g in units.group_by("model_id", maintain_order=True)}


def model_intervals(
    data: Any, metric: str = "quality_score", confidence: float = 0.95
) -> pl.DataFrame:
    """Per model, ranked by mean: the mean over prompts with its interval (clustered by
    prompt: per-prompt means first), and the naive interval over calls for comparison."""
    df = successes(data, metric)
    if df.height == 0:
        raise ValidationError("data", "no rows", f"no successful executions with a {metric}")
    rows = []
    for model, units in _units_by_model(df, metric).items():
        est = unit_interval(units["value"].to_numpy(), confidence)
        calls = df.filter(pl.col("model_id") == model)[metric].to_numpy()
        naive = unit_interval(calls, confidence)
        rows.append(
            {
                "model_id": model,
                "mean": est.estimate,
                "ci_low": est.interval[0],
                "ci_high": est.interval[1],
                "n_prompts": units.height,
                "n_calls": int(calls.size),
                "clustered": bool((units["repeats"] > 1).any()),
                "naive_ci_low": naive.interval[0],
                "naive_ci_high": naive.interval[1],
                "confidence": confidence,
            }
        )
    out = pl.DataFrame(rows).sort("mean", descending=True, nulls_last=True)
    return out.with_columns(pl.int_range(1, out.height + 1).alias("rank")).select(
        "rank", pl.exclude("rank")
    )


def _leader_caption(df: pl.DataFrame, table: pl.DataFrame, metric: str, detect: float) -> str:
    top = table.row(0, named=True)
    head = (
        f"{top['model_id']} ranks first at {fmt_num(top['mean'])} "
        f"[{fmt_num(top['ci_low'])}, {fmt_num(top['ci_high'])}] over {top['n_prompts']:,} prompts"
    )
    if table.height < 2:
        return head + "."
    second = table.row(1, named=True)["model_id"]
    units = _units_by_model(df, metric)
    d = compare_units(second, units[second], top["model_id"], units[top["model_id"]])
    return f"{head}; against the runner-up, {difference_sentence(d, detect=detect)}."


def plot_model_intervals(
    data: Any,
    metric: str = "quality_score",
    *,
    confidence: float = 0.95,
    detect: float = 2.0,
    unit: str = "quality, 0-100",
    ax: Axes | None = None,
) -> Figure:
    """Models ranked by mean `metric` with their intervals over prompts (best at the top)."""
    df = successes(data, metric)
    table = model_intervals(df, metric, confidence)
    fig, ax = new_axes(ax, (7.0, 1.2 + 0.45 * table.height))
    y = np.arange(table.height)[::-1]
    mean = table["mean"].to_numpy()
    err = np.vstack([mean - table["ci_low"].to_numpy(), table["ci_high"].to_numpy() - mean])
    err = np.clip(np.nan_to_num(err), 0, None)  # one prompt: no interval to draw
    ax.errorbar(mean, y, xerr=err, fmt="o", color=colour(0), ecolor=colour(0), capsize=4)
    ax.set_yticks(
        y, [f"{m}  (n={n})" for m, n in zip(table["model_id"], table["n_prompts"], strict=True)]
    )
    ax.set_xlabel(f"mean {metric} ({unit}), {confidence:.0%} interval over prompts")
    ax.set_title(f"Models ranked by {metric}")
    ax.grid(axis="x", alpha=0.3)
    return attach(fig, table, _leader_caption(df, table, metric, detect))


def pairwise_differences(
    data: Any, metric: str = "quality_score", *, alpha: float = 0.05
) -> pl.DataFrame:
    """Every pair of models: B - A on per-prompt means (paired on shared prompts), its 95%
    interval (per pair), the p-value and the Holm-adjusted p-value over all pairs, a verdict."""
    df = successes(data, metric)
    units = _units_by_model(df, metric)
    order = model_intervals(df, metric)["model_id"].to_list()
    diffs = [compare_units(a, units[a], b, units[b]) for a, b in combinations(order, 2)]
    ps = [d.result.p_value if np.isfinite(d.result.p_value) else 1.0 for d in diffs]
    adj = holm(ps) if ps else ()
    rows = []
    for d, p_adj in zip(diffs, adj, strict=True):
        r = d.result
        sig = bool(p_adj < alpha)
        verdict = "no difference" if not sig else ("b better" if r.effect > 0 else "a better")
        rows.append(
            {
                "model_a": d.a,
                "model_b": d.b,
                "effect_b_minus_a": r.effect,
                "ci_low": r.interval[0],
                "ci_high": r.interval[1],
                "p_value": r.p_value,
                "p_holm": p_adj,
                "verdict": verdict,
                "paired": d.paired,
                "n_prompts": d.n,
                "method": r.method,
            }
        )
    schema = {"model_a": pl.String, "model_b": pl.String, "effect_b_minus_a": pl.Float64}
    return pl.DataFrame(rows) if rows else pl.DataFrame(schema=schema)


def plot_pairwise_matrix(
    data: Any,
    metric: str = "quality_score",
    *,
    alpha: float = 0.05,
    ax: Axes | None = None,
) -> Figure:
    """Row minus column for every pair; '*' marks a difference that survives Holm's correction."""
    table = pairwise_differences(data, metric, alpha=alpha)
    models = list(dict.fromkeys([*table["model_a"], *table["model_b"]]))
    k = len(models)
    if k < 2:
        raise ValidationError("data", "one model", "a pairwise matrix needs two or more models")
    fig, ax = new_axes(ax, (2.5 + 1.1 * k, 1.5 + 0.9 * k))
    m = np.full((k, k), np.nan)
    sig = np.zeros((k, k), dtype=bool)
    for r in table.iter_rows(named=True):
        i, j = models.index(r["model_a"]), models.index(r["model_b"])
        m[j, i], m[i, j] = r["effect_b_minus_a"], -r["effect_b_minus_a"]
        sig[i, j] = sig[j, i] = r["verdict"] != "no difference"
    lim = float(np.nanmax(np.abs(m))) if np.isfinite(m).any() else 1.0
    im = ax.imshow(m, cmap=_DIVERGING, vmin=-lim, vmax=lim)
    for i in range(k):
        for j in range(k):
            if i != j and np.isfinite(m[i, j]):
                ax.text(
                    j,
                    i,
                    f"{m[i, j]:+.1f}{'*' if sig[i, j] else ''}",
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="black" if sig[i, j] else "0.45",
                )
    ax.set_xticks(range(k), models, rotation=30, ha="right")
    ax.set_yticks(range(k), models)
    ax.set_xlabel("column model")
    ax.set_ylabel("row model")
    ax.set_title(f"Row minus column, mean {metric} (points); * = real after Holm")
    fig.colorbar(im, ax=ax, label=f"difference in mean {metric} (points)")
    real = table.filter(pl.col("verdict") != "no difference")
    if table.height == 0:
        caption = "Only one model: nothing to compare."
    elif real.height == 0:
        caption = (
            f"No pair of the {k} models differs at the {100 * alpha:g}% level after Holm's "
            f"correction over {table.height} comparisons."
        )
    else:
        parts = []
        for r in real.head(3).iter_rows(named=True):
            better, worse = (
                (r["model_b"], r["model_a"])
                if r["effect_b_minus_a"] > 0
                else (r["model_a"], r["model_b"])
            )
            parts.append(f"{better} beats {worse} by {abs(r['effect_b_minus_a']):.1f}")
        more = f" and {real.height - 3} more" if real.height > 3 else ""
        caption = (
            f"{real.height} of {table.height} pairs differ at the {100 * alpha:g}% level after "
            f"Holm's correction: {'; '.join(parts)}{more}"
            + ("; the rest are within noise." if real.height < table.height else ".")
        )
    return attach(fig, table, caption)


def disagreements(
    data: Any, metric: str = "quality_score", *, n: int = 10, max_chars: int = 400
) -> pl.DataFrame:
    """The `n` prompts where models' mean scores spread the most, outputs side by side.

    One row per prompt: `prompt_id`, `prompt`, `spread` (best minus worst model mean), then
    per model `<model> score` and `<model> output` (its first response, cut to `max_chars`).
    """
    df = successes(data, metric)
    if "prompt_id" not in df.columns:
        raise ValidationError("data", df.columns, "disagreements need a prompt_id column")
    text = "response" in df.columns
    per = (
        df.filter(pl.col("prompt_id").is_not_null())
        .group_by("prompt_id", "model_id")
        .agg(
            pl.col(metric).mean().alias("score"),
            (pl.col("response").first() if text else pl.lit("")).alias("output"),
            (pl.col("prompt").first() if "prompt" in df.columns else pl.lit("")).alias("prompt"),
        )
    )
    spread = (
        per.group_by("prompt_id")
        .agg(
            (pl.col("score").max() - pl.col("score").min()).alias("spread"),
            pl.col("prompt").first(),
            pl.len().alias("models"),
        )
        .filter(pl.col("models") >= 2)
        .sort(["spread", "prompt_id"], descending=[True, False])
        .head(n)
    )
    models = sorted(per["model_id"].unique().to_list())
    out = spread.select("prompt_id", "prompt", "spread")
    for model in models:
        part = per.filter(pl.col("model_id") == model).select(
            "prompt_id",
            pl.col("score").alias(f"{model} score"),
            pl.col("output").str.slice(0, max_chars).alias(f"{model} output"),
        )
        out = out.join(part, on="prompt_id", how="left")
    return out.sort(["spread", "prompt_id"], descending=[True, False])

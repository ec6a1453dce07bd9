"""Did anything regress? One campaign against an earlier one on the same prompts.

Per model and task the change (after - before) on per-prompt means, paired on the prompts
both runs answered, with Holm's correction over the model-task cells; the prompts that flipped
from right to wrong (and back) at a pass mark; a one-sentence verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from aigym._html import card, table
from aigym.errors import ValidationError
from aigym.reports._models import successes
from aigym.reports._style import attach, colour, fmt_num, new_axes
from aigym.reports._verdict import compare_units, unit_means
from aigym.stats import format_p_value, holm

__all__ = ["RegressionReport", "compare_runs", "plot_regression"]


@dataclass(frozen=True, slots=True)
class RegressionReport:
    """`changes`: one row per model and task; `flips`: prompts whose pass/fail changed;
    `verdict`: the sentence; `regressed`: whether any cell got significantly worse."""

    changes: pl.DataFrame
    flips: pl.DataFrame
    verdict: str
    regressed: bool
    pass_mark: float
    alpha: float

    def tables(self) -> dict[str, pl.DataFrame]:
        return {"changes": self.changes, "flips": self.flips}

    def _repr_html_(self) -> str:
        return card("RegressionReport", self.verdict, [table(self.changes, caption="changes")])


def _cells(df: pl.DataFrame, metric: str) -> pl.DataFrame:
    task = pl.col("task_type") if "task_type" in df.columns else pl.lit("all")
    return unit_means(
        df.with_columns(task.cast(pl.String).alias("task_type")), metric, ("model_id", "task_type")
    )


def compare_runs(
    current: Any,
    previous: Any,
    metric: str = "quality_score",
    *,
    pass_mark: float = 50.0,
    alpha: float = 0.05,
) -> RegressionReport:
    """Compare `current` executions with `previous` ones (frames of two campaigns)."""
    now, before = successes(current, metric), successes(previous, metric)
    if now.height == 0 or before.height == 0:
        raise ValidationError(
            "current/previous",
            (now.height, before.height),
            "both runs need successful executions with a " + metric,
        )
    cn, cb = _cells(now, metric), _cells(before, metric)
    keys = (
        cn.select("model_id", "task_type")
        .unique()
        .join(cb.select("model_id", "task_type").unique(), on=["model_id", "task_type"])
        .sort("model_id", "task_type")
    )
    if keys.height == 0:
        raise ValidationError(
            "current/previous",
            "no shared models",
            "the runs share no model and task: compare runs of the same grid",
        )
    rows, flips = [], []
    for model, task in keys.iter_rows():
        sel = (pl.col("model_id") == model) & (pl.col("task_type") == task)
        ua, ub = cb.filter(sel), cn.filter(sel)
        d = compare_units("before", ua, "after", ub)
        r = d.result
        rows.append(
            {
                "model_id": model,
                "task_type": task,
                "before": r.baseline,
                "after": r.treatment,
                "change": r.effect,
                "ci_low": r.interval[0],
                "ci_high": r.interval[1],
                "p_value": r.p_value,
                "n_prompts": d.n,
                "paired": d.paired,
            }
        )
        both = ua.join(ub, on="unit", suffix="_after")
        for u in both.iter_rows(named=True):
            was, now_ok = u["value"] >= pass_mark, u["value_after"] >= pass_mark
            if was != now_ok:
                flips.append(
                    {
                        "model_id": model,
                        "task_type": task,
                        "prompt_id": u["unit"],
                        "before": u["value"],
                        "after": u["value_after"],
                        "flip": "right -> wrong" if was else "wrong -> right",
                    }
                )
    changes = pl.DataFrame(rows)
    ps = [p if np.isfinite(p) else 1.0 for p in changes["p_value"]]
    adj = holm(ps)
    changes = changes.with_columns(pl.Series("p_holm", adj)).with_columns(
        pl.when(pl.col("p_value").is_nan() & (pl.col("change") != 0))
        .then(pl.lit("undetermined"))  # e.g. every prompt moved by the same amount: no test
        .when(pl.col("p_holm") >= alpha)
        .then(pl.lit("no change"))
        .when(pl.col("change") < 0)
        .then(pl.lit("regressed"))
        .otherwise(pl.lit("improved"))
        .alias("verdict")
    )
    flip_schema = {
        "model_id": pl.String,
        "task_type": pl.String,
        "prompt_id": pl.String,
        "before": pl.Float64,
        "after": pl.Float64,
        "flip": pl.String,
    }
    flip_df = pl.DataFrame(flips, schema=flip_schema)
    flip_df = _with_outputs(flip_df, now, before)
    down = int((flip_df["flip"] == "right -> wrong").sum())
    up = flip_df.height - down
    worse = changes.filter(pl.col("verdict") == "regressed").sort("change")
    better = changes.filter(pl.col("verdict") == "improved").sort("change", descending=True)
    flipped = (
        f"{down} prompts flipped right -> wrong and {up} wrong -> right (pass mark {pass_mark:g})"
    )
    if worse.height:
        w = worse.row(0, named=True)
        verdict = (
            f"Regression: {w['model_id']} on {w['task_type']} dropped {fmt_num(-w['change'])} "
            f"points, 95% CI [{fmt_num(-w['ci_high'])}, {fmt_num(-w['ci_low'])}], Holm p "
            f"{format_p_value(w['p_holm'])}"
            + (f", and {worse.height - 1} more cells regressed" if worse.height > 1 else "")
            + f"; {flipped}."
        )
    elif better.height:
        b = better.row(0, named=True)
        verdict = (
            f"No regression: {better.height} of {changes.height} model-task cells improved "
            f"(most: {b['model_id']} on {b['task_type']}, +{fmt_num(b['change'])} points); "
            f"{flipped}."
        )
    else:
        sizes = changes["n_prompts"].to_numpy()
        verdict = (
            f"No detectable change in any of {changes.height} model-task cells at the "
            f"{100 * alpha:g}% level after Holm's correction (on {int(sizes.min())} to "
            f"{int(sizes.max())} shared prompts each); {flipped}."
        )
    undetermined = changes.filter(pl.col("verdict") == "undetermined")
    if undetermined.height:
        u = undetermined.row(0, named=True)
        verdict = verdict[:-1] + (
            f"; {undetermined.height} cells could not be tested (e.g. {u['model_id']} on "
            f"{u['task_type']} moved {fmt_num(u['change'])} points on every prompt alike)."
        )
    return RegressionReport(changes, flip_df, verdict, worse.height > 0, pass_mark, alpha)


def _with_outputs(flips: pl.DataFrame, now: pl.DataFrame, before: pl.DataFrame) -> pl.DataFrame:
    if "response" not in now.columns or "prompt_id" not in now.columns or flips.height == 0:
        return flips

    def first(df: pl.DataFrame, name: str) -> pl.DataFrame:
        return df.group_by("model_id", pl.col("prompt_id").cast(pl.String)).agg(
            pl.col("response").first().alias(name)
        )

    return flips.join(
        first(before, "output_before"), on=["model_id", "prompt_id"], how="left"
    ).join(first(now, "output_after"), on=["model_id", "prompt_id"], how="left")


def plot_regression(report: RegressionReport, *, ax: Axes | None = None) -> Figure:
    """Change (after - before) per model and task with its interval; zero is no change."""
    t = report.changes
    fig, ax = new_axes(ax, (7.0, 1.4 + 0.45 * t.height))
    y = np.arange(t.height)[::-1]
    tone = {
        "regressed": colour(3),
        "improved": colour(2),
        "no change": "0.4",
        "undetermined": colour(4),
    }
    for yi, r in zip(y, t.iter_rows(named=True), strict=True):
        ax.errorbar(
            r["change"],
            yi,
            xerr=[[r["change"] - r["ci_low"]], [r["ci_high"] - r["change"]]],
            fmt="o",
            color=tone[r["verdict"]],
            capsize=4,
        )
    ax.axvline(0, color="black", lw=1)
    shown = [v for v in tone if v in set(t["verdict"])]
    ax.legend(
        handles=[Line2D([], [], marker="o", ls="", color=tone[v], label=v) for v in shown],
        fontsize=8, loc="best",
    )  # fmt: skip
    ax.set_yticks(y, [f"{m} / {k}" for m, k in zip(t["model_id"], t["task_type"], strict=True)])
    ax.set_xlabel("change in mean quality, after - before (points), 95% interval")
    ax.set_title("Regression check: this run against the previous one")
    ax.grid(axis="x", alpha=0.3)
    return attach(fig, t, report.verdict)

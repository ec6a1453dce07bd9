"""The scan-and-aggregate steps: one polars lazy query each, callable on their own.

Both return sums and counts (sufficient statistics) rather than finished figures, so the
Python layer above can form means, intervals and tests with `aigym.stats`, and so the cube
can be re-aggregated to any coarser grouping without another scan.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from aigym.store import ParquetStore
from aigym.tracking._frame import QualitySource, execution_frame
from aigym.tracking._window import Window

__all__ = ["CUBE_KEYS", "cube_query", "stats_query"]

CUBE_KEYS = ("date", "model_id", "task_type")


def _quality_aggs() -> list[pl.Expr]:
    q = pl.col("q")
    return [
        q.count().alias("q_n"),
        q.sum().alias("q_sum"),
        (q * q).sum().alias("q_sq"),
        ((pl.col("status") == "success") & q.is_null()).sum().alias("n_unscored"),
        pl.col("q_from_scorer").sum().alias("n_from_scorer"),
    ]


def _approval_aggs() -> list[pl.Expr]:
    return [
        pl.col("approved").count().alias("approved_n"),
        pl.col("approved").sum().alias("approved_yes"),
    ]


def stats_query(
    store: ParquetStore,
    window: Window,
    *,
    by: Sequence[str] = ("model_id",),
    model_id: str | Sequence[str] | None = None,
    task_type: str | Sequence[str] | None = None,
    scorer: str | None = None,
) -> tuple[pl.LazyFrame, QualitySource]:
    """Per group: counts, latency mean/median/p95 (exact, linear), spend, quality sums, feedback.

    The step behind `get_model_stats` and `get_task_comparison`.
    """
    cols = [*by, "status", "latency_ms", "cost_usd", "prompt_tokens", "completion_tokens"]
    lf, source = execution_frame(
        store,
        window,
        cols,
        model_id=model_id,
        task_type=task_type,
        quality=True,
        scorer=scorer,
        feedback=True,
    )
    lat = pl.col("latency_ms")
    aggs = [
        pl.len().alias("n"),
        (pl.col("status") == "error").sum().alias("n_error"),
        lat.mean().alias("latency_mean"),
        lat.quantile(0.5, "linear").alias("latency_median"),
        lat.quantile(0.95, "linear").alias("latency_p95"),
        pl.col("cost_usd").sum().alias("cost_sum"),
        *_quality_aggs(),
        *_approval_aggs(),
        pl.col("edit_distance").count().alias("edit_n"),
        pl.col("edit_distance").sum().alias("edit_sum"),
        pl.col("user_rating").count().alias("rating_n"),
        pl.col("user_rating").sum().alias("rating_sum"),
        pl.col("prompt_tokens").sum().alias("prompt_tokens"),
        pl.col("completion_tokens").sum().alias("completion_tokens"),
    ]
    return lf.group_by(list(by)).agg(aggs).sort(list(by)), source


def cube_query(
    store: ParquetStore,
    window: Window,
    *,
    scorer: str | None = None,
    approvals: bool = False,
    model_id: str | Sequence[str] | None = None,
    task_type: str | Sequence[str] | None = None,
) -> tuple[pl.LazyFrame, QualitySource]:
    """Per UTC day x model x task: counts, spend (sum and sum of squares), quality sums.

    The step behind `get_cost_analysis` and `dashboard`; `date` is the store's partition
    column, which is the UTC date of each row's timestamp.
    """
    cols = [*CUBE_KEYS, "status", "latency_ms", "cost_usd", "prompt_tokens", "completion_tokens"]
    lf, source = execution_frame(
        store,
        window,
        cols,
        model_id=model_id,
        task_type=task_type,
        quality=True,
        scorer=scorer,
        feedback=approvals,
    )
    cost = pl.col("cost_usd")
    aggs = [
        pl.len().alias("n"),
        (pl.col("status") == "error").sum().alias("n_error"),
        cost.sum().alias("cost_sum"),
        (cost * cost).sum().alias("cost_sq"),
        pl.col("latency_ms").sum().alias("latency_sum"),
        *_quality_aggs(),
        pl.col("prompt_tokens").sum().alias("prompt_tokens"),
        pl.col("completion_tokens").sum().alias("completion_tokens"),
    ]
    if approvals:
        aggs += _approval_aggs()
    return lf.group_by(list(CUBE_KEYS)).agg(aggs).sort(list(CUBE_KEYS)), source

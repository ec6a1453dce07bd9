"""The scan-and-aggregate steps: one polars lazy query each, callable on their own.

Both return sums and counts (sufficient statistics) rather than finished figures, so the
Python layer above can form means, intervals and tests with `aigym.stats`, and so the cube
can be re-aggregated to any coarser grouping without another scan.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from aigym.stats import ClusterMoments
from aigym.store import ParquetStore
from aigym.tracking._frame import QualitySource, _is_in, execution_frame
from aigym.tracking._window import Window

__all__ = [
    "CLUSTER_COLUMNS",
    "CUBE_KEYS",
    "cluster_frame",
    "cluster_moments",
    "cluster_query",
    "cube_query",
    "has_prompt_keys",
    "stats_query",
]

CUBE_KEYS = ("date", "model_id", "task_type")
_MEASURES = ("status", "latency_ms", "cost_usd", "prompt_tokens", "completion_tokens")
_PROMPT_KEYS = ("prompt_id", "prompt_sha256")
CLUSTER_COLUMNS = ("q_n", "q_sum", "q_clusters", "q_css", "q_cns", "q_cnn")
"""Per group, the `ClusterMoments` of quality (rows, sum, clusters, sum s_c^2, n_c s_c, n_c^2)."""


def _executions(
    store: ParquetStore,
    window: Window,
    keys: Sequence[str],
    *,
    model_id: str | Sequence[str] | None,
    task_type: str | Sequence[str] | None,
    scorer: str | None,
    feedback: bool,
    measures: Sequence[str] = _MEASURES,
) -> tuple[pl.LazyFrame, QualitySource]:
    """The prologue every query shares: the window's executions with quality (and feedback)."""
    return execution_frame(
        store, window, [*keys, *measures], model_id=model_id, task_type=task_type,
        quality=True, scorer=scorer, feedback=feedback,
    )  # fmt: skip


def _head_aggs() -> list[pl.Expr]:
    return [pl.len().alias("n"), (pl.col("status") == "error").sum().alias("n_error")]


def _token_aggs() -> list[pl.Expr]:
    return [
        pl.col("prompt_tokens").sum().alias("prompt_tokens"),
        pl.col("completion_tokens").sum().alias("completion_tokens"),
    ]


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

    The step behind `get_model_stats` and `get_task_comparison` (with `cluster_frame`).
    """
    lf, source = _executions(
        store, window, by, model_id=model_id, task_type=task_type, scorer=scorer, feedback=True
    )
    return _stats_aggregate(lf, by), source


def has_prompt_keys(
    store: ParquetStore,
    window: Window,
    *,
    model_id: str | Sequence[str] | None = None,
    task_type: str | Sequence[str] | None = None,
) -> bool:
    """Whether any execution in the window carries a prompt key (so a prompt can repeat).

    A filter on null-ness that the Parquet statistics answer (row groups whose key columns
    are all null are skipped unread): milliseconds on 10M rows, so data without prompt keys
    pays nothing for clustering.
    """
    if not store.files("executions", since=window.since, until=window.until):
        return False
    lf = store.scan("executions", since=window.since, until=window.until)
    if model_id is not None:
        lf = lf.filter(_is_in("model_id", model_id))
    if task_type is not None:
        lf = lf.filter(_is_in("task_type", task_type))
    keyed = pl.col("prompt_id").is_not_null() | pl.col("prompt_sha256").is_not_null()
    return bool(lf.filter(keyed).select(pl.len()).head(1).collect().item())


def _stats_aggregate(lf: pl.LazyFrame, by: Sequence[str]) -> pl.LazyFrame:
    lat = pl.col("latency_ms")
    aggs = [
        *_head_aggs(),
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
        *_token_aggs(),
    ]
    return lf.group_by(list(by)).agg(aggs).sort(list(by))


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
    column, which is the UTC date of each row's timestamp. Quality sums here treat rows as
    independent; `cluster_frame` gives the clustered moments (prompts span days).
    """
    lf, source = _executions(
        store, window, CUBE_KEYS, model_id=model_id, task_type=task_type, scorer=scorer,
        feedback=approvals,
    )  # fmt: skip
    return _cube_aggregate(lf, approvals), source


def _cube_aggregate(lf: pl.LazyFrame, approvals: bool) -> pl.LazyFrame:
    cost = pl.col("cost_usd")
    aggs = [
        *_head_aggs(),
        cost.sum().alias("cost_sum"),
        (cost * cost).sum().alias("cost_sq"),
        pl.col("latency_ms").sum().alias("latency_sum"),
        *_quality_aggs(),
        *_token_aggs(),
    ]
    if approvals:
        aggs += _approval_aggs()
    return lf.group_by(list(CUBE_KEYS)).agg(aggs).sort(list(CUBE_KEYS))


def cluster_query(
    store: ParquetStore,
    window: Window,
    *,
    by: Sequence[str] = ("model_id",),
    model_id: str | Sequence[str] | None = None,
    task_type: str | Sequence[str] | None = None,
    scorer: str | None = None,
) -> tuple[pl.LazyFrame, QualitySource]:
    """Per group: quality's cluster moments (`CLUSTER_COLUMNS`), the prompt as the cluster.

    A cluster is a prompt (`prompt_id`, else the prompt's hash) within the group; a row
    with neither is its own cluster, so data without prompt keys costs one more cheap sum
    and gives the naive (per-row) figures.
    """
    lf, source = _executions(
        store, window, by, model_id=model_id, task_type=task_type, scorer=scorer,
        feedback=False, measures=("status", *_PROMPT_KEYS),
    )  # fmt: skip
    return _cluster_aggregate(lf, by), source


def _cluster_aggregate(lf: pl.LazyFrame, by: Sequence[str]) -> pl.LazyFrame:
    keys = list(by)
    q = pl.col("q")
    key = pl.coalesce(pl.col("prompt_id").cast(pl.String), pl.col("prompt_sha256").cast(pl.String))
    rows = lf.filter(q.is_not_null()).select(*keys, "q", key.alias("_key"))
    n, s = pl.col("_n"), pl.col("_s")
    keyed = (
        rows.filter(pl.col("_key").is_not_null())
        .group_by([*keys, "_key"])
        .agg(pl.len().alias("_n"), q.sum().alias("_s"))
        .group_by(keys)
        .agg(
            pl.len().alias("k_c"),
            n.sum().alias("k_n"),
            s.sum().alias("k_sum"),
            (s * s).sum().alias("k_ss"),
            (n * s).sum().alias("k_ns"),
            (n * n).sum().alias("k_nn"),
        )
    )
    single = (
        rows.filter(pl.col("_key").is_null())
        .group_by(keys)
        .agg(pl.len().alias("u_n"), q.sum().alias("u_sum"), (q * q).sum().alias("u_sq"))
    )
    parts = ["k_c", "k_n", "k_sum", "k_ss", "k_ns", "k_nn", "u_n", "u_sum", "u_sq"]
    col = pl.col
    out = (
        keyed.join(single, on=keys, how="full", coalesce=True)
        .with_columns(col(parts).fill_null(0))
        .select(
            *keys,
            (col("k_n") + col("u_n")).cast(pl.Int64).alias("q_n"),
            (col("k_sum") + col("u_sum")).cast(pl.Float64).alias("q_sum"),
            (col("k_c") + col("u_n")).cast(pl.Int64).alias("q_clusters"),
            (col("k_ss") + col("u_sq")).cast(pl.Float64).alias("q_css"),
            (col("k_ns") + col("u_sum")).cast(pl.Float64).alias("q_cns"),
            (col("k_nn") + col("u_n")).cast(pl.Float64).alias("q_cnn"),
        )
        .sort(keys)
    )
    return out


def cluster_frame(
    store: ParquetStore,
    window: Window,
    aggregate: pl.DataFrame,
    by: Sequence[str],
    *,
    scorer: str | None,
    model_id: str | Sequence[str] | None = None,
    task_type: str | Sequence[str] | None = None,
) -> pl.DataFrame:
    """Quality's cluster moments per `by` (keys as strings), for an aggregate of the same
    rows (`stats_query` / `cube_query`): from `cluster_query` when rows carry prompt keys,
    else every scored row is its own cluster, read off the aggregate's sums (no second scan).
    """
    keys = list(by)
    if has_prompt_keys(store, window, model_id=model_id, task_type=task_type):
        lf, _ = cluster_query(
            store, window, by=keys, model_id=model_id, task_type=task_type, scorer=scorer
        )
        out = lf.collect()
    else:
        q_n = pl.col("q_n").cast(pl.Int64)
        out = (
            aggregate.group_by(keys)
            .agg(pl.col("q_n", "q_sum", "q_sq").sum())
            .select(
                *keys,
                q_n.alias("q_n"),
                pl.col("q_sum").cast(pl.Float64),
                q_n.alias("q_clusters"),
                pl.col("q_sq").cast(pl.Float64).alias("q_css"),
                pl.col("q_sum").cast(pl.Float64).alias("q_cns"),
                q_n.cast(pl.Float64).alias("q_cnn"),
            )
        )
    return out.with_columns(pl.col(keys).cast(pl.String)).sort(keys)


def cluster_moments(row: dict[str, object] | None) -> ClusterMoments:
    """The `ClusterMoments` of one `cluster_query` row (None: no scored rows)."""
    r = row or {}

    def num(k: str) -> float:
        v = r.get(k)
        return float(v) if isinstance(v, (int, float)) else 0.0

    return ClusterMoments(
        int(num("q_n")), num("q_sum"), int(num("q_clusters")), num("q_css"), num("q_cns"),
        num("q_cnn"),
    )  # fmt: skip

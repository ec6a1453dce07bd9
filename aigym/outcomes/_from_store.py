"""An outcome table from the store: a bake-off's executions become router training data.

Each successful execution is one outcome of (item, model): the item is its `prompt_id` (or,
without one, the hash of its prompt text, `prompt_item_id`), the model its `model_id`. Its
score is the latest score row of `scorer` when one is named and exists (the scores table, as
`aigym.scoring.latest_scores` reads it), else the record-time `quality_score`; 0-100 becomes
0-1. Repeats of one (item, model) are averaged (score, cost, tokens, latency; the first
response is kept). Cost is what the call would cost without the response cache
(`uncached_cost_usd`, else `cost_usd`): a cache hit is still an outcome of that model.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from aigym.errors import ValidationError
from aigym.outcomes._io import prompt_item_id
from aigym.outcomes._table import OutcomeTable
from aigym.store import ParquetStore

__all__ = ["outcomes_from_store"]


def _latest_scores(store: ParquetStore, scorer: str) -> pl.LazyFrame:
    return (
        store.scan_scores()
        .filter(pl.col("scorer") == scorer)
        .sort("timestamp", "score_id")
        .unique(subset="execution_id", keep="last", maintain_order=True)
        .select("execution_id", pl.col("value").alias("_scored"))
    )


def outcomes_from_store(
    store: ParquetStore,
    campaign: str | Sequence[str] | None = None,
    scorer: str | None = None,
    *,
    models: Sequence[str] | None = None,
    task_type: str | Sequence[str] | None = None,
) -> OutcomeTable:
    """The outcome table of `campaign`'s (or the whole store's) successful executions.

    Executions without a score (no `scorer` row and no `quality_score`) or without stored
    prompt text are left out; if nothing is left the error says why.
    """
    if not isinstance(store, ParquetStore):
        raise ValidationError("store", type(store).__name__, "give a ParquetStore (open_store)")
    lf = store.scan_executions(
        campaign=campaign, model_id=models, task_type=task_type, with_feedback=False
    ).filter(pl.col("status").cast(pl.String) == "success")
    score = pl.col("quality_score")
    if scorer is not None:
        if not isinstance(scorer, str) or not scorer:
            raise ValidationError("scorer", scorer, "give a scorer name, e.g. 'token_f1'")
        lf = lf.join(_latest_scores(store, scorer), on="execution_id", how="left")
        score = pl.coalesce("_scored", "quality_score")
    cost = pl.coalesce("uncached_cost_usd", "cost_usd")
    df = store.read(
        lf.select(
            "prompt_id",
            "prompt",
            pl.col("model_id").cast(pl.String).alias("model"),
            pl.col("task_type").cast(pl.String),
            (score / 100.0).alias("score"),
            cost.alias("cost_usd"),
            pl.col("prompt_tokens").alias("input_tokens"),
            pl.col("completion_tokens").alias("output_tokens"),
            "latency_ms",
            "response",
            "timestamp",
            "execution_id",
        )
    )
    where = f"campaign {campaign!r}" if campaign is not None else f"store {store.root}"
    if df.height == 0:
        raise ValidationError(
            "executions", where, "has no successful executions: check the campaign name"
        )
    n_all = df.height
    df = df.filter(pl.col("score").is_not_null() & pl.col("prompt").is_not_null())
    if df.height == 0:
        raise ValidationError(
            "executions",
            where,
            f"none of its {n_all} successful executions has both a score and its prompt "
            "text: score them (aigym.scoring.rescore) and keep texts (store_text=True)",
        )
    df = df.with_columns(
        item_id=pl.coalesce(
            "prompt_id", pl.col("prompt").map_elements(prompt_item_id, return_dtype=pl.String)
        )
    )
    out = (
        df.sort("timestamp", "execution_id")
        .group_by("item_id", "model", maintain_order=True)
        .agg(
            pl.col("prompt").first(),
            pl.col("task_type").first(),
            pl.col("score").mean(),
            pl.col("cost_usd").mean(),
            pl.col("input_tokens").mean().round().cast(pl.Int64),
            pl.col("output_tokens").mean().round().cast(pl.Int64),
            pl.col("latency_ms").mean(),
            pl.col("response").first(),
            pl.len().alias("repeats"),
        )
    )
    return OutcomeTable(out, source=where)

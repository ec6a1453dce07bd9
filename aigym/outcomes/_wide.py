"""Outcome tables as item x model matrices: the shape routers and evaluation compute on.

Routers need only the long frame's columns (``item_id, prompt, model, score`` and, if present,
``cost_usd, task_type, split``), so this reads ``table.frame`` and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import polars as pl

from aigym.errors import ValidationError

__all__ = ["OutcomeLike", "TableLike", "Wide", "widen"]


class OutcomeLike(Protocol):
    """Anything with a long outcome frame (an `OutcomeTable`)."""

    @property
    def frame(self) -> pl.DataFrame: ...


@dataclass(frozen=True, slots=True)
class Wide:
    """One row per item: prompt, per-model scores and costs, optional task and split."""

    item_ids: tuple[str, ...]
    prompts: tuple[str, ...]
    models: tuple[str, ...]
    scores: npt.NDArray[np.float64]
    costs: npt.NDArray[np.float64]
    tasks: npt.NDArray[np.str_] | None
    splits: npt.NDArray[np.str_] | None

    def take(self, rows: npt.NDArray[np.int64]) -> Wide:
        """The sub-table of the given rows."""
        return Wide(
            tuple(self.item_ids[i] for i in rows),
            tuple(self.prompts[i] for i in rows),
            self.models,
            self.scores[rows],
            self.costs[rows],
            None if self.tasks is None else self.tasks[rows],
            None if self.splits is None else self.splits[rows],
        )


TableLike = OutcomeLike | pl.DataFrame | Wide


def widen(table: TableLike) -> Wide:
    """Pivot a long outcome table to items x models; every item needs every model's score."""
    if isinstance(table, Wide):
        return table
    frame = table if isinstance(table, pl.DataFrame) else table.frame
    missing = {"item_id", "prompt", "model", "score"} - set(frame.columns)
    if missing:
        raise ValidationError(
            "outcome table", sorted(missing), "needs columns item_id, prompt, model, score"
        )
    cols = set(frame.columns)
    long = frame.select(
        pl.col("item_id").cast(pl.String),
        pl.col("prompt").cast(pl.String),
        pl.col("model").cast(pl.String),
        pl.col("score").cast(pl.Float64),
        (pl.col("cost_usd").cast(pl.Float64) if "cost_usd" in cols else pl.lit(None))
        .fill_null(0.0)
        .cast(pl.Float64)
        .alias("cost_usd"),
        (pl.col("task_type").cast(pl.String) if "task_type" in cols else pl.lit(None))
        .cast(pl.String)
        .alias("task_type"),
        (pl.col("split").cast(pl.String) if "split" in cols else pl.lit(None))
        .cast(pl.String)
        .alias("split"),
    )
    models = tuple(sorted(long["model"].unique().to_list()))
    items = long.group_by("item_id", maintain_order=True).agg(
        pl.col("prompt").first(),
        pl.col("task_type").first(),
        pl.col("split").first(),
        pl.len().alias("n"),
    )
    items = items.sort("item_id")
    score = long.pivot(on="model", index="item_id", values="score", aggregate_function="mean")
    cost = long.pivot(on="model", index="item_id", values="cost_usd", aggregate_function="mean")
    score = items.select("item_id").join(score, on="item_id", how="left")
    cost = items.select("item_id").join(cost, on="item_id", how="left")
    scores = score.select(models).to_numpy().astype(np.float64)
    if np.isnan(scores).any():
        bad = int(np.isnan(scores).any(axis=1).sum())
        raise ValidationError(
            "outcome table",
            f"{bad} items lack a score for some model",
            "routers need every model scored on every item; filter the table to complete items",
        )
    costs = np.nan_to_num(cost.select(models).to_numpy().astype(np.float64))
    tasks = items["task_type"]
    splits = items["split"]
    return Wide(
        tuple(items["item_id"].to_list()),
        tuple(items["prompt"].to_list()),
        models,
        scores,
        costs,
        None if tasks.null_count() == len(tasks) else tasks.fill_null("").to_numpy().astype(str),
        None if splits.null_count() == len(splits) else splits.fill_null("").to_numpy().astype(str),
    )

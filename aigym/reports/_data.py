"""The executions a report reads: one window, the current row per request, chosen scores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from aigym.errors import ValidationError
from aigym.scoring import latest_scores
from aigym.store import ParquetStore

__all__ = ["load_executions", "pin_until"]


def pin_until(until: str | dt.datetime | dt.date | None) -> dt.datetime:
    """`until` as a UTC datetime; empty means now (to the second), so a report can record it."""
    if until is None or until == "":
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    if isinstance(until, dt.datetime):
        return until if until.tzinfo else until.replace(tzinfo=dt.UTC)
    if isinstance(until, dt.date):
        return dt.datetime(until.year, until.month, until.day, tzinfo=dt.UTC)
    try:
        value = dt.datetime.fromisoformat(str(until).replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            "until", until, "pass an ISO 8601 time such as '2026-12-01T00:00:00Z'"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def load_executions(
    store: ParquetStore,
    *,
    days: float | None = None,
    until: str | dt.datetime | dt.date | None = None,
    campaign: str | Sequence[str] | None = None,
    task_type: str | Sequence[str] | None = None,
    scorer: str | None = None,
) -> pl.DataFrame:
    """Executions ending at `until` (over `days` days, or all before it), the latest row per
    request key (a resumed campaign counts each request once), `quality_score` taken from
    `scorer`'s latest score where it has one (`quality_source` says which)."""
    end = pin_until(until)
    since = None if days is None or days <= 0 else end - dt.timedelta(days=float(days))
    lf = store.scan_executions(
        since=since,
        until=end,
        campaign=campaign or None,
        task_type=task_type or None,
        with_feedback=False,
    )
    keyed = (
        lf.filter(pl.col("request_key").is_not_null())
        .sort("timestamp", "execution_id")
        .unique("request_key", keep="last", maintain_order=True)
    )
    lf = pl.concat([keyed, lf.filter(pl.col("request_key").is_null())])
    source = pl.lit("record-time quality_score")
    if scorer:
        scores = latest_scores(store, scorer).select(
            "execution_id", pl.col("value").alias("_score")
        )
        lf = lf.join(scores, on="execution_id", how="left")
        source = pl.when(pl.col("_score").is_not_null()).then(pl.lit(scorer)).otherwise(source)
        lf = lf.with_columns(
            pl.coalesce("_score", "quality_score").alias("quality_score"),
            source.alias("quality_source"),
        ).drop("_score")
    else:
        lf = lf.with_columns(source.alias("quality_source"))
    return lf.sort("timestamp", "execution_id").collect()

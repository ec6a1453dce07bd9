"""The executions a report reads: one window, the current row per request, chosen scores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from aigym.errors import ValidationError
from aigym.scoring import latest_scores, primary_scorers
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
    `scorer`'s latest score where it has one (`quality_source` says which). `scorer="primary"`
    takes each task's primary scorer; "" or None keeps the record-time score."""
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
        primary = {str(k): v for k, v in primary_scorers().items()}
        if scorer == "primary":
            tasks = lf.select(pl.col("task_type").cast(pl.String).unique()).collect()
            names = sorted({primary.get(t, "generic") for t in tasks["task_type"] if t})
            which = (
                pl.col("task_type")
                .cast(pl.String)
                .replace_strict(primary, default="generic", return_dtype=pl.String)
            )
        else:
            names, which = [scorer], pl.lit(scorer)
        scores = (
            pl.concat(
                [
                    latest_scores(store, n).select(
                        "execution_id", pl.lit(n).alias("_scorer"), pl.col("value").alias("_score")
                    )
                    for n in names
                ]
            )
            if names
            else None
        )
        if scores is not None:
            lf = lf.with_columns(which.alias("_scorer")).join(
                scores, on=["execution_id", "_scorer"], how="left"
            )
            source = (
                pl.when(pl.col("_score").is_not_null()).then(pl.col("_scorer")).otherwise(source)
            )
            lf = lf.with_columns(
                pl.coalesce("_score", "quality_score").alias("quality_score"),
                source.alias("quality_source"),
            ).drop("_score", "_scorer")
        else:
            lf = lf.with_columns(source.alias("quality_source"))
    else:
        lf = lf.with_columns(source.alias("quality_source"))
    # Plain strings: categoricals of two scans would not join or compare across frames.
    return (
        lf.with_columns(pl.col(pl.Categorical).cast(pl.String))
        .sort("timestamp", "execution_id")
        .collect()
    )

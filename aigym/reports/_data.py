"""The executions a report reads: one window, the current row per request, chosen scores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from aigym.errors import ValidationError
from aigym.scoring import latest_scores, primary_scorers
from aigym.store import ParquetStore

__all__ = ["load_executions", "pin_until"]


def now_pinned() -> dt.datetime:
    """Now, rounded up to the whole second: a printable time after every row already written."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=0) + dt.timedelta(seconds=1 if now.microsecond else 0)


def pin_until(until: str | dt.datetime | dt.date | None) -> dt.datetime:
    """`until` as a UTC datetime; empty means now, so a report can record it: rounded up to
    the next whole second, so that (`until` being exclusive) everything already recorded is in."""
    if until is None or until == "":
        return now_pinned()
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
    """Executions before `until` (over `days` days, or all before it; no `until`: every row
    stored so far, none cut off by the clock), the latest row per
    request key (a resumed campaign counts each request once), `quality_score` taken from
    `scorer`'s latest score where it has one (`quality_source` says which). `scorer="primary"`
    takes each task's primary scorer, `"latest"` whichever scorer scored an execution last;
    "" or None keeps the record-time score."""
    end = None if until is None or until == "" else pin_until(until)  # None: up to the last row
    store.flush()  # rows (and scores) this store object still buffers count too
    last = end or dt.datetime.now(dt.UTC)
    since = None if days is None or days <= 0 else last - dt.timedelta(days=float(days))
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
        scores, keys = _scores(store, lf, scorer)
        if keys == ["execution_id", "_scorer"]:
            primary = {str(k): v for k, v in primary_scorers().items()}
            task = pl.col("task_type").cast(pl.String)
            lf = lf.with_columns(
                task.replace_strict(primary, default="generic", return_dtype=pl.String).alias(
                    "_scorer"
                )
            )
        lf = lf.join(scores, on=keys, how="left")
        lf = lf.with_columns(
            pl.coalesce("_score", "quality_score").alias("quality_score"),
            pl.when(pl.col("_score").is_not_null())
            .then(pl.col("_scorer"))
            .otherwise(source)
            .alias("quality_source"),
        ).drop("_score", "_scorer")
    else:
        lf = lf.with_columns(source.alias("quality_source"))
    # Plain strings: categoricals of two scans would not join or compare across frames.
    return (
        lf.with_columns(pl.col(pl.Categorical).cast(pl.String))
        .sort("timestamp", "execution_id")
        .collect()
    )


def _scores(store: ParquetStore, lf: pl.LazyFrame, scorer: str) -> tuple[pl.LazyFrame, list[str]]:
    """(execution_id, _scorer, _score) rows to join, and the join keys."""
    if scorer == "latest":  # whichever scorer scored the execution last
        latest = (
            store.scan_scores()
            .sort("timestamp", "score_id")
            .unique(subset="execution_id", keep="last", maintain_order=True)
        )
        cols = [pl.col("scorer").cast(pl.String).alias("_scorer"), pl.col("value").alias("_score")]
        return latest.select("execution_id", *cols), ["execution_id"]
    if scorer == "primary":
        primary = {str(k): v for k, v in primary_scorers().items()}
        tasks = lf.select(pl.col("task_type").cast(pl.String).unique()).collect()["task_type"]
        names = sorted({primary.get(t, "generic") for t in tasks if t}) or ["generic"]
        keys = ["execution_id", "_scorer"]
    else:
        names, keys = [scorer], ["execution_id"]
    frames = [
        latest_scores(store, n).select(
            "execution_id", pl.lit(n).alias("_scorer"), pl.col("value").alias("_score")
        )
        for n in names
    ]
    return pl.concat(frames), keys

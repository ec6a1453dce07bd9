"""The one lazy frame every analysis aggregates: executions of a window, projected to the
columns asked for, with the latest feedback and the chosen scorer's latest score joined only
when those tables hold rows in the window.

Quality is defined once, here: `q` is the chosen scorer's latest score of a successful
execution, else its record-time `quality_score`, else null (unscored). Error rows have no
output to score, so `q` is null for them and they do not count as unscored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from aigym.errors import ValidationError
from aigym.store import ParquetStore
from aigym.tracking._window import Window

__all__ = ["QualitySource", "execution_frame", "has_rows", "parse_scorer"]

FALLBACK_SCORER = "generic"


@dataclass(frozen=True, slots=True)
class QualitySource:
    """Where quality figures come from: a scorer (or each task's primary one) and its rows."""

    scorer: str | None
    version: str | None
    scores_joined: bool

    def describe(self) -> str:
        who = "each task's primary scorer" if self.scorer is None else repr(self.scorer)
        if self.version is not None:
            who += f" version {self.version!r}"
        if not self.scores_joined:
            return f"record-time quality_score (no rows of {who} in the scores table)"
        return f"latest score by {who}, else the record-time quality_score"


def parse_scorer(scorer: str | None) -> tuple[str | None, str | None]:
    """`None` (primary scorers), `"name"` (latest version) or `"name@version"` (pinned)."""
    if scorer is None:
        return None, None
    if not isinstance(scorer, str) or not scorer.strip(" @"):
        raise ValidationError(
            "scorer", scorer, "pass a scorer name such as 'email_writing' (or 'name@version')"
        )
    name, _, version = scorer.partition("@")
    return name.strip(), version.strip() or None


def has_rows(store: ParquetStore, table: str, window: Window) -> bool:
    """Whether `table` has any live file for the window's days (a cheap directory listing)."""
    return bool(store.files(table, since=window.since, until=window.until))


def _primary_map() -> dict[str, str]:
    from aigym.scoring import primary_scorers  # read-only: which scorer is primary per task

    return primary_scorers()


def latest_feedback(store: ParquetStore, window: Window, *, full: bool = False) -> pl.LazyFrame:
    """Latest feedback row per execution, as of `window.until` (feedback is append-only)."""
    extra = ["comment"] if full else []
    lf = (
        store.scan("feedback", since=window.since, until=window.until)
        .select(
            "execution_id",
            "feedback_id",
            "timestamp",
            "approved",
            "edit_distance",
            "user_rating",
            *extra,
        )
        .sort("timestamp", "feedback_id")
        .unique(subset="execution_id", keep="last")
    )
    cols = [
        pl.col("execution_id"),
        pl.col("approved").alias("feedback_approved"),
        pl.col("edit_distance"),
        pl.col("user_rating"),
    ]
    if full:
        cols += [
            pl.col("comment").alias("feedback_comment"),
            pl.col("timestamp").alias("feedback_timestamp"),
        ]
    return lf.select(cols)


def _latest_scores(
    store: ParquetStore, window: Window, names: Sequence[str], version: str | None
) -> pl.LazyFrame:
    lf = store.scan("scores", since=window.since, until=window.until).select(
        "execution_id", "timestamp", "score_id", "scorer", "scorer_version", "value"
    )
    lf = lf.filter(pl.col("scorer").is_in(list(names)))
    if version is not None:
        lf = lf.filter(pl.col("scorer_version") == version)
    return (
        lf.sort("timestamp", "score_id")
        .unique(subset=["execution_id", "scorer"], keep="last")
        .select("execution_id", pl.col("scorer").alias("_scorer"), pl.col("value").alias("_score"))
    )


def _is_in(col: str, value: str | Sequence[str]) -> pl.Expr:
    values = [value] if isinstance(value, str) else list(value)
    return pl.col(col).is_in(values)


def execution_frame(
    store: ParquetStore,
    window: Window,
    columns: Sequence[str],
    *,
    model_id: str | Sequence[str] | None = None,
    task_type: str | Sequence[str] | None = None,
    quality: bool = False,
    scorer: str | None = None,
    feedback: bool = False,
    feedback_full: bool = False,
    latest: int | None = None,
    side_window: Window | None = None,
) -> tuple[pl.LazyFrame, QualitySource]:
    """Executions in `window` with `columns`, plus `q`/`q_from_scorer` and feedback columns.

    With `feedback`, adds `approved` (latest feedback, else record-time `user_approved`),
    `edit_distance` and `user_rating` (null when no feedback table rows exist). `latest`
    keeps only the newest rows (by timestamp) before anything is joined. Feedback and scores
    are read from `side_window` (default: `window`), as of its end.
    """
    side = window if side_window is None else side_window
    name, version = parse_scorer(scorer)
    lf = store.scan("executions", since=window.since, until=window.until)
    if model_id is not None:
        lf = lf.filter(_is_in("model_id", model_id))
    if task_type is not None:
        lf = lf.filter(_is_in("task_type", task_type))
    with_feedback = feedback and has_rows(store, "feedback", side)
    with_scores = quality and has_rows(store, "scores", side)
    if with_scores and name is None and task_type is not None:
        # One task (or tasks sharing a primary scorer): join on the id alone, fewer rows.
        primary = _primary_map()
        tasks = [task_type] if isinstance(task_type, str) else list(task_type)
        used = {primary.get(t, FALLBACK_SCORER) for t in tasks}
        if len(used) == 1:
            name = used.pop()
    need = list(dict.fromkeys(columns))
    if quality:
        need += ["status", "quality_score"]
    if feedback:
        need.append("user_approved")
    if with_feedback or with_scores:
        need.append("execution_id")
    if with_scores and name is None:
        need.append("task_type")
    if latest is not None:
        need.append("timestamp")
    lf = lf.select(list(dict.fromkeys(need)))
    if latest is not None:
        lf = lf.top_k(latest, by="timestamp")

    if with_scores:
        if name is None:
            primary = _primary_map()
            names = sorted({*primary.values(), FALLBACK_SCORER})
            lf = lf.with_columns(
                pl.col("task_type")
                .replace_strict(primary, default=FALLBACK_SCORER, return_dtype=pl.Categorical)
                .alias("_scorer")
            )
            lf = lf.join(
                _latest_scores(store, side, names, version),
                on=["execution_id", "_scorer"],
                how="left",
            )
        else:
            scores = _latest_scores(store, side, [name], version).drop("_scorer")
            lf = lf.join(scores, on="execution_id", how="left")
    if quality:
        ok = pl.col("status") == "success"
        score = pl.col("_score") if with_scores else pl.lit(None, dtype=pl.Float64)
        lf = lf.with_columns(
            pl.when(ok).then(pl.coalesce(score, pl.col("quality_score"))).alias("q"),
            (ok & score.is_not_null()).alias("q_from_scorer"),
        )
    if feedback:
        if with_feedback:
            lf = lf.join(
                latest_feedback(store, side, full=feedback_full),
                on="execution_id",
                how="left",
            ).with_columns(pl.coalesce("feedback_approved", "user_approved").alias("approved"))
        else:
            nulls = [
                pl.lit(None, dtype=pl.Int64).alias("edit_distance"),
                pl.lit(None, dtype=pl.Float64).alias("user_rating"),
            ]
            if feedback_full:
                nulls += [
                    pl.lit(None, dtype=pl.Boolean).alias("feedback_approved"),
                    pl.lit(None, dtype=pl.String).alias("feedback_comment"),
                    pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("feedback_timestamp"),
                ]
            lf = lf.with_columns(pl.col("user_approved").alias("approved"), *nulls)
    keep = list(dict.fromkeys(columns))
    if quality:
        keep += ["q", "q_from_scorer"]
    if feedback:
        keep += ["approved", "edit_distance", "user_rating"]
        if feedback_full:
            keep += ["feedback_approved", "feedback_comment", "feedback_timestamp"]
    source = QualitySource(parse_scorer(scorer)[0], version, with_scores)
    return lf.select(list(dict.fromkeys(keep))), source

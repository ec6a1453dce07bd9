"""`get_recent`: the latest executions with their latest feedback, newest first.

Reads day partitions from the newest backwards and stops as soon as it has `limit` rows, so
it costs the same on a 10M-row store as on a small one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from aigym._alias import accepts_db
from aigym.errors import ValidationError
from aigym.records import TaskType
from aigym.store import ParquetStore
from aigym.tracking._frame import execution_frame
from aigym.tracking._hints import warn_if_unknown_task
from aigym.tracking._result import fmt, usd
from aigym.tracking._window import Window, as_utc

__all__ = ["RECENT_COLUMNS", "RecentExecutions", "get_recent"]

RECENT_COLUMNS = (
    "execution_id",
    "timestamp",
    "model_id",
    "task_type",
    "status",
    "error_type",
    "prompt_tokens",
    "completion_tokens",
    "latency_ms",
    "cost_usd",
    "quality_score",
    "user_approved",
    "campaign",
)
_TEXT = ("prompt", "response")


@dataclass(frozen=True, slots=True)
class RecentExecutions:
    """Latest executions, newest first: iterate for dicts, or take `to_polars()`.

    `quality` is the chosen scorer's latest score, else the record-time `quality_score`;
    `approved` is the latest feedback's verdict, else the record-time `user_approved`.
    """

    until: dt.datetime
    limit: int
    frame: pl.DataFrame

    def __len__(self) -> int:
        return self.frame.height

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.frame.iter_rows(named=True))

    def __getitem__(self, i: int) -> dict[str, Any]:
        return self.frame.row(i, named=True)

    def to_polars(self) -> pl.DataFrame:
        return self.frame

    def to_pandas(self) -> Any:
        return self.frame.to_pandas()

    def __repr__(self) -> str:
        if self.frame.height == 0:
            return f"RecentExecutions: no executions before {self.until:%Y-%m-%d %H:%M:%S} UTC"
        end = f"{self.until:%Y-%m-%d %H:%M:%S} UTC"
        lines = [f"RecentExecutions: {self.frame.height} newest before {end}"]
        for r in self.frame.head(20).iter_rows(named=True):
            ok = "ok " if r["status"] == "success" else "ERR"
            verdict = {True: "approved", False: "rejected", None: ""}[r["approved"]]
            lines.append(
                f"  {r['timestamp']:%Y-%m-%d %H:%M:%S} {ok} {r['model_id'][:30]:<30} "
                f"{r['task_type'][:18]:<18} {fmt(r['latency_ms'], ',.0f'):>7} ms "
                f"{usd(r['cost_usd']):>9} q {fmt(r['quality']):>5} {verdict}"
            )
        if self.frame.height > 20:
            lines.append(f"  ... {self.frame.height - 20} more (to_polars() for all)")
        return "\n".join(lines)


def _one_day(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


@accepts_db
def get_recent(
    store: ParquetStore,
    limit: int = 50,
    *,
    model_id: str | Sequence[str] | None = None,
    task_type: str | None = None,
    until: dt.datetime | dt.date | None = None,
    scorer: str | None = None,
    include_text: bool = False,
) -> RecentExecutions:
    """The `limit` newest executions before `until` (default now), feedback joined."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1_000_000:
        raise ValidationError("limit", limit, "pass a whole number of rows from 1 to 1000000")
    end = as_utc("until", until) or dt.datetime.now(dt.UTC)
    task = None if task_type is None else str(TaskType(task_type))
    store.flush()
    cols = [*RECENT_COLUMNS, *(_TEXT if include_text else ())]
    parts: list[pl.DataFrame] = []
    have = 0
    for part in sorted(store.partitions("executions", until=end), reverse=True):
        day = dt.date.fromisoformat(part.removeprefix("date="))
        lo = _one_day(day)
        window = Window(lo, min(lo + dt.timedelta(days=1), end), 1.0)
        lf, _ = execution_frame(
            store, window, cols, model_id=model_id, task_type=task, quality=True,
            scorer=scorer, feedback=True, feedback_full=True, latest=limit - have,
            side_window=Window(lo, end, 1.0),
        )  # fmt: skip
        df = lf.collect()
        if df.height:
            parts.append(df)
            have += df.height
        if have >= limit:
            break
    schema_lf, _ = execution_frame(
        store, Window(end, end, 0.0), cols, quality=True, feedback=True, feedback_full=True
    )
    empty = pl.DataFrame(schema=schema_lf.collect_schema())
    out = pl.concat(parts, how="vertical_relaxed") if parts else empty
    if not parts and task is not None:
        warn_if_unknown_task(store, task)
    out = (
        out.sort("timestamp", "execution_id", descending=True)
        .head(limit)
        .rename({"q": "quality"})
        .drop("q_from_scorer")
        .with_columns(pl.col(pl.Categorical).cast(pl.String))  # tidy results hold plain strings
    )
    return RecentExecutions(end, limit, out)

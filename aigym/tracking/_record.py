"""Recording: executions and user feedback, through the store's shared buffered writers.

Durability: by default a row goes to `store.default_writer(...)` and is *acknowledged* (in a
published file, at the store's durability level) when `store.flush()` or `store.close()`
returns, when the writer's flush window passes (1000 rows or 1 s, checked on each add), or at
interpreter exit. Until then a crash of the process loses it. `durable=True` publishes the
row at the `fsync` level (survives power loss) before returning, at the price of one file and
a few milliseconds per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from aigym._alias import accepts_db
from aigym.errors import UnknownExecutionError, ValidationError
from aigym.records import Execution, Feedback, TaskMetrics
from aigym.registry import ModelRegistry, get_model_registry
from aigym.store import Durability, ParquetStore

__all__ = ["record_execution", "record_user_feedback"]


@accepts_db
def record_execution(
    store: ParquetStore,
    metrics: TaskMetrics,
    *,
    durable: bool = False,
    timestamp: dt.datetime | None = None,
    store_text: bool = True,
    registry: ModelRegistry | None = None,
) -> str:
    """Record one model call; returns its execution id (time-ordered, a UUIDv7).

    The model id must be known to the registry (local models included); an alias is stored
    under its canonical id so that statistics never split one model in two. Unknown ids raise
    `UnknownModelError` with the closest known ids. See the module docstring for when the row
    is acknowledged.
    """
    if not isinstance(metrics, TaskMetrics):
        raise ValidationError("metrics", metrics, "pass a TaskMetrics(...)")
    canonical = (registry or get_model_registry()).resolve(metrics.model_id)
    if canonical != metrics.model_id:
        metrics = replace(metrics, model_id=canonical)
    row = Execution.from_metrics(metrics, timestamp=timestamp, store_text=store_text)
    if durable:
        store.append("executions", [row], durability=Durability.FSYNC)
    else:
        store.default_writer("executions").add(row)
    return row.execution_id


@accepts_db
def record_user_feedback(
    store: ParquetStore,
    metric_id: str,
    approved: bool | None = None,
    edit_distance: int | None = None,
    user_rating: float | None = None,
    comment: str | None = None,
    *,
    durable: bool = False,
    timestamp: dt.datetime | None = None,
) -> str:
    """Record a user's verdict on an execution; returns the feedback id.

    Feedback is append-only: record again to change a verdict, and the latest row counts
    (as a whole: a later row without `approved` falls back to the record-time approval).
    The execution must exist: published, or still buffered in this store object's writers.
    Only the id's own date partition is read (ids embed their creation time).
    """
    fb = Feedback.create(
        metric_id,
        approved=approved,
        edit_distance=edit_distance,
        user_rating=user_rating,
        comment=comment,
        timestamp=timestamp,
    )
    if not store.has_execution(metric_id):
        raise UnknownExecutionError(metric_id)
    if durable:
        store.append("feedback", [fb], durability=Durability.FSYNC)
    else:
        store.default_writer("feedback").add(fb)
    return fb.feedback_id

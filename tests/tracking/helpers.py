"""Hand-computable stores for the tracker tests (no pytest import here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from aigym.records import Execution, Feedback, ScoreRecord, TaskMetrics
from aigym.store import ParquetStore

UTC = dt.UTC
UNTIL = dt.datetime(2026, 3, 1, tzinfo=UTC)
SINCE = UNTIL - dt.timedelta(days=30)
GPT4O = "openai/gpt-4o"
MINI = "openai/gpt-4o-mini"
SONNET = "anthropic/claude-3.5-sonnet"


def at(days_before: float, seconds: float = 0) -> dt.datetime:
    """A time `days_before` days before UNTIL, plus `seconds`."""
    return UNTIL - dt.timedelta(days=days_before) + dt.timedelta(seconds=seconds)


def execution(
    model: str,
    task: str,
    ts: dt.datetime,
    *,
    cost: float,
    latency: float = 100.0,
    quality: float | None = None,
    status: str = "success",
    prompt_tokens: int = 100,
    completion_tokens: int = 10,
    user_approved: bool | None = None,
) -> Execution:
    return Execution.from_metrics(
        TaskMetrics(
            model_id=model,
            task_type=task,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            latency_ms=latency,
            cost_usd=cost,
            quality_score=quality,
            user_approved=user_approved,
            status=status,  # type: ignore[arg-type]
            error_type="RateLimitError" if status == "error" else None,
        ),
        timestamp=ts,
    )


def add_arm(
    store: ParquetStore,
    model: str,
    task: str,
    qualities: Sequence[float | None],
    costs: Sequence[float],
    *,
    day: float = 5.0,
) -> list[str]:
    """One row per quality/cost pair, a second apart, published at once."""
    rows = [
        execution(model, task, at(day, i), cost=c, quality=q)
        for i, (q, c) in enumerate(zip(qualities, costs, strict=True))
    ]
    store.append("executions", rows)
    return [r.execution_id for r in rows]


def feedback(execution_id: str, ts: dt.datetime, **kw: object) -> Feedback:
    return Feedback.create(execution_id, timestamp=ts, **kw)  # type: ignore[arg-type]


def score(
    execution_id: str, scorer: str, version: str, value: float | None, ts: dt.datetime
) -> ScoreRecord:
    reason = None if value is not None else "declined"
    return ScoreRecord.create(
        execution_id, scorer, version, value, unscored_reason=reason, timestamp=ts
    )

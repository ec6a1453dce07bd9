"""Builders shared by the store tests and the crash workers (no pytest import here)."""

from __future__ import annotations

import datetime as dt
import random

import pyarrow as pa

from aigym.records import Execution, TaskMetrics, new_id

UTC = dt.UTC
BASE = dt.datetime(2026, 3, 1, 12, tzinfo=UTC)
MODELS = ("openai/gpt-4o", "openai/gpt-4o-mini", "anthropic/claude-3.5-sonnet")
TASKS = ("email_writing", "code_generation", "generic")


def make_execution(i: int, *, rng: random.Random | None = None, day: int = 0) -> Execution:
    rng = rng or random.Random(i)
    ts = BASE + dt.timedelta(days=day, seconds=i)
    ok = rng.random() > 0.1
    return Execution.from_metrics(
        TaskMetrics(
            model_id=MODELS[i % 3],
            task_type=TASKS[i % 3],
            prompt_tokens=rng.randint(10, 2000),
            completion_tokens=rng.randint(1, 800),
            latency_ms=rng.uniform(100, 5000),
            cost_usd=rng.uniform(0, 0.05),
            quality_score=rng.choice([None, rng.uniform(0, 100)]),
            status="success" if ok else "error",
            error_type=None if ok else "RateLimitError",
            prompt=f"prompt {i}",
            response=f"response {i}" if ok else None,
            campaign="c1",
        ),
        timestamp=ts,
    )


def columnar(n: int, *, seed: int = 0, start: dt.datetime = BASE, text_bytes: int = 0) -> pa.Table:
    """A time-ordered executions batch as Arrow columns (ids made from the timestamps)."""
    rng = random.Random(seed)
    ts = [start + dt.timedelta(milliseconds=10 * k) for k in range(n)]
    cols: dict[str, object] = {
        "execution_id": [new_id(t) for t in ts],
        "timestamp": pa.array(ts, pa.timestamp("us", tz="UTC")),
        "model_id": [MODELS[k % 3] for k in range(n)],
        "task_type": [TASKS[k % 3] for k in range(n)],
        "prompt_tokens": pa.array([rng.randint(10, 2000) for _ in range(n)], pa.int64()),
        "completion_tokens": pa.array([rng.randint(1, 800) for _ in range(n)], pa.int64()),
        "latency_ms": [rng.uniform(100, 5000) for _ in range(n)],
        "cost_usd": [rng.uniform(0, 0.05) for _ in range(n)],
        "quality_score": [rng.uniform(0, 100) for _ in range(n)],
        "status": ["success"] * n,
    }
    if text_bytes:
        cols["response"] = ["x" * text_bytes] * n
    return pa.table(cols)

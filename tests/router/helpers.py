"""Hand-computable models and histories for the router tests (no pytest import here).

Task "generic" requires only text generation and prefers nothing, so a model's prior quality
is ``0.8 * (tier - 1) / 4 + 0.2`` on 0-1: tier 4 -> 80, tier 3 -> 60, tier 2 -> 40 points.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from aigym.records import Execution, TaskMetrics
from aigym.registry import ModelCapability, ModelRegistry, ModelSpec
from aigym.store import ParquetStore

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TASK = "generic"
C = ModelCapability

ALPHA = "acme/alpha"  # tier 4, dear, slow
ALPHA_MINI = "acme/alpha-mini"  # tier 3, same provider
BETA = "bravo/beta"  # tier 3, cheap
GAMMA = "charlie/gamma"  # tier 2, fast, mid price
DELTA = "delta/vision"  # tier 2, vision


def _spec(
    mid: str, tier: int, price: tuple[str, str], latency: int, caps: set[C] | None = None
) -> ModelSpec:
    return ModelSpec(
        id=mid,
        name=mid.split("/")[1],
        provider=mid.split("/")[0],
        input_price_per_mtok=Decimal(price[0]),
        output_price_per_mtok=Decimal(price[1]),
        context_window=100_000,
        max_output_tokens=4_000,
        capabilities=frozenset(caps or {C.TEXT_GENERATION, C.CHAT}),
        avg_latency_ms=latency,
        quality_tier=tier,
        aliases=(mid.split("/")[1],),
    )


def make_registry() -> ModelRegistry:
    return ModelRegistry(
        [
            _spec(ALPHA, 4, ("10", "30"), 3000, {C.TEXT_GENERATION, C.CHAT, C.CODE_GENERATION}),
            _spec(ALPHA_MINI, 3, ("1", "3"), 1500),
            _spec(BETA, 3, ("0.5", "1.5"), 2000),
            _spec(GAMMA, 2, ("2", "6"), 300),
            _spec(DELTA, 2, ("3", "9"), 2500, {C.TEXT_GENERATION, C.CHAT, C.VISION}),
        ]
    )


def execution(
    model: str,
    ts: dt.datetime,
    *,
    quality: float | None = 70.0,
    cost: float = 0.001,
    latency: float = 1000.0,
    task: str = TASK,
    status: str = "success",
    error_type: str | None = None,
    http_status: int | None = None,
) -> Execution:
    return Execution.from_metrics(
        TaskMetrics(
            model_id=model,
            task_type=task,
            prompt_tokens=1000,
            completion_tokens=500,
            latency_ms=latency,
            cost_usd=cost,
            quality_score=quality if status == "success" else None,
            status=status,  # type: ignore[arg-type]
            error_type=error_type,
            http_status=http_status,
        ),
        timestamp=ts,
    )


def write(store: ParquetStore, rows: Sequence[Execution]) -> None:
    """One published file per call (one batch), as a writer's flush makes."""
    store.append("executions", list(rows))


def history(
    model: str,
    n: int,
    quality: float,
    *,
    cost: float = 0.001,
    latency: float = 1000.0,
    end: dt.datetime = NOW,
    spacing_s: float = 1.0,
) -> list[Execution]:
    """`n` successful calls of constant quality, the last one at `end` minus one second."""
    return [
        execution(
            model,
            end - dt.timedelta(seconds=1 + i * spacing_s),
            quality=quality,
            cost=cost,
            latency=latency,
        )
        for i in range(n)
    ]

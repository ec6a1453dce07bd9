"""Fixtures for the A/B tests: a store, a controllable clock and a manager that uses both."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from aigym.abtest import ABTestConfig, ABTestManager
from aigym.registry import ModelRegistry
from aigym.store import ParquetStore

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
MODEL_A = "anthropic/claude-3.5-sonnet"
MODEL_B = "openai/gpt-4o"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, days: float) -> None:
        self.now += dt.timedelta(days=days)


@pytest.fixture(scope="session")
def registry() -> ModelRegistry:
    return ModelRegistry.from_bundled()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ParquetStore]:
    s = ParquetStore(tmp_path / "store")
    yield s
    s.close()


@pytest.fixture
def manager(registry: ModelRegistry, clock: Clock) -> ABTestManager:
    return ABTestManager(registry=registry, clock=clock)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20260302)


def config(name: str = "claude_vs_gpt4_emails", **kw: object) -> ABTestConfig:
    args: dict[str, object] = {
        "test_name": name,
        "task_type": "email_writing",
        "variant_a_model": MODEL_A,
        "variant_b_model": MODEL_B,
        "traffic_split": 0.5,
        "min_sample_size": 100,
        "max_duration_days": 14,
        "target_metric": "quality",
    }
    args.update(kw)
    return ABTestConfig(**args)  # type: ignore[arg-type]


def record(
    manager: ABTestManager,
    store: ParquetStore,
    name: str,
    variant: str,
    values: Iterable[Any],
    metric: str = "quality_score",
) -> None:
    """Record one result per value for `variant`, without assignments (each its own unit)."""
    for v in values:
        kwargs: dict[str, Any] = {"cost_usd": 0.01, "latency_ms": 900.0}
        if metric == "approved":
            kwargs["approved"] = bool(v)
        else:
            kwargs[metric] = float(v)
        manager.record_variant_result(store, name, variant, **kwargs)


def traffic(
    manager: ABTestManager,
    store: ParquetStore,
    name: str,
    n: int,
    draw: Callable[[str], float],
    metric: str = "quality_score",
) -> dict[str, int]:
    """Assign `n` units (logged), record one `draw(variant)` result each; counts per variant."""
    counts = {"a": 0, "b": 0}
    for i in range(n):
        unit = f"user-{i}"
        variant, _ = manager.assign_variant(store, name, unit_id=unit)
        counts[variant] += 1
        value = draw(variant)
        kwargs: dict[str, Any] = {"cost_usd": 0.01, "latency_ms": 900.0, "unit_id": unit}
        if metric == "approved":
            kwargs["approved"] = bool(value)
        else:
            kwargs[metric] = float(value)
        manager.record_variant_result(store, name, variant, **kwargs)
    return counts

"""`analyze_test(until=...)`: the test as it stood then, so a pinned report re-renders the
same numbers however much traffic, feedback or a stop arrives later."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from aigym.abtest import ABTestManager, ABTestResult
from aigym.errors import ABTestError, ValidationError
from aigym.store import ParquetStore

from .conftest import START, Clock, config, traffic

NAME = "claude_vs_gpt4_emails"


def _fields(r: ABTestResult) -> tuple[object, ...]:
    """What a report shows, floats rounded: polars sums in file and thread order, so the same
    rows read from more files can differ in the last bits."""
    names = ("status", "winner", "effect", "interval", "p_value", "days_running", "method")
    raw = (*(getattr(r, f) for f in names), r.variant_a["results"], r.variant_b["results"],
           r.variant_a["assigned_units"], r.srm.p_value)  # fmt: skip
    return tuple(_round(x) for x in raw)


def _round(x: object) -> object:
    if isinstance(x, float):
        return float(f"{x:.10g}")
    if isinstance(x, tuple):
        return tuple(_round(v) for v in x)
    return x


def test_until_reads_the_test_as_it_stood(
    manager: ABTestManager, store: ParquetStore, clock: Clock, rng: np.random.Generator
) -> None:
    manager.create_test(store, config(min_sample_size=50))
    clock.advance(1)
    traffic(manager, store, NAME, 300, lambda v: min(rng.normal(70.0, 10.0), 100.0))
    clock.advance(1)
    pinned = clock.now  # after the first 300 units, before anything else
    before = manager.analyze_test(store, NAME)
    clock.advance(2)  # much better B traffic later, then a stop
    traffic(
        manager, store, NAME, 600, lambda v: min(rng.normal(85.0 if v == "b" else 70.0, 5.0), 100.0)
    )
    clock.advance(1)
    manager.stop_test(store, NAME, reason="done")
    now = manager.analyze_test(store, NAME)
    assert now.status == "stopped" and now.winner == "b"
    as_of = manager.analyze_test(store, NAME, until=pinned)
    assert _fields(as_of)[1:] != _fields(now)[1:]
    # the same as analysing at the time, but for the clock it ran on (days = until - start)
    assert as_of.status == "active" and before.status == "active"
    assert as_of.days_running == pytest.approx(2.0) and before.days_running == pytest.approx(2.0)
    assert _fields(as_of) == _fields(before)
    assert as_of.variant_a["results"] + as_of.variant_b["results"] == 300
    assert as_of.variant_a["assigned_units"] + as_of.variant_b["assigned_units"] == 300
    # guardrail metrics too
    cost_then = manager.analyze_test(store, NAME, metric="cost", until=pinned)
    assert cost_then.variant_a["results"] + cost_then.variant_b["results"] == 300


def test_until_before_the_test_existed_or_without_a_timezone_is_refused(
    manager: ABTestManager, store: ParquetStore
) -> None:
    manager.create_test(store, config())
    with pytest.raises(ABTestError, match="pass a later until"):
        manager.analyze_test(store, NAME, until=START - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="timezone-aware"):
        manager.analyze_test(store, NAME, until=dt.datetime(2026, 3, 3))

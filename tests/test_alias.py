"""`db=` as the spec's alias of `store`: one decorator, on every spec function."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from aigym._alias import accepts_db
from aigym.abtest import ABTestConfig, ABTestManager
from aigym.errors import ValidationError
from aigym.records import TaskMetrics
from aigym.registry import ModelRegistry
from aigym.store import ParquetStore
from aigym.tracking import MetricTracker, get_model_stats


@accepts_db
def _rows(store: object, table: str = "executions", *, limit: int = 1) -> str:
    return f"{store}:{table}:{limit}"


class _Thing:
    @accepts_db
    def read(self, store: object, key: str) -> str:
        return f"{store}/{key}"


def test_db_is_store_for_functions_and_methods() -> None:
    assert _rows(db="s") == "s:executions:1"
    assert _rows(db="s", table="t", limit=3) == "s:t:3"
    assert _rows("s", "t") == "s:t:1"
    assert _Thing().read(db="s", key="k") == "s/k"
    assert _Thing().read("s", "k") == "s/k"


def test_both_store_and_db_is_refused() -> None:
    with pytest.raises(ValidationError, match="got the store twice"):
        _rows("s", db="s")
    with pytest.raises(ValidationError, match="not both"):
        _rows(store="s", db="s")
    with pytest.raises(ValidationError, match="got the store twice"):
        _Thing().read("s", db="s", key="k")


def test_signature_shows_db_and_keeps_the_rest() -> None:
    sig = inspect.signature(_rows)
    assert list(sig.parameters) == ["store", "table", "limit", "db"]
    assert sig.parameters["db"].kind is inspect.Parameter.KEYWORD_ONLY
    assert _rows.__name__ == "_rows" and _rows.__wrapped__ is not None  # type: ignore[attr-defined]


def test_decorating_a_function_without_store_fails_loudly() -> None:
    def f(x: int) -> int:
        return x

    with pytest.raises(TypeError, match="'store' parameter"):
        accepts_db(f)


def test_spec_call_patterns_run_as_written(tmp_path: Path) -> None:
    """The spec's snippets, with db=, on the tracker and the A/B manager."""
    db = ParquetStore(tmp_path / "s", durability="none")
    reg = ModelRegistry.from_bundled()
    tracker = MetricTracker(reg)
    metric_id = tracker.record_execution(
        db,
        TaskMetrics(
            model_id="openai/gpt-4o", task_type="email_writing", prompt_tokens=10,
            completion_tokens=5, latency_ms=100, cost_usd=0.01, quality_score=80.0,
        ),
    )  # fmt: skip
    db.flush()
    tracker.record_user_feedback(db=db, metric_id=metric_id, approved=True, edit_distance=15)
    stats = tracker.get_model_stats(db=db, model_id="openai/gpt-4o", task_type="email_writing")
    assert stats.n_executions == 1
    assert get_model_stats(db=db, model_id="openai/gpt-4o").n_executions == 1
    assert len(tracker.get_task_comparison(db=db, task_type="email_writing", days=30)) == 1
    assert tracker.get_cost_analysis(db=db, days=30)["total_cost_usd"] == pytest.approx(0.01)
    assert tracker.dashboard(db=db).n_executions == 1
    assert tracker.get_recent(db=db).to_polars().height == 1

    ab = ABTestManager(registry=reg)
    config = ABTestConfig(
        test_name="t1", task_type="email_writing", variant_a_model="openai/gpt-4o",
        variant_b_model="openai/gpt-4o-mini", traffic_split=0.5, min_sample_size=10,
    )  # fmt: skip
    ab.create_test(db, config)
    variant, model_id = ab.assign_variant(db=db, test_name="t1", unit_id="u1")
    assert model_id in ("openai/gpt-4o", "openai/gpt-4o-mini")
    ab.record_variant_result(
        db=db, test_name="t1", variant_name=variant, quality_score=89.5, cost_usd=0.02,
        unit_id="u1",
    )  # fmt: skip
    assert ab.analyze_test(db, "t1").winner == "inconclusive"
    ab.stop_test(db=db, test_name="t1")
    assert ab.list_tests(db=db) == []
    db.close()

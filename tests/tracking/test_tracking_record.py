"""Recording executions and feedback: ids, acknowledgement, model checks, unknown ids."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from aigym.errors import UnknownExecutionError, UnknownModelError, ValidationError
from aigym.records import TaskMetrics, id_date, new_id
from aigym.store import ParquetStore
from aigym.tracking import MetricTracker, get_metric_tracker

from .helpers import GPT4O, UNTIL, at


def metrics(model: str = GPT4O, **kw: object) -> TaskMetrics:
    base: dict[str, object] = dict(
        model_id=model,
        task_type="email_writing",
        prompt_tokens=1200,
        completion_tokens=800,
        latency_ms=1850,
        cost_usd=Decimal("0.0246"),
        quality_score=92.5,
    )
    base.update(kw)
    return TaskMetrics(**base)  # type: ignore[arg-type]


def published(store: ParquetStore, table: str = "executions") -> pl.DataFrame:
    return store.scan(table).collect()


def test_record_buffers_then_acknowledges_on_flush(store, tracker):
    eid = tracker.record_execution(store, metrics())
    assert id_date(eid) == dt.datetime.now(dt.UTC).date()
    writer = store.default_writer("executions")
    assert eid in writer and writer.pending == 1
    assert published(store).height == 0  # not acknowledged yet
    assert store.flush() == 1
    df = published(store)
    assert df["execution_id"].to_list() == [eid]
    assert df["cost_usd"][0] == pytest.approx(0.0246)


def test_durable_publishes_before_returning(tmp_path, tracker):
    store = ParquetStore(tmp_path / "s", durability="none")
    eid = tracker.record_execution(store, metrics(), durable=True)
    assert store.default_writer("executions").pending == 0
    assert published(store)["execution_id"].to_list() == [eid]
    store.close()


def test_unknown_model_rejected_with_suggestions(store, tracker):
    with pytest.raises(UnknownModelError) as e:
        tracker.record_execution(store, metrics("openai/gpt-4oo"))
    assert GPT4O in e.value.suggestions
    assert store.default_writer("executions").pending == 0


def test_alias_stored_under_canonical_id(store, tracker):
    tracker.record_execution(store, metrics("gpt-4o"))
    store.flush()
    assert published(store)["model_id"].to_list() == [GPT4O]


def test_local_models_are_known(store, tracker):
    eid = tracker.record_execution(store, metrics("local/smollm2-135m", cost_usd=0.0))
    assert store.has_execution(eid)


def test_feedback_for_buffered_id_is_accepted(store, tracker):
    eid = tracker.record_execution(store, metrics())
    fid = tracker.record_user_feedback(store, eid, approved=True, edit_distance=15)
    assert store.default_writer("feedback").pending == 1
    store.flush()
    fb = published(store, "feedback")
    assert fb.select("feedback_id", "execution_id", "approved", "edit_distance").rows() == [
        (fid, eid, True, 15)
    ]


def test_feedback_for_published_id_reads_its_partition(store, tracker):
    eid = tracker.record_execution(store, metrics(), timestamp=at(3))
    store.flush()
    tracker.record_user_feedback(store, eid, user_rating=4.5, comment="good")
    store.flush()
    assert published(store, "feedback")["user_rating"].to_list() == [4.5]


def test_feedback_for_unknown_id_is_rejected(store, tracker):
    tracker.record_execution(store, metrics(), timestamp=at(3))
    store.flush()
    never = new_id(at(3, 1))  # same day partition, never recorded
    with pytest.raises(UnknownExecutionError, match="record_execution"):
        tracker.record_user_feedback(store, never, approved=True)
    with pytest.raises(UnknownExecutionError):
        tracker.record_user_feedback(store, new_id(), approved=False)  # empty partition
    with pytest.raises(ValidationError):
        tracker.record_user_feedback(store, "not-an-id", approved=True)
    store.flush()
    assert published(store, "feedback").height == 0


def test_feedback_needs_a_verdict(store, tracker):
    eid = tracker.record_execution(store, metrics())
    with pytest.raises(ValidationError, match="at least one"):
        tracker.record_user_feedback(store, eid)
    with pytest.raises(ValidationError):
        tracker.record_user_feedback(store, eid, user_rating=7)


def test_durable_feedback(store, tracker):
    eid = tracker.record_execution(store, metrics(), durable=True)
    tracker.record_user_feedback(store, eid, approved=False, durable=True)
    assert published(store, "feedback")["approved"].to_list() == [False]


def test_module_functions_and_singleton(store):
    from aigym import tracking

    assert get_metric_tracker() is get_metric_tracker()
    assert isinstance(get_metric_tracker(), MetricTracker)
    eid = tracking.record_execution(store, metrics())
    tracking.record_user_feedback(store, eid, approved=True)
    stats = tracking.get_model_stats(store, GPT4O, days=1)
    assert stats.n_executions == 1 and stats.approval_rate == 100.0


def test_analyses_see_this_process_buffered_rows(store, tracker):
    tracker.record_execution(store, metrics(), timestamp=at(1))
    s = tracker.get_model_stats(store, GPT4O, until=UNTIL)
    assert s.n_executions == 1


def test_record_rejects_non_metrics(store, tracker):
    with pytest.raises(ValidationError):
        tracker.record_execution(store, {"model_id": GPT4O})  # type: ignore[arg-type]

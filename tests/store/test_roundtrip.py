from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from aigym.errors import UnknownExecutionError
from aigym.records import Execution, Feedback, ScoreRecord, TaskMetrics
from aigym.store import Durability, ParquetStore
from tests.store.helpers import BASE, columnar, make_execution

UTC = dt.UTC


def test_records_round_trip_field_by_field(store: ParquetStore) -> None:
    rows = [make_execution(i) for i in range(30)]
    assert store.append("executions", rows) == 30
    got = store.scan_executions(with_feedback=False).drop("date").collect()
    assert got.height == 30
    by_id = {r["execution_id"]: r for r in got.iter_rows(named=True)}
    for r in rows:
        stored = by_id[r.execution_id]
        for name in stored:
            assert stored[name] == getattr(r, name), name


@pytest.mark.parametrize("kind", ["arrow", "polars", "pandas"])
def test_columnar_input(store: ParquetStore, kind: str) -> None:
    t = columnar(500, seed=1)
    data = {"arrow": t, "polars": pl.from_arrow(t), "pandas": t.to_pandas()}[kind]
    assert store.append("executions", data) == 500
    got = store.scan("executions").select("execution_id", "prompt_tokens", "cost_usd").collect()
    exp = pl.from_arrow(t.select(["execution_id", "prompt_tokens", "cost_usd"]))
    assert got.sort("execution_id").equals(exp.sort("execution_id"))  # type: ignore[union-attr]


def test_rows_land_in_their_utc_date_partition(store: ParquetStore) -> None:
    rows = [make_execution(i, day=d) for d in range(3) for i in range(4)]
    store.append("executions", rows)
    parts = store.partitions("executions")
    assert parts == ["date=2026-03-01", "date=2026-03-02", "date=2026-03-03"]
    df = store.scan("executions").select("date", "timestamp").collect()
    assert (df["date"] == df["timestamp"].dt.date()).all()


def test_window_since_inclusive_until_exclusive(store: ParquetStore) -> None:
    store.append("executions", [make_execution(i, day=d) for d in range(5) for i in range(2)])
    lo = BASE + dt.timedelta(days=1)
    hi = BASE + dt.timedelta(days=3)
    df = store.scan_executions(since=lo, until=hi).collect()
    assert df.height == 4
    assert df["timestamp"].min() >= lo and df["timestamp"].max() < hi
    assert store.scan_executions(since=BASE + dt.timedelta(days=30)).collect().height == 0


def test_filters(store: ParquetStore) -> None:
    store.append("executions", [make_execution(i) for i in range(30)])
    df = store.scan_executions(model_id="openai/gpt-4o", task_type="email_writing").collect()
    assert df.height == 10
    assert store.scan_executions(campaign=["nope"]).collect().height == 0


def test_empty_store_scans_to_empty_frames_with_schema(store: ParquetStore) -> None:
    df = store.scan_executions().collect()
    assert df.height == 0
    assert "cost_usd" in df.columns and "approved" in df.columns


def test_retried_batch_lands_on_the_same_file(store: ParquetStore) -> None:
    rows = [make_execution(i) for i in range(10)]
    store.append("executions", rows)
    store.append("executions", list(reversed(rows)))  # same ids, same batch identity
    assert len(store.files()) == 1
    assert store.scan("executions").collect().height == 10


def test_feedback_latest_wins(store: ParquetStore) -> None:
    rows = [make_execution(i) for i in range(3)]
    store.append("executions", rows)
    eid = rows[0].execution_id
    t0 = dt.datetime(2026, 3, 5, tzinfo=UTC)
    store.append(
        "feedback",
        [
            Feedback.create(eid, approved=False, edit_distance=40, timestamp=t0),
            Feedback.create(eid, approved=True, edit_distance=3, user_rating=4.5,
                            timestamp=t0 + dt.timedelta(hours=1)),
            Feedback.create(rows[1].execution_id, approved=False, timestamp=t0),
        ],
    )  # fmt: skip
    df = store.scan_executions().collect()
    r0 = df.filter(pl.col("execution_id") == eid).row(0, named=True)
    assert (r0["feedback_approved"], r0["edit_distance"], r0["user_rating"]) == (True, 3, 4.5)
    assert df.filter(pl.col("execution_id") == rows[1].execution_id)["approved"].item() is False
    assert df.filter(pl.col("execution_id") == rows[2].execution_id)["approved"].item() is None


def test_scores_with_dimensions_round_trip(store: ParquetStore) -> None:
    e = make_execution(1)
    s = ScoreRecord.create(e.execution_id, "email_heuristic", "1", 72.5,
                           dimensions={"greeting": 100.0, "cta": 40.0})  # fmt: skip
    u = ScoreRecord.create(e.execution_id, "judge", "1", None, unscored_reason="judge timed out")
    store.append("scores", [s, u])
    df = store.scan_scores().sort("scorer").collect()
    assert df["value"].to_list() == [72.5, None]
    dims = dict(df["dimensions"][0])
    assert dims == {"greeting": 100.0, "cta": 40.0}


def test_get_execution_reads_published_and_buffered_rows(store: ParquetStore) -> None:
    published = make_execution(1)
    store.append("executions", [published])
    assert store.get_execution(published.execution_id)["prompt_tokens"] == published.prompt_tokens
    w = store.writer(max_rows=1000, max_seconds=3600)
    buffered = make_execution(2)
    w.add(buffered)
    assert store.has_execution(buffered.execution_id)
    unknown = Execution.from_metrics(TaskMetrics("m/x", "generic", 1, 1, 1.0, 0.0))
    with pytest.raises(UnknownExecutionError, match="no execution with id"):
        store.get_execution(unknown.execution_id)
    w.close()
    assert store.has_execution(buffered.execution_id)


def test_writer_acknowledges_at_flush_and_exit(tmp_path: Path) -> None:
    store = ParquetStore(tmp_path / "s", durability="flush")
    with store.writer(max_rows=4, max_seconds=3600) as w:
        for i in range(10):
            w.add(make_execution(i))
        assert w.pending == 2  # two batches of 4 published on the way
        assert store.scan("executions").collect().height == 8
    assert store.scan("executions").collect().height == 10
    assert w.durability is Durability.FLUSH


def test_writer_flushes_on_exception_exit(store: ParquetStore) -> None:
    with pytest.raises(KeyboardInterrupt), store.writer(max_seconds=3600) as w:
        w.add(make_execution(1))
        raise KeyboardInterrupt
    assert store.scan("executions").collect().height == 1


def test_to_pandas(store: ParquetStore) -> None:
    store.append("executions", [make_execution(i) for i in range(3)])
    pdf = store.scan_executions().collect().to_pandas()
    assert isinstance(pdf, pd.DataFrame) and len(pdf) == 3


def test_close_releases_staging(tmp_path: Path) -> None:
    store = ParquetStore(tmp_path / "s")
    store.append("executions", [make_execution(1)])
    assert any(store.staging_root().iterdir())
    store.close()
    assert not [p for p in store.staging_root().iterdir() if p.is_dir()]


def test_arrow_table_with_extra_date_column_is_accepted(store: ParquetStore) -> None:
    t = columnar(10)
    t = t.append_column("date", pa.array([BASE.date()] * 10))
    assert store.append("executions", t) == 10

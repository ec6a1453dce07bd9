"""Every kind of bad input is refused, naming field, value and fix; nothing is written."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from aigym.errors import AigymError, StoreError, UnknownModelError, ValidationError
from aigym.records import Execution, Feedback, ScoreRecord, TaskMetrics, new_id
from aigym.store import EXECUTIONS, ParquetStore
from aigym.store._validate import encode_categoricals
from tests.store.helpers import columnar, make_execution

GOOD = dict(
    model_id="openai/gpt-4o",
    task_type="email_writing",
    prompt_tokens=100,
    completion_tokens=50,
    latency_ms=1200.0,
    cost_usd=Decimal("0.00075"),
)


def _nothing_written(store: ParquetStore) -> None:
    assert store.files("executions") == []
    assert store.files("feedback") == []
    assert store.files("scores") == []
    staging = Path(store.root) / "_staging"
    leftovers = [p for p in staging.rglob("*.tmp")] if staging.exists() else []
    assert leftovers == []


RECORD_CASES: list[tuple[dict[str, Any], str, str]] = [
    ({"prompt_tokens": -1}, "prompt_tokens", ">= 0"),
    ({"completion_tokens": 1.5}, "completion_tokens", "not a float"),
    ({"prompt_tokens": "100"}, "prompt_tokens", "not str"),
    ({"prompt_tokens": True}, "prompt_tokens", "not bool"),
    ({"quality_score": float("nan")}, "quality_score", "finite"),
    ({"quality_score": 100.5}, "quality_score", "<= 100"),
    ({"quality_score": -3}, "quality_score", ">= 0"),
    ({"cost_usd": float("inf")}, "cost_usd", "finite"),
    ({"cost_usd": -0.01}, "cost_usd", ">= 0"),
    ({"cost_usd": "0.01"}, "cost_usd", "number"),
    ({"latency_ms": float("nan")}, "latency_ms", "finite"),
    ({"model_id": ""}, "model_id", "empty"),
    ({"model_id": None}, "model_id", "required"),
    ({"task_type": ""}, "task_type", "non-empty"),
    ({"task_type": "email writing!"}, "task_type", "letters"),
    ({"status": "ok"}, "status", "success"),
    ({"status": "error"}, "error_type", "error type"),
    ({"user_approved": "yes"}, "user_approved", "True"),
    ({"http_status": 700}, "http_status", "100-599"),
    ({"metadata": {"x": float("nan")}}, "metadata", "JSON"),
    ({"prompt": 12}, "prompt", "string"),
]


@pytest.mark.parametrize(("change", "field", "fix"), RECORD_CASES)
def test_bad_record_is_refused(
    store: ParquetStore, change: dict[str, Any], field: str, fix: str
) -> None:
    with pytest.raises(ValidationError) as err:
        store.append("executions", [Execution.from_metrics(TaskMetrics(**{**GOOD, **change}))])
    assert err.value.field == field
    assert fix in str(err.value)
    assert isinstance(err.value, AigymError)
    _nothing_written(store)


def test_unknown_model_is_refused_with_suggestions(tmp_path: Path) -> None:
    known = {"openai/gpt-4o", "openai/gpt-4o-mini"}

    def check(model_id: str) -> None:
        if model_id not in known:
            raise UnknownModelError(model_id, sorted(known))

    store = ParquetStore(tmp_path / "s", model_check=check)
    rows = [make_execution(0), Execution.from_metrics(TaskMetrics(**{**GOOD, "model_id": "gpt4"}))]
    with pytest.raises(UnknownModelError, match="Did you mean"):
        store.append("executions", rows)
    with pytest.raises(UnknownModelError), store.writer() as w:
        w.add(rows[1])
    _nothing_written(store)


def test_empty_and_malformed_ids_are_refused(store: ParquetStore) -> None:
    good = make_execution(1)
    for bad_id in ["", "not-a-uuid", "01a215aa-7ac2-401d-a24a-3200a0000000"]:
        with pytest.raises(ValidationError, match="execution_id"):
            dataclasses.replace(good, execution_id=bad_id)
    with pytest.raises(ValidationError, match="feedback"):
        Feedback.create(good.execution_id)
    with pytest.raises(ValidationError, match="user_rating"):
        Feedback.create(good.execution_id, user_rating=6)
    with pytest.raises(ValidationError, match="edit_distance"):
        Feedback.create(good.execution_id, edit_distance=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="execution_id"):
        Feedback.create("", approved=True)
    with pytest.raises(ValidationError, match="unscored_reason"):
        ScoreRecord.create(good.execution_id, "s", "1", None)
    with pytest.raises(ValidationError, match="dimensions"):
        ScoreRecord.create(good.execution_id, "s", "1", 50, dimensions={"x": 101})
    _nothing_written(store)


def test_naive_timestamp_refused() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        Execution.from_metrics(TaskMetrics(**GOOD), timestamp=dt.datetime(2026, 1, 1))


def test_one_bad_row_in_a_batch_writes_nothing(store: ParquetStore) -> None:
    rows = [make_execution(i) for i in range(99)]
    t = pa.Table.from_pylist([dataclasses.asdict(r) for r in rows])
    bad = t.set_column(
        t.column_names.index("quality_score"),
        "quality_score",
        pa.array([50.0] * 98 + [float("nan")]),
    )
    with pytest.raises(ValidationError, match=r"quality_score \(row 98\)"):
        store.append("executions", bad)
    _nothing_written(store)


COLUMN_CASES: list[tuple[str, Any, str]] = [
    ("prompt_tokens", pa.array([1.5] * 10), "integer column"),
    ("prompt_tokens", pa.array([-5] * 10), ">= 0"),
    ("cost_usd", pa.array([float("inf")] * 10), "finite"),
    ("latency_ms", pa.array([-1.0] * 10), ">= 0"),
    ("quality_score", pa.array([101.0] * 10), "[0, 100]"),
    ("model_id", pa.array([" "] * 10), "empty"),
    ("model_id", pa.array([None] * 10, pa.string()), "required"),
    ("status", pa.array(["done"] * 10), "success"),
    ("execution_id", pa.array(["x"] * 10), "UUIDv7"),
    ("timestamp", pa.array([dt.datetime(2026, 3, 1)] * 10), "timezone-aware"),
    ("task_type", pa.array(["Email Writing"] * 10), "normalised"),
    ("prompt_tokens", pa.array(["7"] * 10), "integer column"),
]


@pytest.mark.parametrize(("column", "values", "fix"), COLUMN_CASES)
def test_bad_column_is_refused(store: ParquetStore, column: str, values: Any, fix: str) -> None:
    t = columnar(10)
    t = t.set_column(t.column_names.index(column), column, values)
    with pytest.raises(ValidationError) as err:
        store.append("executions", t)
    assert column in err.value.field and fix in str(err.value)
    _nothing_written(store)


def test_structural_column_errors(store: ParquetStore) -> None:
    t = columnar(10)
    with pytest.raises(ValidationError, match="no such columns"):
        store.append("executions", t.append_column("colour", pa.array(["red"] * 10)))
    with pytest.raises(ValidationError, match="required"):
        store.append("executions", t.drop_columns(["cost_usd"]))
    dup = t.set_column(0, "execution_id", pa.array([t.column(0)[0].as_py()] * 10))
    with pytest.raises(ValidationError, match="unique"):
        store.append("executions", dup)
    other_day = t.set_column(
        0,
        "execution_id",
        pa.array([new_id(dt.datetime(2025, 1, 1, tzinfo=dt.UTC)) for _ in range(10)]),
    )
    with pytest.raises(ValidationError, match="embedded time"):
        store.append("executions", other_day)
    with pytest.raises(ValidationError, match="table"):
        store.append("nope", t)
    with pytest.raises(ValidationError, match="DataFrame"):
        store.append("executions", 42)
    _nothing_written(store)


def test_wrong_record_type_for_table(store: ParquetStore) -> None:
    with pytest.raises(ValidationError, match="Feedback"):
        store.append("feedback", [make_execution(1)])
    _nothing_written(store)


def test_encode_categoricals_gives_one_dictionary_per_column() -> None:
    # Chunks with their own dictionaries (as from several files) would make pyarrow's Parquet
    # writer fall back to plain pages: 40 such chunks of 8k rows wrote 683 KB instead of 1 KB.
    chunks = [pa.array(["b", "a"]).dictionary_encode(), pa.array(["c", "a"]).dictionary_encode()]
    t = pa.table({f.name: pa.nulls(4, f.type) for f in EXECUTIONS.logical})
    t = t.set_column(2, "model_id", pa.chunked_array(chunks))
    out = encode_categoricals(EXECUTIONS, t)
    col = out.column("model_id")
    assert col.num_chunks == 1 and col.type == pa.dictionary(pa.uint32(), pa.string())
    assert col.chunk(0).dictionary.to_pylist() == ["b", "a", "c"]
    assert col.to_pylist() == ["b", "a", "c", "a"]
    assert out.schema.field("model_id").metadata == EXECUTIONS.schema.field("model_id").metadata
    assert out.column("status").to_pylist() == [None] * 4


# ---------------------------------------------------------------- issue 14: overflow, paths

INT_OVERFLOW_CASES: list[tuple[dict[str, Any], str]] = [
    ({"prompt_tokens": 2**70}, "prompt_tokens"),
    ({"completion_tokens": 2**63}, "completion_tokens"),  # int64 max + 1
    ({"prompt_tokens": 10**400}, "prompt_tokens"),
    ({"cost_usd": 10**400}, "cost_usd"),  # beyond float64: OverflowError in float()
    ({"latency_ms": 2**1100}, "latency_ms"),
    ({"quality_score": 2**1100}, "quality_score"),
    ({"http_status": 2**70}, "http_status"),
    ({"model_id": "openai/gpt\x00-4o"}, "model_id"),  # accepted without a model check before
    ({"model_id": "openai/gpt-4o\n"}, "model_id"),
    ({"model_id": "openai/\x7fgpt-4o"}, "model_id"),
]


@pytest.mark.parametrize(("change", "field"), INT_OVERFLOW_CASES)
def test_out_of_range_record_values_are_refused(
    store: ParquetStore, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        store.append("executions", [Execution.from_metrics(TaskMetrics(**{**GOOD, **change}))])
    assert err.value.field == field
    _nothing_written(store)


def test_int_columns_refuse_what_they_cannot_hold(store: ParquetStore) -> None:
    good = make_execution(1)
    with pytest.raises(ValidationError, match="attempts"):  # an int32 column
        dataclasses.replace(good, attempts=2**31)
    with pytest.raises(ValidationError, match="attempts"):
        dataclasses.replace(good, attempts=2**70)
    with pytest.raises(ValidationError, match="edit_distance"):
        Feedback.create(good.execution_id, edit_distance=2**63)
    assert dataclasses.replace(good, attempts=2**31 - 1).attempts == 2**31 - 1  # the edge fits
    # A record changed behind its checks still meets the store's conversion check.
    sneaky = make_execution(2)
    object.__setattr__(sneaky, "prompt_tokens", 2**70)
    with pytest.raises(ValidationError, match="prompt_tokens"):
        store.append("executions", [sneaky])
    with pytest.raises(ValidationError, match="prompt_tokens"), store.writer() as w:
        w.add(sneaky)
    _nothing_written(store)


def test_the_int64_edge_is_accepted(store: ParquetStore) -> None:
    row = Execution.from_metrics(TaskMetrics(**{**GOOD, "prompt_tokens": 2**63 - 1}))
    assert store.append("executions", [row]) == 1
    got = store.scan("executions").collect()["prompt_tokens"].to_list()
    assert got == [2**63 - 1]


OVERFLOW_COLUMNS: list[tuple[str, Any, str]] = [
    ("prompt_tokens", pa.array([2**64 - 1] * 10, pa.uint64()), "not in range"),
    ("completion_tokens", pa.array([2**63] * 10, pa.uint64()), "not in range"),
    ("attempts", pa.array([2**31] * 10, pa.int64()), "cannot convert"),
    ("http_status", pa.array([2**40] * 10, pa.int64()), "cannot convert"),
    ("prompt_tokens", pa.array([10**30] * 10, pa.decimal128(38, 0)), "integer column"),
    ("model_id", pa.array(["openai/gpt\x00-4o"] * 10), "NUL"),
    ("provider", pa.array(["openai\r"] * 10), "control"),
    ("campaign", pa.array(["c\x001"] * 10), "NUL"),
]


@pytest.mark.parametrize(("column", "values", "fix"), OVERFLOW_COLUMNS)
def test_columnar_overflow_and_control_characters_are_refused(
    store: ParquetStore, column: str, values: Any, fix: str
) -> None:
    t = columnar(10)
    if column in t.column_names:
        t = t.set_column(t.column_names.index(column), column, values)
    else:
        t = t.append_column(column, values)
    with pytest.raises(ValidationError) as err:
        store.append("executions", t)
    assert column in err.value.field and fix in str(err.value)
    with pytest.raises(ValidationError), store.writer() as w:
        w.add_table(t)
    _nothing_written(store)


def test_pandas_ints_beyond_int64_are_refused(store: ParquetStore) -> None:
    df = columnar(5).to_pandas()
    df["prompt_tokens"] = pd.Series([2**70] * 5, dtype=object)
    with pytest.raises(ValidationError, match="does not convert"):
        store.append("executions", df)
    _nothing_written(store)


BAD_ROOTS: list[tuple[Any, str]] = [
    ("", "empty"),  # was silently the current folder
    ("   ", "empty"),
    ("\t\n", "empty"),
    ("runs\x00/x", "NUL"),
    ("runs/\n", "control"),
    (42, "str or pathlib.Path"),
    (None, "str or pathlib.Path"),
    (b"runs", "str or pathlib.Path"),
    (["runs"], "str or pathlib.Path"),
    ("file://", "names no folder"),
    ("s3://", "no bucket"),
    ("s3:///", "no bucket"),
    ("nosuchscheme://x/y", "not usable"),
    ("x" * 300, "too long"),
]


@pytest.mark.parametrize(("root", "fix"), BAD_ROOTS)
def test_odd_store_paths_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root: Any, fix: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError) as err:
        ParquetStore(root)
    assert err.value.field == "root" and fix in str(err.value)
    assert list(tmp_path.iterdir()) == []  # nothing created, here or anywhere under it


def test_a_store_path_that_is_a_file_or_under_one_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("not a store")
    for root in (f, f / "sub", f"file://{f}"):
        with pytest.raises(ValidationError, match=r"file|Not a directory"):
            ParquetStore(root)
    assert f.read_text() == "not a store"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_store_folder_replaced_by_a_file_fails_cleanly_at_write(tmp_path: Path) -> None:
    root = tmp_path / "s"
    store = ParquetStore(root)  # nothing there yet: fine
    root.write_text("someone put a file here")
    with pytest.raises(StoreError, match="cannot create"):
        store.append("executions", [make_execution(1)])
    assert root.read_text() == "someone put a file here"


def test_bad_store_options_are_validation_errors(store: ParquetStore, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="durability"):
        ParquetStore(tmp_path / "x", durability="bogus")
    assert not (tmp_path / "x").exists()
    rows = [make_execution(1)]
    with pytest.raises(ValidationError, match="durability"):
        store.append("executions", rows, durability="sometimes")
    with pytest.raises(ValidationError, match="durability"):
        store.writer(durability=3)  # type: ignore[arg-type]
    bad_options: list[dict[str, Any]] = [
        {"max_rows": "5"},
        {"max_rows": 0},
        {"max_rows": 2.5},
        {"max_rows": True},
        {"max_seconds": 0},
        {"max_seconds": float("nan")},
        {"max_seconds": "1"},
    ]
    for bad in bad_options:
        with pytest.raises(ValidationError, match="max_rows"):
            store.writer(**bad)  # type: ignore[arg-type]
    for bad_min in (0, -1, "2", 2.0, True):
        with pytest.raises(ValidationError, match="min_files"):
            store.compact(min_files=bad_min)  # type: ignore[arg-type]
    _nothing_written(store)


def test_a_success_with_no_attempt_is_refused_but_cache_hits_and_refusals_keep_zero() -> None:
    from aigym.errors import ValidationError
    from aigym.records import Execution, TaskMetrics

    def row(**kw: object) -> Execution:
        base: dict[str, object] = {
            "model_id": "openai/gpt-4o", "task_type": "generic", "prompt_tokens": 1,
            "completion_tokens": 1, "latency_ms": 1.0, "cost_usd": 0.0,
        }  # fmt: skip
        base.update(kw)
        return Execution.from_metrics(TaskMetrics(**base))  # type: ignore[arg-type]

    with pytest.raises(ValidationError, match="at least one attempt"):
        row(attempts=0)
    assert row(attempts=0, cache_hit=True).attempts == 0
    assert row(attempts=0, status="error", error_type="invalid_request").attempts == 0
    assert row(attempts=1).attempts == 1

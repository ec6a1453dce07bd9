"""The tables' schemas are pinned: a change here must be a new version with a golden file."""

from __future__ import annotations

import itertools

import pyarrow as pa
import pyarrow.parquet as pq

import aigym.store
from aigym.store import EXECUTIONS, FEEDBACK, SCORES, ParquetStore
from tests.store.helpers import make_execution

PINNED = {
    ("executions", 1): [
        ("execution_id", "string"), ("timestamp", "timestamp[us, tz=UTC]"),
        ("model_id", "string"), ("task_type", "string"), ("prompt_tokens", "int64"),
        ("completion_tokens", "int64"), ("latency_ms", "double"), ("cost_usd", "double"),
        ("quality_score", "double"), ("user_approved", "bool"), ("status", "string"),
        ("error_type", "string"), ("error_message", "string"), ("prompt", "string"),
        ("response", "string"), ("prompt_sha256", "string"), ("response_sha256", "string"),
        ("prompt_id", "string"), ("request_key", "string"), ("campaign", "string"),
        ("run_id", "string"), ("provider", "string"), ("ab_test", "string"),
        ("ab_variant", "string"), ("metadata", "string"),
    ],
}  # fmt: skip
PINNED[("executions", 2)] = [
    *PINNED[("executions", 1)],
    ("http_status", "int32"),
    ("attempts", "int32"),
    ("cache_hit", "bool"),
    ("uncached_cost_usd", "double"),
]
PINNED[("feedback", 1)] = [
    ("feedback_id", "string"),
    ("execution_id", "string"),
    ("timestamp", "timestamp[us, tz=UTC]"),
    ("approved", "bool"),
    ("edit_distance", "int64"),
    ("user_rating", "double"),
    ("comment", "string"),
]
PINNED[("scores", 1)] = [
    ("score_id", "string"),
    ("execution_id", "string"),
    ("timestamp", "timestamp[us, tz=UTC]"),
    ("scorer", "string"),
    ("scorer_version", "string"),
    ("value", "double"),
    ("dimensions", "map<string, double>"),
    ("explanation", "string"),
    ("unscored_reason", "string"),
    ("judge_model", "string"),
    ("metadata", "string"),
]


def _fields(schema: pa.Schema) -> list[tuple[str, str]]:
    return [(f.name, str(f.type)) for f in schema]


def test_schemas_are_pinned() -> None:
    for t in (EXECUTIONS, FEEDBACK, SCORES):
        assert t.version == max(t.history)
        assert t.history[t.version].equals(t.schema)
        for version, schema in t.history.items():
            assert _fields(schema) == PINNED[(t.name, version)], (t.name, version)


def test_versions_only_add_columns() -> None:
    for t in (EXECUTIONS, FEEDBACK, SCORES):
        versions = sorted(t.history)
        for old, new in itertools.pairwise(versions):
            assert _fields(t.history[new])[: len(t.history[old])] == _fields(t.history[old])


def test_file_metadata_carries_table_and_version(store: ParquetStore) -> None:
    store.append("executions", [make_execution(i) for i in range(5)])
    (path,) = store.files()
    md = pq.read_metadata(path).metadata
    assert md[b"aigym.table"] == b"executions"
    assert md[b"aigym.schema_version"] == str(EXECUTIONS.version).encode()
    schema = pq.read_schema(path)
    assert schema.field("timestamp").type == pa.timestamp("us", tz="UTC")


def test_low_cardinality_columns_are_dictionary_encoded(store: ParquetStore) -> None:
    store.append("executions", [make_execution(i) for i in range(50)])
    (path,) = store.files()
    rg = pq.read_metadata(path).row_group(0)
    enc = {rg.column(i).path_in_schema: rg.column(i).encodings for i in range(rg.num_columns)}
    for col in ("model_id", "task_type", "status", "campaign"):
        assert any("DICTIONARY" in e for e in enc[col]), (col, enc[col])
    for col in ("execution_id", "prompt"):
        assert not any("DICTIONARY" in e for e in enc[col]), (col, enc[col])


def test_public_all_is_sorted_and_complete() -> None:
    names = aigym.store.__all__
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions.
    assert names == sorted(
        names, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n)
    )
    public = {n for n in dir(aigym.store) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(aigym.store, n)).__name__ == "module"}
    assert set(names) == public - modules

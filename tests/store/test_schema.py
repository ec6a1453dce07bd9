"""The tables' schemas are pinned: a change here must be a new version with a golden file."""

from __future__ import annotations

import datetime as dt
import itertools

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

import aigym.store
from aigym.store import EXECUTIONS, FEEDBACK, SCORES, ParquetStore
from aigym.store._schema import CATEGORICAL, POLARS_CATEGORICAL_META
from tests.store.helpers import columnar, make_execution

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
_CAT = "dictionary<values=string, indices=uint32, ordered=0>"
PINNED[("executions", 3)] = [
    (n, _CAT if n in {"model_id", "task_type", "status", "error_type", "campaign", "run_id",
                      "provider", "ab_test", "ab_variant"} else t)
    for n, t in PINNED[("executions", 2)]
]  # fmt: skip
PINNED[("executions", 4)] = [*PINNED[("executions", 3)], ("ab_unit_id", "string")]
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

PINNED[("scores", 2)] = [
    (n, _CAT if n in {"scorer", "scorer_version", "judge_model"} else t)
    for n, t in PINNED[("scores", 1)]
]


def _fields(schema: pa.Schema) -> list[tuple[str, str]]:
    return [(f.name, str(f.type)) for f in schema]


def test_schemas_are_pinned() -> None:
    for t in (EXECUTIONS, FEEDBACK, SCORES):
        assert t.version == max(t.history)
        assert t.history[t.version].equals(t.schema)
        for version, schema in t.history.items():
            assert _fields(schema) == PINNED[(t.name, version)], (t.name, version)


def test_versions_only_add_columns_or_make_strings_categorical() -> None:
    for t in (EXECUTIONS, FEEDBACK, SCORES):
        versions = sorted(t.history)
        for old, new in itertools.pairwise(versions):
            before, after = t.history[old], t.history[new]
            assert after.names[: len(before)] == before.names
            for f in before:
                g = after.field(f.name)
                assert g.type == f.type or (g.type == CATEGORICAL and f.type == pa.string())


def test_categorical_fields_carry_the_metadata_polars_writes() -> None:
    # If a polars release changes this key, polars would read our categorical columns
    # through its slow path (hashing every value): update POLARS_CATEGORICAL_META.
    field = pl.DataFrame(schema={"m": pl.Categorical}).to_arrow().schema.field("m")
    assert field.metadata == POLARS_CATEGORICAL_META
    assert pa.types.is_dictionary(field.type) and field.type.index_type == pa.uint32()
    for t in (EXECUTIONS, SCORES):
        for name in t.categoricals:
            assert t.schema.field(name).metadata == POLARS_CATEGORICAL_META


def test_categorical_columns_read_as_categorical_in_polars_and_strings_elsewhere(
    store: ParquetStore,
) -> None:
    store.append("executions", [make_execution(i) for i in range(20)])
    (path,) = store.files()
    assert pl.read_parquet(path).schema["model_id"] == pl.Categorical
    assert store.scan_executions().collect_schema()["model_id"] == pl.Categorical
    described = duckdb.connect().sql(f"describe select * from read_parquet('{path}')")
    types = {row[0]: row[1] for row in described.fetchall()}
    assert types["model_id"] == types["status"] == "VARCHAR"
    col = pq.ParquetFile(path).schema.column(EXECUTIONS.names.index("model_id"))
    assert col.physical_type == "BYTE_ARRAY" and str(col.logical_type) == "String"


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
    for col in ("model_id", "task_type", "status", "campaign", "prompt_tokens"):
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


def test_merged_categoricals_keep_one_dictionary_per_column_chunk(store: ParquetStore) -> None:
    # Three batches, each its own dictionary; compaction must re-encode them as one, or pyarrow
    # falls back to plain pages for the later batches (about 5x larger; polars then hashes
    # every value on read).
    for k in range(3):
        batch = columnar(20_000, seed=k, start=dt.datetime(2026, 3, 1, k, tzinfo=dt.UTC))
        models = batch.column("model_id").to_pylist()
        rotated = pa.array(models[k:] + models[:k])  # a different dictionary order per batch
        store.append("executions", batch.set_column(2, "model_id", rotated))
    store.compact()
    (path,) = store.files()
    rg = pq.read_metadata(path).row_group(0)
    sizes = {rg.column(i).path_in_schema: rg.column(i).total_compressed_size for i in range(8)}
    # 3 distinct values: 2-bit indices, 15 KB for 60k rows; plain pages would be ~1 MB.
    assert sizes["model_id"] < 30_000 and sizes["task_type"] < 30_000, sizes
    df = pl.read_parquet(path)
    assert df.height == 60_000 and df["model_id"].n_unique() == 3

"""One Arrow schema per table, versioned, with its history kept for old files.

Each table's schema is written into every file's metadata (`aigym.table`,
`aigym.schema_version`). Readers scan with the newest schema and insert nulls for columns an
older file lacks, so files of every version listed in `history` stay readable; golden files of
each version are pinned by tests (tests/store/golden/).

Low-cardinality string columns (model, task, status, provider, ...) are stored as Arrow
`dictionary<uint32, string>` carrying the field metadata polars itself writes for a
`Categorical` (`_PL_CATEGORICAL2`). polars then reads them straight into `Categorical` and
groups on integer codes: on 10M executions the model x task aggregate took 0.23 s instead of
0.39 s (benchmarks/bench_store.py). Without that metadata polars re-hashes every value on read
(0.12 s instead of 0.02 s per 10M values). The Parquet data is the same dictionary-encoded
UTF-8 either way, so DuckDB and Spark read plain strings.

Changing a schema: add a new version to `history` (columns are added, nullable, or a string
column becomes categorical), bump `version`, add a golden file of the old version, and update
the pinned-schema test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

import pyarrow as pa

__all__ = [
    "EXECUTIONS",
    "FEEDBACK",
    "SCORES",
    "TABLES",
    "Durability",
    "TableSchema",
    "register_table",
]

META_TABLE: Final = b"aigym.table"
META_VERSION: Final = b"aigym.schema_version"
META_SOURCES: Final = b"aigym.compacted_from"

# What polars writes for a `pl.Categorical` field (tests/store/test_schema.py pins this
# against the installed polars, so an upgrade that changes it fails loudly).
POLARS_CATEGORICAL_META: Final = {b"_PL_CATEGORICAL2": b"0;0;u32;"}
CATEGORICAL: Final = pa.dictionary(pa.uint32(), pa.string())


def categorical(name: str) -> pa.Field:
    """A low-cardinality string column, read by polars as `Categorical`."""
    return pa.field(name, CATEGORICAL, metadata=POLARS_CATEGORICAL_META)


def is_categorical(f: pa.Field) -> bool:
    return bool(pa.types.is_dictionary(f.type))


class Durability(StrEnum):
    """What an acknowledged row survives (see README, "Durability").

    - ``none``: files are published by atomic rename, no fsync. Acknowledged rows survive a
      crash of the Python process; an OS crash or power loss may lose or empty recent files.
    - ``flush``: each file is fsynced before its rename, so a published file is never torn;
      after power loss the most recent files may be missing (the rename was not synced).
    - ``fsync``: file fsync, rename, then fsync of the directory: acknowledged rows survive
      power loss. About 3.6 ms per published file on the reference disk; the default.

    On object stores (``s3://``) every level is the same: one PUT per complete file.
    """

    NONE = "none"
    FLUSH = "flush"
    FSYNC = "fsync"


@dataclass(frozen=True, slots=True)
class TableSchema:
    """A table: its current Arrow schema, identity column, time column and history.

    `schema` is what files hold; `logical` is the same with categorical columns as plain
    strings, the form callers hand in and validation checks. `dictionary_columns` are written
    with Parquet dictionary encoding: the categorical columns plus small-range integers, which
    decode about 3x faster that way than as snappy-compressed plain values.
    """

    name: str
    version: int
    schema: pa.Schema
    id_column: str
    time_column: str
    dictionary_columns: tuple[str, ...]
    required: tuple[str, ...]
    history: dict[int, pa.Schema] = field(default_factory=dict)
    logical: pa.Schema = field(init=False, repr=False, compare=False)
    categoricals: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        plain = [
            pa.field(f.name, f.type.value_type) if is_categorical(f) else f for f in self.schema
        ]
        object.__setattr__(self, "logical", pa.schema(plain))
        cats = tuple(f.name for f in self.schema if is_categorical(f))
        object.__setattr__(self, "categoricals", cats)

    def with_metadata(self) -> pa.Schema:
        return self.schema.with_metadata(
            {META_TABLE: self.name.encode(), META_VERSION: str(self.version).encode()}
        )

    @property
    def names(self) -> list[str]:
        return list(self.schema.names)


def _s(*fields: tuple[str, pa.DataType]) -> list[pa.Field]:
    return [pa.field(n, t) for n, t in fields]


TS = pa.timestamp("us", tz="UTC")
STR = pa.string()

# executions v1: the spec's fields plus identity, text, status and grouping columns.
_EXEC_V1 = _s(
    ("execution_id", STR),
    ("timestamp", TS),
    ("model_id", STR),
    ("task_type", STR),
    ("prompt_tokens", pa.int64()),
    ("completion_tokens", pa.int64()),
    ("latency_ms", pa.float64()),
    ("cost_usd", pa.float64()),
    ("quality_score", pa.float64()),
    ("user_approved", pa.bool_()),
    ("status", STR),
    ("error_type", STR),
    ("error_message", STR),
    ("prompt", STR),
    ("response", STR),
    ("prompt_sha256", STR),
    ("response_sha256", STR),
    ("prompt_id", STR),
    ("request_key", STR),
    ("campaign", STR),
    ("run_id", STR),
    ("provider", STR),
    ("ab_test", STR),
    ("ab_variant", STR),
    ("metadata", STR),
)
# executions v2 adds what campaigns need: HTTP status, attempts, response-cache accounting.
_EXEC_V2 = [
    *_EXEC_V1,
    *_s(
        ("http_status", pa.int32()),
        ("attempts", pa.int32()),
        ("cache_hit", pa.bool_()),
        ("uncached_cost_usd", pa.float64()),
    ),
]

_EXEC_CATEGORICAL = (
    "model_id",
    "task_type",
    "status",
    "error_type",
    "campaign",
    "run_id",
    "provider",
    "ab_test",
    "ab_variant",
)
# executions v3: the low-cardinality columns become categorical (same values, same Parquet data).
_EXEC_V3 = [categorical(f.name) if f.name in _EXEC_CATEGORICAL else f for f in _EXEC_V2]

# executions v4: the A/B unit (user, session) gets its own column instead of `request_key`
# (a campaign's idempotency key). A plain string: one value per unit, high cardinality.
_EXEC_V4 = [*_EXEC_V3, pa.field("ab_unit_id", STR)]

EXECUTIONS: Final = TableSchema(
    name="executions",
    version=4,
    schema=pa.schema(_EXEC_V4),
    id_column="execution_id",
    time_column="timestamp",
    dictionary_columns=(
        *_EXEC_CATEGORICAL,
        "prompt_tokens",
        "completion_tokens",
        "http_status",
        "attempts",
    ),
    required=(
        "execution_id",
        "timestamp",
        "model_id",
        "task_type",
        "prompt_tokens",
        "completion_tokens",
        "cost_usd",
        "status",
    ),
    history={
        1: pa.schema(_EXEC_V1),
        2: pa.schema(_EXEC_V2),
        3: pa.schema(_EXEC_V3),
        4: pa.schema(_EXEC_V4),
    },
)

_FEEDBACK_V1 = pa.schema(
    _s(
        ("feedback_id", STR),
        ("execution_id", STR),
        ("timestamp", TS),
        ("approved", pa.bool_()),
        ("edit_distance", pa.int64()),
        ("user_rating", pa.float64()),
        ("comment", STR),
    )
)
FEEDBACK: Final = TableSchema(
    name="feedback",
    version=1,
    schema=_FEEDBACK_V1,
    id_column="feedback_id",
    time_column="timestamp",
    dictionary_columns=("edit_distance",),
    required=("feedback_id", "execution_id", "timestamp"),
    history={1: _FEEDBACK_V1},
)

_SCORES_V1 = pa.schema(
    _s(
        ("score_id", STR),
        ("execution_id", STR),
        ("timestamp", TS),
        ("scorer", STR),
        ("scorer_version", STR),
        ("value", pa.float64()),
        ("dimensions", pa.map_(STR, pa.float64())),
        ("explanation", STR),
        ("unscored_reason", STR),
        ("judge_model", STR),
        ("metadata", STR),
    )
)
_SCORE_CATEGORICAL = ("scorer", "scorer_version", "judge_model")
# scores v2: scorer names and versions become categorical.
_SCORES_V2 = pa.schema(
    [categorical(f.name) if f.name in _SCORE_CATEGORICAL else f for f in _SCORES_V1]
)
SCORES: Final = TableSchema(
    name="scores",
    version=2,
    schema=_SCORES_V2,
    id_column="score_id",
    time_column="timestamp",
    dictionary_columns=_SCORE_CATEGORICAL,
    required=("score_id", "execution_id", "timestamp", "scorer", "scorer_version"),
    history={1: _SCORES_V1, 2: _SCORES_V2},
)

TABLES: Final[dict[str, TableSchema]] = {t.name: t for t in (EXECUTIONS, FEEDBACK, SCORES)}


def register_table(table: TableSchema) -> None:
    """Let a layer above the store (e.g. the A/B manager) keep its own table in the store."""
    existing = TABLES.get(table.name)
    if existing is not None and existing != table:
        raise ValueError(f"table {table.name!r} is already registered with another schema")
    TABLES[table.name] = table

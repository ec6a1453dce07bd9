"""One Arrow schema per table, versioned, with its history kept for old files.

Each table's schema is written into every file's metadata (`aigym.table`,
`aigym.schema_version`). Readers scan with the newest schema and insert nulls for columns an
older file lacks, so files of every version listed in `history` stay readable; golden files of
each version are pinned by tests (tests/store/golden/).

Changing a schema: add a new version to `history` (columns are only ever added, nullable),
bump `version`, add a golden file of the old version, and update the pinned-schema test.
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
    """A table: its current Arrow schema, identity column, time column and history."""

    name: str
    version: int
    schema: pa.Schema
    id_column: str
    time_column: str
    dictionary_columns: tuple[str, ...]
    required: tuple[str, ...]
    history: dict[int, pa.Schema] = field(default_factory=dict)

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

EXECUTIONS: Final = TableSchema(
    name="executions",
    version=2,
    schema=pa.schema(_EXEC_V2),
    id_column="execution_id",
    time_column="timestamp",
    dictionary_columns=(
        "model_id",
        "task_type",
        "status",
        "error_type",
        "campaign",
        "run_id",
        "provider",
        "ab_test",
        "ab_variant",
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
    history={1: pa.schema(_EXEC_V1), 2: pa.schema(_EXEC_V2)},
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
    dictionary_columns=(),
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
SCORES: Final = TableSchema(
    name="scores",
    version=1,
    schema=_SCORES_V1,
    id_column="score_id",
    time_column="timestamp",
    dictionary_columns=("scorer", "scorer_version", "judge_model"),
    required=("score_id", "execution_id", "timestamp", "scorer", "scorer_version"),
    history={1: _SCORES_V1},
)

TABLES: Final[dict[str, TableSchema]] = {t.name: t for t in (EXECUTIONS, FEEDBACK, SCORES)}


def register_table(table: TableSchema) -> None:
    """Let a layer above the store (e.g. the A/B manager) keep its own table in the store."""
    existing = TABLES.get(table.name)
    if existing is not None and existing != table:
        raise ValueError(f"table {table.name!r} is already registered with another schema")
    TABLES[table.name] = table

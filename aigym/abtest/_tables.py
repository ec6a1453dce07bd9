"""The A/B manager's own store tables: test events and the assignment log.

`ab_tests` is an append-only event log (one "created" and at most one "stopped" row per test,
each carrying the whole config), so a test's state is a fold over its rows and survives
restarts. `ab_assignments` logs every assignment before the model call, so a sample ratio
mismatch caused by one model failing more often stays visible. Results are ordinary
executions tagged with `ab_test` / `ab_variant`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, Literal

import pyarrow as pa

from aigym.store import TableSchema, register_table

EventKind = Literal["created", "stopped"]

_TS = pa.timestamp("us", tz="UTC")
_STR = pa.string()

_TESTS_V1 = pa.schema(
    [
        pa.field("event_id", _STR),
        pa.field("timestamp", _TS),
        pa.field("test_id", _STR),
        pa.field("test_name", _STR),
        pa.field("event", _STR),
        pa.field("task_type", _STR),
        pa.field("variant_a_model", _STR),
        pa.field("variant_b_model", _STR),
        pa.field("traffic_split", pa.float64()),
        pa.field("min_sample_size", pa.int64()),
        pa.field("max_duration_days", pa.float64()),
        pa.field("target_metric", _STR),
        pa.field("reason", _STR),
    ]
)
AB_TESTS: Final = TableSchema(
    name="ab_tests",
    version=1,
    schema=_TESTS_V1,
    id_column="event_id",
    time_column="timestamp",
    dictionary_columns=("test_name", "event", "task_type", "variant_a_model", "variant_b_model"),
    required=tuple(n for n in _TESTS_V1.names if n != "reason"),
    history={1: _TESTS_V1},
)

_ASSIGN_V1 = pa.schema(
    [
        pa.field("assignment_id", _STR),
        pa.field("timestamp", _TS),
        pa.field("test_name", _STR),
        pa.field("variant", _STR),
        pa.field("unit_id", _STR),
        pa.field("unit_hash", pa.int64()),
        pa.field("fresh", pa.bool_()),
        pa.field("model_id", _STR),
    ]
)
AB_ASSIGNMENTS: Final = TableSchema(
    name="ab_assignments",
    version=1,
    schema=_ASSIGN_V1,
    id_column="assignment_id",
    time_column="timestamp",
    dictionary_columns=("test_name", "variant", "model_id"),
    required=tuple(_ASSIGN_V1.names),
    history={1: _ASSIGN_V1},
)

register_table(AB_TESTS)
register_table(AB_ASSIGNMENTS)


@dataclass(frozen=True, slots=True)
class EventRow:
    """One row of `ab_tests`: a test created or stopped, with the full config."""

    event_id: str
    timestamp: dt.datetime
    test_id: str
    test_name: str
    event: EventKind
    task_type: str
    variant_a_model: str
    variant_b_model: str
    traffic_split: float
    min_sample_size: int
    max_duration_days: float
    target_metric: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    """One row of `ab_assignments`: a unit sent to a variant, logged before the call.

    `unit_hash` is the 63-bit hash the variant was drawn from. `fresh` marks a unit id made
    by `assign_variant` itself (a call without `unit_id`): such a unit is logged exactly once,
    so the sample-ratio check counts those rows and needs distinct counts (of the hashes,
    cheaper than of strings) only for caller-given ids, which repeat on re-assignment.
    """

    assignment_id: str
    timestamp: dt.datetime
    test_name: str
    variant: str
    unit_id: str
    unit_hash: int
    fresh: bool
    model_id: str

"""Writes golden files of retired schema versions. Run once per retired version; commit them.

    .venv/bin/python tests/store/golden/make_golden.py executions_v2

The files are written exactly as aigym wrote that version: the version's Arrow schema with its
metadata, snappy, dictionary-encoded low-cardinality columns (plain strings in the Arrow schema
up to executions v2 and scores v1, categorical from executions v3 and scores v2).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from aigym.records import new_id
from aigym.store import EXECUTIONS, SCORES, TableSchema

HERE = Path(__file__).parent


def _as_written(spec: TableSchema, version: int, rows: dict[str, list[Any]]) -> pa.Table:
    """`rows` in the version's schema (absent columns null) with its file metadata."""
    schema = spec.history[version]
    n = len(rows["timestamp"])
    cols = {f.name: rows.get(f.name, [None] * n) for f in schema}
    meta = {b"aigym.table": spec.name.encode(), b"aigym.schema_version": str(version).encode()}
    return pa.table(cols, schema=schema).replace_schema_metadata(meta)


def executions_v1() -> pa.Table:
    ts = [dt.datetime(2026, 1, 15, 9, 0, k, tzinfo=dt.UTC) for k in range(4)]
    rows: dict[str, list[Any]] = {
        "execution_id": [new_id(t) for t in ts],
        "timestamp": ts,
        "model_id": ["openai/gpt-4o", "openai/gpt-4o", "x-ai/grok-beta", "x-ai/grok-beta"],
        "task_type": ["email_writing"] * 4,
        "prompt_tokens": [100, 200, 300, 400],
        "completion_tokens": [10, 20, 30, 40],
        "latency_ms": [1000.0, 1100.0, 900.0, 950.0],
        "cost_usd": [0.001, 0.002, 0.003, 0.004],
        "quality_score": [80.0, None, 60.0, 70.0],
        "user_approved": [True, None, False, True],
        "status": ["success", "success", "success", "error"],
        "error_type": [None, None, None, "ServerError"],
    }
    return _as_written(EXECUTIONS, 1, rows)


def executions_v2() -> pa.Table:
    """v1's rows, a day later, with the v2 campaign columns filled."""
    v1 = executions_v1()
    ts = [dt.datetime(2026, 1, 16, 9, 0, k, tzinfo=dt.UTC) for k in range(4)]
    rows = {n: v1.column(n).to_pylist() for n in v1.column_names}
    rows |= {
        "execution_id": [new_id(t) for t in ts],
        "timestamp": ts,
        "provider": ["openai", "openai", "xai", "xai"],
        "campaign": ["golden"] * 4,
        "http_status": [200, 200, 200, 500],
        "attempts": [1, 1, 2, 3],
        "cache_hit": [False, True, False, False],
        "uncached_cost_usd": [0.001, 0.002, 0.003, 0.004],
    }
    return _as_written(EXECUTIONS, 2, rows)


def executions_v3() -> pa.Table:
    """A/B results as v3 wrote them: the caller's unit id in `request_key`, `ab_test` set.

    Direct results (no assignment log) of test "golden_ab": four users per variant, two
    results each, so an analysis must group by unit to count 4 units and 8 results per arm.
    """
    ts = [dt.datetime(2026, 1, 17, 9, 0, k, tzinfo=dt.UTC) for k in range(16)]
    variants = ["a", "b"] * 8
    units = [f"user-{k % 8}" for k in range(16)]  # user-0..7; even users in a, odd in b
    a_model, b_model = "anthropic/claude-3.5-sonnet", "openai/gpt-4o"
    rows: dict[str, list[Any]] = {
        "execution_id": [new_id(t) for t in ts],
        "timestamp": ts,
        "model_id": [a_model if v == "a" else b_model for v in variants],
        "task_type": ["email_writing"] * 16,
        "prompt_tokens": [100] * 16,
        "completion_tokens": [50] * 16,
        "cost_usd": [0.01] * 16,
        "quality_score": [60.0 + 2 * k for k in range(16)],
        "status": ["success"] * 16,
        "request_key": units,
        "ab_test": ["golden_ab"] * 16,
        "ab_variant": variants,
        "attempts": [1] * 16,
        "cache_hit": [False] * 16,
    }
    return _as_written(EXECUTIONS, 3, rows)


def scores_v1() -> pa.Table:
    ts = [dt.datetime(2026, 1, 16, 10, 0, k, tzinfo=dt.UTC) for k in range(3)]
    rows: dict[str, list[Any]] = {
        "score_id": [new_id(t) for t in ts],
        "execution_id": [new_id(t) for t in ts],
        "timestamp": ts,
        "scorer": ["heuristic", "heuristic", "exact_match"],
        "scorer_version": ["1", "1", "1"],
        "value": [70.0, None, 100.0],
        "dimensions": [[("clarity", 60.0)], None, None],
        "unscored_reason": [None, "empty response", None],
    }
    return _as_written(SCORES, 1, rows)


# name -> (table, rows, partition, dictionary columns as written at that version)
_LOW_CARD = [
    *("model_id", "task_type", "status", "error_type", "campaign", "run_id", "provider"),
    *("ab_test", "ab_variant"),
]
GOLDEN = {
    "executions_v1": ("executions", executions_v1, "2026-01-15", _LOW_CARD),
    "executions_v2": ("executions", executions_v2, "2026-01-16", _LOW_CARD),
    "executions_v3": ("executions", executions_v3, "2026-01-17", _LOW_CARD),
    "scores_v1": ("scores", scores_v1, "2026-01-16", ["scorer", "scorer_version", "judge_model"]),
}


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:]:
        table, make, day, dictionary = GOLDEN[name]
        out = HERE / name / f"date={day}"
        out.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            make(),
            out / f"p-golden-{name.rsplit('_', 1)[1]}.parquet",
            use_dictionary=dictionary,
            compression="snappy",
        )
        print("wrote", out)

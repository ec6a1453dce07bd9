"""Writes golden files of retired schema versions. Run once per retired version; commit them.

    .venv/bin/python tests/store/golden/make_golden.py

The files are written exactly as aigym wrote that version: the version's Arrow schema with its
metadata, snappy, dictionary-encoded low-cardinality columns.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from aigym.records import new_id
from aigym.store import EXECUTIONS

HERE = Path(__file__).parent


def executions_v1() -> pa.Table:
    schema = EXECUTIONS.history[1]
    ts = [dt.datetime(2026, 1, 15, 9, 0, k, tzinfo=dt.UTC) for k in range(4)]
    rows = {
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
    cols = {f.name: rows.get(f.name, [None] * 4) for f in schema}
    return pa.table(cols, schema=schema).replace_schema_metadata(
        {b"aigym.table": b"executions", b"aigym.schema_version": b"1"}
    )


if __name__ == "__main__":
    out = HERE / "executions_v1" / "date=2026-01-15"
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        executions_v1(),
        out / "p-golden-v1.parquet",
        use_dictionary=list(EXECUTIONS.dictionary_columns),
        compression="snappy",
    )
    print("wrote", out)

"""The execution store: Hive-partitioned Parquet tables that never lose an acknowledged row.

>>> from aigym.store import ParquetStore
>>> store = ParquetStore("runs/")                       # doctest: +SKIP
>>> with store.writer() as w:                           # doctest: +SKIP
...     w.add(Execution.from_metrics(TaskMetrics(...)))
>>> store.scan_executions(model_id="openai/gpt-4o").collect()   # doctest: +SKIP
"""

from aigym.store._compact import CompactionReport, RecoveryReport, conform
from aigym.store._schema import (
    EXECUTIONS,
    FEEDBACK,
    SCORES,
    TABLES,
    Durability,
    TableSchema,
    register_table,
)
from aigym.store._store import ParquetStore
from aigym.store._writer import BufferedWriter

__all__ = [
    "EXECUTIONS",
    "FEEDBACK",
    "SCORES",
    "TABLES",
    "BufferedWriter",
    "CompactionReport",
    "Durability",
    "ParquetStore",
    "RecoveryReport",
    "TableSchema",
    "conform",
    "register_table",
]

"""The buffered writer: cheap per-row recording, rows acknowledged at flush.

A row is *acknowledged* when `flush()` returns or the writer's `with` block exits; only then
is it in a published file (with the durability the writer was opened with). Rows still in the
buffer are lost if the process dies. The buffer publishes itself when it holds `max_rows` rows
or its oldest row is `max_seconds` old (checked on each `add`): that is the flush window that
bounds what a crash can lose.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa

from aigym.errors import StoreError, ValidationError
from aigym.store._schema import Durability, TableSchema
from aigym.store._validate import records_to_table, to_arrow

if TYPE_CHECKING:
    from aigym.store._fs import Backend

__all__ = ["BufferedWriter", "WriterHost"]


class WriterHost(Protocol):
    """What a writer needs of its store (`ParquetStore` is one).

    A protocol, so this module imports nothing above it and `_store` imports it one way.
    """

    @property
    def backend(self) -> Backend: ...

    def _check_model(self, model_id: str) -> None: ...

    def _prepare(
        self, spec: TableSchema, data: pa.Table, *, checked_models: bool = False
    ) -> list[tuple[str, str, pa.Table]]: ...

    def _append_table(
        self,
        spec: TableSchema,
        data: pa.Table,
        level: Durability,
        *,
        checked_models: bool = False,
    ) -> int: ...

    def _forget_writer(self, w: BufferedWriter) -> None: ...


_MAX_INFLIGHT = 4


class BufferedWriter:
    """Buffers frozen records for one table and publishes them in batches.

    Use as a context manager, or call `flush()` / `close()` yourself. Thread-safe.
    """

    def __init__(
        self,
        store: WriterHost,
        table: TableSchema,
        *,
        durability: Durability,
        max_rows: int = 10_000,
        max_seconds: float = 1.0,
    ) -> None:
        if (
            type(max_rows) is not int
            or isinstance(max_seconds, bool)
            or not isinstance(max_seconds, (int, float))
            or max_rows < 1
            or not max_seconds > 0  # NaN too
        ):
            raise ValidationError(
                "max_rows/max_seconds",
                (max_rows, max_seconds),
                "use max_rows >= 1, max_seconds > 0",
            )
        self._store = store
        self.table = table
        self.durability = durability
        self.max_rows = max_rows
        self.max_seconds = max_seconds
        self._rows: list[Any] = []
        self._ids: set[str] = set()
        self._first = 0.0
        self._lock = threading.RLock()
        self._closed = False
        self._models: set[str] = set()
        self._id_attr = table.id_column
        # Columnar batches are validated on `add_table` and written by a small pool while the
        # caller prepares the next one; `flush()` waits for them and syncs each folder once.
        self._pool: ThreadPoolExecutor | None = None
        self._inflight: list[tuple[str, str, pa.Table, Future[bool] | None]] = []
        self._touched: set[str] = set()

    # -------------------------------------------------------------------- writing

    def add(self, record: Any) -> str:
        """Buffer one record (validated when it was built); returns its id."""
        if self._closed:
            raise StoreError("this writer is closed: open a new one with store.writer()")
        model = getattr(record, "model_id", None)
        if model is not None and model not in self._models:
            self._store._check_model(model)
            self._models.add(model)
        rid: str = getattr(record, self._id_attr)
        with self._lock:
            if not self._rows:
                self._first = time.monotonic()
            self._rows.append(record)
            self._ids.add(rid)
            if (
                len(self._rows) >= self.max_rows
                or time.monotonic() - self._first >= self.max_seconds
            ):
                self.flush()
        return rid

    def add_many(self, records: Iterable[Any]) -> list[str]:
        return [self.add(r) for r in records]

    def add_table(self, data: Any) -> int:
        """Validate a columnar batch now (bad input raises, nothing written) and queue it.

        Each batch becomes its own file named after its ids. The rows are acknowledged at the
        next `flush()` / `with` exit, like rows added one by one.
        """
        if self._closed:
            raise StoreError("this writer is closed: open a new one with store.writer()")
        parts = self._store._prepare(self.table, to_arrow(data))
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="aigym-writer")
            for partition, name, part in parts:
                while len(self._inflight) >= _MAX_INFLIGHT:
                    self._settle_first()
                fut = self._pool.submit(self._publish, partition, name, part)
                self._inflight.append((partition, name, part, fut))
        return sum(int(p.num_rows) for _, _, p in parts)

    def _publish(self, partition: str, name: str, part: pa.Table) -> bool:
        backend = self._store.backend
        return backend.publish(
            self.table.name, partition, name, part, self.durability, sync_dir=False
        )

    def _settle_first(self) -> int:
        partition, name, part, fut = self._inflight[0]
        try:
            if fut is None:
                self._publish(partition, name, part)
            else:
                fut.result()
        except BaseException:
            # Keep the batch: the next flush publishes it again under the same name.
            self._inflight[0] = (partition, name, part, None)
            raise
        self._inflight.pop(0)
        self._touched.add(partition)
        return int(part.num_rows)

    def flush(self) -> int:
        """Publish everything buffered; when this returns, those rows are acknowledged.

        On failure the rows stay buffered and the next flush retries them under the same
        file names, so a retried batch can never land twice.
        """
        with self._lock:
            n = 0
            while self._inflight:
                n += self._settle_first()
            if self._touched and self.durability is Durability.FSYNC:
                self._store.backend.sync_dirs(self.table.name, self._touched)
            self._touched = set()
            if not self._rows:
                return n
            data = records_to_table(self.table, self._rows)
            n += self._store._append_table(self.table, data, self.durability, checked_models=True)
            self._rows = []
            self._ids = set()
            return n

    # -------------------------------------------------------------------- state

    @property
    def pending(self) -> int:
        """Rows buffered or in flight, not yet acknowledged."""
        return len(self._rows) + sum(int(j[2].num_rows) for j in self._inflight)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._ids

    def buffered(self) -> list[Any]:
        with self._lock:
            return list(self._rows)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            try:
                self.flush()
            finally:
                self._closed = True
                if self._pool is not None:
                    self._pool.shutdown(wait=True)
                self._store._forget_writer(self)

    def __enter__(self) -> BufferedWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Rows added before an exception (Ctrl-C included) are real results: keep them.
        self.close()

    def __repr__(self) -> str:
        return (
            f"BufferedWriter(table={self.table.name!r}, pending={self.pending}, "
            f"durability={self.durability.value!r}, max_rows={self.max_rows}, "
            f"max_seconds={self.max_seconds})"
        )

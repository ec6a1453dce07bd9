"""`ParquetStore`: Hive-partitioned Parquet tables that survive crashes.

Layout under `root`::

    executions/date=2026-11-26/p-<hash of the batch's ids>.parquet   one file per batch
    executions/date=2026-11-26/c-<hash of its sources>.parquet       a compacted file
    feedback/...  scores/...
    _staging/w-<pid>-<rand>/   a live writer's temporary files (never scanned)

Readers list each partition and drop files that a compacted file lists as its sources (in its
Parquet metadata), so aigym sees every row exactly once even while a compaction is half done;
a listing that overlapped a deletion is taken again (see `partition_files`).
Plain DuckDB/Spark globs do not know that rule: during a compaction, or after one that crashed
before `recover()`, they may count a compacted partition twice; `files(table)` is the list
to give them.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import threading
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from aigym.errors import StoreError, UnknownExecutionError, ValidationError
from aigym.records import id_date
from aigym.store._compact import CompactionReport, RecoveryReport, compact, recover
from aigym.store._fs import Backend, FileEntry, LocalBackend, open_backend
from aigym.store._schema import META_SOURCES, META_VERSION, TABLES, Durability, TableSchema
from aigym.store._validate import ModelCheck, records_to_table, to_arrow, validate
from aigym.store._writer import BufferedWriter

__all__ = ["ParquetStore"]

_DAY_US = 86_400_000_000
_LIST_TRIES = 100


def _table(name: str) -> TableSchema:
    try:
        return TABLES[name]
    except KeyError:
        raise ValidationError("table", name, f"use one of {sorted(TABLES)}") from None


def _durability(value: Durability | str) -> Durability:
    try:
        return Durability(value)
    except ValueError:
        raise ValidationError(
            "durability", value, f"use one of {[d.value for d in Durability]}"
        ) from None


def _partition(day: int) -> str:
    return f"date={(dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat()}"


def _batch_name(ids: pa.ChunkedArray) -> str:
    """Name a batch after its set of ids, so a retried batch lands on the same file."""
    arr = ids.combine_chunks()
    if len(arr) > 1 and not pc.all(pc.less(arr[:-1], arr[1:])).as_py():
        arr = pc.take(arr, pc.sort_indices(arr))
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)
    start, end = offsets[arr.offset], offsets[arr.offset + len(arr)]
    data = memoryview(arr.buffers()[2])[start:end]
    return f"p-{hashlib.blake2b(data, digest_size=16).hexdigest()}.parquet"


def _as_utc(name: str, v: dt.datetime | dt.date | None) -> dt.datetime | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        if v.tzinfo is None:
            raise ValidationError(name, v, "pass a timezone-aware datetime (UTC)")
        return v.astimezone(dt.UTC)
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day, tzinfo=dt.UTC)
    raise ValidationError(name, v, "pass a datetime or a date")


class ParquetStore:
    """The execution store: append, buffer, scan, compact, recover.

    `root` is a local folder or an object-store URL (`s3://bucket/prefix`, with
    `storage_options` passed to `pyarrow.fs.S3FileSystem`). `durability` is the default for
    writes (see `Durability`); `model_check` is called once per new model id and should raise
    for unknown ids (pass `registry.resolve`; `aigym.open_store` does).
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        durability: Durability | str = Durability.FSYNC,
        model_check: ModelCheck | None = None,
        storage_options: dict[str, Any] | None = None,
    ) -> None:
        self.durability = _durability(durability)
        self._backend: Backend = open_backend(root, storage_options)
        self._model_check = model_check
        self._models_ok: set[str] = set()
        self._writers: weakref.WeakSet[BufferedWriter] = weakref.WeakSet()
        self._default_writers: dict[str, BufferedWriter] = {}
        self._sources_cache: dict[tuple[str, int], frozenset[str]] = {}
        self._version_cache: dict[str, int] = {}
        self._lock = threading.RLock()
        self._closed = False
        atexit.register(_close_at_exit, weakref.ref(self))

    # ------------------------------------------------------------------ basics

    @property
    def root(self) -> str:
        return self._backend.root

    @property
    def is_local(self) -> bool:
        return self._backend.is_local

    @property
    def backend(self) -> Backend:
        return self._backend

    def __repr__(self) -> str:
        return f"ParquetStore({self.root!r}, durability={self.durability.value!r})"

    def _check_model(self, model_id: str) -> None:
        if self._model_check is not None and model_id not in self._models_ok:
            self._model_check(model_id)
            self._models_ok.add(model_id)

    # ------------------------------------------------------------------ writing

    def append(
        self,
        table: str,
        data: Any,
        *,
        durability: Durability | str | None = None,
    ) -> int:
        """Validate and publish rows now; returns the number of rows written.

        `data` is a sequence of records (`Execution`, `Feedback`, `ScoreRecord`) or a
        pyarrow/polars/pandas table. Nothing is written unless the whole batch is valid. At the
        `fsync` level the rows are acknowledged (they survive power loss) when this returns.
        """
        spec = _table(table)
        level = self.durability if durability is None else _durability(durability)
        if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
            if not data:
                return 0
            arrow = records_to_table(spec, data)
        else:
            arrow = to_arrow(data)
        return self._append_table(spec, arrow, level)

    def _prepare(
        self, spec: TableSchema, data: pa.Table, *, checked_models: bool = False
    ) -> list[tuple[str, str, pa.Table]]:
        """Validate, split by UTC date and name each part: [(partition, file name, rows)]."""
        checked = validate(spec, data, model_check=None if checked_models else self._check_model)
        if checked.num_rows == 0:
            return []
        days = checked.column(spec.time_column).cast(pa.int64()).to_numpy() // _DAY_US
        if days[0] == days[-1] and (days == days[0]).all():
            groups = [(int(days[0]), checked)]
        else:
            groups = []
            for day in np.unique(days):
                idx = np.nonzero(days == day)[0]
                groups.append((int(day), checked.take(pa.array(idx))))
        meta = spec.with_metadata().metadata
        return [
            (
                _partition(day),
                _batch_name(part.column(spec.id_column)),
                part.replace_schema_metadata(meta),
            )
            for day, part in groups
        ]

    def _append_table(
        self,
        spec: TableSchema,
        data: pa.Table,
        level: Durability,
        *,
        checked_models: bool = False,
    ) -> int:
        parts = self._prepare(spec, data, checked_models=checked_models)
        for partition, name, part in parts:
            self._backend.publish(spec.name, partition, name, part, level)
        return sum(int(p.num_rows) for _, _, p in parts)

    def writer(
        self,
        table: str = "executions",
        *,
        durability: Durability | str | None = None,
        max_rows: int = 10_000,
        max_seconds: float = 1.0,
    ) -> BufferedWriter:
        """A buffered writer; rows are acknowledged when `flush()` returns or `with` exits."""
        w = BufferedWriter(
            self,
            _table(table),
            durability=self.durability if durability is None else _durability(durability),
            max_rows=max_rows,
            max_seconds=max_seconds,
        )
        self._writers.add(w)
        return w

    def default_writer(self, table: str = "executions") -> BufferedWriter:
        """The store's shared writer for one-row-at-a-time recording (flushed on close/exit)."""
        with self._lock:
            w = self._default_writers.get(table)
            if w is None or w._closed:
                w = self.writer(table, max_rows=1000, max_seconds=1.0)
                self._default_writers[table] = w
            return w

    def _forget_writer(self, w: BufferedWriter) -> None:
        self._writers.discard(w)

    def flush(self) -> int:
        """Flush every open writer of this store object; returns rows acknowledged."""
        return sum(w.flush() for w in list(self._writers))

    def close(self) -> None:
        """Flush and close every writer, then release this store's staging folder."""
        with self._lock:
            if self._closed:
                return
            for w in list(self._writers):
                w.close()
            self._backend.close()
            self._closed = True

    def __enter__(self) -> ParquetStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ listing

    def sources_of(self, entry: FileEntry) -> frozenset[str]:
        """The file names a compacted file replaces (empty for an ordinary batch file)."""
        if not entry.name.startswith("c-"):
            return frozenset()
        key = (entry.path, entry.size)
        hit = self._sources_cache.get(key)
        if hit is None:
            raw = self._backend.metadata(entry.path).get(META_SOURCES, b"[]")
            hit = frozenset(json.loads(raw))
            self._sources_cache[key] = hit
        return hit

    def partition_files(
        self, table: str, partition: str
    ) -> tuple[list[FileEntry], list[FileEntry]]:
        """(live, superseded) files of one partition, as one consistent listing.

        A folder listing is no snapshot: one that overlaps a compaction can miss the merged
        file (published during it) and its sources (deleted during it). Compaction changes the
        backend's generation after publishing and before deleting, so a listing during which
        the generation stayed the same missed no row; otherwise it is taken again.
        """
        backend = self._backend
        for _ in range(_LIST_TRIES):
            before = backend.generation()
            entries = backend.files(table, partition)
            replaced: set[str] = set()
            try:
                for e in entries:
                    if e.name.startswith("c-"):
                        replaced |= self.sources_of(e)
            except FileNotFoundError:  # a compacted file replaced in the meantime
                continue
            if backend.generation() == before:
                live = [e for e in entries if e.name not in replaced]
                dead = [e for e in entries if e.name in replaced]
                return live, dead
        raise StoreError(
            f"{table}/{partition} kept changing while being listed ({_LIST_TRIES} tries); "
            "retry when the compaction ends"
        )

    def partitions(
        self, table: str, since: dt.datetime | None = None, until: dt.datetime | None = None
    ) -> list[str]:
        parts = self._backend.partitions(_table(table).name)
        lo = f"date={since.date().isoformat()}" if since else None
        hi = f"date={until.date().isoformat()}" if until else None
        return [p for p in parts if (lo is None or p >= lo) and (hi is None or p <= hi)]

    def files(
        self,
        table: str = "executions",
        *,
        since: dt.datetime | dt.date | None = None,
        until: dt.datetime | dt.date | None = None,
    ) -> list[str]:
        """Paths of the live files of `table`: what aigym's readers read, each row once.

        The exact-once way to read the store from another engine (DuckDB, Spark, pyarrow):
        pass this list instead of a glob, which also matches files a compaction has merged
        but not yet deleted. A compaction may delete a listed file before the engine opens
        it: the engine then fails (never undercounts); list again and retry.
        """
        lo, hi = _as_utc("since", since), _as_utc("until", until)
        out: list[str] = []
        for p in self.partitions(table, lo, hi):
            out.extend(e.path for e in self.partition_files(table, p)[0])
        return out

    # ------------------------------------------------------------------ reading

    def polars_schema(self, table: str) -> pl.Schema:
        """The polars schema `scan` returns (categorical columns as `pl.Categorical`)."""
        return pl.Schema(_polars_schema(_table(table).schema))  # a copy: the cached one is shared

    def file_version(self, path: str) -> int:
        """The schema version a file was written with (its footer, read once and cached)."""
        hit = self._version_cache.get(path)
        if hit is None:
            hit = int(self._backend.metadata(path).get(META_VERSION, b"1"))
            self._version_cache[path] = hit
        return hit

    def _split_by_layout(self, spec: TableSchema, files: list[str]) -> tuple[list[str], list[str]]:
        """(files with the current categorical layout, older files holding plain strings)."""
        if not spec.categoricals:
            return files, []
        now = spec.schema
        same = {
            v: all(old.field(c).type == now.field(c).type for c in spec.categoricals)
            for v, old in spec.history.items()
        }
        current: list[str] = []
        legacy: list[str] = []
        for f in files:
            (current if same.get(self.file_version(f), True) else legacy).append(f)
        return current, legacy

    def scan(
        self,
        table: str = "executions",
        *,
        since: dt.datetime | dt.date | None = None,
        until: dt.datetime | dt.date | None = None,
    ) -> pl.LazyFrame:
        """A lazy frame over one table's live files; `since` inclusive, `until` exclusive.

        Low-cardinality columns (model, task, status, provider, ...) come as `pl.Categorical`:
        they compare with plain strings (`pl.col("model_id") == "openai/gpt-4o"`), and group
        several times faster than strings; cast to `pl.String` before joining to string keys.
        Files of older schema versions read with nulls in the columns they lack. Each row
        also gets its Hive partition column `date`.
        """
        spec = _table(table)
        lo, hi = _as_utc("since", since), _as_utc("until", until)
        files = self.files(table, since=lo, until=hi)
        schema = self.polars_schema(table)
        if not files:
            lf = pl.LazyFrame(schema={**schema, "date": pl.Date})
        elif self.is_local:
            current, legacy = self._split_by_layout(spec, files)
            frames = [self._scan_local(current, schema)] if current else []
            if legacy:
                cats = [pl.col(c).cast(pl.Categorical) for c in spec.categoricals]
                old = self._scan_local(legacy, _polars_schema(spec.logical))
                frames.append(old.with_columns(cats))
            lf = frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical")
        else:
            full = spec.schema.append(pa.field("date", pa.date32()))
            dset = pads.dataset(
                files,
                schema=full,
                filesystem=self._backend.filesystem,
                partitioning=pads.partitioning(pa.schema([("date", pa.date32())]), flavor="hive"),
                partition_base_dir=f"{self.root}/{spec.name}",
            )
            lf = pl.scan_pyarrow_dataset(dset)
        t = pl.col(spec.time_column)
        if lo is not None:
            lf = lf.filter(t >= lo)
        if hi is not None:
            lf = lf.filter(t < hi)
        return lf

    @staticmethod
    def _scan_local(files: list[str], schema: pl.Schema) -> pl.LazyFrame:
        return pl.scan_parquet(
            files,
            hive_partitioning=True,
            hive_schema={"date": pl.Date},
            schema=schema,
            missing_columns="insert",
        )

    def scan_executions(
        self,
        *,
        since: dt.datetime | dt.date | None = None,
        until: dt.datetime | dt.date | None = None,
        model_id: str | Sequence[str] | None = None,
        task_type: str | Sequence[str] | None = None,
        campaign: str | Sequence[str] | None = None,
        with_feedback: bool = True,
    ) -> pl.LazyFrame:
        """Executions in a window, filtered, with the latest feedback per execution joined.

        Joined columns: `feedback_approved`, `edit_distance`, `user_rating`, `feedback_comment`,
        `feedback_timestamp`, and `approved` (feedback if given, else the record-time
        `user_approved`). Call `.collect().to_pandas()` for pandas.
        """
        lf = self.scan("executions", since=since, until=until)
        for col, val in (("model_id", model_id), ("task_type", task_type), ("campaign", campaign)):
            if val is None:
                continue
            vals = [val] if isinstance(val, str) else list(val)
            lf = lf.filter(pl.col(col).is_in(vals))
        if with_feedback:
            fb = self.latest_feedback()
            lf = lf.join(fb, on="execution_id", how="left", maintain_order="left").with_columns(
                pl.coalesce("feedback_approved", "user_approved").alias("approved")
            )
        return lf

    def latest_feedback(self, *, until: dt.datetime | None = None) -> pl.LazyFrame:
        """The latest feedback row per execution (feedback is append-only); `until`
        (exclusive) reads it as it stood then."""
        return (
            self.scan("feedback", until=until)
            .sort("timestamp", "feedback_id")
            .unique(subset="execution_id", keep="last")
            .select(
                "execution_id",
                pl.col("approved").alias("feedback_approved"),
                "edit_distance",
                "user_rating",
                pl.col("comment").alias("feedback_comment"),
                pl.col("timestamp").alias("feedback_timestamp"),
            )
        )

    def scan_feedback(self, **window: Any) -> pl.LazyFrame:
        return self.scan("feedback", **window)

    def scan_scores(self, **window: Any) -> pl.LazyFrame:
        return self.scan("scores", **window)

    def read(self, lf: pl.LazyFrame | Callable[[], pl.LazyFrame]) -> pl.DataFrame:
        """Collect, re-listing files once if a compaction removed one mid-read."""
        make = lf if callable(lf) else (lambda: lf)
        try:
            return make().collect()
        except (FileNotFoundError, pl.exceptions.ComputeError) as e:
            if callable(lf) and ("No such file" in str(e) or isinstance(e, FileNotFoundError)):
                return make().collect()
            raise

    # ------------------------------------------------------------------ lookups

    def _buffered(self, table: str, record_id: str) -> Any | None:
        for w in list(self._writers):
            if w.table.name == table and record_id in w:
                for r in w.buffered():
                    if getattr(r, w.table.id_column) == record_id:
                        return r
        return None

    def has_execution(self, execution_id: str) -> bool:
        """True if the id is in a published file or still in one of this store's writers."""
        try:
            self.get_execution(execution_id)
        except UnknownExecutionError:
            return False
        return True

    def get_execution(self, execution_id: str) -> dict[str, Any]:
        """One execution as a dict; reads only the id's date partition."""
        day = id_date(execution_id)
        buffered = self._buffered("executions", execution_id)
        if buffered is not None:
            return {f: getattr(buffered, f) for f in _table("executions").names}
        lo = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        df = (
            self.scan("executions", since=lo, until=lo + dt.timedelta(days=1))
            .filter(pl.col("execution_id") == execution_id)
            .drop("date")
            .collect()
        )
        if df.height == 0:
            raise UnknownExecutionError(execution_id)
        return df.row(0, named=True)

    # ------------------------------------------------------------------ maintenance

    def compact(
        self, table: str | None = None, *, min_files: int = 2, progress: bool | None = False
    ) -> CompactionReport:
        """Merge each partition's small files into one; safe to kill at any point.

        `progress` shows a `tqdm.auto` bar over partitions (None: in Jupyter or a terminal).
        """
        if type(min_files) is not int or min_files < 1:
            raise ValidationError("min_files", min_files, "give a whole number >= 1 (default 2)")
        names = None if table is None else [_table(table).name]
        return compact(self, names, min_files=min_files, progress=progress)

    def recover(self) -> RecoveryReport:
        """Clean up after dead writers and finish or roll back crashed compactions.

        Touches only staging folders whose lock no live process holds.
        """
        return recover(self)

    def verify(self) -> dict[str, dict[str, int]]:
        """Per table: live files, rows, superseded files; reads every live footer."""
        import pyarrow.parquet as pq

        out: dict[str, dict[str, int]] = {}
        for name in TABLES:
            files = rows = dead = 0
            for p in self._backend.partitions(name):
                live, superseded = self.partition_files(name, p)
                dead += len(superseded)
                for e in live:
                    fs = self._backend.filesystem
                    if fs is None:
                        md = pq.read_metadata(e.path)
                    else:
                        with fs.open_input_file(e.path) as f:
                            md = pq.read_metadata(f)
                    files += 1
                    rows += md.num_rows
            out[name] = {"files": files, "rows": rows, "superseded_files": dead}
        return out

    def staging_root(self) -> Path:
        if not isinstance(self._backend, LocalBackend):
            raise StoreError("object stores have no staging folder")
        return self._backend.path / "_staging"


@functools.cache
def _polars_schema(schema: pa.Schema) -> pl.Schema:
    frame = pl.from_arrow(schema.empty_table())
    assert isinstance(frame, pl.DataFrame)
    return frame.schema


def _close_at_exit(ref: weakref.ref[ParquetStore]) -> None:
    store = ref()
    if store is not None:
        with contextlib.suppress(Exception):  # the interpreter is exiting
            store.close()

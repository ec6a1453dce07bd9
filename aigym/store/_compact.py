"""Compaction and recovery, safe against a kill at any point.

Compacting one partition (local store):

1. take the store-wide compaction lock; open a staging folder of its own (flock held);
2. write `journal.json` (sources, merged name) into it and fsync;
3. write the merged file there, fsync, `os.replace` it into the partition, fsync the folder.
   The merged file's name is derived from its sources and its metadata lists them, so from
   this instant every aigym reader ignores the sources;
4. change the store's generation (readers listing now list again), delete the sources,
   fsync the folder; 5. remove the staging folder (and the journal).

A kill before 3 leaves the sources as they were (recover() rolls back: deletes the temporary
file); a kill after 3 leaves superseded sources that aigym readers already skip and that
`recover()` (or the next `compact()`) deletes. Plain DuckDB/Spark globs count such a
partition twice until then.

On object stores there is no journal: step 3 is one PUT, step 4 deletes, and `recover()`
deletes sources that a compacted file lists.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from aigym._progress import progress_bar
from aigym.errors import SchemaError, StoreError
from aigym.store._fs import LocalBackend, Staging, _fsync_path, _write, try_lock
from aigym.store._schema import META_SOURCES, META_TABLE, META_VERSION, TABLES, Durability
from aigym.store._validate import encode_categoricals

if TYPE_CHECKING:
    from aigym.store._fs import Backend, FileEntry
    from aigym.store._schema import TableSchema

__all__ = ["CompactionReport", "Listing", "RecoveryReport", "compact", "conform", "recover"]


class Listing(Protocol):
    """What compaction needs of a store (`ParquetStore` is one): its files, consistently listed.

    A protocol, so this module imports nothing above it and `_store` imports it one way.
    """

    @property
    def backend(self) -> Backend: ...

    def partition_files(
        self, table: str, partition: str
    ) -> tuple[list[FileEntry], list[FileEntry]]: ...


# A test seam: called as `step_hook(step, partition)` after each step of a compaction
# ("journal", "publish", "delete"), so tests can pause or kill it exactly there.
step_hook: Callable[[str, str], None] | None = None


def _step(step: str, partition: str) -> None:
    if step_hook is not None:
        step_hook(step, partition)


@dataclass(frozen=True, slots=True)
class CompactionReport:
    partitions: int = 0
    files_before: int = 0
    files_after: int = 0
    rows: int = 0
    superseded_removed: int = 0


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    dead_writers: int = 0
    compactions_finished: int = 0
    compactions_rolled_back: int = 0
    superseded_removed: int = 0
    live_writers: list[str] = field(default_factory=list)


def conform(spec: TableSchema, t: pa.Table, path: str = "") -> pa.Table:
    """A file of any known schema version, as the current schema (missing columns null)."""
    return encode_categoricals(spec, _as_logical(spec, t, path))


def _as_logical(spec: TableSchema, t: pa.Table, path: str) -> pa.Table:
    """A file of any known schema version in the current logical schema (plain strings)."""
    md = t.schema.metadata or {}
    version = int(md.get(META_VERSION, b"1"))
    if md.get(META_TABLE, spec.name.encode()) != spec.name.encode():
        raise SchemaError(f"{path} belongs to table {md[META_TABLE].decode()!r}, not {spec.name!r}")
    if version > spec.version:
        raise SchemaError(
            f"{path} has {spec.name} schema v{version}; this aigym reads up to v{spec.version}. "
            "Upgrade aigym to read it."
        )
    cols = []
    for f in spec.logical:
        if f.name in t.column_names:
            col = t.column(f.name)
            if pa.types.is_dictionary(col.type):
                col = col.cast(col.type.value_type)
            cols.append(col.cast(f.type))
        else:
            cols.append(pa.chunked_array([pa.nulls(t.num_rows, f.type)]))
    return pa.table(cols, schema=spec.logical)


def _read(store: Listing, e: FileEntry, spec: TableSchema) -> pa.Table:
    fs = store.backend.filesystem
    t = pq.read_table(e.path, filesystem=fs) if fs is not None else pq.read_table(e.path)
    return _as_logical(spec, t.drop_columns([c for c in ("date",) if c in t.column_names]), e.path)


def _merged_name(sources: list[FileEntry]) -> str:
    h = hashlib.blake2b("\n".join(sorted(s.name for s in sources)).encode(), digest_size=16)
    return f"c-{h.hexdigest()}.parquet"


def _merge(store: Listing, spec: TableSchema, sources: list[FileEntry]) -> pa.Table:
    merged = pa.concat_tables([_read(store, e, spec) for e in sources])
    merged = merged.sort_by([(spec.time_column, "ascending"), (spec.id_column, "ascending")])
    merged = encode_categoricals(spec, merged)  # encoded once, after the merge: one dictionary
    names = json.dumps(sorted(s.name for s in sources)).encode()
    return merged.replace_schema_metadata(
        {**(spec.with_metadata().metadata or {}), META_SOURCES: names}
    )


def compact(
    store: Listing, tables: list[str] | None, *, min_files: int = 2, progress: bool | None = False
) -> CompactionReport:
    backend = store.backend
    parts = files_before = files_after = rows = removed = 0
    lock_fd = None
    if isinstance(backend, LocalBackend):
        lock_path = backend.path / "_staging"
        lock_path.mkdir(parents=True, exist_ok=True)
        lock_fd = try_lock(lock_path / "compact.lock")
        if lock_fd is None:
            raise StoreError("another compaction of this store is running; try again when it ends")
    bar: Any = None
    try:
        todo = [(n, p) for n in tables or list(TABLES) for p in backend.partitions(n)]
        bar = progress_bar(len(todo), desc="compact", unit="partition", enabled=progress)
        for name, partition in todo:
            bar.update(1)
            live, dead = store.partition_files(name, partition)
            if dead:  # finish a compaction that died after publishing
                backend.delete([e.path for e in dead], Durability.FSYNC)
                removed += len(dead)
            if len(live) < min_files:
                continue
            parts += 1
            files_before += len(live)
            rows += _compact_partition(store, TABLES[name], partition, live)
            files_after += 1
    finally:
        if bar is not None:
            bar.close()
        if lock_fd is not None:
            os.close(lock_fd)
    return CompactionReport(parts, files_before, files_after, rows, removed)


def _compact_partition(
    store: Listing, spec: TableSchema, partition: str, sources: list[FileEntry]
) -> int:
    backend = store.backend
    merged_name = _merged_name(sources)
    data = _merge(store, spec, sources)
    if not isinstance(backend, LocalBackend):
        backend.publish(spec.name, partition, merged_name, data, Durability.FSYNC)  # one PUT
        _step("publish", partition)
        backend.delete([e.path for e in sources], Durability.FSYNC)
        _step("delete", partition)
        return int(data.num_rows)
    staging = Staging(backend.path, prefix="c")
    try:
        journal = staging.path / "journal.json"
        body = {
            "table": spec.name,
            "partition": partition,
            "merged": merged_name,
            "sources": [e.name for e in sources],
        }
        with open(journal, "w") as f:
            json.dump(body, f)
            f.flush()
            os.fsync(f.fileno())
        _fsync_path(staging.path)
        _step("journal", partition)
        tmp = staging.path / f"{merged_name}.tmp"
        _write(data, str(tmp), spec.name)
        _fsync_path(tmp)
        pdir = backend.path / spec.name / partition
        os.replace(tmp, pdir / merged_name)
        _fsync_path(pdir)
        _step("publish", partition)
        backend.delete([e.path for e in sources], Durability.FSYNC)
        _step("delete", partition)
    finally:
        staging.close()
    return int(data.num_rows)


def recover(store: Listing) -> RecoveryReport:
    backend = store.backend
    dead = finished = rolled_back = removed = 0
    alive: list[str] = []
    if isinstance(backend, LocalBackend):
        for d in backend.iter_staging():
            fd = try_lock(d / "lock")
            if fd is None:
                alive.append(d.name)
                continue
            try:
                dead += 1
                state = _journal_state(backend, d)
                if state == "published":
                    finished += 1
                elif state == "unpublished":
                    rolled_back += 1
                shutil.rmtree(d, ignore_errors=True)
            finally:
                os.close(fd)
        base = backend.path / "_staging"
        if base.is_dir():
            _fsync_path(base)
    for name in TABLES:
        for partition in backend.partitions(name):
            _, superseded = store.partition_files(name, partition)
            if superseded:
                backend.delete([e.path for e in superseded], Durability.FSYNC)
                removed += len(superseded)
    return RecoveryReport(dead, finished, rolled_back, removed, alive)


def _journal_state(backend: LocalBackend, d: os.PathLike[str] | str) -> str | None:
    """'published' if the dead compaction's merged file is in place, 'unpublished' if not."""
    path = os.path.join(d, "journal.json")
    if not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            body = json.load(f)
        final = backend.path / body["table"] / body["partition"] / body["merged"]
    except (ValueError, KeyError, TypeError):
        return "unpublished"  # torn journal: nothing was published yet
    # Superseded sources are deleted by the sweep in recover(), via the merged file's list.
    return "published" if final.exists() else "unpublished"

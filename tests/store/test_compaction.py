from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from aigym.errors import StoreError
from aigym.records import new_id
from aigym.store import ParquetStore
from tests.store.helpers import BASE, make_execution


def _ids(store: ParquetStore) -> list[str]:
    return store.scan("executions").select("execution_id").collect()["execution_id"].to_list()


def _duck_count(store: ParquetStore) -> int:
    glob = f"{store.root}/executions/**/*.parquet"
    return int(duckdb.sql(f"select count(*) from read_parquet('{glob}')").fetchall()[0][0])


def _small_files(store: ParquetStore, batches: int = 6, per: int = 5, days: int = 2) -> set[str]:
    ids = set()
    for b in range(batches):
        rows = [make_execution(b * 100 + i, day=b % days) for i in range(per)]
        store.append("executions", rows)
        ids |= {r.execution_id for r in rows}
    return ids


def test_compaction_merges_and_keeps_every_row_once(store: ParquetStore) -> None:
    ids = _small_files(store)
    before = len(store.files())
    report = store.compact()
    assert (report.partitions, report.files_before, report.files_after) == (2, before, 2)
    assert sorted(_ids(store)) == sorted(ids)
    assert _duck_count(store) == len(ids)
    assert store.compact().partitions == 0  # nothing left to merge


def test_a_compacted_file_is_sorted_by_time_then_id(store: ParquetStore) -> None:
    # Batches whose rows run backwards in time and share timestamps across batches, so no
    # order of the sources concatenates into a sorted file: only the merge's sort makes one.
    ts = [BASE + dt.timedelta(seconds=s) for s in (5, 3, 3, 1, 0)]
    for b in range(3):
        rows = [make_execution(b * 10 + k) for k in range(5)]
        pairs = zip(rows, ts, strict=True)
        rows = [dataclasses.replace(r, timestamp=t, execution_id=new_id(t)) for r, t in pairs]
        store.append("executions", rows)
    store.compact()
    (path,) = store.files("executions")
    t = pq.read_table(path, columns=["timestamp", "execution_id"]).to_pylist()
    keys = [(r["timestamp"], r["execution_id"]) for r in t]
    assert len(keys) == 15 and keys == sorted(keys)
    assert keys[0][0] == ts[-1] and keys[-1][0] == ts[0]


def test_crash_after_publish_before_delete(
    store: ParquetStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _small_files(store)
    n_sources = len(store.files())
    backend = store.backend
    real_delete = backend.delete

    def crash(paths: list[str], durability: object) -> None:
        raise KeyboardInterrupt("killed between publish and delete")

    monkeypatch.setattr(backend, "delete", crash)
    with pytest.raises(KeyboardInterrupt):
        store.compact()
    monkeypatch.setattr(backend, "delete", real_delete)
    # aigym readers: every row once, the merged file replaces its listed sources.
    assert sorted(_ids(store)) == sorted(ids)
    # A plain DuckDB glob sees the merged file and its sources: documented double count.
    assert _duck_count(store) > len(ids)
    other = ParquetStore(store.root)
    report = other.recover()
    assert report.superseded_removed >= 1
    assert _duck_count(store) == len(ids)
    assert sorted(_ids(store)) == sorted(ids)
    assert len(store.files()) < n_sources


def test_recover_rolls_back_a_dead_compaction_and_spares_live_writers(tmp_path: Path) -> None:
    store = ParquetStore(tmp_path / "s")
    ids = _small_files(store)
    # A dead compactor: journal and temp file, no lock holder.
    dead = Path(store.root) / "_staging" / "c-999-dead"
    dead.mkdir(parents=True)
    (dead / "lock").touch()
    (dead / "journal.json").write_text(
        json.dumps({"table": "executions", "partition": "date=2026-03-01",
                    "merged": "c-abc.parquet", "sources": ["p-1.parquet"]})
    )  # fmt: skip
    (dead / "c-abc.parquet.tmp").write_bytes(b"PAR1 torn")
    # A live writer: another store object with a buffered row holds its staging lock.
    live = ParquetStore(store.root)
    extra = make_execution(5000)
    live.append("executions", [extra])
    ids.add(extra.execution_id)
    report = store.recover()
    assert report.compactions_rolled_back == 1
    assert not dead.exists()
    assert len(report.live_writers) == 2  # `store` and `live` both hold their folders
    assert sorted(_ids(store)) == sorted(ids)
    live.close()


def test_a_second_compaction_waits_its_turn(store: ParquetStore) -> None:
    _small_files(store)
    from aigym.store._fs import try_lock

    fd = try_lock(store.staging_root() / "compact.lock")
    assert fd is not None
    try:
        with pytest.raises(StoreError, match="another compaction"):
            store.compact()
    finally:
        import os

        os.close(fd)


def test_reader_during_compaction_window_sees_rows_once(store: ParquetStore) -> None:
    ids = _small_files(store, batches=4, days=1)
    lf_before = store.scan("executions")  # lists files now
    store.compact()
    # The frame listed the sources, which are gone now: read() re-lists once.
    df = store.read(lambda: store.scan("executions"))
    assert sorted(df["execution_id"].to_list()) == sorted(ids)
    with pytest.raises((FileNotFoundError, pl.exceptions.ComputeError)):
        lf_before.collect()

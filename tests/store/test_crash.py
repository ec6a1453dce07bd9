"""Kill writers and compactions with SIGKILL at random points; nothing acknowledged is lost.

After every kill, polars (aigym's reader), pyarrow and DuckDB must read the store without
error, and every acknowledged row must be present exactly once; while a compaction runs
until killed, a reader scanning again and again must always count every row. Default run:
20 writer kills and 10 compaction kills; `-m slow` runs 100 writer kills.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.dataset as pads
import pytest

from aigym.store import EXECUTIONS, ParquetStore
from tests.store.helpers import make_execution

REPO = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, str(REPO / "tests" / "store" / "crash_worker.py")]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def _acked(ackfile: Path) -> list[str]:
    if not ackfile.exists():
        return []
    text = ackfile.read_text()
    lines = text.split("\n")
    return [x for x in lines[:-1] if x]  # the last piece may be a torn line


def _read_all(root: Path) -> dict[str, Counter[str]]:
    """Row-id counts as each reader sees them; any reader error fails the test."""
    store = ParquetStore(root)
    ids = store.scan("executions").select("execution_id").collect()["execution_id"]
    dset = pads.dataset(root / "executions", schema=EXECUTIONS.schema, partitioning="hive")
    pa_ids = dset.to_table(columns=["execution_id"]).column(0).to_pylist()
    duck = duckdb.sql(
        f"select execution_id from read_parquet('{root}/executions/**/*.parquet', "
        "union_by_name = true)"
    ).fetchall()
    store.close()
    return {
        "polars": Counter(ids.to_list()),
        "pyarrow": Counter(pa_ids),
        "duckdb": Counter(r[0] for r in duck),
    }


def _reader_during(root: Path, body: Callable[[], None]) -> list[int]:
    """Row counts an aigym reader took, scan after scan, while `body` ran (and once more)."""
    store = ParquetStore(root)
    done = threading.Event()
    counts: list[int] = []
    errors: list[BaseException] = []

    def loop() -> None:
        try:
            while True:
                last = done.is_set()
                n = store.read(lambda: store.scan("executions").select(pl.len()))
                counts.append(int(n.item()))
                if last:
                    return
        except BaseException as e:
            errors.append(e)

    t = threading.Thread(target=loop)
    t.start()
    try:
        body()
    finally:
        done.set()
        t.join()
    assert not errors, errors[0]
    return counts


def _start(args: list[str]) -> subprocess.Popen[str]:
    p = subprocess.Popen(
        WORKER + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV
    )
    assert p.stdout is not None
    line = p.stdout.readline()
    if line.strip() != "ready":
        p.kill()
        raise AssertionError(
            f"worker failed to start: {line!r} {p.stderr.read() if p.stderr else ''}"
        )
    return p


def _kill_writers(tmp_path: Path, kills: int) -> None:
    root = tmp_path / "store"
    ackfile = tmp_path / "acked.txt"
    rng = random.Random(20261126)
    for k in range(kills):
        p = _start(["write", str(root), str(ackfile), str(k)])
        time.sleep(rng.uniform(0.0, 0.4))
        p.send_signal(signal.SIGKILL)
        p.wait()
        seen = _read_all(root)  # readable straight after the kill, before any recover()
        acked = _acked(ackfile)
        for reader, counts in seen.items():
            missing = [i for i in acked if counts[i] != 1]
            assert not missing, f"kill {k}: {reader} lacks or repeats {len(missing)} acked rows"
            assert max(counts.values(), default=1) == 1, f"kill {k}: {reader} sees duplicates"
    acked = _acked(ackfile)
    assert len(acked) > 100, "the workers should have acknowledged rows before being killed"
    report = ParquetStore(root).recover()
    assert report.dead_writers >= 1
    assert not any((root / "_staging").glob("w-*"))
    for reader, counts in _read_all(root).items():
        assert all(counts[i] == 1 for i in acked), reader


def test_writer_killed_at_random_points_20_times(tmp_path: Path) -> None:
    _kill_writers(tmp_path, 20)


@pytest.mark.slow
def test_writer_killed_at_random_points_100_times(tmp_path: Path) -> None:
    _kill_writers(tmp_path, 100)


def _template(root: Path) -> list[str]:
    store = ParquetStore(root, durability="none")
    ids = []
    for b in range(60):
        rows = [make_execution(b * 1000 + i, day=b % 3) for i in range(200)]
        store.append("executions", rows)
        ids += [r.execution_id for r in rows]
    store.close()
    return ids


def test_compaction_killed_at_random_points_10_times(tmp_path: Path) -> None:
    template = tmp_path / "template"
    ids = _template(template)
    probe = tmp_path / "probe"
    shutil.copytree(template, probe)
    t0 = time.perf_counter()
    p = _start(["compact", str(probe)])
    p.wait()
    full = time.perf_counter() - t0  # includes the ready handshake; kills land within it
    rng = random.Random(7)
    outcomes = Counter()
    for k in range(10):
        root = tmp_path / f"run{k}"
        shutil.copytree(template, root)
        p = _start(["compact", str(root)])

        def kill(p: subprocess.Popen[str] = p) -> None:
            time.sleep(rng.uniform(0.0, full))
            p.send_signal(signal.SIGKILL)
            p.wait()

        counts = _reader_during(root, kill)
        assert counts and set(counts) == {len(ids)}, f"kill {k}: a reader saw {set(counts)}"
        before = _read_all(root)["polars"]  # aigym's reader is exact even before recover()
        assert sorted(before.elements()) == sorted(ids), f"kill {k}: polars before recover"
        report = ParquetStore(root).recover()
        outcomes[(report.compactions_finished, report.compactions_rolled_back)] += 1
        for reader, counts in _read_all(root).items():
            assert sorted(counts.elements()) == sorted(ids), f"kill {k}: {reader} after recover"
        ParquetStore(root).compact()  # and the store compacts cleanly afterwards
        assert sorted(_read_all(root)["duckdb"].elements()) == sorted(ids)
    assert sum(outcomes.values()) == 10


def test_four_concurrent_writers_and_a_reader(tmp_path: Path) -> None:
    root = tmp_path / "store"
    errors: list[BaseException] = []
    stop = threading.Event()
    scans = Counter[str]()

    def reader() -> None:
        while not stop.is_set():
            try:
                ready = (root / "executions").exists()
                for name, counts in _read_all(root).items() if ready else []:
                    assert max(counts.values(), default=1) == 1, f"{name} saw a duplicate"
                    scans[name] += 1
            except BaseException as e:
                errors.append(e)
                return

    t = threading.Thread(target=reader)
    t.start()
    acks = [tmp_path / f"ack{k}.txt" for k in range(4)]
    procs = [_start(["write", str(root), str(acks[k]), str(k), "25"]) for k in range(4)]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read() if p.stderr else ""
    stop.set()
    t.join()
    assert not errors, errors[0]
    assert scans["polars"] >= 1
    acked = [i for a in acks for i in _acked(a)]
    assert len(acked) == len(set(acked)) > 1000
    for reader_name, counts in _read_all(root).items():
        assert all(counts[i] == 1 for i in acked), reader_name
        assert sum(counts.values()) == len(acked), reader_name

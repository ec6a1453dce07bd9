"""Each durability level makes exactly the fsync calls the README's table promises.

`os.fsync` is counted (and let through), with the path each call synced, per level, for a
first append (folders created), a second one (folders known), a buffered writer and a
compaction.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from aigym.store import ParquetStore
from tests.store.helpers import BASE, columnar, make_execution

PART = "date=2026-03-01"


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The paths `os.fsync` was called on, in order (`tmp` for a staged file)."""
    calls: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        path = os.readlink(f"/proc/self/fd/{fd}")
        calls.append("tmp" if path.endswith(".tmp") else path)
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    yield calls


def _rel(root: Path, calls: list[str]) -> list[str]:
    return [c if c == "tmp" else os.path.relpath(c, root) for c in calls]


@pytest.mark.parametrize(
    ("level", "first", "second"),
    [
        ("none", [], []),
        ("flush", ["tmp"], ["tmp"]),
        # fsync: the file, the new folders' parents (root, table folder), the partition.
        ("fsync", ["tmp", ".", "executions", f"executions/{PART}"], ["tmp", f"executions/{PART}"]),
    ],
)
def test_fsync_calls_per_durability_level(
    tmp_path: Path, synced: list[str], level: str, first: list[str], second: list[str]
) -> None:
    root = tmp_path / "s"
    store = ParquetStore(root, durability=level)
    store.append("executions", [make_execution(1)])
    assert _rel(root, synced) == first
    synced.clear()
    store.append("executions", [make_execution(2)])
    assert _rel(root, synced) == second
    synced.clear()
    # A buffered writer: one fsync per file at flush/fsync, the folder once at fsync.
    with store.writer(max_rows=10_000) as w:
        w.add_table(columnar(5, seed=1))
        w.add_table(columnar(5, seed=2, start=BASE + dt.timedelta(minutes=1)))
    files = {"none": [], "flush": ["tmp", "tmp"], "fsync": ["tmp", "tmp", f"executions/{PART}"]}
    assert _rel(root, synced) == files[level]
    synced.clear()
    store.close()


def test_compaction_syncs_journal_file_and_folders_whatever_the_level(
    tmp_path: Path, synced: list[str]
) -> None:
    root = tmp_path / "s"
    store = ParquetStore(root, durability="none")
    for i in range(3):
        store.append("executions", [make_execution(i)])
    assert synced == []
    store.compact()
    got = _rel(root, synced)
    staging = [c for c in got if c.startswith("_staging/")]
    journal = [c for c in staging if c.endswith("journal.json")]
    assert len(journal) == 1  # the journal, before anything else
    assert got[0] == journal[0]
    assert "tmp" in got  # the merged file, before its rename
    # the partition after the publish and again after the deletes
    assert got.count(f"executions/{PART}") == 2
    store.close()

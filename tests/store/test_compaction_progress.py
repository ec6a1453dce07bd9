"""compact(progress=True) shows one tqdm.auto step per partition; off by default."""

from __future__ import annotations

import pytest

from aigym.store import ParquetStore
from tests.store.helpers import make_execution


def test_compaction_progress_counts_partitions(
    store: ParquetStore, capsys: pytest.CaptureFixture[str]
) -> None:
    for b in range(4):
        store.append("executions", [make_execution(b * 10 + i, day=b % 2) for i in range(3)])
    capsys.readouterr()
    assert store.compact(progress=True).partitions == 2
    err = capsys.readouterr().err
    assert "compact" in err and "partition" in err and "2/" in err
    store.append("executions", [make_execution(99, day=0)])
    store.compact()
    assert capsys.readouterr().err == ""

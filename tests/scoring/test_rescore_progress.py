"""rescore's progress bar: tqdm.auto when asked, nothing when off (the default in tests)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aigym import _progress
from aigym.scoring import rescore
from aigym.store import ParquetStore

from .test_rescore import execution


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ParquetStore]:
    s = ParquetStore(tmp_path / "store", durability="none")
    s.append("executions", [execution(str(i), metadata={"reference": "4"}) for i in range(5)])
    yield s
    s.close()


def test_progress_bar_counts_every_row(store: ParquetStore, capsys: pytest.CaptureFixture[str]):
    out = rescore(store, campaign="c1", scorer="numeric_match", progress=True)
    assert out["executions"].sum() == 5
    err = capsys.readouterr().err
    assert "rescore" in err and "5/5" in err and "row" in err


def test_no_bar_when_off_or_unwatched(store: ParquetStore, capsys: pytest.CaptureFixture[str]):
    rescore(store, campaign="c1", scorer="numeric_match", progress=False)
    assert not _progress.watching()  # captured stderr, no Jupyter kernel: the default is off
    rescore(store, campaign="c1", scorer="numeric_match")
    assert capsys.readouterr().err == ""

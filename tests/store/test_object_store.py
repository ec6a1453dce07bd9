"""The store on an S3-compatible server (moto in server mode, on loopback only).

The guarantee is weaker than on a local disk, and the README says so: a file becomes visible
when its single PUT completes (never partially), there is no rename, no fsync and no writer
lock, and compaction's "publish, then delete sources" relies on the readers' source lists.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.fs as pafs
import pytest

from aigym.store import ParquetStore
from tests.store.helpers import columnar, make_execution

moto_server = pytest.importorskip("moto.server", reason="moto[server] is in the dev extra")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop()


def _opts(endpoint: str) -> dict[str, Any]:
    return {
        "endpoint_override": endpoint,
        "scheme": "http",
        "access_key": "testing",
        "secret_key": "testing",
        "region": "us-east-1",
        "allow_bucket_creation": True,
    }


@pytest.fixture
def s3_store(s3_endpoint: str) -> Iterator[ParquetStore]:
    opts = _opts(s3_endpoint)
    bucket = f"aigym-{uuid.uuid4().hex[:8]}"
    pafs.S3FileSystem(**opts).create_dir(bucket)
    store = ParquetStore(f"s3://{bucket}/runs", storage_options=opts)
    yield store
    store.close()


def test_append_scan_feedback_on_s3(s3_store: ParquetStore) -> None:
    rows = [make_execution(i, day=i % 2) for i in range(20)]
    s3_store.append("executions", rows)
    s3_store.append("executions", columnar(100, seed=3))
    assert not s3_store.is_local
    assert s3_store.partitions("executions") == ["date=2026-03-01", "date=2026-03-02"]
    df = s3_store.scan_executions(model_id="openai/gpt-4o").collect()
    assert df.height == 7 + 34
    assert s3_store.get_execution(rows[3].execution_id)["prompt_tokens"] == rows[3].prompt_tokens


def test_retried_batch_and_compaction_on_s3(s3_store: ParquetStore) -> None:
    rows = [make_execution(i) for i in range(10)]
    s3_store.append("executions", rows)
    s3_store.append("executions", rows)  # a retried PUT lands on the same key
    more = [make_execution(100 + i) for i in range(5)]
    s3_store.append("executions", more)
    assert len(s3_store.files()) == 2
    report = s3_store.compact()
    assert report.files_before == 2 and report.files_after == 1
    ids = s3_store.scan("executions").select("execution_id").collect()["execution_id"]
    assert sorted(ids.to_list()) == sorted(r.execution_id for r in rows + more)
    assert s3_store.recover().superseded_removed == 0
    assert s3_store.verify()["executions"]["rows"] == 15


def test_golden_v2_file_on_s3_reads_as_categorical(s3_store: ParquetStore) -> None:
    golden = Path(__file__).parent / "golden" / "executions_v2" / "date=2026-01-16"
    (src,) = golden.iterdir()
    fs = s3_store.backend.filesystem
    assert fs is not None
    with fs.open_output_stream(f"{s3_store.root}/executions/date=2026-01-16/{src.name}") as out:
        out.write(src.read_bytes())
    s3_store.append("executions", [make_execution(i) for i in range(5)])
    df = s3_store.scan_executions(with_feedback=False).collect()
    assert df.height == 9
    assert df.schema["model_id"] == pl.Categorical
    old = df.filter(pl.col("date") == pl.date(2026, 1, 16))
    assert sorted(old["provider"].to_list()) == ["openai", "openai", "xai", "xai"]


def test_a_torn_listing_during_an_s3_compaction_is_taken_again(
    s3_store: ParquetStore, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An S3 LIST is no snapshot either: one that overlaps a compaction can miss the merged
    # object (PUT after the LIST passed its key) and the deleted sources. The generation
    # object changes before the deletes, so the reader lists again.
    for b in range(3):
        s3_store.append("executions", [make_execution(b * 10 + i) for i in range(5)])
    backend = s3_store.backend
    real = backend.files
    torn = {"done": False}

    def files(table: str, partition: str) -> list[Any]:
        entries = real(table, partition)
        if not torn["done"]:
            torn["done"] = True
            before = {e.name for e in entries}
            ParquetStore(f"s3://{s3_store.root}", storage_options=_opts(s3_endpoint)).compact()
            after = {e.name for e in real(table, partition)}
            return [e for e in entries if e.name in before & after]  # sources gone, c- missed
        return entries

    monkeypatch.setattr(backend, "files", files)
    assert s3_store.scan("executions").select(pl.len()).collect().item() == 15
    assert torn["done"]

"""The router's statistics on an object store (moto in server mode, loopback only): the same
estimates as on a local disk, incremental refresh and compaction included."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow.fs as pafs
import pytest

from aigym.records import Feedback
from aigym.router import HistoryStats
from aigym.store import ParquetStore
from tests.router.helpers import ALPHA, BETA, NOW, history

moto_server = pytest.importorskip("moto.server", reason="moto[server] is in the dev extra")


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_store(s3_endpoint: str) -> Iterator[ParquetStore]:
    opts = {
        "endpoint_override": s3_endpoint,
        "scheme": "http",
        "access_key": "testing",
        "secret_key": "testing",
        "region": "us-east-1",
        "allow_bucket_creation": True,
    }
    bucket = f"aigym-{uuid.uuid4().hex[:8]}"
    pafs.S3FileSystem(**opts).create_dir(bucket)
    store = ParquetStore(f"s3://{bucket}/runs", storage_options=opts)
    yield store
    store.close()


def test_statistics_on_s3_match_a_local_store(s3_store: ParquetStore, tmp_path: Path) -> None:
    local = ParquetStore(tmp_path / "local", durability="none")
    batches = [history(ALPHA, 20, 80.0 + i, end=NOW) + history(BETA, 5, 60.0, end=NOW)
               for i in range(3)]  # fmt: skip
    remote_stats = HistoryStats(s3_store)
    for i, b in enumerate(batches):
        for st in (s3_store, local):
            st.append("executions", b)
        if i == 0:
            remote_stats.refresh()
    fb = [Feedback.create(batches[0][0].execution_id, approved=True, timestamp=NOW)]
    for st in (s3_store, local):
        st.append("feedback", fb)
    r = remote_stats.refresh()
    assert r.files_read == 2 and r.feedback_rows == 1
    s3_store.compact()
    r = remote_stats.refresh()
    assert r.files_read == 0 and r.compactions_resolved == 1
    local_stats = HistoryStats(local)
    local_stats.refresh()
    remote, here = remote_stats.snapshot(NOW), local_stats.snapshot(NOW)
    assert remote.keys() == here.keys()
    for k in remote:
        assert remote[k] == pytest.approx(here[k], rel=1e-9)
    local.close()

"""Incremental refresh: only new files are read, and compactions change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from aigym.records import Execution, Feedback
from aigym.router import HistoryStats, ModelRouter, RouterConfig
from aigym.store import ParquetStore
from tests.router.helpers import ALPHA, BETA, GAMMA, NOW, TASK, execution, history, write


def _same(a: HistoryStats, b: HistoryStats) -> None:
    sa, sb = a.snapshot(NOW), b.snapshot(NOW)
    assert sa.keys() == sb.keys()
    for k in sa:
        assert sa[k] == pytest.approx(sb[k], rel=1e-9, abs=1e-12), k


def _fresh(store: ParquetStore) -> HistoryStats:
    s = HistoryStats(store)
    s.refresh()
    return s


def _some_files(store: ParquetStore, n: int, start: int = 0) -> list[Execution]:
    rows = []
    for i in range(start, start + n):
        batch = history(ALPHA, 5, 70.0 + i, end=NOW - dt.timedelta(minutes=i))
        batch += history(BETA, 3, 60.0 + i, end=NOW - dt.timedelta(minutes=i), cost=0.01)
        batch.append(
            execution(
                GAMMA,
                NOW - dt.timedelta(minutes=i, seconds=30),
                status="error",
                error_type="rate_limit",
                http_status=429,
            )
        )
        write(store, batch)
        rows.extend(batch)
    return rows


def test_refresh_reads_only_new_files(store: ParquetStore) -> None:
    stats = HistoryStats(store)
    _some_files(store, 3)
    r = stats.refresh()
    assert (r.files_read, r.compactions_resolved, r.files_dropped) == (3, 0, 0)
    v = stats.version
    assert stats.refresh().files_read == 0 and stats.version == v  # nothing new: nothing read
    _some_files(store, 2, start=3)
    r = stats.refresh()
    assert r.files_read == 2 and stats.version == v + 1
    _same(stats, _fresh(store))
    k = stats.key_of(ALPHA, TASK)
    assert k is not None and stats.row(k)[0][3] == 25  # 5 files x 5 scored calls


def test_compaction_is_resolved_by_its_source_list(store: ParquetStore) -> None:
    stats = HistoryStats(store)
    _some_files(store, 4)
    stats.refresh()
    before = stats.snapshot(NOW)
    report = store.compact()
    assert report.files_after == 1
    r = stats.refresh()
    assert r.files_read == 0 and r.compactions_resolved == 1 and r.files_dropped == 4
    assert stats.files_seen == 1
    after = stats.snapshot(NOW)
    for key in before:
        assert after[key] == pytest.approx(before[key], rel=1e-12)
    _same(stats, _fresh(store))
    assert stats.failures(GAMMA) == _fresh(store).failures(GAMMA)


def test_compaction_of_unseen_files_reads_the_compacted_file(store: ParquetStore) -> None:
    stats = HistoryStats(store)
    _some_files(store, 2)
    stats.refresh()
    _some_files(store, 2, start=2)  # not yet seen when the compaction merges them all
    store.compact()
    r = stats.refresh()
    assert r.files_read == 1 and r.compactions_resolved == 0 and r.files_dropped == 2
    _same(stats, _fresh(store))


def test_feedback_survives_compaction(store: ParquetStore) -> None:
    rows = _some_files(store, 2)
    ok = [e for e in rows if e.status == "success"]
    stats = HistoryStats(store)
    store.append(
        "feedback", [Feedback.create(e.execution_id, approved=False, timestamp=NOW) for e in ok[:4]]
    )
    stats.refresh()
    store.append(
        "feedback",
        [
            Feedback.create(
                e.execution_id, user_rating=4.0, timestamp=NOW + dt.timedelta(seconds=1)
            )
            for e in ok[2:6]
        ],
    )
    r = stats.refresh()
    assert r.feedback_files_read == 1
    store.compact()
    r = stats.refresh()
    assert r.feedback_files_read == 0 and r.files_read == 0
    _same(stats, _fresh(store))


def test_decisions_after_compaction_match_a_full_refresh(store: ParquetStore) -> None:
    _some_files(store, 3)
    cfg = RouterConfig(max_staleness_s=0)
    warm = ModelRouter(
        __import__("tests.router.helpers", fromlist=["x"]).make_registry(), config=cfg
    )
    warm.route(TASK, store=store, now=NOW)
    store.compact()
    _some_files(store, 1, start=3)
    a = warm.route(TASK, "best_quality", store=store, now=NOW)
    cold = ModelRouter(warm.registry, config=cfg)
    b = cold.route(TASK, "best_quality", store=store, now=NOW)
    assert [e.model_id for e in a.ranked] == [e.model_id for e in b.ranked]
    for x, y in zip(a.ranked, b.ranked, strict=True):
        assert x.quality.mean == pytest.approx(y.quality.mean, rel=1e-12)
        assert x.cost_per_request.mean == pytest.approx(y.cost_per_request.mean, rel=1e-12)

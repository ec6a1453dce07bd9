"""The A/B unit id has its own column (`ab_unit_id`, executions v4); files written before,
with the unit in `request_key`, analyse exactly as the same results recorded today."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl

from aigym.abtest import ABTestManager
from aigym.registry import ModelRegistry
from aigym.store import ParquetStore
from tests.abtest.conftest import Clock, config

GOLDEN = Path(__file__).parents[1] / "store" / "golden" / "executions_v3"
CREATED = dt.datetime(2026, 1, 17, 8, 0, tzinfo=dt.UTC)  # an hour before the golden rows


def _analyse(store: ParquetStore, manager: ABTestManager) -> tuple[object, ...]:
    res = manager.analyze_test(store, "golden_ab", "frequentist")
    a, b = res.variant_a, res.variant_b
    return (res.unit_level, a["sample_size"], a["results"], b["sample_size"], b["results"],
            round(a["mean"], 9), round(b["mean"], 9), round(res.p_value, 9))  # fmt: skip


def test_old_files_with_the_unit_in_request_key_analyse_as_new_ones(
    tmp_path: Path, registry: ModelRegistry
) -> None:
    clock = Clock(CREATED)
    manager = ABTestManager(registry=registry, clock=clock)
    old = ParquetStore(tmp_path / "old")
    manager.create_test(old, config("golden_ab", min_sample_size=2))
    shutil.copytree(GOLDEN, Path(old.root) / "executions")

    # The same 16 results, recorded now: the unit goes to ab_unit_id, request_key stays null.
    rows = old.scan("executions").sort("timestamp").collect()
    new = ParquetStore(tmp_path / "new")
    manager.create_test(new, config("golden_ab", min_sample_size=2))
    for r in rows.iter_rows(named=True):
        clock.now = r["timestamp"]
        manager.record_variant_result(
            new, "golden_ab", r["ab_variant"], quality_score=r["quality_score"],
            cost_usd=r["cost_usd"], prompt_tokens=100, completion_tokens=50,
            unit_id=r["request_key"],
        )  # fmt: skip
    new.flush()
    recorded = new.scan("executions").collect()
    assert recorded["ab_unit_id"].n_unique() == 8 and recorded["request_key"].null_count() == 16

    got_old, got_new = _analyse(old, manager), _analyse(new, manager)
    assert got_old == got_new
    assert got_old[:5] == (True, 4, 8, 4, 8)  # 4 units of 2 results per arm: grouped by unit
    # Without the legacy fallback the old rows would be 8 units of 1 result each per arm.
    assert rows.filter(pl.col("ab_variant") == "a")["request_key"].n_unique() == 4

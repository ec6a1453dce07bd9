"""The planned-sample cut for one result per unit (a partial sort per variant) selects exactly
the rows the general per-unit cut (`_first_units`: sort every unit by its first result) does,
ties in the clock included."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from aigym.abtest._config import get_metric
from aigym.abtest._data import ArmData, _arm_stats, _extended_per_call, _first_units, _sums
from aigym.stats import SampleStats

T0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)


def frame(n: int, seed: int, share_b: float) -> pl.LazyFrame:
    rng = np.random.default_rng(seed)
    seconds = np.sort(rng.integers(0, n // 3, n))  # many calls share a clock tick
    return pl.LazyFrame(
        {
            "ab_variant": np.where(rng.random(n) < share_b, "b", "a"),
            "_unit": [f"e{rng.integers(0, 10**9):09d}-{i}" for i in range(n)],
            "timestamp": [T0 + dt.timedelta(seconds=int(s)) for s in seconds],
            "value": rng.normal(70.0, 10.0, n).clip(0.01, 100.0),
        }
    )


@pytest.mark.parametrize(("seed", "share_b", "planned"), [(1, 0.5, 50), (2, 0.1, 30), (3, 0.9, 7)])
def test_the_partial_sort_cut_equals_the_full_sort(seed: int, share_b: float, planned: int) -> None:
    lf = frame(2_000, seed, share_b)
    metric = get_metric("cost")
    empty: dict[str, SampleStats] = {}
    arms = ArmData({}, {}, empty, {}, False)
    sums = {str(r["ab_variant"]): r for r in _sums(lf, True).collect().iter_rows(named=True)}
    fast = _extended_per_call(arms, lf, metric, planned, skewed=True, sums=sums)
    want = _arm_stats(_first_units(lf, planned), metric, per_unit=False)
    assert fast.horizon == want
    logs = lf.with_columns(pl.col("value").log())
    assert fast.log_horizon == _arm_stats(_first_units(logs, planned), metric, per_unit=False)
    kept = _first_units(lf, planned).collect()
    counts = kept.group_by("ab_variant").len().sort("ab_variant")["len"].to_list()
    assert min(counts) == planned  # the cut is at the slower variant's planned-th call

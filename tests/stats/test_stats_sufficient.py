"""Sufficient statistics: construction, addition, moments and validation; polars helper."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from aigym.errors import ValidationError
from aigym.stats import (
    PairedStats,
    ProportionStats,
    RatioStats,
    SampleStats,
    paired_stats_by_group,
    proportion_stats_by_group,
    ratio_stats_by_group,
    sample_stats_by_group,
)
from tests.stats.helpers import assert_close


def test_sample_stats_moments_match_numpy(rng):
    x = rng.lognormal(0, 1, 500)
    s = SampleStats.from_values(x)
    assert s.n == 500
    assert_close(s.mean, x.mean(), 1e-12)
    assert_close(s.variance, x.var(ddof=1), 1e-9)
    assert_close(s.standard_error, x.std(ddof=1) / math.sqrt(500), 1e-9)


def test_addition_equals_pooled_data(rng):
    x, y = rng.normal(5, 2, 100), rng.normal(6, 1, 37)
    both = SampleStats.from_values(x) + SampleStats.from_values(y)
    ref = SampleStats.from_values(np.concatenate([x, y]))
    assert both.n == ref.n
    assert_close(both.sum, ref.sum, 1e-12)
    assert_close(both.variance, ref.variance, 1e-9)
    p = ProportionStats(10, 3) + ProportionStats(5, 5)
    assert p == ProportionStats(15, 8)
    r = RatioStats.from_values([1, 2], [3, 4]) + RatioStats.from_values([5], [6])
    assert_close(r.mean, 8 / 13, 1e-12)
    q = PairedStats.from_values([1, 0], [1, 1]) + PairedStats.from_values([0], [0])
    assert q.n == 3 and q.sum_b == 2


def test_ratio_and_paired_moments(rng):
    x, y = rng.gamma(2, 1, 300), rng.gamma(5, 1, 300)
    r = RatioStats.from_values(x, y)
    assert_close(r.mean, x.sum() / y.sum(), 1e-12)
    assert_close(r.covariance, np.cov(x, y)[0, 1], 1e-9)
    p = PairedStats.from_values(x, y)
    assert_close(p.differences.variance, (y - x).var(ddof=1), 1e-8)
    assert_close(p.correlation, np.corrcoef(x, y)[0, 1], 1e-9)


def test_degenerate_moments_are_nan_not_errors():
    assert math.isnan(SampleStats(0, 0, 0).mean)
    assert math.isnan(SampleStats(1, 3, 9).variance)
    assert SampleStats(3, 6, 12).variance == 0
    assert math.isnan(RatioStats(3, 1, 0, 1, 0, 0).mean)


@pytest.mark.parametrize(
    "make",
    [
        lambda: SampleStats(-1, 0, 0),
        lambda: SampleStats(2, math.nan, 1),
        lambda: SampleStats(2, 1, -1),
        lambda: SampleStats(2, 10, 1),  # sum^2 > n * sum_squares
        lambda: SampleStats(2.5, 1, 1),  # type: ignore[arg-type]
        lambda: ProportionStats(5, 6),
        lambda: ProportionStats(5, -1),
        lambda: SampleStats.from_values([1.0, math.nan]),
        lambda: ProportionStats.from_values([0, 1, 2]),
        lambda: PairedStats.from_values([1, 2], [1]),
        lambda: RatioStats(2, 1, 1, 1, 1, math.inf),
    ],
)
def test_wrong_input_raises_validation_error(make):
    with pytest.raises(ValidationError) as err:
        make()
    assert "invalid" in str(err.value)


def test_polars_group_by_helpers(rng):
    n = 400
    frame = pl.DataFrame(
        {
            "arm": rng.choice(["a", "b"], n),
            "cost": rng.lognormal(-5, 1, n),
            "tokens": rng.integers(50, 500, n),
            "ok": rng.integers(0, 2, n),
            "score_a": rng.normal(3, 1, n),
            "score_b": rng.normal(3.2, 1, n),
        }
    ).with_columns(
        pl.when(pl.int_range(pl.len()) == 7).then(None).otherwise(pl.col("cost")).alias("cost")
    )
    means = sample_stats_by_group(frame.lazy(), "arm", "cost")
    for arm in ("a", "b"):
        sub = frame.filter(pl.col("arm") == arm)
        x = sub["cost"].drop_nulls().to_numpy()
        assert means[arm].n == x.size
        assert_close(means[arm].variance, x.var(ddof=1), 1e-9)
        props = proportion_stats_by_group(frame, "arm", "ok")
        assert props[arm] == ProportionStats.from_values(sub["ok"].to_numpy())
        ratios = ratio_stats_by_group(frame, "arm", "ok", "tokens")
        assert_close(ratios[arm].mean, sub["ok"].sum() / sub["tokens"].sum(), 1e-12)
        paired = paired_stats_by_group(frame, "arm", "score_a", "score_b")
        ref = PairedStats.from_values(sub["score_a"].to_numpy(), sub["score_b"].to_numpy())
        assert_close(paired[arm].sum_ab, ref.sum_ab, 1e-12)


def test_polars_helper_refuses_nan_and_unknown_columns():
    frame = pl.DataFrame({"arm": ["a", "a"], "x": [1.0, float("nan")]})
    with pytest.raises(ValidationError):
        sample_stats_by_group(frame, "arm", "x")
    with pytest.raises(ValidationError):
        sample_stats_by_group(frame, "arm", "nope")
    with pytest.raises(ValidationError):
        proportion_stats_by_group(pl.DataFrame({"arm": ["a"], "x": [2]}), "arm", "x")

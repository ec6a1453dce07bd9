from __future__ import annotations

import duckdb
import numpy as np
import polars as pl
import pytest

from aigym.errors import ValidationError
from aigym.stats import exact_quantile, grouped_quantiles


@pytest.mark.parametrize("n", [1, 2, 3, 10, 1001])
def test_exact_quantile_matches_numpy_linear(n: int) -> None:
    x = np.random.default_rng(n).lognormal(size=n)
    qs = [0.0, 0.05, 0.5, 0.95, 1.0]
    assert exact_quantile(x.copy(), qs) == pytest.approx(np.quantile(x, qs), rel=1e-12)


def test_empty_and_bad_q() -> None:
    assert all(np.isnan(exact_quantile(np.array([]), [0.5])))
    with pytest.raises(ValidationError):
        exact_quantile(np.array([1.0]), [1.5])


def test_grouped_quantiles_match_duckdb_quantile_cont() -> None:
    rng = np.random.default_rng(1)
    df = pl.DataFrame(
        {
            "g": rng.integers(0, 5, 5000).astype(str),
            "h": rng.integers(0, 3, 5000),
            "x": rng.lognormal(size=5000),
        }
    ).with_columns(pl.when(pl.int_range(pl.len()) % 10 == 0).then(None).otherwise("x").alias("x"))
    ours = grouped_quantiles(
        df.lazy(), ["g", "h"], "x", [0.5, 0.95], aggs=[pl.len().alias("n")]
    ).sort("g", "h")
    theirs = duckdb.sql(
        "select g, h, count(*) as n, quantile_cont(x, 0.5) as x_p50, "
        "quantile_cont(x, 0.95) as x_p95 from df group by g, h order by g, h"
    ).fetchall()
    assert ours.columns == ["g", "h", "n", "x_p50", "x_p95"]
    for mine, ref in zip(ours.rows(), theirs, strict=True):
        assert mine[:3] == ref[:3]
        assert mine[3:] == pytest.approx(ref[3:], rel=1e-12)


def test_all_null_group_gives_null_quantiles() -> None:
    df = pl.DataFrame({"g": ["a", "a", "b"], "x": [1.0, 3.0, None]})
    out = grouped_quantiles(df, ["g"], "x", [0.5], names=["med"]).sort("g")
    assert out["med"].to_list() == [2.0, None]


def test_quantile_difference_matches_scipy_bootstrap() -> None:
    """p95 latency difference: point estimate = numpy's quantiles; the percentile interval
    agrees with scipy.stats.bootstrap (independent resampling) to Monte Carlo error."""
    from scipy import stats as sps

    from aigym.stats import quantile_difference

    rng = np.random.default_rng(5)
    a, b = rng.lognormal(6.5, 0.6, 400), rng.lognormal(6.7, 0.6, 300)
    res = quantile_difference(a, b, 0.95, n_resamples=4000, seed=1)
    assert res.effect == np.quantile(b, 0.95) - np.quantile(a, 0.95)
    ref = sps.bootstrap(
        (b, a),
        lambda x, y, axis: np.quantile(x, 0.95, axis=axis) - np.quantile(y, 0.95, axis=axis),
        method="percentile",
        n_resamples=4000,
        random_state=np.random.default_rng(2),
    )
    width = ref.confidence_interval.high - ref.confidence_interval.low
    assert abs(res.interval[0] - ref.confidence_interval.low) < 0.1 * width
    assert abs(res.interval[1] - ref.confidence_interval.high) < 0.1 * width
    assert res.standard_error == pytest.approx(ref.standard_error, rel=0.1)
    assert (res.interval[0] > 0) == (res.p_value < 0.05)
    assert quantile_difference(a, b, seed=1) == quantile_difference(a, b, seed=1)


def test_quantile_difference_covers_and_holds_alpha() -> None:
    from aigym.stats import quantile_difference

    rng = np.random.default_rng(9)
    truth = 0.0
    n, covered, rejected = 200, 0, 0
    for _ in range(n):
        a, b = rng.lognormal(6.5, 0.5, 300), rng.lognormal(6.5, 0.5, 200)
        res = quantile_difference(a, b, 0.95, n_resamples=400, seed=int(rng.integers(1 << 30)))
        covered += res.interval[0] <= truth <= res.interval[1]
        rejected += res.p_value < 0.05
    se = (0.05 * 0.95 / n) ** 0.5
    assert covered / n >= 0.95 - 3 * se and rejected / n <= 0.05 + 3 * se


def test_quantile_difference_degenerate_and_bad_input() -> None:
    from aigym.errors import ValidationError
    from aigym.stats import quantile_difference

    assert quantile_difference([1.0], [2.0, 3.0]).status == "insufficient_data"
    same = quantile_difference([5.0] * 10, [5.0] * 10)
    assert same.status == "zero_variance" and same.p_value == 1.0
    for kw in ({"q": 1.5}, {"n_resamples": 10}):
        with pytest.raises(ValidationError):
            quantile_difference([1.0, 2.0], [1.0, 2.0], **kw)  # type: ignore[arg-type]

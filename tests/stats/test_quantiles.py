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

"""Sufficient statistics per group straight from a polars frame, in one aggregation pass.

polars is imported inside the functions so the rest of `aigym.stats` stays importable (and
cheap to import) without it. Rows with a null in any used column are dropped (null means
"not measured", e.g. an unscored execution); NaN is refused as wrong input.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from aigym.errors import ValidationError
from aigym.stats._sufficient import PairedStats, ProportionStats, RatioStats, SampleStats

if TYPE_CHECKING:
    import polars as pl


def _aggregate(
    frame: pl.DataFrame | pl.LazyFrame,
    group: str,
    columns: tuple[str, ...],
    products: tuple[tuple[str, str], ...],
) -> list[dict[str, Any]]:
    import polars as pl

    lazy = frame.lazy()
    names = lazy.collect_schema().names()
    for col in (group, *columns):
        if col not in names:
            raise ValidationError("column", col, f"name a column of the frame: {names}")
    cols = [pl.col(c).cast(pl.Float64) for c in columns]
    aggs: list[pl.Expr] = [pl.len().alias("n")]
    for c, expr in zip(columns, cols, strict=True):
        aggs += [
            expr.sum().alias(f"sum:{c}"),
            (expr * expr).sum().alias(f"sq:{c}"),
            expr.is_nan().sum().alias(f"nan:{c}"),
        ]
    for x, y in products:
        aggs.append((pl.col(x).cast(pl.Float64) * pl.col(y).cast(pl.Float64)).sum().alias(
            f"prod:{x}:{y}"
        ))  # fmt: skip
    rows = lazy.drop_nulls(subset=list(columns)).group_by(group).agg(aggs).collect().to_dicts()
    for row in rows:
        for c in columns:
            if row[f"nan:{c}"]:
                raise ValidationError(
                    c, f"{row[f'nan:{c}']} NaN values in group {row[group]!r}",
                    "drop or impute NaN (null is treated as missing and skipped)",
                )  # fmt: skip
    return rows


def sample_stats_by_group(
    frame: pl.DataFrame | pl.LazyFrame, group: str, value: str
) -> dict[Hashable, SampleStats]:
    """{group value: SampleStats of `value`}: n, sum and sum of squares per group."""
    rows = _aggregate(frame, group, (value,), ())
    return {r[group]: SampleStats(r["n"], r[f"sum:{value}"], r[f"sq:{value}"]) for r in rows}


def proportion_stats_by_group(
    frame: pl.DataFrame | pl.LazyFrame, group: str, value: str
) -> dict[Hashable, ProportionStats]:
    """{group value: ProportionStats} from a 0/1 or boolean column."""
    out: dict[Hashable, ProportionStats] = {}
    for r in _aggregate(frame, group, (value,), ()):
        total, squares = r[f"sum:{value}"], r[f"sq:{value}"]
        if total != squares or not float(total).is_integer():
            raise ValidationError(value, f"group {r[group]!r}", "the column must hold 0/1 values")
        out[r[group]] = ProportionStats(r["n"], int(total))
    return out


def ratio_stats_by_group(
    frame: pl.DataFrame | pl.LazyFrame, group: str, numerator: str, denominator: str
) -> dict[Hashable, RatioStats]:
    """{group value: RatioStats} for sum(numerator) / sum(denominator), e.g. cost / tokens."""
    x, y = numerator, denominator
    return {
        r[group]: RatioStats(
            r["n"], r[f"sum:{x}"], r[f"sum:{y}"], r[f"sq:{x}"], r[f"sq:{y}"], r[f"prod:{x}:{y}"]
        )
        for r in _aggregate(frame, group, (x, y), ((x, y),))
    }


def paired_stats_by_group(
    frame: pl.DataFrame | pl.LazyFrame, group: str, a: str, b: str
) -> dict[Hashable, PairedStats]:
    """{group value: PairedStats} from one row per unit holding A's and B's outcome.

    `group` is what to split the analysis by (e.g. task type); pivot to wide first so each
    row is one prompt with both models' outcomes.
    """
    return {
        r[group]: PairedStats(
            r["n"], r[f"sum:{a}"], r[f"sum:{b}"], r[f"sq:{a}"], r[f"sq:{b}"], r[f"prod:{a}:{b}"]
        )
        for r in _aggregate(frame, group, (a, b), ((a, b),))
    }

"""Per-variant sufficient statistics of a test's results, in one lazy pass over the store.

The common case (each call randomised on its own) is a single aggregation over
`store.scan("executions")` filtered on `ab_test`, projecting only the variant and the metric.
When units were randomised by caller-given ids (a user, a session: `assign_variant(...,
unit_id=)`, kept on results as `ab_unit_id` by `record_variant_result(..., unit_id=)`) and a
unit has several results, the metric is summed per unit first and compared as a ratio of
totals (sum of metric / number of results) with delta-method errors: the same "mean per
result" estimand, with standard errors that respect the unit of randomisation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from aigym.abtest._config import Metric
from aigym.abtest._state import assigned_units
from aigym.stats import ProportionStats, RatioStats, SampleStats, ratio_stats_by_group
from aigym.store import ParquetStore

ArmStats = SampleStats | ProportionStats | RatioStats
VARIANTS = ("a", "b")
# A result's unit: `ab_unit_id` (executions v4), else `request_key`, where files before v4 kept it.
_UNIT_COLUMNS = ("ab_unit_id", "request_key")
_UNIT = pl.coalesce(*_UNIT_COLUMNS)


@dataclass(frozen=True, slots=True)
class ArmData:
    """What the analysis needs per variant: results, units, stats and assigned units.

    `horizon`: the same statistics over the units that arrived until both variants had
    `planned` units (by first result): a fixed data set however often the test is looked at.
    `log_stats` / `log_horizon`: statistics of log(value), set for the skew-robust analysis
    of cost and latency when every value is positive.
    """

    results: Mapping[str, int]
    units: Mapping[str, int]
    stats: Mapping[str, ArmStats]
    assigned: Mapping[str, int]
    unit_level: bool
    horizon: Mapping[str, ArmStats] | None = None
    log_stats: Mapping[str, ArmStats] | None = None
    log_horizon: Mapping[str, ArmStats] | None = None


def window(store: ParquetStore, table: str, since: dt.date) -> dt.date | None:
    """`since` if it skips a date partition, else None: the time filter reads every row."""
    parts = store.partitions(table)
    return since if parts and min(parts) < f"date={since.isoformat()}" else None


def metric_frame(
    store: ParquetStore,
    test_name: str,
    metric: Metric,
    since: dt.date | None,
    extra: tuple[str, ...] = (),
    until: dt.datetime | None = None,
) -> pl.LazyFrame:
    """Rows of one test with a value: `ab_variant`, `value` (Float64) and `extra` columns.

    `until` (exclusive) reads results and feedback as they stood then (a pinned report)."""
    lf = store.scan("executions", since=since, until=until).filter(pl.col("ab_test") == test_name)
    if metric.column != "approved":
        return lf.select("ab_variant", pl.col(metric.column).cast(pl.Float64).alias("value"),
                         *extra).drop_nulls("value")  # fmt: skip
    if store.files("feedback"):  # the latest feedback wins over the record-time verdict
        cols = dict.fromkeys(("ab_variant", "execution_id", "user_approved", *extra))
        lf = lf.select(*cols).join(
            store.latest_feedback(until=until).select("execution_id", "feedback_approved"),
            on="execution_id",
            how="left",
        )
        value = pl.coalesce("feedback_approved", "user_approved")
    else:
        value = pl.col("user_approved")
    keep = dict.fromkeys(("ab_variant", *extra))
    return lf.select(*keep, value.cast(pl.Float64).alias("value")).drop_nulls("value")


def _simple(metric: Metric, n: int, total: float, squares: float) -> ArmStats:
    if metric.kind == "proportion":
        return ProportionStats(n, round(total))
    return SampleStats(n, total, squares)


def unit_stats(
    frame: pl.LazyFrame | pl.DataFrame, unit: pl.Expr, metric: Metric
) -> dict[str, ArmStats]:
    """Sum the metric per (variant, unit), then per-variant ratio-of-totals statistics."""
    per_unit = (
        frame.lazy()
        .group_by("ab_variant", unit.alias("_unit"))
        .agg(pl.col("value").sum().alias("x"), pl.len().cast(pl.Float64).alias("y"))
    )
    ratios = {str(k): v for k, v in ratio_stats_by_group(per_unit, "ab_variant", "x", "y").items()
              if k in VARIANTS}  # fmt: skip
    if all(r.sum_y == r.n and r.sum_y2 == r.n for r in ratios.values()):
        # one result per unit everywhere: the ratio of totals is a plain mean (or rate)
        return {k: _simple(metric, r.n, r.sum_x, r.sum_x2) for k, r in ratios.items()}
    return dict(ratios)


def load_arms(
    store: ParquetStore,
    test_name: str,
    metric: Metric,
    since: dt.date,
    *,
    planned: int | None = None,
    skewed: bool = False,
    until: dt.datetime | None = None,
) -> ArmData:
    """Sufficient statistics per variant and distinct assigned units.

    `planned`: also compute the statistics of the first `planned` units per variant once both
    have them; `skewed`: also compute log-scale statistics (when every value is positive).

    One parallel collect of the metric aggregation and the assignment-log count; a second
    pass per unit only when units were randomised by caller-given ids (or, without an
    assignment log, when results carry unit ids). `since` (the test's creation date) prunes
    older date partitions; `until` (exclusive) reads the test as it stood then.
    """
    log = assigned_units(store, test_name, window(store, "ab_assignments", since), until)
    start = window(store, "executions", since)
    # the log sums of a skewed metric ride along: a one-result-per-unit test needs no other pass
    summary = _sums(metric_frame(store, test_name, metric, start, until=until), skewed)
    rows, log_rows = pl.collect_all([summary, log])
    by_variant = {
        r["ab_variant"]: r for r in rows.iter_rows(named=True) if r["ab_variant"] in VARIANTS
    }
    assigned = {r["variant"]: int(r["units"]) for r in log_rows.iter_rows(named=True)}
    results = {v: int(by_variant[v]["n"]) if v in by_variant else 0 for v in VARIANTS}
    if log_rows.height:  # randomised per caller id (user, session) or per call
        per_unit = bool(log_rows["explicit"].sum())
    else:  # results recorded without assignments: trust their unit ids
        keyed = metric_frame(store, test_name, metric, start, _UNIT_COLUMNS, until)
        per_unit = bool(keyed.select(_UNIT.is_not_null().any()).collect().item())
    stats: dict[str, ArmStats]
    if per_unit:
        frame = metric_frame(
            store, test_name, metric, start, (*_UNIT_COLUMNS, "execution_id"), until
        )
        stats = unit_stats(frame, pl.coalesce(_UNIT, "execution_id"), metric)
    else:
        stats = {
            v: _simple(metric, int(r["n"]), float(r["sum"]), float(r["sq"]))
            for v, r in by_variant.items()
        }
    unit_level = any(isinstance(s, RatioStats) for s in stats.values())
    units = {v: stats[v].n if v in stats else 0 for v in VARIANTS}
    arms = ArmData(results, units, stats, {v: assigned.get(v, 0) for v in VARIANTS}, unit_level)
    return _extended(
        arms, store, test_name, metric, start, per_unit, planned, skewed, by_variant, until
    )


def _arm_stats(frame: pl.LazyFrame, metric: Metric, per_unit: bool) -> dict[str, ArmStats]:
    """Per-variant statistics of `value` (per unit when units carry several results)."""
    if per_unit:
        return unit_stats(frame, pl.col("_unit"), metric)
    value = pl.col("value")
    rows = (
        frame.group_by("ab_variant")
        .agg(pl.len().alias("n"), value.sum().alias("sum"), (value * value).sum().alias("sq"))
        .collect()
    )
    return {
        str(r["ab_variant"]): _simple(metric, int(r["n"]), float(r["sum"]), float(r["sq"]))
        for r in rows.iter_rows(named=True)
        if r["ab_variant"] in VARIANTS
    }


def _first_units(frame: pl.LazyFrame, planned: int) -> pl.LazyFrame:
    """Rows of the units that arrived until both variants had `planned` units.

    Each unit is placed at its first result; the cut is where the slower variant got its
    `planned`-th unit. The cut depends on counts, not on values, so the test on these units
    is a fixed-design test, and the set no longer changes however often it is re-read.
    """
    first = (
        frame.group_by("ab_variant", "_unit")
        .agg(pl.col("timestamp").min().alias("_first"))
        .sort("_first", "_unit")  # ties (one clock tick) in id order: ids are time-ordered
        .with_row_index("_i")
        .with_columns(
            (pl.col("ab_variant") == "a").cum_sum().alias("_na"),
            (pl.col("ab_variant") == "b").cum_sum().alias("_nb"),
        )
    )
    reached = (pl.col("_na") >= planned) & (pl.col("_nb") >= planned)
    cut = first.filter(reached).select(pl.col("_i").min().alias("_cut"))
    keep = first.join(cut, how="cross").filter(pl.col("_i") <= pl.col("_cut"))
    return frame.join(keep.select("ab_variant", "_unit"), on=["ab_variant", "_unit"], how="semi")


def _extended(
    arms: ArmData,
    store: ParquetStore,
    test_name: str,
    metric: Metric,
    start: dt.date | None,
    per_unit: bool,
    planned: int | None,
    skewed: bool,
    sums: dict[str, dict[str, Any]],
    until: dt.datetime | None = None,
) -> ArmData:
    """Add the planned-sample (`horizon`) and log-scale statistics the decision rules use.

    `sums`: the summary pass's per-variant `_sums` rows (with log sums when `skewed`)."""
    reach = planned is not None and min(arms.units.values()) >= planned
    if not reach and not skewed:
        return arms
    unit = pl.coalesce(_UNIT, "execution_id") if per_unit else pl.col("execution_id")
    frame = (
        metric_frame(
            store, test_name, metric, start, (*_UNIT_COLUMNS, "execution_id", "timestamp"), until
        )
        .filter(pl.col("ab_variant").is_in(VARIANTS))
        .with_columns(unit.alias("_unit"))
        .select("ab_variant", "_unit", "timestamp", "value")
    )
    if per_unit:
        first = _first_units(frame, planned) if reach and planned is not None else None
        horizon = _arm_stats(first, metric, per_unit) if first is not None else None
        log_stats = log_horizon = None
        if skewed and frame.select((pl.col("value") <= 0).any()).collect().item() is False:
            logs = frame.with_columns(pl.col("value").log())
            log_stats = _arm_stats(logs, metric, per_unit)
            if first is not None:
                log_horizon = _arm_stats(first.with_columns(pl.col("value").log()), metric, True)
        return replace(arms, horizon=horizon, log_stats=log_stats, log_horizon=log_horizon)
    return _extended_per_call(arms, frame, metric, planned if reach else None, skewed, sums)


def _sums(frame: pl.LazyFrame, logs: bool) -> pl.LazyFrame:
    v = pl.col("value")
    aggs = [pl.len().alias("n"), v.sum().alias("sum"), (v * v).sum().alias("sq"),
            v.min().alias("min")]  # fmt: skip
    if logs:
        lv = pl.when(v > 0).then(v).log()
        aggs += [lv.sum().alias("lsum"), (lv * lv).sum().alias("lsq")]
    return frame.group_by("ab_variant").agg(aggs)


def _extended_per_call(
    arms: ArmData,
    frame: pl.LazyFrame,
    metric: Metric,
    planned: int | None,
    skewed: bool,
    sums: dict[str, dict[str, Any]],
) -> ArmData:
    """The same for one result per unit: the log statistics from the summary pass's `sums`,
    the planned-sample rows up to the cut found by a partial sort per variant."""
    full = sums if skewed else {}
    positive = skewed and all(full.get(v, {}).get("min", 0) > 0 for v in VARIANTS)

    def stats(rows: dict[str, dict[str, Any]], s: str, q: str) -> dict[str, ArmStats]:
        return {v: _simple(metric, int(r["n"]), float(r[s]), float(r[q]))
                for v, r in rows.items() if v in VARIANTS}  # fmt: skip

    horizon = log_horizon = None
    if planned is not None:
        # the cut is where the slower variant got its planned-th call (as `_first_units`):
        # every call up to the later of the two planned-th calls, without sorting them all.
        # One collect each: collect_all shares the scan and so decodes every column.
        ts, unit = max(
            frame.filter(pl.col("ab_variant") == v)
            .select("timestamp", "_unit")
            .bottom_k(planned, by=["timestamp", "_unit"])
            .sort("timestamp", "_unit")
            .tail(1)
            .collect()
            .row(0)
            for v in VARIANTS
        )
        t, u = pl.col("timestamp"), pl.col("_unit")
        part = frame.filter((t < ts) | ((t == ts) & (u <= unit)))
        rows = {
            str(r["ab_variant"]): r for r in _sums(part, positive).collect().iter_rows(named=True)
        }
        horizon = stats(rows, "sum", "sq")
        log_horizon = stats(rows, "lsum", "lsq") if positive else None
    log_stats = stats(full, "lsum", "lsq") if positive else None
    return replace(arms, horizon=horizon, log_stats=log_stats, log_horizon=log_horizon)

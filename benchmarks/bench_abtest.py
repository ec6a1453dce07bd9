"""A/B analysis benchmarks: a two-arm test with 10M results in a store holding 10M other rows.

    .venv/bin/python benchmarks/bench_abtest.py                # everything (build once: minutes)
    .venv/bin/python benchmarks/bench_abtest.py --only analyze|units|rank

`analyze_test` (one lazy polars aggregation over `store.scan("executions")` filtered on
`ab_test`, plus the distinct-unit count of the 10M-row assignment log for the sample-ratio
check, and the planned-sample statistics of the sequential rule) is timed against a bare polars
`group_by` of the same columns over the same files, for the target metric alone
(`guardrails=()`: the <= 1 s target) and with the default cost and latency guardrails (three
metrics analysed, reported).
Unit-level aggregation (10M results -> 2M units) and a rank test on 10M values are reported
separately. Each figure is the median of 3 warm runs in a fresh process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    DATA,
    executions,
    is_built,
    mark_built,
    median_time,
    peak_rss_mb,
    ratio_line,
    run_part,
    uuid7_ids,
)

from aigym.abtest import ABTestConfig, ABTestManager
from aigym.records import new_id
from aigym.store import ParquetStore

STORE = DATA / "abtest20m"
N = 10_000_000
CHUNK = 500_000
UNITS = 2_000_000
TEST = "bench_quality"
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
MODEL_A, MODEL_B = "anthropic/claude-3.5-sonnet", "openai/gpt-4o"


def _ab_batch(k: int, start: dt.datetime) -> tuple[pa.Table, pa.Table]:
    """10M-row test results (B: +0.2 quality, +3 pp approval) and their assignment log."""
    t = executions(CHUNK, start=start, span_days=1.5, seed=1000 + k)
    rng = np.random.default_rng(2000 + k)
    unit = rng.integers(0, UNITS, size=CHUNK)
    is_b = (unit % 2).astype(bool)  # a unit's results all go to one variant
    variant = np.where(is_b, "b", "a")
    model = np.where(is_b, MODEL_B, MODEL_A)
    q = t.column("quality_score").to_numpy(zero_copy_only=False)
    quality = np.clip(np.where(is_b, q + 0.2, q), 0, 100)
    approved = rng.random(CHUNK) < np.where(is_b, 0.63, 0.60)
    ms = t.column("timestamp").cast(pa.int64()).to_numpy() // 1000
    t = (
        t.set_column(t.schema.get_field_index("model_id"), "model_id", pa.array(model))
        .set_column(t.schema.get_field_index("quality_score"), "quality_score",
                    pa.array(quality, mask=t.column("quality_score").is_null().to_numpy(
                        zero_copy_only=False)))
        .append_column("user_approved", pa.array(approved))
        .append_column("prompt_id", pa.array(np.char.add("u", unit.astype("U7"))))
        .append_column("ab_test", pa.array(np.full(CHUNK, TEST)))
        .append_column("ab_variant", pa.array(variant))
    )  # fmt: skip
    assignments = pa.table(
        {
            "assignment_id": uuid7_ids(ms, rng),
            "timestamp": t.column("timestamp"),
            "test_name": pa.array(np.full(CHUNK, TEST)),
            "variant": pa.array(variant),
            "unit_id": t.column("execution_id"),  # assign_variant() without unit_id: each
            "unit_hash": pa.array(rng.integers(0, 1 << 62, size=CHUNK, dtype=np.int64)),
            "fresh": pa.array(np.ones(CHUNK, dtype=bool)),  # call its own (fresh) unit
            "model_id": pa.array(model),
        }
    )
    return t, assignments


def build() -> Path:
    """10M results of one test interleaved (same days) with 10M other executions; compacted."""
    if is_built(STORE):
        return STORE
    shutil.rmtree(STORE, ignore_errors=True)
    print(f"building {STORE} (10M test results + 10M other rows + 10M assignments, once) ...",
          flush=True)  # fmt: skip
    t0 = time.perf_counter()
    store = ParquetStore(STORE, durability="none")
    created = START - dt.timedelta(minutes=1)
    manager = ABTestManager(clock=lambda: created)
    manager.create_test(
        store, ABTestConfig(TEST, "email_writing", MODEL_A, MODEL_B, 0.5, 1000, 60, "quality")
    )
    with store.writer("executions") as ex, store.writer("ab_assignments") as asg:
        for k in range(N // CHUNK):
            start = START + dt.timedelta(days=1.5 * k)
            ex.add_table(executions(CHUNK, start=start, span_days=1.5, seed=100 + k))
            results, log = _ab_batch(k, start)
            ex.add_table(results)
            asg.add_table(log)
    store.compact()
    store.close()
    mark_built(STORE, json.dumps({"built": new_id(), "seconds": time.perf_counter() - t0}))
    print(f"built in {time.perf_counter() - t0:.0f} s", flush=True)
    return STORE


# --------------------------------------------------------------------------- parts


def _measure(name: str) -> Any:
    """The function timed by part `name` (built once, outside the timing)."""
    import polars as pl
    from scipy import stats

    from aigym.abtest._config import get_metric
    from aigym.abtest._data import metric_frame, unit_stats
    from aigym.stats import RatioStats, format_p_value, mann_whitney, ratio_delta

    store = ParquetStore(STORE)
    manager = ABTestManager()
    files = store.files("executions")
    metric = "approval" if name.endswith("approval") else "quality"
    column = "user_approved" if metric == "approval" else "quality_score"
    quality = get_metric("quality")

    def bare_scan() -> pl.LazyFrame:
        return pl.scan_parquet(files, hive_partitioning=True).filter(pl.col("ab_test") == TEST)

    def analyze() -> Any:
        engine = "frequentist" if name.startswith(("analyze", "guarded")) else "bayesian"
        guards = ("cost", "latency") if name.startswith("guarded") else ()
        res = manager.analyze_test(store, TEST, engine, metric=metric,  # type: ignore[arg-type]
                                   guardrails=guards)  # fmt: skip
        p = "n/a" if res.p_value is None else format_p_value(res.p_value)
        return [res.winner, res.method, res.variant_a["results"], res.variant_b["results"],
                res.effect, p, res.chance_to_win, res.srm.observed]  # fmt: skip

    def bare() -> Any:
        v = pl.col(column).cast(pl.Float64)
        aggs = [pl.len(), v.count().alias("n"), v.mean().alias("mean"), v.std().alias("sd")]
        return bare_scan().group_by("ab_variant").agg(aggs).sort("ab_variant").collect().rows()

    def units() -> Any:
        frame = metric_frame(store, TEST, quality, START.date(), ("prompt_id",))
        arms = unit_stats(frame, pl.col("prompt_id"), quality)
        a, b = arms["a"], arms["b"]
        assert isinstance(a, RatioStats) and isinstance(b, RatioStats)
        res = ratio_delta(a, b)
        return [a.n, b.n, res.effect, format_p_value(res.p_value)]

    def bare_units() -> Any:
        x, y = pl.col("x"), pl.col("y")
        sums = [pl.len(), x.sum().alias("sx"), y.sum().alias("sy"), (x * x).sum().alias("sxx"),
                (y * y).sum().alias("syy"), (x * y).sum().alias("sxy")]  # fmt: skip
        per_unit = (
            bare_scan()
            .drop_nulls("quality_score")
            .group_by("ab_variant", "prompt_id")
            .agg(pl.col("quality_score").sum().alias("x"), pl.len().alias("y"))
        )
        return per_unit.group_by("ab_variant").agg(sums).sort("ab_variant").collect().rows()

    def arrays() -> tuple[Any, Any]:
        values = metric_frame(store, TEST, quality, START.date()).collect()
        a = values.filter(pl.col("ab_variant") == "a")["value"].to_numpy()
        return a, values.filter(pl.col("ab_variant") == "b")["value"].to_numpy()

    def rank() -> Any:
        a, b = arrays()
        res = mann_whitney(a, b)
        return [a.size, b.size, res.effect, res.interval, format_p_value(res.p_value)]

    def bare_rank() -> Any:
        a, b = arrays()
        return [a.size, b.size, format_p_value(float(stats.mannwhitneyu(b, a).pvalue))]

    table = {"analyze": analyze, "bayes": analyze, "guarded": analyze, "bare": bare, "units": units,
             "bare-units": bare_units, "rank": rank, "bare-rank": bare_rank}  # fmt: skip
    return table[name.removesuffix("-approval")]


def part(name: str) -> dict[str, Any]:
    """One measurement in this (fresh) process: median of warm runs, summary, peak memory."""
    fn = _measure(name)
    runs = 1 if "rank" in name else 3
    seconds, out = median_time(fn, runs=runs, warmup=0 if runs == 1 else 1)
    return {"seconds": seconds, "out": out, "peak_rss_mb": peak_rss_mb()}


def _pair(ours: str, bare: str, label: str, target: str) -> None:
    script = Path(__file__)
    a, b = run_part(script, ours), run_part(script, bare)
    print(ratio_line(label + " (s)", a["seconds"], b["seconds"], "s", target))
    print(f"{'':<58} peak memory: aigym {a['peak_rss_mb']:.0f} MB, bare {b['peak_rss_mb']:.0f} "
          f"MB; aigym: {a['out']}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["analyze", "units", "rank"])
    ap.add_argument("--part")
    args = ap.parse_args()
    DATA.mkdir(exist_ok=True)
    if args.part:
        print(json.dumps(part(args.part), default=str))
        return
    build()
    print(f"store: {STORE} (30 days; 10M rows of test {TEST!r} among 20M executions; "
          "10M assignments)")  # fmt: skip
    if args.only in (None, "analyze"):
        _pair("analyze", "bare", "analyze_test, mean metric (quality), frequentist",
              "target <= 1 s")  # fmt: skip
        _pair("bayes", "bare", "analyze_test, mean metric (quality), bayesian", "target <= 1 s")
        _pair("guarded", "bare", "analyze_test, quality + cost and latency guardrails",
              "reported")  # fmt: skip
        _pair("analyze-approval", "bare-approval", "analyze_test, proportion (approval), z-test",
              "target <= 1 s")  # fmt: skip
        _pair("bayes-approval", "bare-approval", "analyze_test, proportion (approval), bayesian",
              "target <= 1 s")  # fmt: skip
    if args.only in (None, "units"):
        _pair("units", "bare-units", "unit-level aggregation 10M results -> 2M units + delta",
              "reported")  # fmt: skip
    if args.only in (None, "rank"):
        _pair("rank", "bare-rank", "Mann-Whitney + Hodges-Lehmann interval, 9M values",
              "reported")  # fmt: skip


if __name__ == "__main__":
    main()

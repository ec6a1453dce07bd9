"""Store benchmarks: columnar appends, single-record recording, scans, 10M-row aggregates.

    .venv/bin/python benchmarks/bench_store.py            # everything (about 3-5 minutes)
    .venv/bin/python benchmarks/bench_store.py --only append|record|scan|agg

Each figure is printed next to its baseline measured in the same run, with the durability
level used. The 10M-row store is built once under benchmarks/_data/ (gitignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    DATA,
    STORE_10M,
    build_10m,
    executions,
    median_time,
    peak_rss_mb,
    ratio_line,
    run_part,
)

from aigym.records import Execution, TaskMetrics
from aigym.store import ParquetStore

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


# --------------------------------------------------------------------------- appends


def _batches(n: int, size: int, text_bytes: int) -> list[pa.Table]:
    t = executions(n, start=START, span_days=3, seed=1, text_bytes=text_bytes)
    return [t.slice(i, size) for i in range(0, n, size)]


def bench_append(n: int, runs: int) -> None:
    for text_bytes in (0, 1024):
        batches = _batches(n, 10_000, text_bytes)
        dated = [
            b.append_column("date", pc.strftime(b.column("timestamp"), format="%Y-%m-%d"))
            for b in batches
        ]

        def bare(dated: list[pa.Table] = dated) -> None:
            d = Path(tempfile.mkdtemp(dir=DATA))
            for i, b in enumerate(dated):
                pads.write_dataset(
                    b,
                    d,
                    format="parquet",
                    partitioning=["date"],
                    partitioning_flavor="hive",
                    basename_template=f"b{i}-{{i}}.parquet",
                    existing_data_behavior="overwrite_or_ignore",
                )
            shutil.rmtree(d)

        def ours(batches: list[pa.Table] = batches) -> None:
            d = Path(tempfile.mkdtemp(dir=DATA))
            store = ParquetStore(d, durability="fsync")
            with store.writer() as w:  # acknowledged when the block exits
                for b in batches:
                    w.add_table(b)
            store.close()
            shutil.rmtree(d)

        t_bare, _ = median_time(bare, runs=runs)
        t_ours, _ = median_time(ours, runs=runs)
        label = f"append {n:,} rows, 10k batches, fsync" + (", +1 KB text" if text_bytes else "")
        print(
            ratio_line(label + " (rows/s)", n / t_ours, n / t_bare, "", "target >= 500k/s, >= 0.8x")
        )


# --------------------------------------------------------------------------- single records


def bench_record(n: int) -> None:
    def bare() -> None:
        rows: list[tuple[Any, ...]] = []
        for i in range(n):
            rows.append(("openai/gpt-4o", "email_writing", 120 + i % 7, 80, 950.0, 0.0012, 75.0))

    def ours() -> None:
        d = Path(tempfile.mkdtemp(dir=DATA))
        store = ParquetStore(d, durability="fsync")
        with store.writer(max_rows=10_000, max_seconds=60) as w:
            for i in range(n):
                m = TaskMetrics(
                    "openai/gpt-4o", "email_writing", 120 + i % 7, 80, 950.0, 0.0012, 75.0
                )
                w.add(Execution.from_metrics(m))
        store.close()
        shutil.rmtree(d)

    t_bare, _ = median_time(bare, runs=3)
    t_ours, _ = median_time(ours, runs=3)
    print(
        ratio_line(
            f"record {n:,} single executions, buffered, fsync (us/record)",
            t_ours / n * 1e6,
            t_bare / n * 1e6,
            "",
            "target <= 20 us/record",
        )
    )


# --------------------------------------------------------------------------- many small files


def bench_scan(n_files: int) -> None:
    """A fresh process's first scan reads every file's schema version (its footer) once; the
    baseline is a bare `pl.scan_parquet` of the same files, listing and collect included."""
    import polars as pl

    d = Path(tempfile.mkdtemp(dir=DATA))
    store = ParquetStore(d, durability="none")
    for k in range(n_files):  # one file per append, as an uncompacted store has
        start = START + dt.timedelta(minutes=k)
        store.append("executions", executions(20, start=start, span_days=1e-4, seed=k))
    store.close()
    cols = ["model_id", "task_type", "cost_usd"]

    def bare() -> int:
        files = sorted(str(f) for f in (d / "executions").glob("*/*.parquet"))
        return pl.scan_parquet(files).select(cols).collect().height

    def ours(s: ParquetStore) -> int:
        return s.scan("executions").select(cols).collect().height

    t_bare, rows = median_time(bare, runs=3)
    first = []
    for _ in range(3):  # a new store object each time: nothing cached
        t = time.perf_counter()
        assert ours(ParquetStore(d)) == rows
        first.append(time.perf_counter() - t)
    warm = ParquetStore(d)
    t_warm, _ = median_time(lambda: ours(warm), runs=3)
    label = f"scan {n_files:,} uncompacted files, {rows:,} rows"
    print(ratio_line(label + ", first scan (s)", sorted(first)[1], t_bare, "s", "reported"))
    print(ratio_line(label + ", cached versions (s)", t_warm, t_bare, "s", "reported"))
    shutil.rmtree(d)


# --------------------------------------------------------------------------- 10M aggregates

AGG = """
select model_id, task_type, count(*) as n,
  avg(case when status = 'error' then 1.0 else 0.0 end) as error_rate,
  avg(latency_ms) as mean_latency, avg(cost_usd) as mean_cost, sum(cost_usd) as total_cost,
  avg(quality_score) as mean_quality, stddev_samp(quality_score) as sd_quality,
  sum(prompt_tokens) as prompt_tokens, sum(completion_tokens) as completion_tokens {extra}
from read_parquet('{root}/executions/*/*.parquet', hive_partitioning = true)
group by model_id, task_type order by model_id, task_type
"""
QUANTILES = (
    ", quantile_cont(latency_ms, 0.5) as p50_latency"
    ", quantile_cont(latency_ms, 0.95) as p95_latency"
)


def _runner(engine: str, quant: bool) -> Any:
    import duckdb
    import polars as pl

    from aigym.stats import grouped_quantiles

    if engine == "polars":
        store = ParquetStore(STORE_10M)

        def run() -> list[tuple[Any, ...]]:
            aggs = [
                pl.len().alias("n"),
                (pl.col("status") == "error").cast(pl.Float64).mean().alias("error_rate"),
                pl.col("latency_ms").mean().alias("mean_latency"),
                pl.col("cost_usd").mean().alias("mean_cost"),
                pl.col("cost_usd").sum().alias("total_cost"),
                pl.col("quality_score").mean().alias("mean_quality"),
                pl.col("quality_score").std().alias("sd_quality"),
                pl.col("prompt_tokens").sum().alias("prompt_tokens"),
                pl.col("completion_tokens").sum().alias("completion_tokens"),
            ]
            lf = store.scan("executions")
            if quant:  # aigym's exact grouped quantiles (aigym.stats.grouped_quantiles)
                names = ["p50_latency", "p95_latency"]
                df = grouped_quantiles(
                    lf, ["model_id", "task_type"], "latency_ms", [0.5, 0.95], aggs=aggs, names=names
                )
            else:
                df = lf.group_by("model_id", "task_type").agg(aggs).collect()
            return df.sort("model_id", "task_type").rows()

        return run
    con = duckdb.connect()
    sql = AGG.format(root=STORE_10M, extra=QUANTILES if quant else "")
    return lambda: con.sql(sql).fetchall()


def part(name: str) -> dict[str, Any]:
    """In a fresh process: `time-q?` alternates the two engines (one warm-up each, then 3
    alternating rounds, medians), so drift in the machine's speed hits both alike;
    `mem-ENGINE-q?` runs one engine alone for a clean peak-memory figure."""
    import statistics

    kind, *rest = name.split("-")
    quant = rest[-1:] == ["q"]
    if kind == "mem":
        run = _runner(rest[0], quant)
        run()
        run()
        return {"peak_rss_mb": peak_rss_mb()}
    runs = {e: _runner(e, quant) for e in ("polars", "duckdb")}
    rows = {e: r() for e, r in runs.items()}
    times: dict[str, list[float]] = {e: [] for e in runs}
    for _ in range(3):
        for e, r in runs.items():
            t = time.perf_counter()
            r()
            times[e].append(time.perf_counter() - t)
    return {
        "polars": statistics.median(times["polars"]),
        "duckdb": statistics.median(times["duckdb"]),
        "polars_rows": rows["polars"],
        "duckdb_rows": rows["duckdb"],
    }


def _equal(a: list[list[Any]], b: list[list[Any]]) -> bool:
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b, strict=True):
        for x, y in zip(ra, rb, strict=True):
            if isinstance(x, float) or isinstance(y, float):
                if not math.isclose(float(x), float(y), rel_tol=1e-9, abs_tol=1e-12):
                    return False
            elif x != y:
                return False
    return True


def bench_agg() -> None:
    build_10m()
    script = Path(__file__)
    for quant, target in ((False, "target <= 1.2x DuckDB"), (True, "target <= 2x DuckDB")):
        sfx = "-q" if quant else ""
        timing = run_part(script, "time" + sfx)
        assert _equal(timing["polars_rows"], timing["duckdb_rows"]), "polars and DuckDB disagree"
        mem_ours = run_part(script, "mem-polars" + sfx)["peak_rss_mb"]
        mem_duck = run_part(script, "mem-duckdb" + sfx)["peak_rss_mb"]
        label = "10M rows: model x task aggregate" + (" + exact p50/p95" if quant else "")
        print(ratio_line(label + " (s)", timing["polars"], timing["duckdb"], "s", target))
        print(
            f"{'':<58} peak memory: aigym/polars {mem_ours:.0f} MB, "
            f"DuckDB {mem_duck:.0f} MB; results equal: yes"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["append", "record", "scan", "agg"])
    ap.add_argument("--part")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    DATA.mkdir(exist_ok=True)
    if args.part:
        print(json.dumps(part(args.part), default=str))
        return
    print("durability: fsync for appends and records (file fsync + rename + directory fsync)")
    if args.only in (None, "append"):
        bench_append(args.rows, args.runs)
    if args.only in (None, "record"):
        bench_record(200_000)
    if args.only in (None, "scan"):
        bench_scan(2000)
    if args.only in (None, "agg"):
        bench_agg()


if __name__ == "__main__":
    main()

"""Tracker benchmarks on the shared 10M-row store, each next to DuckDB SQL on the same files.

    .venv/bin/python benchmarks/bench_tracking.py              # everything (about 2-4 minutes)
    .venv/bin/python benchmarks/bench_tracking.py --only agg|joined|calls

* agg: the scan-and-aggregate step of `get_task_comparison` (`stats_query`, exact median and
  p95 latency) and of `get_cost_analysis` (`cube_query`, day x model x task sums), against
  the same aggregation in DuckDB; results asserted equal; median of 3 warm runs.
* joined: the comparison step and the dashboard's cube step (every row, both joins) when
  feedback (1M rows) and scores (2M rows) exist, so the latest-feedback and latest-score
  joins run; the store shares the 10M executions through a
  symlink and keeps its own feedback/scores under benchmarks/_data/ (built once).
* calls: the whole public calls (flush, listing, query, statistics, forecast), median of 3
  warm runs, and the peak memory of the process.

Each measurement runs in a fresh process, so peak memory is its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    DATA,
    STORE_10M,
    build_10m,
    is_built,
    mark_built,
    median_time,
    peak_rss_mb,
    ratio_line,
    run_part,
    uuid7_ids,
)

from aigym.store import ParquetStore
from aigym.tracking import (
    cube_query,
    get_cost_analysis,
    get_model_stats,
    get_recent,
    get_task_comparison,
    make_window,
    stats_query,
)
from aigym.tracking import dashboard as get_dashboard

UNTIL = dt.datetime(2026, 1, 31, tzinfo=dt.UTC)  # the 10M store spans 2026-01-01 .. 01-31
DAYS = 30
TASK = "email_writing"
JOINED = DATA / "tracking_joined"
N_FEEDBACK, N_SCORES = 1_000_000, 2_000_000
PRIMARY = {t: t for t in ("website_analysis", "email_writing", "code_generation",
                          "conversation", "lead_scoring")}  # fmt: skip

_FROM = """from read_parquet('{root}/executions/*/*.parquet', hive_partitioning = true)
  where timestamp >= '{since}' and timestamp < '{until}'"""

CMP_SQL = """
with e as (
  select model_id, status, latency_ms, cost_usd, prompt_tokens, completion_tokens, user_approved,
    case when status = 'success' then quality_score end as q
  {src} and task_type = '{task}'
)
select model_id, count(*) as n, count(*) filter (where status = 'error') as n_error,
  avg(latency_ms), quantile_cont(latency_ms, 0.5), quantile_cont(latency_ms, 0.95),
  sum(cost_usd), count(q), sum(q), sum(q * q),
  count(*) filter (where status = 'success' and q is null) as n_unscored, 0 as n_from_scorer,
  count(user_approved), coalesce(sum(user_approved::int), 0), 0, 0, 0, 0.0,
  sum(prompt_tokens), sum(completion_tokens)
from e group by model_id order by model_id
"""

CUBE_SQL = """
with e as (
  select date, model_id, task_type, status, cost_usd, latency_ms, prompt_tokens,
    completion_tokens, case when status = 'success' then quality_score end as q
  {src}
)
select date, model_id, task_type, count(*), count(*) filter (where status = 'error'),
  sum(cost_usd), sum(cost_usd * cost_usd), sum(latency_ms), count(q), sum(q), sum(q * q),
  count(*) filter (where status = 'success' and q is null), 0,
  sum(prompt_tokens), sum(completion_tokens)
from e group by all order by date, model_id, task_type
"""

JOINED_SQL = """
with fb as (
  select execution_id, approved, edit_distance, user_rating
  from read_parquet('{root}/feedback/*/*.parquet', hive_partitioning = true)
  where timestamp >= '{since}' and timestamp < '{until}'
  qualify row_number() over (
    partition by execution_id order by timestamp desc, feedback_id desc) = 1
), sc as (
  select execution_id, scorer, value
  from read_parquet('{root}/scores/*/*.parquet', hive_partitioning = true)
  where timestamp >= '{since}' and timestamp < '{until}' and scorer in ({scorers})
  qualify row_number() over (
    partition by execution_id, scorer order by timestamp desc, score_id desc) = 1
), e as (
  select x.model_id, x.status, x.latency_ms, x.cost_usd, x.prompt_tokens, x.completion_tokens,
    coalesce(fb.approved, x.user_approved) as approved, fb.edit_distance, fb.user_rating,
    case when x.status = 'success' then coalesce(sc.value, x.quality_score) end as q,
    x.status = 'success' and sc.value is not null as from_scorer
  from (select * {src} and task_type = '{task}') x
  left join fb on fb.execution_id = x.execution_id
  left join sc on sc.execution_id = x.execution_id and sc.scorer = x.task_type
)
select model_id, count(*), count(*) filter (where status = 'error'),
  avg(latency_ms), quantile_cont(latency_ms, 0.5), quantile_cont(latency_ms, 0.95),
  sum(cost_usd), count(q), sum(q), sum(q * q),
  count(*) filter (where status = 'success' and q is null), count(*) filter (where from_scorer),
  count(approved), coalesce(sum(approved::int), 0), count(edit_distance),
  coalesce(sum(edit_distance), 0), count(user_rating), coalesce(sum(user_rating), 0.0),
  sum(prompt_tokens), sum(completion_tokens)
from e group by model_id order by model_id
"""

JOINED_CUBE_SQL = """
with fb as (
  select execution_id, approved
  from read_parquet('{root}/feedback/*/*.parquet', hive_partitioning = true)
  where timestamp >= '{since}' and timestamp < '{until}'
  qualify row_number() over (
    partition by execution_id order by timestamp desc, feedback_id desc) = 1
), sc as (
  select execution_id, scorer, value
  from read_parquet('{root}/scores/*/*.parquet', hive_partitioning = true)
  where timestamp >= '{since}' and timestamp < '{until}' and scorer in ({scorers})
  qualify row_number() over (
    partition by execution_id, scorer order by timestamp desc, score_id desc) = 1
), e as (
  select x.date, x.model_id, x.task_type, x.status, x.cost_usd, x.latency_ms,
    x.prompt_tokens, x.completion_tokens, coalesce(fb.approved, x.user_approved) as approved,
    case when x.status = 'success' then coalesce(sc.value, x.quality_score) end as q,
    x.status = 'success' and sc.value is not null as from_scorer
  from (select * {src}) x
  left join fb on fb.execution_id = x.execution_id
  left join sc on sc.execution_id = x.execution_id and sc.scorer = x.task_type
)
select date, model_id, task_type, count(*), count(*) filter (where status = 'error'),
  sum(cost_usd), sum(cost_usd * cost_usd), sum(latency_ms), count(q), sum(q), sum(q * q),
  count(*) filter (where status = 'success' and q is null), count(*) filter (where from_scorer),
  sum(prompt_tokens), sum(completion_tokens), count(approved), coalesce(sum(approved::int), 0)
from e group by all order by date, model_id, task_type
"""


def _sql(template: str, root: Path) -> str:
    w = make_window(DAYS, UNTIL)
    src = _FROM.format(root=root, since=w.since.isoformat(), until=w.until.isoformat())
    scorers = ", ".join(f"'{s}'" for s in sorted({*PRIMARY.values(), "generic"}))
    return template.format(
        src=src, task=TASK, root=root, since=w.since.isoformat(), until=w.until.isoformat(),
        scorers=scorers,
    )  # fmt: skip


# --------------------------------------------------------------------------- joined store


def build_joined() -> Path:
    """A store sharing the 10M executions (symlink) with its own feedback and scores."""
    if is_built(JOINED):
        return JOINED
    import polars as pl

    for table in ("feedback", "scores", "_staging"):  # a stale build of another layout
        shutil.rmtree(JOINED / table, ignore_errors=True)
    JOINED.mkdir(parents=True, exist_ok=True)
    link = JOINED / "executions"
    if not link.exists():
        os.symlink(STORE_10M / "executions", link, target_is_directory=True)
    src = ParquetStore(STORE_10M)
    ex = src.scan("executions").select("execution_id", "timestamp", "task_type").collect()
    rng = np.random.default_rng(5)
    store = ParquetStore(JOINED, durability="none")
    print(f"building {N_FEEDBACK:,} feedback and {N_SCORES:,} score rows in {JOINED} ...")

    def rows(n: int, table: str) -> pa.Table:
        pick = ex[np.sort(rng.integers(0, ex.height, size=n))]  # repeats: repeated feedback
        lag_us = rng.integers(60_000_000, 3 * 86_400_000_000, size=n)
        ts = pick["timestamp"].cast(pl.Int64).to_numpy() + lag_us
        order = np.argsort(ts, kind="stable")
        ts, pick = ts[order], pick[order]
        cols: dict[str, Any] = {
            ("feedback_id" if table == "feedback" else "score_id"): uuid7_ids(ts // 1000, rng),
            "execution_id": pick["execution_id"].to_arrow(),
            "timestamp": pa.array(ts, pa.timestamp("us", tz="UTC")),
        }
        if table == "feedback":
            cols["approved"] = pa.array(rng.random(n) < 0.8, mask=rng.random(n) < 0.2)
            cols["edit_distance"] = pa.array(rng.integers(0, 200, n), mask=rng.random(n) < 0.5)
            rating = rng.integers(1, 6, n).astype(float)
            cols["user_rating"] = pa.array(rating, mask=rng.random(n) < 0.7)
        else:
            tasks = pick["task_type"].to_numpy()
            other = rng.random(n) < 0.25  # a quarter by another scorer, ignored by default
            cols["scorer"] = pa.array(np.where(other, "token_f1", tasks))
            cols["scorer_version"] = pa.array(np.where(rng.random(n) < 0.5, "1", "2"))
            declined = rng.random(n) < 0.05
            cols["value"] = pa.array(rng.uniform(0, 100, n), mask=declined)
            reasons = np.full(n, None, dtype=object)
            reasons[declined] = "declined"
            cols["unscored_reason"] = pa.array(reasons, pa.string())
        return pa.table(cols)

    for table, n in (("feedback", N_FEEDBACK), ("scores", N_SCORES)):
        t = rows(n, table)
        for k in range(0, n, 250_000):
            store.append(table, t.slice(k, 250_000))
    store.compact("feedback")
    store.compact("scores")
    store.close()
    mark_built(JOINED)
    return JOINED


# --------------------------------------------------------------------------- parts


def _rows(df: Any) -> list[list[Any]]:
    return [list(r) for r in df.rows()]


def part(name: str) -> dict[str, Any]:
    import duckdb

    window = make_window(DAYS, UNTIL)
    root = JOINED if "joined" in name else STORE_10M
    con = duckdb.connect()
    run: Callable[[], Any]
    if name in ("cmp-polars", "joined-polars"):
        store = ParquetStore(root)
        lf, _ = stats_query(store, window, task_type=TASK)
        run = lambda: _rows(lf.collect())  # noqa: E731
    elif name in ("cube-polars", "joinedcube-polars"):
        store = ParquetStore(root)
        lf, _ = cube_query(store, window, approvals=name.startswith("joined"))
        run = lambda: _rows(lf.collect())  # noqa: E731
    elif name in ("cmp-duckdb", "cube-duckdb", "joined-duckdb", "joinedcube-duckdb"):
        templates = {"cmp": CMP_SQL, "cube": CUBE_SQL, "joined": JOINED_SQL,
                     "joinedcube": JOINED_CUBE_SQL}  # fmt: skip
        sql = _sql(templates[name.split("-")[0]], root)
        run = lambda: [list(r) for r in con.sql(sql).fetchall()]  # noqa: E731
    elif "call-" in name:
        store = ParquetStore(root)
        call = name.split("call-")[1]
        fns: dict[str, Callable[[], Any]] = {
            "comparison": lambda: get_task_comparison(store, TASK, DAYS, UNTIL),
            "cost": lambda: get_cost_analysis(store, DAYS, UNTIL, budget_usd=5000.0),
            "dashboard": lambda: get_dashboard(store, DAYS, UNTIL),
            "model_stats": lambda: get_model_stats(store, "openai/gpt-4o", TASK, DAYS, UNTIL),
            "recent": lambda: get_recent(store, 50, until=UNTIL),
        }
        run = fns[call]
        seconds, result = median_time(run, runs=3, warmup=1)
        return {"seconds": seconds, "rows": [], "peak_rss_mb": peak_rss_mb(),
                "summary": repr(result).splitlines()[0]}  # fmt: skip
    else:
        raise SystemExit(f"unknown part {name!r}")
    seconds, rows = median_time(run, runs=3, warmup=1)
    return {"seconds": seconds, "rows": rows, "peak_rss_mb": peak_rss_mb()}


def _equal(a: list[list[Any]], b: list[list[Any]]) -> bool:
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b, strict=True):
        for x, y in zip(ra, rb, strict=True):
            if isinstance(x, float) or isinstance(y, float):
                if not math.isclose(float(x), float(y), rel_tol=1e-9, abs_tol=1e-9):
                    return False
            elif str(x) != str(y):
                return False
    return True


def _versus(script: Path, ours: str, duck: str, label: str, target: str) -> None:
    a, b = run_part(script, ours), run_part(script, duck)
    assert _equal(a["rows"], b["rows"]), f"{ours} and {duck} disagree"
    print(ratio_line(label, a["seconds"], b["seconds"], "s", target))
    print(
        f"{'':<58} {len(a['rows'])} groups, results equal: yes; peak memory: aigym "
        f"{a['peak_rss_mb']:.0f} MB, DuckDB {b['peak_rss_mb']:.0f} MB"
    )


def bench_agg(script: Path) -> None:
    label = "10M: comparison step (1 task, exact median/p95) (s)"
    _versus(script, "cmp-polars", "cmp-duckdb", label, "target <= 2x DuckDB")
    label = "10M: cost step (day x model x task sums) (s)"
    _versus(script, "cube-polars", "cube-duckdb", label, "target <= 1.2x DuckDB")


def bench_joined(script: Path) -> None:
    build_joined()
    label = "10M + 1M feedback + 2M scores: comparison step (s)"
    _versus(script, "joined-polars", "joined-duckdb", label, "target <= 2x DuckDB")
    label = "10M + feedback + scores: dashboard step (all rows) (s)"
    _versus(script, "joinedcube-polars", "joinedcube-duckdb", label, "target <= 1.2x DuckDB")


def bench_calls(script: Path) -> None:
    calls = [("", c) for c in ("comparison", "cost", "dashboard", "model_stats", "recent")]
    calls += [("joined-", c) for c in ("comparison", "cost", "dashboard", "model_stats")]
    for prefix, call in calls:
        if prefix:
            build_joined()
        r = run_part(script, f"{prefix}call-{call}")
        where = "10M + feedback/scores" if prefix else "10M"
        print(
            f"{where + ': whole call ' + call:<58} {r['seconds']:>10.3f} s  peak memory "
            f"{r['peak_rss_mb']:.0f} MB  (target <= 2 s, < 4 GB)\n{'':<58} {r['summary']}"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["agg", "joined", "calls"])
    ap.add_argument("--part")
    args = ap.parse_args()
    DATA.mkdir(exist_ok=True)
    if args.part:
        print(json.dumps(part(args.part), default=str))
        return
    build_10m()
    script = Path(__file__)
    t = time.perf_counter()
    print(f"window: {DAYS} days until {UNTIL:%Y-%m-%d}; task for comparisons: {TASK}")
    if args.only in (None, "agg"):
        bench_agg(script)
    if args.only in (None, "joined"):
        bench_joined(script)
    if args.only in (None, "calls"):
        bench_calls(script)
    print(f"done in {time.perf_counter() - t:.0f} s")


if __name__ == "__main__":
    main()

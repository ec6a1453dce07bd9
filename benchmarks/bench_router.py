"""Router benchmarks, each as a ratio to a baseline measured in the same run.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_router.py            # about 1 minute
    PYTHONPATH=. .venv/bin/python benchmarks/bench_router.py --rows 200000   # a quick look

* route: `ModelRouter.route()` with warm statistics over a store of 1M executions across 30
  models (10 registered here: the catalogue has 20 current hosted ones) and 5 tasks, one call
  timed at a time; p50 and p99 against a dict lookup plus a `max()` over the same candidates
  (target: p50 <= 20x; p99 reported).
* refresh: an incremental refresh after 10k new rows against a full refresh of the 1M rows
  (target: <= 0.1x).

The store (with 5% of executions given feedback) is built fresh in a temporary folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import operator
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ratio_line, uuid7_ids

from aigym.registry import ModelCapability, ModelRegistry, ModelSpec
from aigym.router import HistoryStats, ModelRouter, RouterConfig
from aigym.store import ParquetStore

TASKS = ["website_analysis", "email_writing", "code_generation", "conversation", "lead_scoring"]
END = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
SPAN_DAYS = 30
FILE_ROWS = 10_000


def registry_with_30() -> tuple[ModelRegistry, list[str]]:
    """The bundled catalogue's current hosted models plus bench models up to 30."""
    reg = ModelRegistry.from_bundled()
    ids = [m.id for m in reg.get_all_models() if not m.is_local]
    caps = set(ModelCapability)
    i = 0
    while len(ids) < 30:
        mid = f"bench/model-{i:02d}"
        reg.register(
            ModelSpec(
                id=mid, name=mid, provider=f"bench{i % 4}",
                input_price_per_mtok=Decimal("0.5") + i, output_price_per_mtok=Decimal(2 + i),
                context_window=128_000, max_output_tokens=8_000, capabilities=frozenset(caps),
                avg_latency_ms=800 + 100 * i, quality_tier=1 + i % 5, price_source="user",
            )
        )  # fmt: skip
        ids.append(mid)
        i += 1
    return reg, ids


def rows(n: int, models: list[str], start_us: int, span_us: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    us = start_us + np.sort(rng.integers(0, span_us, size=n))
    m = rng.integers(0, len(models), size=n)
    err = rng.random(n) < 0.02
    kind = np.where(rng.random(n) < 0.5, "rate_limit", "bad_request")
    names = np.array(models)
    return pa.table(
        {
            "execution_id": uuid7_ids(us // 1000, rng),
            "timestamp": pa.array(us, pa.timestamp("us", tz="UTC")),
            "model_id": pa.array(names[m]),
            "task_type": pa.array(np.array(TASKS)[rng.integers(0, len(TASKS), size=n)]),
            "prompt_tokens": pa.array(rng.integers(20, 4000, size=n)),
            "completion_tokens": pa.array(rng.integers(1, 1500, size=n)),
            "latency_ms": pa.array(rng.lognormal(7, 0.6, size=n)),
            "cost_usd": pa.array(rng.lognormal(-6, 1.0, size=n)),
            "quality_score": pa.array(
                np.clip(rng.normal(50 + m, 15), 0, 100), mask=rng.random(n) < 0.1
            ),
            "status": pa.array(np.where(err, "error", "success")),
            "error_type": pa.array(kind, mask=~err),
        }
    )


def feedback(ids: pa.Array, ts: pa.Array, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    n = len(ids)
    t_us = ts.cast(pa.int64()).to_numpy() + 60_000_000
    return pa.table(
        {
            "feedback_id": uuid7_ids(t_us // 1000, rng),
            "execution_id": ids,
            "timestamp": pa.array(t_us, pa.timestamp("us", tz="UTC")),
            "approved": pa.array(rng.random(n) < 0.7),
            "user_rating": pa.array(rng.integers(1, 6, size=n).astype(float)),
        }
    )


def build(root: Path, n: int, models: list[str]) -> ParquetStore:
    store = ParquetStore(root, durability="none")
    span = SPAN_DAYS * 86_400_000_000
    start = int(END.timestamp() * 1e6) - span
    per = span // max(1, n // FILE_ROWS)
    for k in range(max(1, n // FILE_ROWS)):
        t = rows(FILE_ROWS, models, start + k * per, per, seed=k)
        store.append("executions", t)
        pick = np.random.default_rng(10_000 + k).random(t.num_rows) < 0.05
        sel = pa.array(pick)
        fb = feedback(t["execution_id"].filter(sel), t["timestamp"].filter(sel), seed=20_000 + k)
        store.append("feedback", fb)
    return store


def percentiles(ns: list[int]) -> tuple[float, float]:
    s = sorted(ns)
    return s[len(s) // 2] / 1000, s[int(len(s) * 0.99)] / 1000


def bench_route(store: ParquetStore, reg: ModelRegistry, calls: int) -> dict[str, Any]:
    router = ModelRouter(reg, config=RouterConfig(max_staleness_s=3600))
    router.refresh(store)
    for t in TASKS:  # warm: statistics read, per-task estimates built
        router.route(t, "balanced", store=store)
    # the baseline: a dict lookup plus a max() over the same candidates' precomputed scores
    table = {
        t: [(e.model_id, e.score) for e in router.route(t, "balanced", store=store).ranked]
        for t in TASKS
    }
    n_cands = len(table[TASKS[0]])
    key = operator.itemgetter(1)
    ours: list[int] = []
    base: list[int] = []
    clock = time.perf_counter_ns
    for i in range(calls):
        task = TASKS[i % len(TASKS)]
        t0 = clock()
        router.route(task, "balanced", store=store)
        t1 = clock()
        max(table[task], key=key)
        t2 = clock()
        ours.append(t1 - t0)
        base.append(t2 - t1)
    p50, p99 = percentiles(ours)
    b50, b99 = percentiles(base)
    return {"p50": p50, "p99": p99, "b50": b50, "b99": b99, "candidates": n_cands}


def bench_refresh(store: ParquetStore, models: list[str], runs: int = 3) -> dict[str, Any]:
    fulls, incs, reads = [], [], []
    stats = HistoryStats(store)
    for r in range(runs):
        t = time.perf_counter()
        stats.refresh(full=True)
        fulls.append(time.perf_counter() - t)
        start = int(END.timestamp() * 1e6) + r * 3_600_000_000
        store.append("executions", rows(10_000, models, start, 3_000_000_000, seed=90_000 + r))
        t = time.perf_counter()
        rep = stats.refresh()
        incs.append(time.perf_counter() - t)
        reads.append(rep.files_read)
    return {
        "full": statistics.median(fulls),
        "incremental": statistics.median(incs),
        "files_read": reads,
        "files": stats.files_seen,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--calls", type=int, default=20_000)
    args = ap.parse_args()
    reg, models = registry_with_30()
    tmp = Path(tempfile.mkdtemp(prefix="bench_router_"))
    try:
        t = time.perf_counter()
        store = build(tmp / "store", args.rows, models)
        print(f"built {args.rows:,} executions x {len(models)} models in "
              f"{time.perf_counter() - t:.1f} s ({tmp})")  # fmt: skip
        r = bench_route(store, reg, args.calls)
        print(f"route(): {args.calls:,} calls, {r['candidates']} candidates per task")
        print(ratio_line("route() p50, warm statistics", r["p50"], r["b50"], "us",
                         "target <= 20x dict lookup + max()"))  # fmt: skip
        print(ratio_line("route() p99, warm statistics", r["p99"], r["b99"], "us", "reported"))
        f = bench_refresh(store, models)
        print(f"refresh: {f['files']} live files; incremental read {f['files_read']} new files")
        print(ratio_line("incremental refresh after 10k rows vs full refresh of all",
                         f["incremental"] * 1e3, f["full"] * 1e3, "ms",
                         "target <= 0.1x"))  # fmt: skip
        store.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Shared pieces of the benchmarks: fast synthetic stores, timing, peak memory.

Every benchmark prints each figure next to a baseline measured in the same run, and the ratio.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
STORE_10M = DATA / "store10m"
N_10M = 10_000_000
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
MODELS = np.array(
    [
        "openai/gpt-4o",
        "openai/gpt-4o-mini",
        "anthropic/claude-3.5-sonnet",
        "anthropic/claude-3-haiku",
        "qwen/qwen-2.5-72b-instruct",
        "x-ai/grok-beta",
        "deepseek/deepseek-coder",
        "local/smollm2-135m",
    ]
)
TASKS = np.array(
    ["website_analysis", "email_writing", "code_generation", "conversation", "lead_scoring"]
)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def uuid7_ids(ms: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """Vectorised UUIDv7 strings for the given Unix-ms times (same layout as records.new_id)."""
    n = len(ms)
    rand = rng.integers(0, 1 << 62, size=n, dtype=np.uint64)
    seq = rng.integers(0, 1 << 12, size=n, dtype=np.uint64)
    nib = np.empty((n, 32), dtype=np.uint8)
    m = ms.astype(np.uint64)
    for k in range(12):
        nib[:, 11 - k] = (m >> np.uint64(4 * k)) & np.uint64(0xF)
    nib[:, 12] = 7
    for k in range(3):
        nib[:, 15 - k] = (seq >> np.uint64(4 * k)) & np.uint64(0xF)
    hi = (rand >> np.uint64(60)) | np.uint64(0b1000)  # variant bits 10xx
    nib[:, 16] = hi.astype(np.uint8)
    for k in range(15):
        nib[:, 31 - k] = (rand >> np.uint64(4 * k)) & np.uint64(0xF)
    chars = _HEX[nib]
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    out[:, 0:8], out[:, 9:13], out[:, 14:18] = chars[:, 0:8], chars[:, 8:12], chars[:, 12:16]
    out[:, 19:23], out[:, 24:36] = chars[:, 16:20], chars[:, 20:32]
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(out.tobytes()))


def executions(
    n: int, *, start: dt.datetime, span_days: float, seed: int, text_bytes: int = 0
) -> pa.Table:
    """A time-ordered synthetic executions table with realistic skew (lognormal cost/latency)."""
    rng = np.random.default_rng(seed)
    t0 = int(start.timestamp() * 1_000_000)
    us = t0 + np.sort(rng.integers(0, int(span_days * 86_400_000_000), size=n))
    model = rng.integers(0, len(MODELS), size=n)
    task = rng.integers(0, len(TASKS), size=n)
    err = rng.random(n) < 0.03 + 0.01 * model
    quality = np.clip(rng.normal(60 + 3 * model, 15), 0, 100)
    cols: dict[str, Any] = {
        "execution_id": uuid7_ids(us // 1000, rng),
        "timestamp": pa.array(us, pa.timestamp("us", tz="UTC")),
        "model_id": pa.array(MODELS[model]),
        "task_type": pa.array(TASKS[task]),
        "prompt_tokens": pa.array(rng.integers(20, 4000, size=n)),
        "completion_tokens": pa.array(rng.integers(1, 1500, size=n)),
        "latency_ms": pa.array(rng.lognormal(7, 0.6, size=n)),
        "cost_usd": pa.array(rng.lognormal(-6, 1.0, size=n)),
        "quality_score": pa.array(quality, mask=rng.random(n) < 0.1),
        "status": pa.array(np.where(err, "error", "success")),
        "error_type": pa.array(np.where(err, "RateLimitError", None)),
    }
    if text_bytes:  # varied text (letters and spaces), not one repeated string
        letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz ", dtype=np.uint8)
        body = letters[rng.integers(0, len(letters), size=n * text_bytes)]
        offsets = np.arange(0, text_bytes * (n + 1), text_bytes, dtype=np.int64)
        cols["response"] = pa.LargeStringArray.from_buffers(
            n, pa.py_buffer(offsets), pa.py_buffer(body.tobytes())
        ).cast(pa.string())
    return pa.table(cols)


def median_time(fn: Callable[[], object], runs: int = 3, warmup: int = 1) -> tuple[float, Any]:
    out: Any = None
    for _ in range(warmup):
        out = fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; unlike ru_maxrss, reset by exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_part(script: Path, part: str, *args: str) -> dict[str, Any]:
    """Run one measurement in a fresh process (clean peak-memory figure); it prints JSON last."""
    out = subprocess.run(
        [sys.executable, str(script), "--part", part, *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(HERE.parent)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def ratio_line(label: str, ours: float, base: float, unit: str, target: str) -> str:
    line = f"{label:<58} {ours:>10.3f} {unit} vs {base:>10.3f} {unit}"
    return f"{line}  ratio {ours / base:5.2f}  ({target})"


def layout() -> str:
    """The store layout a built benchmark store was made with; a change rebuilds it."""
    from aigym.store import TABLES

    return ", ".join(f"{t.name} v{t.version}" for t in TABLES.values())


def is_built(root: Path) -> bool:
    marker = root / "BUILT"
    return marker.exists() and marker.read_text().partition("\n")[0] == layout()


def mark_built(root: Path, note: str = "") -> None:
    (root / "BUILT").write_text(f"{layout()}\n{note}")


def build_10m() -> Path:
    """The shared 10M-row store (30 days, 8 models x 5 tasks), built once and compacted."""
    from aigym.store import ParquetStore

    if is_built(STORE_10M):
        return STORE_10M
    shutil.rmtree(STORE_10M, ignore_errors=True)
    print(f"building a {N_10M:,}-row store in {STORE_10M} (once) ...", flush=True)
    t = time.perf_counter()
    store = ParquetStore(STORE_10M, durability="none")
    chunk = 500_000
    for k in range(N_10M // chunk):
        start = START + dt.timedelta(days=1.5 * k)
        store.append("executions", executions(chunk, start=start, span_days=1.5, seed=100 + k))
    store.compact()
    store.close()
    mark_built(STORE_10M)
    print(f"built in {time.perf_counter() - t:.0f} s", flush=True)
    return STORE_10M

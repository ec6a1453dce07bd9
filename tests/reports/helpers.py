"""Hand-built executions with known answers, and a small real store holding them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from aigym._api import open_store
from aigym.records import new_id

MODELS = ("openai/gpt-4o", "openai/gpt-4o-mini", "anthropic/claude-3.5-sonnet")
START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def executions(
    effects: dict[str, float],
    *,
    prompts: int = 60,
    repeats: int = 1,
    prompt_sd: float = 15.0,
    noise_sd: float = 5.0,
    task: str = "factual_qa",
    costs: dict[str, float] | None = None,
    seed: int = 0,
    campaign: str = "bakeoff",
    span_days: float = 0.0,
    start: dt.datetime = START,
) -> pl.DataFrame:
    """Every model answers the same prompts `repeats` times: quality = 60 + prompt effect +
    model effect + noise. Repeats share the prompt effect (they correlate)."""
    rng = np.random.default_rng(seed)
    hard = rng.normal(0, prompt_sd, prompts)
    rows = []
    i = 0
    total = len(effects) * prompts * repeats
    step = dt.timedelta(days=span_days) / total if span_days else dt.timedelta(minutes=1)
    for model, eff in effects.items():
        for p in range(prompts):
            for r in range(repeats):
                q = float(np.clip(60 + hard[p] + eff + rng.normal(0, noise_sd), 0, 100))
                ts = start + step * i
                i += 1
                rows.append(
                    {
                        "execution_id": new_id(ts),
                        "timestamp": ts,
                        "model_id": model,
                        "task_type": task,
                        "prompt_id": f"{task}-{p:03d}",
                        "prompt": f"question {p}",
                        "response": f"{model} answer {p}.{r}",
                        "quality_score": q,
                        "cost_usd": (costs or {}).get(model, 0.001) * (1 + 0.1 * rng.random()),
                        "latency_ms": float(rng.lognormal(6 + 0.1 * len(model) % 1, 0.3)),
                        "status": "success",
                        "error_type": None,
                        "request_key": f"{campaign}-{model}-{p}-{r}",
                        "campaign": campaign,
                        "prompt_tokens": 100,
                        "completion_tokens": 50,
                    }
                )
    return pl.DataFrame(rows)


def small_store(root: Path) -> Path:
    """Two campaigns on the same prompts over 8 days (v2: gpt-4o-mini regressed, a few
    timeouts), priced; and one finished A/B test with B better."""
    import random

    from aigym.abtest import ABTestConfig, get_ab_test_manager

    gpt4o, mini, claude = MODELS
    costs = {gpt4o: 0.004, mini: 0.0004, claude: 0.006}
    v1 = executions({gpt4o: 8.0, mini: 0.0, claude: 9.0}, prompts=40, repeats=2, costs=costs,
                    campaign="bakeoff-v1", span_days=4, seed=11)  # fmt: skip
    v2 = executions({gpt4o: 8.0, mini: -6.0, claude: 9.0}, prompts=40, repeats=2, costs=costs,
                    campaign="bakeoff-v2", span_days=4, seed=11,
                    start=START + dt.timedelta(days=4))  # fmt: skip
    flaky = (pl.col("model_id") == mini) & (pl.int_range(pl.len()) % 16 == 0)
    v2 = v2.with_columns(
        pl.when(flaky).then(pl.lit("error")).otherwise(pl.col("status")).alias("status"),
        pl.when(flaky).then(pl.lit("timeout")).otherwise(None).alias("error_type"),
        pl.when(flaky).then(None).otherwise(pl.col("quality_score")).alias("quality_score"),
    )
    write_store(root, pl.concat([v1, v2], how="diagonal_relaxed"))
    ab = get_ab_test_manager()
    rng = random.Random(3)
    with open_store(root) as store:
        ab.create_test(store, ABTestConfig("emails_ab", "email_writing", gpt4o, claude,
                                           min_sample_size=50))  # fmt: skip
        for i in range(300):
            variant, _ = ab.assign_variant(store, "emails_ab", unit_id=f"u{i}")
            q = min(100.0, max(0.0, rng.gauss(84 if variant == "b" else 78, 8)))
            ab.record_variant_result(store, "emails_ab", variant, unit_id=f"u{i}",
                                     quality_score=q, cost_usd=0.002 + 0.001 * (variant == "b"),
                                     latency_ms=rng.lognormvariate(6.5, 0.3))  # fmt: skip
    return root


def write_store(root: Path, df: pl.DataFrame) -> Path:
    """Append the frame's rows as executions of a real store at `root`."""
    cols = [c for c in df.columns if c != "timestamp"]
    table = pa.table(
        {
            "timestamp": pa.array(df["timestamp"].to_list(), pa.timestamp("us", tz="UTC")),
            **{c: df[c].to_arrow() for c in cols},
        }
    )
    with open_store(root) as store, store.writer() as w:
        w.add_table(table)
    return root

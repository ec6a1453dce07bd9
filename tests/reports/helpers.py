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
) -> pl.DataFrame:
    """Every model answers the same prompts `repeats` times: quality = 60 + prompt effect +
    model effect + noise. Repeats share the prompt effect (they correlate)."""
    rng = np.random.default_rng(seed)
    hard = rng.normal(0, prompt_sd, prompts)
    rows = []
    i = 0
    for model, eff in effects.items():
        for p in range(prompts):
            for r in range(repeats):
                q = float(np.clip(60 + hard[p] + eff + rng.normal(0, noise_sd), 0, 100))
                ts = START + dt.timedelta(minutes=i)
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

"""TEMPORARY adapter until the outcomes-data branch lands (deleted at merge).

Reads the shared raw tables; costs estimated as ~4 chars/token x the price list, 256 output tokens.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

__all__ = ["DevTable", "dev_llmrouter", "dev_routellm"]

_DATA = Path("/work/shared/data")
_OUT_TOKENS = 256


@dataclass(frozen=True)
class DevTable:
    frame: pl.DataFrame


def dev_llmrouter() -> DevTable:
    scores = pl.read_parquet(_DATA / "llmrouter_9model_scores.parquet")
    prices = pl.read_csv(_DATA / "llmrouter_model_prices.csv")
    frame = scores.join(prices, on="model", how="left").with_columns(
        (pl.col("prompt").str.len_chars() / 4.0).alias("input_tokens"),
        pl.lit(float(_OUT_TOKENS)).alias("output_tokens"),
        pl.col("cluster_id").cast(pl.Int64).cast(pl.String).alias("task_type"),
    )
    frame = frame.with_columns(
        (
            (
                pl.col("input_tokens") * pl.col("input_price_per_mtok")
                + pl.col("output_tokens") * pl.col("output_price_per_mtok")
            )
            / 1e6
        ).alias("cost_usd")
    )
    return DevTable(
        frame.select("item_id", "prompt", "model", "score", "task_type", "cost_usd", "split")
    )


def dev_routellm(benchmark: str) -> DevTable:
    raw = pl.read_parquet(_DATA / "routellm_2model_outcomes.parquet")
    raw = raw.filter(pl.col("benchmark") == benchmark)
    bad = raw.filter(pl.col("contaminated"))["item_id"].unique()
    raw = raw.filter(~pl.col("item_id").is_in(bad.implode()))
    price = {"gpt-4-1106-preview": (10.0, 30.0), "mistralai/Mixtral-8x7B-Instruct-v0.1": (0.6, 0.6)}
    p_in = pl.col("model").replace_strict({k: v[0] for k, v in price.items()})
    p_out = pl.col("model").replace_strict({k: v[1] for k, v in price.items()})

    def split_of(item: str) -> str:
        return (
            "test" if int(hashlib.sha256(item.encode()).hexdigest()[:8], 16) % 10 < 3 else "train"
        )

    frame = raw.with_columns(
        ((pl.col("prompt").str.len_chars() / 4.0 * p_in + _OUT_TOKENS * p_out) / 1e6).alias(
            "cost_usd"
        ),
        pl.col("category").alias("task_type"),
        pl.col("item_id").map_elements(split_of, return_dtype=pl.String).alias("split"),
    )
    return DevTable(
        frame.select("item_id", "prompt", "model", "score", "task_type", "cost_usd", "split")
    )

"""The two published outcome tables aigym ships: LLMRouter (9 models) and RouteLLM (2 models).

Both live in `aigym/outcomes/data/` (package data, licences in its README.md). Model names
become registry ids (`llama-3.1-8b-instruct` -> `meta-llama/llama-3.1-8b-instruct`; the
original name stays in `source_model`) so a replay campaign can route them and the store
accepts them. Neither table has token counts: costs are estimated (chars / 4 a token) and
flagged. LLMRouter is priced from its own shipped price list
(`llmrouter_model_prices.csv`, which matches the registry's prices for these models);
RouteLLM from the registry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import polars as pl

from aigym.errors import UnknownModelError, ValidationError
from aigym.outcomes._costs import DEFAULT_OUTPUT_TOKENS, estimate_costs
from aigym.outcomes._table import OutcomeTable
from aigym.registry import ModelRegistry, get_model_registry

__all__ = [
    "DATA_DIR",
    "ROUTELLM_BENCHMARKS",
    "hash_split",
    "llmrouter_prices",
    "load_llmrouter",
    "load_routellm",
]

DATA_DIR: Final = Path(__file__).resolve().parent / "data"
ROUTELLM_BENCHMARKS: Final = ("gsm8k", "mmlu", "mt_bench")
#: Output tokens for RouteLLM rows without `response_chars` (MMLU answers are one letter).
_ROUTELLM_OUTPUT_TOKENS: Final = {"mmlu": 1, "mt_bench": DEFAULT_OUTPUT_TOKENS}


def hash_split(item_id: str, train_fraction: float = 0.7) -> str:
    """'train' or 'test' from the item id alone: the first 8 bytes of sha256(item_id, UTF-8)
    read as a big-endian integer, divided by 2**64, below `train_fraction` -> 'train'.

    Stable across runs, machines and table subsets (a row's split never depends on others).
    """
    h = int.from_bytes(hashlib.sha256(item_id.encode("utf-8")).digest()[:8], "big")
    return "train" if h / 2**64 < train_fraction else "test"


def _registry_ids(names: Sequence[str], registry: ModelRegistry) -> dict[str, str]:
    out: dict[str, str] = {}
    for n in names:
        try:
            out[n] = registry.get(n).id
        except UnknownModelError:
            out[n] = n  # kept as is: price it from the table's own list
    return out


def llmrouter_prices(registry: ModelRegistry | None = None) -> dict[str, tuple[float, float]]:
    """LLMRouter's shipped price list: model (registry id and LLMRouter name) -> (in, out)."""
    reg = registry if registry is not None else get_model_registry()
    df = pl.read_csv(DATA_DIR / "llmrouter_model_prices.csv")
    ids = _registry_ids(df["model"].to_list(), reg)
    out: dict[str, tuple[float, float]] = {}
    for r in df.iter_rows(named=True):
        p = (float(r["input_price_per_mtok"]), float(r["output_price_per_mtok"]))
        out[r["model"]] = p
        out[ids[r["model"]]] = p
    return out


def load_llmrouter(
    split: str | None = None,
    *,
    output_tokens: int = DEFAULT_OUTPUT_TOKENS,
    registry: ModelRegistry | None = None,
) -> OutcomeTable:
    """LLMRouter's 9-model table: 6,108 prompts (5,608 train + 500 test) x 9 open models.

    `split` keeps one of its own splits ('train', 'test'). Scores are in [0, 1] as published.
    Costs: ceil(len(prompt) / 4) input tokens plus `output_tokens` (no responses are
    published) at the shipped price list, flagged `cost_estimated`. `cluster_id` (train
    rows only) is kept.
    """
    reg = registry if registry is not None else get_model_registry()
    df = pl.read_parquet(DATA_DIR / "llmrouter_9model_scores.parquet")
    if split is not None:
        if split not in ("train", "test"):
            raise ValidationError("split", split, "use 'train', 'test' or None for both")
        df = df.filter(pl.col("split") == split)
    ids = _registry_ids(df["model"].unique().sort().to_list(), reg)
    df = df.with_columns(
        source_model=pl.col("model"),
        model=pl.col("model").replace_strict(ids),
        cluster_id=pl.col("cluster_id").cast(pl.Int64),
    )
    table = OutcomeTable(df, source="LLMRouter (ulab-uiuc/LLMRouter @ 4e7a796942ce, MIT)")
    return estimate_costs(table, llmrouter_prices(reg), output_tokens=output_tokens)


def load_routellm(
    benchmark: str | Sequence[str] | None = None,
    *,
    train_fraction: float = 0.7,
    include_contaminated: bool = False,
    registry: ModelRegistry | None = None,
) -> OutcomeTable:
    """RouteLLM's GPT-4 Turbo vs Mixtral 8x7B outcomes on MMLU, GSM8K and MT-Bench.

    `benchmark` keeps one or several of `ROUTELLM_BENCHMARKS` (all by default); it becomes
    `task_type`, and `category` is kept. Contaminated rows are dropped. MT-Bench's 1-10
    grades map to (g - 1) / 9. `split` is `hash_split(item_id, train_fraction)`. Costs:
    ceil(len / 4) tokens for the prompt and for the answer (`response_chars`; MMLU: 1 token,
    MT-Bench: 256 when unknown) at registry prices, flagged `cost_estimated`.
    """
    if not 0.0 < train_fraction < 1.0:
        raise ValidationError("train_fraction", train_fraction, "give a number between 0 and 1")
    df = pl.read_parquet(DATA_DIR / "routellm_2model_outcomes.parquet")
    if benchmark is not None:
        wanted = [benchmark] if isinstance(benchmark, str) else list(benchmark)
        bad = [b for b in wanted if b not in ROUTELLM_BENCHMARKS]
        if bad or not wanted:
            raise ValidationError("benchmark", bad or wanted, f"use {ROUTELLM_BENCHMARKS}")
        df = df.filter(pl.col("benchmark").is_in(wanted))
    if not include_contaminated:
        df = df.filter(~pl.col("contaminated"))
    reg = registry if registry is not None else get_model_registry()
    ids = _registry_ids(df["model"].unique().sort().to_list(), reg)
    default_out = pl.col("benchmark").replace_strict(
        _ROUTELLM_OUTPUT_TOKENS, default=DEFAULT_OUTPUT_TOKENS, return_dtype=pl.Int64
    )
    df = df.with_columns(
        source_model=pl.col("model"),
        model=pl.col("model").replace_strict(ids),
        task_type=pl.col("benchmark"),
        score=pl.when(pl.col("benchmark") == "mt_bench")
        .then((pl.col("score") - 1.0) / 9.0)
        .otherwise(pl.col("score")),
        output_tokens=pl.coalesce(
            (pl.col("response_chars") / 4.0).ceil().cast(pl.Int64), default_out
        ),
        split=pl.col("item_id").map_elements(
            lambda s: hash_split(s, train_fraction), return_dtype=pl.String
        ),
    )
    table = OutcomeTable(df, source="RouteLLM (lm-sys/RouteLLM @ 0b64fdafe049, Apache-2.0)")
    return estimate_costs(table, registry=reg)

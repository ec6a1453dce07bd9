"""Costs for outcome tables that have none: tokens from text length, prices per model.

Published outcome tables rarely carry token counts. The estimate is the one the team's note
prescribes: about 4 characters a token (rounded up) for the prompt, and for the answer its
`response` text when the table has it, else `output_tokens` given by the caller (stated in
every result that uses it). Prices come from a price list (model -> USD per million input
and output tokens) or the model registry. Rows whose cost is filled in here get
`cost_estimated = true`; rows with a known cost keep it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import polars as pl

from aigym.errors import UnknownModelError, ValidationError
from aigym.outcomes._table import OutcomeTable
from aigym.registry import ModelRegistry, get_model_registry

__all__ = ["CHARS_PER_TOKEN", "DEFAULT_OUTPUT_TOKENS", "PriceList", "estimate_costs", "prices_for"]

CHARS_PER_TOKEN: Final = 4.0
#: Output tokens assumed for a row with neither `output_tokens` nor `response`.
DEFAULT_OUTPUT_TOKENS: Final = 256

PriceList = Mapping[str, tuple[float, float]]


def prices_for(
    models: tuple[str, ...] | list[str],
    prices: PriceList | None = None,
    registry: ModelRegistry | None = None,
) -> dict[str, tuple[float, float]]:
    """(input, output) USD per million tokens per model: the price list first, then the registry."""
    out: dict[str, tuple[float, float]] = {}
    reg: ModelRegistry | None = None
    for m in models:
        if prices is not None and m in prices:
            p_in, p_out = prices[m]
            out[m] = (float(p_in), float(p_out))
            continue
        reg = reg or (registry if registry is not None else get_model_registry())
        try:
            spec = reg.get(m)
        except UnknownModelError as e:
            raise ValidationError(
                "model price",
                m,
                f"no price for this model ({e}): pass prices={{'{m}': (input, output)}} "
                "in USD per million tokens, or register it in the model registry",
            ) from None
        out[m] = (float(spec.input_price_per_mtok), float(spec.output_price_per_mtok))
    return out


def _tokens(chars: pl.Expr, chars_per_token: float) -> pl.Expr:
    return (chars.cast(pl.Float64) / chars_per_token).ceil().cast(pl.Int64)


def estimate_costs(
    table: OutcomeTable,
    prices: PriceList | None = None,
    *,
    registry: ModelRegistry | None = None,
    output_tokens: int = DEFAULT_OUTPUT_TOKENS,
    chars_per_token: float = CHARS_PER_TOKEN,
) -> OutcomeTable:
    """`table` with every missing cost (and token count) estimated and flagged.

    Input tokens: `input_tokens`, else ceil(len(prompt) / chars_per_token). Output tokens:
    `output_tokens` column, else ceil(len(response) / chars_per_token), else the
    `output_tokens` argument. Cost = tokens x price / 1e6, only where `cost_usd` is null.
    """
    if isinstance(output_tokens, bool) or not isinstance(output_tokens, int) or output_tokens < 0:
        raise ValidationError("output_tokens", output_tokens, "give a whole number >= 0")
    if not chars_per_token > 0:
        raise ValidationError("chars_per_token", chars_per_token, "give a positive number")
    f = table.frame
    cols = f.columns
    est_in = _tokens(pl.col("prompt").str.len_chars(), chars_per_token)
    est_out = pl.lit(output_tokens, pl.Int64)
    if "response" in cols:
        est_out = pl.coalesce(_tokens(pl.col("response").str.len_chars(), chars_per_token), est_out)
    has_in = pl.col("input_tokens") if "input_tokens" in cols else pl.lit(None, pl.Int64)
    has_out = pl.col("output_tokens") if "output_tokens" in cols else pl.lit(None, pl.Int64)
    if "cost_usd" not in cols:
        f = f.with_columns(cost_usd=pl.lit(None, pl.Float64))
    need = f["cost_usd"].is_null().alias("_need")
    if not need.any():
        return table
    price = prices_for(f.filter(need)["model"].unique().sort().to_list(), prices, registry)
    p_in = pl.col("model").replace_strict(
        {m: p[0] for m, p in price.items()}, default=None, return_dtype=pl.Float64
    )
    p_out = pl.col("model").replace_strict(
        {m: p[1] for m, p in price.items()}, default=None, return_dtype=pl.Float64
    )
    f = f.with_columns(
        input_tokens=pl.coalesce(has_in, est_in),
        output_tokens=pl.coalesce(has_out, est_out),
        _need=need,
    )
    f = f.with_columns(
        cost_usd=pl.when(pl.col("_need"))
        .then((pl.col("input_tokens") * p_in + pl.col("output_tokens") * p_out) / 1e6)
        .otherwise(pl.col("cost_usd")),
        cost_estimated=pl.col("cost_estimated") | pl.col("_need"),
    ).drop("_need")
    return table.with_frame(f)

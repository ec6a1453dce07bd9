"""Outcome tables from files: Parquet or CSV, with your column names mapped to ours.

Long format (one row per item and model) is read as is; a wide file (one row per item, one
score column per model) is melted when `wide_models` names its score columns. Costs are
estimated where missing (`estimate=True`, the default) with the registry's prices or
`prices=`, and flagged in `cost_estimated`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from aigym.errors import ValidationError
from aigym.outcomes._costs import DEFAULT_OUTPUT_TOKENS, PriceList, estimate_costs
from aigym.outcomes._table import OutcomeTable
from aigym.registry import ModelRegistry

__all__ = ["prompt_item_id", "read_outcomes"]


def prompt_item_id(prompt: str) -> str:
    """The item id of a prompt without one: `sha256:` + 16 hex digits of its UTF-8 text."""
    return "sha256:" + hashlib.sha256(prompt.encode("utf-8")).hexdigest()[:16]


def _read(path: Path) -> pl.DataFrame:
    suffix = path.suffix.lower()
    if not path.exists():
        raise ValidationError("path", str(path), "no such file: check the path")
    try:
        if suffix in (".parquet", ".pq"):
            return pl.read_parquet(path)
        if suffix in (".csv", ".tsv"):
            return pl.read_csv(path, separator="\t" if suffix == ".tsv" else ",")
        if suffix in (".jsonl", ".ndjson"):
            return pl.read_ndjson(path)
    except (pl.exceptions.PolarsError, OSError) as e:
        raise ValidationError("path", str(path), f"could not be read ({e})") from None
    raise ValidationError("path", str(path), "give a .parquet, .csv, .tsv or .jsonl file")


def read_outcomes(
    path: str | os.PathLike[str] | pl.DataFrame,
    mapping: Mapping[str, str] | None = None,
    *,
    wide_models: Sequence[str] | None = None,
    estimate: bool = True,
    prices: PriceList | None = None,
    registry: ModelRegistry | None = None,
    output_tokens: int = DEFAULT_OUTPUT_TOKENS,
    source: str | None = None,
) -> OutcomeTable:
    """An `OutcomeTable` from a Parquet/CSV/JSONL file (or a frame).

    `mapping` renames your columns to ours (`{'question_id': 'item_id', 'llm': 'model'}`);
    other columns are kept. Without an `item_id` column each prompt's hash becomes its id
    (`prompt_item_id`). `wide_models` melts one score column per model into rows. With
    `estimate`, missing costs are estimated (see `estimate_costs`) and flagged.
    """
    if isinstance(path, pl.DataFrame):
        frame, where = path, source or "frame"
    else:
        p = Path(path)
        frame, where = _read(p), source or str(p)
    if mapping:
        unknown = [k for k in mapping if k not in frame.columns]
        if unknown:
            raise ValidationError(
                "mapping", unknown, f"names columns the file does not have: {frame.columns}"
            )
        clash = [v for k, v in mapping.items() if v in frame.columns and v not in mapping]
        if clash:
            raise ValidationError(
                "mapping", clash, "would overwrite an existing column: map or drop it too"
            )
        frame = frame.rename(dict(mapping))
    if wide_models:
        missing = [m for m in wide_models if m not in frame.columns]
        if missing:
            raise ValidationError("wide_models", missing, f"no such columns in {frame.columns}")
        frame = frame.unpivot(
            on=list(wide_models),
            index=[c for c in frame.columns if c not in wide_models],
            variable_name="model",
            value_name="score",
        ).filter(pl.col("score").is_not_null())
    if "item_id" not in frame.columns and "prompt" in frame.columns:
        frame = frame.with_columns(
            item_id=pl.col("prompt").map_elements(prompt_item_id, return_dtype=pl.String)
        )
    table = OutcomeTable(frame, source=where)
    if estimate:
        table = estimate_costs(table, prices, registry=registry, output_tokens=output_tokens)
    return table

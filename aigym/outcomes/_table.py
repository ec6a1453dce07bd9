"""One validated shape for per-prompt outcomes: which model scored what, at what cost.

An outcome table has one row per (item, model): `item_id, prompt, model, score` plus optional
`task_type, cost_usd, input_tokens, output_tokens, latency_ms, response, split` and the flag
`cost_estimated` (true where the cost came from text length and prices, not a bill). Scores
are on one scale, 0 to 1, so tables from different sources, the replay provider (which
records 100 x score as an execution's quality) and the routers all agree. Validation happens
once, here; everything downstream may trust the frame.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl

from aigym.errors import ValidationError

__all__ = ["CORE_COLUMNS", "OPTIONAL_COLUMNS", "OutcomeTable"]

#: Required columns and their dtypes.
CORE_COLUMNS: Final[Mapping[str, pl.DataType]] = {
    "item_id": pl.String(),
    "prompt": pl.String(),
    "model": pl.String(),
    "score": pl.Float64(),
}
#: Optional columns and their dtypes (`cost_estimated` is always present after validation).
OPTIONAL_COLUMNS: Final[Mapping[str, pl.DataType]] = {
    "task_type": pl.String(),
    "cost_usd": pl.Float64(),
    "input_tokens": pl.Int64(),
    "output_tokens": pl.Int64(),
    "latency_ms": pl.Float64(),
    "response": pl.String(),
    "split": pl.String(),
    "cost_estimated": pl.Boolean(),
}
_NOT_NULL: Final = ("item_id", "prompt", "model", "score")

FloatMatrix = npt.NDArray[np.float64]


def _cast(frame: pl.DataFrame) -> pl.DataFrame:
    exprs = []
    for name, dtype in {**CORE_COLUMNS, **OPTIONAL_COLUMNS}.items():
        if name not in frame.columns:
            continue
        got = frame.schema[name]
        if got == dtype:
            continue
        exprs.append(pl.col(name).cast(dtype, strict=True))
    if not exprs:
        return frame
    try:
        return frame.with_columns(exprs)
    except pl.exceptions.PolarsError as e:
        raise ValidationError(
            "outcome columns", sorted(frame.columns), f"a column has the wrong type ({e})"
        ) from None


def validate_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame, cast to the outcome dtypes, or a ValidationError naming the first problem."""
    if not isinstance(frame, pl.DataFrame):
        raise ValidationError("frame", type(frame).__name__, "give a polars DataFrame")
    missing = [c for c in CORE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValidationError(
            "outcome columns",
            sorted(frame.columns),
            f"missing {', '.join(missing)}: map your columns with "
            "read_outcomes(path, mapping={'your_name': 'item_id', ...})",
        )
    if frame.height == 0:
        raise ValidationError("outcome table", "0 rows", "give at least one (item, model) row")
    frame = _cast(frame)
    for col in _NOT_NULL:
        n = frame[col].null_count()
        if n:
            raise ValidationError(f"column {col}", f"{n} nulls", "every row needs a value here")
    for col in ("item_id", "model"):
        if (frame[col].str.strip_chars() == "").any():
            raise ValidationError(f"column {col}", "''", "give non-empty ids")
    score = frame["score"].to_numpy()
    bad = ~np.isfinite(score)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValidationError(
            "score", f"{score[i]} (item {frame['item_id'][i]!r})", "scores must be finite numbers"
        )
    if (score < 0).any() or (score > 1).any():
        i = int(np.flatnonzero((score < 0) | (score > 1))[0])
        raise ValidationError(
            "score",
            f"{score[i]} (item {frame['item_id'][i]!r})",
            "scores must be on a 0-1 scale: divide 0-100 scores by 100, map 1-10 grades "
            "with (g - 1) / 9",
        )
    for col in ("cost_usd", "latency_ms", "input_tokens", "output_tokens"):
        if col in frame.columns:
            v = frame[col].drop_nulls().cast(pl.Float64).to_numpy()
            if (~np.isfinite(v)).any() or (v < 0).any():
                raise ValidationError(
                    f"column {col}", "a negative or non-finite value", "give values >= 0 or null"
                )
    dup = frame.select("item_id", "model").is_duplicated()
    if dup.any():
        i = int(dup.arg_true()[0])
        raise ValidationError(
            "outcome rows",
            (frame["item_id"][i], frame["model"][i]),
            "has more than one row for this (item_id, model): average repeats first "
            "(outcomes_from_store does)",
        )
    per_item = frame.group_by("item_id").agg(
        [pl.col(c).n_unique().alias(c) for c in ("prompt", "task_type", "split") if c in frame]
    )
    for c in per_item.columns[1:]:
        if (per_item[c] > 1).any():
            item = per_item.filter(pl.col(c) > 1)["item_id"][0]
            raise ValidationError(
                f"column {c}", f"item {item!r}", "one item must have one value across its models"
            )
    if "cost_estimated" not in frame.columns:
        frame = frame.with_columns(cost_estimated=pl.lit(False))
    else:
        frame = frame.with_columns(pl.col("cost_estimated").fill_null(False))
    return frame


@dataclass(frozen=True, eq=False)
class OutcomeTable:
    """Validated per-(item, model) outcomes over a polars `frame`.

    Items keep their first-appearance order; `models` are sorted. `score_matrix()` and
    `cost_matrix()` are items x models arrays aligned to `item_ids()` and `models` (NaN where
    a model has no row for an item). `source` says where the table came from (for reports).
    """

    frame: pl.DataFrame
    source: str = "table"
    _item_ids: tuple[str, ...] = field(init=False, repr=False)
    _models: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        frame = validate_frame(self.frame)
        object.__setattr__(self, "frame", frame)
        ids = frame["item_id"].unique(maintain_order=True).to_list()
        object.__setattr__(self, "_item_ids", tuple(ids))
        object.__setattr__(self, "_models", tuple(sorted(frame["model"].unique().to_list())))

    @classmethod
    def from_records(
        cls, rows: Iterable[Mapping[str, Any]], source: str = "records"
    ) -> OutcomeTable:
        """A table from dicts (one per (item, model))."""
        return cls(pl.DataFrame(list(rows), infer_schema_length=None), source=source)

    # ------------------------------------------------------------------ shape

    @property
    def models(self) -> tuple[str, ...]:
        return self._models

    def item_ids(self) -> tuple[str, ...]:
        return self._item_ids

    @property
    def items(self) -> pl.DataFrame:
        """One row per item, in `item_ids()` order: item_id, prompt (+ task_type, split)."""
        cols = [c for c in ("item_id", "prompt", "task_type", "split") if c in self.frame.columns]
        return self.frame.select(cols).unique(subset="item_id", maintain_order=True)

    def prompts(self) -> list[str]:
        """Prompt texts aligned to `item_ids()`."""
        return self.items["prompt"].to_list()

    @property
    def tasks(self) -> tuple[str, ...]:
        """Sorted task types (empty when the table has no `task_type`)."""
        if "task_type" not in self.frame.columns:
            return ()
        return tuple(sorted(self.frame["task_type"].drop_nulls().unique().to_list()))

    @property
    def splits(self) -> tuple[str, ...]:
        if "split" not in self.frame.columns:
            return ()
        return tuple(sorted(self.frame["split"].drop_nulls().unique().to_list()))

    @property
    def has_costs(self) -> bool:
        return "cost_usd" in self.frame.columns and self.frame["cost_usd"].null_count() == 0

    def __len__(self) -> int:
        return self.frame.height

    def __repr__(self) -> str:
        est = int(self.frame["cost_estimated"].sum())
        return (
            f"OutcomeTable({len(self._item_ids)} items x {len(self._models)} models, "
            f"{len(self)} rows, source={self.source!r}, tasks={len(self.tasks)}, "
            f"splits={list(self.splits)}, estimated costs={est})"
        )

    # ------------------------------------------------------------------ matrices

    def _matrix(self, column: str) -> FloatMatrix:
        if column not in self.frame.columns:
            raise ValidationError(
                "column", column, "this table has none: estimate costs with with_estimated_costs()"
            )
        row = {k: i for i, k in enumerate(self._item_ids)}
        col = {k: j for j, k in enumerate(self._models)}
        out = np.full((len(row), len(col)), np.nan)
        r = np.fromiter((row[k] for k in self.frame["item_id"]), np.int64, self.frame.height)
        c = np.fromiter((col[k] for k in self.frame["model"]), np.int64, self.frame.height)
        out[r, c] = self.frame[column].cast(pl.Float64).fill_null(np.nan).to_numpy()
        return out

    def score_matrix(self) -> FloatMatrix:
        """Scores, items x models (NaN: no row)."""
        return self._matrix("score")

    def cost_matrix(self) -> FloatMatrix:
        """USD per call, items x models (NaN: no row or no cost)."""
        return self._matrix("cost_usd")

    def is_complete(self) -> bool:
        """Whether every model has a row for every item."""
        return len(self) == len(self._item_ids) * len(self._models)

    # ------------------------------------------------------------------ subsets

    def _derive(self, frame: pl.DataFrame, what: str) -> OutcomeTable:
        if frame.height == 0:
            raise ValidationError("selection", what, "selects no rows: loosen it")
        return OutcomeTable(frame, source=self.source)

    def filter(self, *predicates: pl.Expr, **equal: Any) -> OutcomeTable:
        """Rows matching polars predicates and `column=value` (or a list of values)."""
        exprs = list(predicates)
        for name, value in equal.items():
            if name not in self.frame.columns:
                raise ValidationError("filter column", name, f"use one of {self.frame.columns}")
            many = isinstance(value, Sequence) and not isinstance(value, str)
            exprs.append(pl.col(name).is_in(list(value)) if many else pl.col(name) == value)
        frame = self.frame.filter(*exprs) if exprs else self.frame
        return self._derive(frame, f"filter{equal or ''}")

    def split(self, name: str) -> OutcomeTable:
        """The rows of one split (`'train'`, `'test'`)."""
        if name not in self.splits:
            raise ValidationError("split", name, f"this table's splits are {list(self.splits)}")
        return self.filter(split=name)

    def select_models(self, models: Sequence[str]) -> OutcomeTable:
        unknown = [m for m in models if m not in self._models]
        if unknown:
            raise ValidationError("models", unknown, f"this table's models are {self._models}")
        return self.filter(model=list(models))

    def select_items(self, item_ids: Iterable[str]) -> OutcomeTable:
        return self.filter(item_id=list(item_ids))

    def complete(self) -> OutcomeTable:
        """Only the items every model answered (routers compare on those)."""
        n = len(self._models)
        keep = self.frame.group_by("item_id").len().filter(pl.col("len") == n)["item_id"]
        frame = self.frame.filter(pl.col("item_id").is_in(keep.to_list()))
        return self._derive(frame, "complete()")

    def with_frame(self, frame: pl.DataFrame) -> OutcomeTable:
        """A new validated table over `frame` (same source)."""
        return OutcomeTable(frame, source=self.source)

    # ------------------------------------------------------------------ summaries

    def per_model(self) -> pl.DataFrame:
        """Per model: items, mean score, mean and total cost (what a bake-off report shows)."""
        aggs = [pl.len().alias("items"), pl.col("score").mean().alias("mean_score")]
        if "cost_usd" in self.frame.columns:
            aggs += [
                pl.col("cost_usd").mean().alias("mean_cost_usd"),
                pl.col("cost_usd").sum().alias("total_cost_usd"),
                pl.col("cost_estimated").any().alias("cost_estimated"),
            ]
        return self.frame.group_by("model").agg(aggs).sort("model")

    def fingerprint(self) -> str:
        """sha256 of the sorted item, model, score and cost columns: names the training data."""
        cols = ["item_id", "model", "score"] + (["cost_usd"] if "cost_usd" in self.frame else [])
        part = self.frame.select(cols).sort("item_id", "model")
        h = hashlib.sha256()
        for c in cols:
            h.update(c.encode())
            h.update(part[c].cast(pl.String).fill_null("\x00").str.join("\x1f").item().encode())
        return h.hexdigest()

"""The router protocol: fit on an outcome table, predict each model's quality and cost per prompt.

scikit-learn's conventions, so routers compose with what users know: ``fit(table)`` returns the
router, learned state ends in ``_``, ``predict(prompts)`` returns a `RouterPrediction` whose
``choose(knob)`` picks per prompt the model maximising ``quality - knob * cost`` (ties to the
cheaper model). The knob is in quality points per US dollar; ``knob = 0`` maximises quality.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self, runtime_checkable

import numpy as np
import numpy.typing as npt
import polars as pl

from aigym.errors import ValidationError

if TYPE_CHECKING:
    from aigym.outcomes._wide import TableLike

__all__ = ["Router", "RouterPrediction", "choose"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Relative tolerance under which two penalised utilities count as a tie (then the cheaper wins).
_TIE = 1e-12


def choose(quality: FloatArray, cost: FloatArray, knob: float = 0.0) -> IntArray:
    """Column index per row maximising ``quality - knob * cost``; ties go to the lower cost.

    Vectorised over rows; a tie is a utility within 1e-12 of the row's best (kNN means tie often).
    """
    utility = quality - knob * cost if knob else quality
    best = utility.max(axis=1, keepdims=True)
    tied = utility >= best - _TIE * np.maximum(1.0, np.abs(best))
    return np.asarray(np.where(tied, cost, np.inf).argmin(axis=1), dtype=np.int64)


@dataclass(frozen=True, slots=True)
class RouterPrediction:
    """Predicted quality and cost (USD per call) of each model for each prompt, rows x models."""

    models: tuple[str, ...]
    quality: FloatArray
    cost: FloatArray

    def choose(self, knob: float = 0.0) -> IntArray:
        """Index into `models` per prompt at trade-off `knob` (quality points per dollar)."""
        return choose(self.quality, self.cost, knob)

    def route(self, knob: float = 0.0) -> list[str]:
        """The chosen model's name per prompt."""
        return [self.models[i] for i in self.choose(knob)]

    def frame(self) -> pl.DataFrame:
        """Tidy frame: one row per (prompt row, model) with predicted quality and cost."""
        n, m = self.quality.shape
        return pl.DataFrame(
            {
                "row": np.repeat(np.arange(n), m),
                "model": list(self.models) * n,
                "predicted_quality": self.quality.ravel(),
                "predicted_cost_usd": self.cost.ravel(),
            }
        )


@runtime_checkable
class Router(Protocol):
    """What `evaluate_router` and the live router need from a per-prompt router."""

    models_: tuple[str, ...]

    def fit(self, table: TableLike) -> Self:
        """Learn from an outcome table; returns the router itself."""
        ...

    def predict(self, prompts: Sequence[str]) -> RouterPrediction:
        """Each model's predicted quality and cost for each prompt."""
        ...

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments, so evaluation can refit a fresh copy per fold."""
        ...


def table_hash(prompts: Sequence[str], models: Sequence[str], scores: FloatArray) -> str:
    """SHA-256 over a table's prompts, models and scores: which data a fitted router saw."""
    h = hashlib.sha256()
    h.update(json.dumps(list(models)).encode())
    for p in prompts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    h.update(np.ascontiguousarray(scores, dtype=np.float64).tobytes())
    return h.hexdigest()


def check_format(path: Path, meta: dict[str, Any], kind: str, version: int) -> None:
    """Refuse a saved router of another kind or format version, saying what to do."""
    if meta.get("kind") != kind:
        raise ValidationError(
            "router file",
            str(path),
            f"it holds a {meta.get('kind')!r} router, not {kind!r}; load it with that class",
        )
    if meta.get("format_version") != version:
        raise ValidationError(
            "router format_version",
            meta.get("format_version"),
            f"this aigym reads {kind} format {version}; refit the router on its table, save again",
        )

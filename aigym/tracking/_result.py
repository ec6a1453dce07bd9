"""What every tracker result shares: `result["field"]` as well as `result.field`, tidy frames,
and plain-text summaries in which a figure that was not measured reads "n/a".

Numbers that could not be measured (no scored rows, no feedback) are NaN in attributes, so
the spec's f-strings keep working, and null in `to_polars()` frames.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import polars as pl

from aigym._html import card, table

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Result", "fmt", "frame", "nan_if_none", "pct", "ratio", "usd"]

NAN = math.nan


class Result:
    """Mixin for frozen dataclass results: item access by field name, dicts and frames."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        names = self.keys()
        if key not in names:
            raise KeyError(f"{key!r} is not a field of {type(self).__name__}; use one of {names}")
        return getattr(self, key)

    def __contains__(self, key: object) -> bool:
        return key in self.keys()

    def keys(self) -> list[str]:
        """Field names, in order (so `dict(result)`-style code works)."""
        return [f.name for f in dataclasses.fields(self)]  # type: ignore[arg-type]

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in self.keys() else default

    def to_dict(self) -> dict[str, Any]:
        """Fields as a plain dict (nested results become dicts and lists of dicts)."""
        return {k: _plain(getattr(self, k)) for k in self.keys()}

    def to_polars(self) -> pl.DataFrame:
        raise NotImplementedError

    def to_pandas(self) -> pd.DataFrame:
        """`to_polars()` as a pandas DataFrame."""
        return self.to_polars().to_pandas()

    # What Jupyter shows: the repr's first line as the title, `_html_summary()` as the
    # verdict, then the `to_polars(name)` tables named here (None: the default table).
    _html_tables: ClassVar[tuple[str | None, ...]] = (None,)
    _html_columns: ClassVar[Mapping[str | None, tuple[str, ...]]] = {}

    def _html_summary(self) -> str:
        return "\n".join(line.strip() for line in repr(self).splitlines()[1:])

    def _repr_html_(self) -> str:
        title = repr(self).splitlines()[0]
        tables = [
            table(
                self.to_polars() if name is None else self.to_polars(name),  # type: ignore[call-arg]
                columns=self._html_columns.get(name),
                caption=name,
            )
            for name in self._html_tables
        ]
        return card(title, self._html_summary(), tables)


def _plain(v: Any) -> Any:
    if isinstance(v, Result):
        return v.to_dict()
    if isinstance(v, pl.DataFrame):
        return v.to_dicts()
    if isinstance(v, (list, tuple)) and v and isinstance(v[0], Result):
        return [_plain(x) for x in v]
    return v


def frame(
    rows: Iterable[Mapping[str, Any]], schema: Mapping[str, pl.DataType | type]
) -> pl.DataFrame:
    """A frame with a fixed schema (also when empty), NaN turned into null."""
    df = pl.DataFrame(list(rows), schema=dict(schema))
    floats = [n for n, t in df.schema.items() if t in (pl.Float64, pl.Float32)]
    return df.with_columns(pl.col(floats).fill_nan(None)) if floats else df


def nan_if_none(x: float | int | None) -> float:
    return NAN if x is None else float(x)


def ratio(num: float, den: float) -> float:
    return num / den if den else NAN


def fmt(x: float | None, spec: str = ".1f", suffix: str = "") -> str:
    """`x` formatted, or "n/a" when it was not measured."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:{spec}}{suffix}"


def pct(x: float | None) -> str:
    return fmt(x, ".1f", "%")


def usd(x: float | None) -> str:
    if x is None or math.isnan(x):
        return "n/a"
    return f"${x:,.2f}" if abs(x) >= 1 else f"${x:.4f}"

"""What every report figure shares: the palette, a fresh or given Axes, and the finding.

Figures follow matplotlib's object-oriented style (no pyplot state): a function takes data
and `ax=None`, draws, and returns the Figure. The tidy table behind a figure and its
one-sentence caption travel with the Figure (`table_of(fig)`, `caption_of(fig)`), so a
notebook, an HTML report and a test all read the same numbers the figure drew.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from aigym.errors import ValidationError

__all__ = [
    "OKABE_ITO",
    "as_frame",
    "attach",
    "caption_of",
    "colour",
    "fmt_n",
    "fmt_num",
    "new_axes",
    "table_of",
]

# Okabe & Ito (2008): distinguishable under the common colour-vision deficiencies.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

_TABLE = "_aigym_table"
_CAPTION = "_aigym_caption"


def colour(i: int) -> str:
    """The i-th palette colour (cycling)."""
    return OKABE_ITO[i % len(OKABE_ITO)]


def new_axes(ax: Axes | None, size: tuple[float, float] = (7.0, 4.0)) -> tuple[Figure, Axes]:
    """Draw on `ax` when given, else on a new Figure (not registered with pyplot)."""
    if ax is not None:
        fig = ax.get_figure()
        if not isinstance(fig, Figure):  # a SubFigure: report on its parent Figure
            fig = fig.get_figure() if fig is not None else None
        if not isinstance(fig, Figure):
            raise ValidationError("ax", ax, "pass an Axes that belongs to a Figure")
        return fig, ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def attach(fig: Figure, table: pl.DataFrame, caption: str) -> Figure:
    """Keep the tidy table and the caption with the Figure they describe."""
    setattr(fig, _TABLE, table)
    setattr(fig, _CAPTION, caption)
    return fig


def table_of(fig: Figure) -> pl.DataFrame:
    """The tidy table a report figure was drawn from."""
    table = getattr(fig, _TABLE, None)
    if not isinstance(table, pl.DataFrame):
        raise ValidationError("fig", fig, "pass a Figure made by an aigym.reports function")
    return table


def caption_of(fig: Figure) -> str:
    """The one-sentence finding of a report figure."""
    caption = getattr(fig, _CAPTION, None)
    if not isinstance(caption, str):
        raise ValidationError("fig", fig, "pass a Figure made by an aigym.reports function")
    return caption


def as_frame(data: Any, required: tuple[str, ...], what: str = "data") -> pl.DataFrame:
    """A polars frame from polars (eager or lazy) or pandas, with the columns a figure needs."""
    if isinstance(data, pl.LazyFrame):
        data = data.collect()
    elif isinstance(data, pd.DataFrame):
        data = pl.from_pandas(data)
    if not isinstance(data, pl.DataFrame):
        raise ValidationError(what, type(data).__name__, "pass a polars or pandas DataFrame")
    frame: pl.DataFrame = data.with_columns(pl.col(pl.Categorical).cast(pl.String))
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValidationError(
            what,
            sorted(frame.columns)[:8],
            f"the frame needs columns {missing}: pass executions "
            "from store.scan_executions() or aigym.reports.load_executions()",
        )
    return frame


def fmt_num(x: float, digits: int = 1) -> str:
    """A number for a sentence: NaN as 'n/a', thousands separated."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


def fmt_n(n: float) -> str:
    """A count, rounded to 2 significant figures above 1,000 (a planning number)."""
    if not math.isfinite(n):
        return "n/a"
    k = math.ceil(n)
    if k >= 1000:
        mag = 10 ** (len(str(k)) - 2)
        k = int(math.ceil(k / mag) * mag)
    return f"{k:,}"


def finite(values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    return arr[np.isfinite(arr)]

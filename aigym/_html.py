"""Compact HTML for Jupyter: one helper every result's `_repr_html_` calls.

Plain, escaped HTML with inline styles only (no CSS or scripts from anywhere), so a result
displays the same in a notebook, in a rendered report and in an e-mailed HTML file. Tables
are capped (rows and columns) and say how much was left out and how to get it all.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import polars as pl

__all__ = ["MAX_COLUMNS", "MAX_ROWS", "card", "cell", "escape", "table"]

MAX_ROWS = 20
"""Rows shown per table; the rest are counted in a note (use `to_polars()` for all)."""
MAX_COLUMNS = 12
"""Columns shown per table, in the frame's order (pass `columns=` to choose)."""

_CELL = "padding:2px 8px;text-align:right;border-bottom:1px solid #ddd"
_HEAD = "padding:2px 8px;text-align:right;border-bottom:2px solid #888"


def escape(text: object) -> str:
    """`text` as HTML-safe text (quotes too, so it is safe inside attributes)."""
    return html.escape(str(text), quote=True)


def cell(v: Any) -> str:
    """One value as short text: floats to a few significant figures, missing as "n/a"."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if v != 0 and abs(v) >= 1000:
            return f"{v:,.0f}"
        return f"{v:.4g}"  # 4 significant figures: 85.25, 0.0312, 1 (not 0.9999999)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, Decimal):
        return f"{v:.4f}"
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    return str(v)


def table(
    df: pl.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    caption: str | None = None,
) -> str:
    """`df` as an HTML table of at most `max_rows` rows and `max_columns` columns.

    A note under the table says how many rows or columns were left out.
    """
    cols = [c for c in (columns if columns is not None else df.columns) if c in df.columns]
    hidden_cols = len(cols) - max_columns if len(cols) > max_columns else 0
    cols = cols[:max_columns]
    shown = df.head(max_rows).select(cols) if cols else pl.DataFrame()
    head = "".join(f'<th style="{_HEAD}">{escape(c)}</th>' for c in cols)
    body = "".join(
        "<tr>" + "".join(f'<td style="{_CELL}">{escape(cell(v))}</td>' for v in row) + "</tr>"
        for row in shown.iter_rows()
    )
    notes = []
    if df.height > max_rows:
        notes.append(f"showing {max_rows} of {df.height:,} rows")
    if hidden_cols:
        notes.append(f"{hidden_cols} more column(s)")
    if df.height == 0:
        notes.append("no rows")
    note = (
        f'<p style="color:#666;margin:2px 0">{escape("; ".join(notes))}'
        f"{escape(': use to_polars() for all') if df.height > max_rows or hidden_cols else ''}"
        "</p>"
        if notes
        else ""
    )
    cap = f'<caption style="text-align:left">{escape(caption)}</caption>' if caption else ""
    return (
        f'<table style="border-collapse:collapse;font-size:90%">{cap}'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"
    )


def card(
    title: str,
    verdict: str,
    tables: Iterable[str] = (),
    *,
    subtitle: str = "",
) -> str:
    """A titled block: the verdict paragraph first, then the (already rendered) tables."""
    sub = f' <span style="color:#666">{escape(subtitle)}</span>' if subtitle else ""
    lines = "<br>".join(escape(line) for line in verdict.splitlines())
    return (
        f'<div class="aigym-result"><p style="margin:4px 0"><b>{escape(title)}</b>{sub}</p>'
        f'<p style="margin:4px 0">{lines}</p>{"".join(tables)}</div>'
    )

"""What a report notebook shows, and the tidy table it writes behind every figure.

A notebook cell is one call: `out.figure("latency", plot_latency_ecdf(ex))` displays the
figure as an embedded PNG with its caption under it, and writes the figure's table to
`tables_dir/latency.csv` when the report is rendered with a tables folder.
"""

from __future__ import annotations

import base64
import html
import io
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from matplotlib.figure import Figure

from aigym.errors import ValidationError
from aigym.reports._style import caption_of, table_of

__all__ = ["ReportOutput"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def _display(obj: Any) -> None:
    try:
        from IPython.display import HTML, display
    except ImportError:  # pragma: no cover - IPython ships with jupyterlab
        print(obj)
        return
    display(HTML(obj))  # type: ignore[no-untyped-call]


class ReportOutput:
    """Shows figures, tables and text in a notebook; records every table it showed."""

    def __init__(self, tables_dir: str | os.PathLike[str] | None = None, *, dpi: int = 110):
        self.tables_dir = Path(tables_dir) if tables_dir else None
        self.dpi = dpi
        self.written: dict[str, Path] = {}
        self.shown: dict[str, pl.DataFrame] = {}
        if self.tables_dir is not None:
            self.tables_dir.mkdir(parents=True, exist_ok=True)

    def _save(self, name: str, table: pl.DataFrame) -> None:
        if not _NAME.match(name):
            raise ValidationError("name", name, "use lower-case letters, digits, '_', '-', '.'")
        self.shown[name] = table
        if self.tables_dir is None:
            return
        path = self.tables_dir / f"{name}.csv"
        flat = table.select(
            pl.col(c).cast(pl.String) if table.schema[c].is_nested() else pl.col(c)
            for c in table.columns
        )
        flat.write_csv(path)
        self.written[name] = path

    def figure(
        self, name: str, fig: Figure | Callable[..., Figure], *args: Any, **kwargs: Any
    ) -> Figure | None:
        """Show a report figure (PNG embedded) and its caption; write its table.

        Pass the figure, or the plot function and its arguments: then data the figure cannot
        be drawn from (no latencies recorded, one model) is a line of text saying why, and
        the rest of the report still renders.
        """
        if not isinstance(fig, Figure):
            try:
                fig = fig(*args, **kwargs)
            except ValidationError as exc:
                self.text(f"No {name} figure: {exc.fix}")
                return None
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=self.dpi)
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        caption = caption_of(fig)
        _display(
            f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{data}"/>'
            f"<figcaption><em>{html.escape(caption)}</em></figcaption></figure>"
        )
        self._save(name, table_of(fig))
        return fig

    def figures_by(
        self,
        name: str,
        plot: Callable[..., Figure],
        data: pl.DataFrame,
        by: str = "task_type",
        **kwargs: Any,
    ) -> list[Figure]:
        """One figure per value of `by` (e.g. per task: quality is compared within a task)."""
        out = []
        for (key,), part in data.group_by(by, maintain_order=True):
            slug = re.sub(r"[^a-z0-9_.-]+", "_", str(key).lower())
            self.text(f"**{by} = {key}**")
            fig = self.figure(f"{name}.{slug}", plot, part, **kwargs)
            if fig is not None:
                out.append(fig)
        return out

    def table(self, name: str, table: pl.DataFrame, *, title: str = "", max_rows: int = 50) -> None:
        """Show a tidy table (all text, escaped) and write it."""
        head = f"<p><strong>{html.escape(title)}</strong></p>" if title else ""
        shown = table.head(max_rows).to_pandas()
        more = (
            f"<p><em>first {max_rows} of {table.height:,} rows; all in {name}.csv</em></p>"
            if table.height > max_rows
            else ""
        )
        _display(head + shown.to_html(index=False, na_rep="", float_format=_float) + more)
        self._save(name, table)

    def text(self, markdown_like: str) -> None:
        """A line of text (**bold** allowed), escaped."""
        safe = html.escape(markdown_like)
        safe = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", safe)
        _display(f"<p>{safe}</p>")


def _float(x: float) -> str:
    return f"{x:,.4g}" if abs(x) < 1e-2 and x != 0 else f"{x:,.2f}"

"""`render_report`: validate, run with papermill, export one self-contained HTML file.

The HTML has the input cells hidden, figures embedded as data URIs and nothing fetched from
another host: nbconvert's lab template loads require.js, MathJax and mermaid from CDNs; the
reports are static (images, tables, text), so every script is removed, with any stylesheet
or CSS import that points elsewhere. A report pins its window: an empty
`until` becomes the render time, recorded in the header, so rendering again with the
recorded parameters gives the same numbers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aigym.errors import AigymError
from aigym.reports._data import now_pinned
from aigym.reports._notebooks import report_info, validate_parameters

__all__ = ["RenderedReport", "offline_html", "render_report"]

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_REMOTE_LINK = re.compile(
    r"<link\b[^>]*\bhref\s*=\s*['\"](?:https?:)?//[^'\"]*['\"][^>]*/?>", re.IGNORECASE
)
_REMOTE_IMPORT = re.compile(r"@import\s+url\(\s*['\"]?(?:https?:)?//[^)]*\)\s*;?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RenderedReport:
    """What a render wrote: the executed notebook, the HTML and the tidy tables (by name)."""

    name: str
    notebook: Path
    html: Path
    tables: dict[str, Path]
    parameters: dict[str, Any]
    aigym_version: str
    rendered_at: dt.datetime = field(compare=False)

    def __str__(self) -> str:
        return f"report {self.name}: {self.html} ({len(self.tables)} tables)"


def offline_html(text: str) -> str:
    """Remove every script, and each stylesheet or CSS import that loads from another host."""
    return _REMOTE_IMPORT.sub("", _REMOTE_LINK.sub("", _SCRIPT.sub("", text)))


@contextlib.contextmanager
def _kernel_imports_this_aigym() -> Iterator[None]:
    """The kernel is a new process: make it import the aigym that is rendering the report."""
    import aigym

    root = str(Path(aigym.__file__).resolve().parent.parent)
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = root + (os.pathsep + old if old else "")
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old


def _header(params: Mapping[str, Any], version: str, at: dt.datetime) -> str:
    def cell(v: Any) -> str:
        return repr(v).replace("|", "\\|").replace("`", "'")

    rows = "\n".join(f"| `{k}` | `{cell(v)}` |" for k, v in sorted(params.items()))
    return (
        f"Rendered {at:%Y-%m-%d %H:%M:%S} UTC by aigym {version}, with these parameters "
        f"(render again with them for the same numbers):\n\n| parameter | value |\n|---|---|\n"
        f"{rows}\n"
    )


def render_report(
    name: str,
    parameters: Mapping[str, Any] | None = None,
    output_dir: str | os.PathLike[str] = "reports",
    *,
    kernel_name: str | None = None,
    timeout: int = 1200,
) -> RenderedReport:
    """Run the report notebook `name` with `parameters` and write, in `output_dir`:
    `<name>.ipynb` (executed), `<name>.html` (self-contained) and `<name>_tables/*.csv`.

    Unknown parameter names or values of the wrong type raise ValidationError before anything
    is written. A failing cell raises AigymError naming the executed notebook to read.
    """
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    import aigym

    info = report_info(name)
    values = validate_parameters(info, parameters or {})
    declared = {p.name: p for p in info.parameters}
    at = now_pinned()
    if "until" in declared and values.get("until", declared["until"].default) in ("", None):
        values["until"] = at.isoformat()
    out = Path(output_dir)
    tables_dir = out / f"{name}_tables"
    if "tables_dir" in declared:
        values["tables_dir"] = str(tables_dir.resolve())
    out.mkdir(parents=True, exist_ok=True)
    if tables_dir.is_dir():  # a render's tables are its own: none left from an earlier one
        shutil.rmtree(tables_dir)
    nb_path, html_path = out / f"{name}.ipynb", out / f"{name}.html"
    try:
        with _kernel_imports_this_aigym():
            papermill.execute_notebook(
                str(info.path),
                str(nb_path),
                parameters=values,
                kernel_name=kernel_name,
                progress_bar=False,
                log_output=False,
                execution_timeout=timeout,
            )
    except papermill.PapermillExecutionError as exc:
        raise AigymError(
            f"report {name} failed: {exc.ename}: {exc.evalue}. The executed notebook with the "
            f"traceback is {nb_path}; fix the input (or the parameters) and render again."
        ) from exc
    shown = {**{p.name: p.default for p in info.parameters}, **values}
    nb = nbformat.read(nb_path, as_version=4)  # type: ignore[no-untyped-call]
    header = nbformat.v4.new_markdown_cell(  # type: ignore[no-untyped-call]
        _header(shown, aigym.__version__, at)
    )
    nb.cells.insert(1, header)  # under the notebook's own title
    nb.metadata["aigym"] = {
        "version": aigym.__version__,
        "rendered_at": at.isoformat(),
        "parameters": shown,
    }
    nbformat.write(nb, nb_path)  # type: ignore[no-untyped-call]
    exporter = HTMLExporter(template_name="lab")  # type: ignore[no-untyped-call]
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
    html_path.write_text(offline_html(body), encoding="utf-8")
    tables = {p.stem: p for p in sorted(tables_dir.glob("*.csv"))} if tables_dir.is_dir() else {}
    return RenderedReport(name, nb_path, html_path, tables, shown, aigym.__version__, at)

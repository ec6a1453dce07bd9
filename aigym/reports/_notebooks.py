"""The report notebooks shipped in the package, and their parameters (papermill's contract).

Each notebook has one cell tagged `parameters` with typed defaults and a comment per
parameter (`days: float = 30.0  # length of the window`); `papermill.inspect_notebook` reads
them, and `validate_parameters` checks what a caller passes before anything runs.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aigym.errors import ValidationError

__all__ = [
    "NOTEBOOKS",
    "ReportInfo",
    "ReportParameter",
    "list_reports",
    "notebook_path",
    "report_info",
    "validate_parameters",
]

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


@dataclass(frozen=True, slots=True)
class ReportParameter:
    """One parameter: its name, declared type (`str`, `int`, `float`, `bool`), default, help."""

    name: str
    type: str
    default: Any
    help: str


@dataclass(frozen=True, slots=True)
class ReportInfo:
    """A report notebook: `name` (what `render_report` takes), a one-line description."""

    name: str
    description: str
    parameters: tuple[ReportParameter, ...]
    path: Path

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "parameters": [
                {"name": p.name, "type": p.type, "default": p.default, "help": p.help}
                for p in self.parameters
            ],
        }


def _names() -> list[str]:
    return sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))


def notebook_path(name: str) -> Path:
    """The shipped notebook called `name`; a clear error (with suggestions) otherwise."""
    names = _names()
    if not isinstance(name, str) or name not in names:
        close = difflib.get_close_matches(str(name), names, n=2)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise ValidationError("report", name, f"{hint}reports: {', '.join(names)}")
    return NOTEBOOKS / f"{name}.ipynb"


def _description(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            lines = [ln.strip("# ").strip() for ln in "".join(cell["source"]).splitlines()]
            text = [ln for ln in lines if ln]
            return text[1] if len(text) > 1 else (text[0] if text else "")
    return ""


def _literal(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            try:
                import ast

                return ast.literal_eval(value)
            except (ValueError, SyntaxError):
                return value
    return value


def report_info(name: str) -> ReportInfo:
    """A notebook's description and parameters (read with papermill.inspect_notebook)."""
    import papermill

    path = notebook_path(name)
    raw = papermill.inspect_notebook(str(path))
    params = tuple(
        ReportParameter(
            name=p["name"],
            type=str(p["inferred_type_name"]),
            default=_literal(p["default"]),
            help=str(p["help"]),
        )
        for p in raw.values()
    )
    return ReportInfo(name, _description(path), params, path)


def list_reports() -> list[ReportInfo]:
    """Every shipped report notebook with its parameters, by name."""
    return [report_info(n) for n in _names()]


def _coerce(p: ReportParameter, value: Any) -> Any:
    bad = ValidationError(
        f"parameter {p.name}", value, f"pass a {p.type} ({p.help}); default {p.default!r}"
    )
    if p.type == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        raise bad
    if p.type == "int":
        if isinstance(value, bool):
            raise bad
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                raise bad from None
        raise bad
    if p.type == "float":
        if isinstance(value, bool):
            raise bad
        if isinstance(value, int | float):
            out = float(value)
        elif isinstance(value, str):
            try:
                out = float(value)
            except ValueError:
                raise bad from None
        else:
            raise bad
        if not math.isfinite(out):
            raise bad
        return out
    if p.type == "str":
        if isinstance(value, str):
            return value
        raise bad
    return value


def validate_parameters(info: ReportInfo, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Check names and types against the parameters cell; strings convert to the declared
    type (as the CLI passes them). Returns the values to inject; raises ValidationError."""
    known = {p.name: p for p in info.parameters}
    out: dict[str, Any] = {}
    for key, value in parameters.items():
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValidationError(
                "parameter", key, f"{hint}{info.name} takes: {', '.join(sorted(known))}"
            )
        out[key] = _coerce(known[key], value)
    for key, check in _value_checks().get(info.name, {}).items():
        if key in out:
            check(out[key])
    return out


def _at_least(name: str, low: int, why: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value < low:
            raise ValidationError(f"parameter {name}", value, f"use at least {low} ({why})")

    return check


def _value_checks() -> dict[str, dict[str, Callable[[Any], object]]]:
    """Values a notebook would refuse only after it started: refused before anything runs."""
    from aigym.outcomes import check_outcomes_name, make_router

    return {
        "router_evaluation": {
            "table": check_outcomes_name,
            "router": make_router,
            "folds": _at_least("folds", 2, "cross-validation needs two folds"),
            "resamples": _at_least("resamples", 100, "1,000+ for reports"),
        }
    }

"""Outcome tables and routers by name: what a notebook parameter or a CLI flag can say.

A scheduled report passes strings, not objects: ``open_outcomes("routellm:gsm8k")`` and
``make_router("ridge_knn")`` turn them into the table and the unfitted router, with a clear
error naming the choices when a string names nothing.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Final

from aigym.errors import ValidationError
from aigym.outcomes._io import read_outcomes
from aigym.outcomes._knn import KnnRouter
from aigym.outcomes._learned import RidgeKnnRouter
from aigym.outcomes._loaders import ROUTELLM_BENCHMARKS, load_llmrouter, load_routellm
from aigym.outcomes._protocol import Router
from aigym.outcomes._table import OutcomeTable

__all__ = ["ROUTER_NAMES", "TABLE_NAMES", "check_outcomes_name", "make_router", "open_outcomes"]

#: The unfitted routers a name gives: the reference kNN and the learned ridge + kNN.
ROUTER_NAMES: Final = ("knn", "ridge_knn")
#: The shipped tables; "routellm:<benchmark>" keeps one benchmark.
TABLE_NAMES: Final = ("llmrouter", "routellm", *(f"routellm:{b}" for b in ROUTELLM_BENCHMARKS))
_SUFFIXES: Final = (".parquet", ".pq", ".csv", ".tsv", ".jsonl", ".ndjson")


def check_outcomes_name(name: str) -> str | Path:
    """What `name` opens, without reading it: a shipped name (lower-cased) or a file's path.

    Raises ValidationError naming the choices, so a report refuses a typo before it runs.
    """
    key = name.strip().lower()
    if key in TABLE_NAMES:
        return key
    if key.startswith("routellm:"):
        raise ValidationError(
            "table", name, f"RouteLLM has {', '.join(ROUTELLM_BENCHMARKS)}: e.g. routellm:gsm8k"
        )
    path = Path(name).expanduser()
    if path.suffix.lower() in _SUFFIXES:
        if not path.is_file():
            raise ValidationError(
                "table", name, "no such file: give the path of an outcome table, or a shipped name"
            )
        return path
    raise ValidationError(
        "table",
        name,
        f"{_hint(key, TABLE_NAMES)}use one of {', '.join(TABLE_NAMES)} or a "
        ".parquet/.csv/.jsonl outcome file",
    )


def open_outcomes(name: str) -> OutcomeTable:
    """A shipped table by name (`TABLE_NAMES`) or an outcome file (Parquet, CSV, JSONL).

    Files use the canonical column names (`item_id, prompt, model, score`, ...); for other
    names call `read_outcomes(path, mapping=...)` yourself.
    """
    what = check_outcomes_name(name)
    if isinstance(what, Path):
        return read_outcomes(what)
    if what == "llmrouter":
        return load_llmrouter()
    if what == "routellm":
        return load_routellm()
    return load_routellm(what.split(":", 1)[1])


def make_router(name: str) -> Router:
    """An unfitted router by name (`ROUTER_NAMES`), with its default parameters."""
    key = name.strip().lower().replace("-", "_")
    if key == "knn":
        return KnnRouter()
    if key == "ridge_knn":
        return RidgeKnnRouter()
    raise ValidationError(
        "router", name, f"{_hint(key, ROUTER_NAMES)}use one of {', '.join(ROUTER_NAMES)}"
    )


def _hint(key: str, names: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, names, n=1)
    return f"did you mean {close[0]!r}? " if close else ""

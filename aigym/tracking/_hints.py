"""A typo'd task type returns nothing, silently; this says so, with the closest known name.

Only called after an analysis found no rows for the task, so the extra scan (the store's task
types, one categorical column) costs nothing on the normal path.
"""

from __future__ import annotations

import difflib
import os
import sys
import warnings

import polars as pl

from aigym.records import TaskType
from aigym.store import ParquetStore

_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

__all__ = ["closest_task_type", "known_task_types", "warn_if_unknown_task"]


def _stored_task_types(store: ParquetStore) -> set[str]:
    if not store.files("executions"):
        return set()
    col = (
        store.scan("executions")
        .select(pl.col("task_type").cast(pl.String).unique())
        .collect()["task_type"]
    )
    return set(col.drop_nulls().to_list())


def known_task_types(store: ParquetStore) -> list[str]:
    """The spec's task types and every task type the store holds executions for."""
    return sorted({*map(str, TaskType.builtin()), *_stored_task_types(store)})


def closest_task_type(task_type: str, known: list[str]) -> str | None:
    """The known task type closest to `task_type` (difflib ratio >= 0.6), if any."""
    others = [k for k in known if k != task_type]
    match = difflib.get_close_matches(task_type, others, n=1, cutoff=0.6)
    return match[0] if match else None


def _caller_level() -> int:
    """`stacklevel` of the first frame outside the aigym package (the user's call)."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PKG):
        level += 1
        frame = frame.f_back  # type: ignore[assignment]
    return level


def warn_if_unknown_task(store: ParquetStore, task_type: str) -> None:
    """Warn when the store has no executions of `task_type` at all, naming the closest one."""
    stored = _stored_task_types(store)
    if task_type in stored:
        return  # a real task, just not in this window
    builtin = {str(t) for t in TaskType.builtin()}
    # A typo is matched against every known name; a spec task that simply has no rows yet
    # only against the stored ones (another spec task would be a misleading suggestion).
    known = sorted(stored if task_type in builtin else builtin | stored)
    match = closest_task_type(task_type, known)
    hint = f"did you mean {match!r}?" if match else f"known task types: {known}"
    warnings.warn(
        f"no executions of task_type {task_type!r} in the store: {hint} "
        "(task names are normalised to snake_case)",
        UserWarning,
        stacklevel=_caller_level(),
    )

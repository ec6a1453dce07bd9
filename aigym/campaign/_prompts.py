"""Prompt sets: JSONL, CSV or Parquet files with `prompt_id`, `prompt` and optional fields.

A row's other fields (`task_type`, `reference`, `tests`, `context`, anything else) travel with
the prompt and are stored in each execution's metadata under their own names, so a scorer run
later has what it needs (`reference`, `tests`, the task `context`) without the prompt file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from aigym.errors import ValidationError
from aigym.records import TaskType

__all__ = [
    "PROMPTS_DIR",
    "RESERVED_FIELDS",
    "PromptItem",
    "PromptSource",
    "builtin_prompts",
    "load_prompts",
]

#: The prompt sets aigym ships (package data, so they are there in an installed wheel too).
PROMPTS_DIR: Final = Path(__file__).resolve().parent / "prompts"

#: Metadata keys the runner writes itself; a prompt set may not use them as column names.
RESERVED_FIELDS: Final = frozenset(
    {
        "cache_key",
        "cached_from",
        "charged_usd",
        "finish_reason",
        "latency_total_ms",
        "repeat",
        "seed",
        "unreported_attempts",
    }
)
_CORE: Final = frozenset({"prompt_id", "prompt", "task_type"})
_SUFFIXES: Final = (".jsonl", ".ndjson", ".csv", ".parquet", ".pq")


@dataclass(frozen=True, slots=True)
class PromptItem:
    """One prompt of a campaign. `fields` holds `reference`, `tests`, `context` and any other
    column; they are stored in each row's metadata (`reference` included) for later scoring."""

    prompt_id: str
    prompt: str
    task_type: str = "generic"
    fields: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.prompt_id, str) or not self.prompt_id.strip():
            raise ValidationError("prompt_id", self.prompt_id, "give each prompt a non-empty id")
        if not isinstance(self.prompt, str) or not self.prompt.strip():
            raise ValidationError(
                f"prompt of {self.prompt_id!r}", self.prompt, "give non-empty prompt text"
            )
        object.__setattr__(self, "task_type", str(TaskType(self.task_type or "generic")))
        extra = dict(self.fields)
        clash = sorted(RESERVED_FIELDS & set(extra))
        if clash:
            raise ValidationError(
                f"fields of {self.prompt_id!r}", clash, "rename these columns (runner metadata)"
            )
        try:
            json.dumps(extra, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise ValidationError(
                f"fields of {self.prompt_id!r}", extra, f"must be JSON-serialisable ({e})"
            ) from None
        object.__setattr__(self, "fields", extra)

    @property
    def reference(self) -> Any:
        """The expected answer, if the prompt set gives one."""
        return self.fields.get("reference")

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any], where: str = "prompt") -> PromptItem:
        """A prompt from a dict with `prompt_id`, `prompt` and optional `task_type` and fields."""
        if not isinstance(row, Mapping):
            raise ValidationError(where, row, "give an object with prompt_id and prompt")
        missing = [k for k in ("prompt_id", "prompt") if row.get(k) in (None, "")]
        if missing:
            raise ValidationError(where, dict(row), f"add {' and '.join(missing)}")
        pid = row["prompt_id"]
        extra = {k: v for k, v in row.items() if k not in _CORE and v is not None}
        return cls(
            prompt_id=str(pid) if isinstance(pid, (int, str)) else pid,
            prompt=row["prompt"],
            task_type=row.get("task_type") or "generic",
            fields=extra,
        )


PromptSource = (
    str | os.PathLike[str] | Sequence[str | os.PathLike[str] | PromptItem | Mapping[str, Any]]
)
"""Prompt files and/or items: a path, or a list of paths, `PromptItem`s and dicts."""


def _rows_jsonl(path: Path) -> Iterable[tuple[str, Any]]:
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield f"{path.name}:{n}", json.loads(line)
            except ValueError as e:
                raise ValidationError(
                    f"{path.name} line {n}", line[:80], f"each line must be one JSON object ({e})"
                ) from None


def _rows_frame(path: Path) -> Iterable[tuple[str, Any]]:
    import polars as pl

    if path.suffix.lower() == ".csv":
        df = pl.read_csv(path, infer_schema=False)  # all text: ids like 007 stay as written
    else:
        df = pl.read_parquet(path)
    for n, row in enumerate(df.iter_rows(named=True), 1):
        yield f"{path.name} row {n}", row


def _load_file(path: Path) -> list[PromptItem]:
    if not path.is_file():
        raise ValidationError("prompts", str(path), "no such file: check the path in the spec")
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        raise ValidationError("prompts", str(path), f"use a {', '.join(_SUFFIXES)} file")
    rows = _rows_jsonl(path) if suffix in (".jsonl", ".ndjson") else _rows_frame(path)
    return [PromptItem.from_mapping(row, where) for where, row in rows]


def load_prompts(
    source: PromptSource,
    *,
    limit: int | None = None,
) -> list[PromptItem]:
    """Prompts from files (JSONL/CSV/Parquet) and/or items, in order; ids must be unique.

    `limit` keeps the first N prompts (after concatenation).
    """
    parts: Sequence[Any] = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    items: list[PromptItem] = []
    for part in parts:
        if isinstance(part, PromptItem):
            items.append(part)
        elif isinstance(part, Mapping):
            items.append(PromptItem.from_mapping(part))
        elif isinstance(part, (str, os.PathLike)):
            items.extend(_load_file(Path(part)))
        else:
            raise ValidationError("prompts", part, "give file paths, PromptItems or dicts")
    seen: set[str] = set()
    for it in items:
        if it.prompt_id in seen:
            raise ValidationError(
                "prompt_id", it.prompt_id, "is used twice: prompt ids must be unique in a campaign"
            )
        seen.add(it.prompt_id)
    if limit is not None:
        items = items[:limit]
    if not items:
        raise ValidationError("prompts", source, "the prompt set is empty")
    return items


def builtin_prompts(name: str) -> Path:
    """The path of a shipped prompt set by name ("arithmetic" or "arithmetic.jsonl").

    Give it to `load_prompts` or a spec's `prompts=`; `data/README.md` describes each set.
    """
    stem = name.removesuffix(".jsonl")
    path = PROMPTS_DIR / f"{stem}.jsonl"
    if not stem or "/" in stem or "\\" in stem or not path.is_file():
        known = sorted(p.stem for p in PROMPTS_DIR.glob("*.jsonl"))
        raise ValidationError("name", name, f"use one of the shipped prompt sets {known}")
    return path

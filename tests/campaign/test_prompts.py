"""Prompt sets from JSONL, CSV and Parquet; the shipped sets load."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from aigym.campaign import PromptItem, load_prompts
from aigym.errors import ValidationError

from .helpers import DATA

ROWS: list[dict[str, object]] = [
    {"prompt_id": "a1", "prompt": "What is 2 + 2?", "task_type": "arithmetic", "reference": "4"},
    {"prompt_id": "a2", "prompt": "Name a colour.", "task_type": None, "reference": None},
]


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_jsonl_csv_and_parquet_give_the_same_items(tmp_path: Path) -> None:
    a = load_prompts(_jsonl(tmp_path / "p.jsonl", ROWS))
    pl.DataFrame(ROWS).write_csv(tmp_path / "p.csv")
    pl.DataFrame(ROWS).write_parquet(tmp_path / "p.parquet")
    b = load_prompts(tmp_path / "p.csv")
    c = load_prompts(str(tmp_path / "p.parquet"))
    assert a == c
    assert [(i.prompt_id, i.prompt, i.task_type) for i in b] == [
        ("a1", "What is 2 + 2?", "arithmetic"),
        ("a2", "Name a colour.", "generic"),  # a missing task type is generic
    ]
    assert a[0].reference == "4" and a[1].reference is None


def test_other_fields_travel_with_the_prompt(tmp_path: Path) -> None:
    row: dict[str, object] = {"prompt_id": "py-add", "prompt": "Write add(a, b)."}
    row["tests"] = "assert add(1, 2) == 3"
    row["context"] = {"function_name": "add"}
    (item,) = load_prompts(_jsonl(tmp_path / "p.jsonl", [row]))
    assert item.fields == {"tests": "assert add(1, 2) == 3", "context": {"function_name": "add"}}


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ([ROWS[0], ROWS[0]], "used twice"),
        ([{"prompt": "no id"}], "add prompt_id"),
        ([{"prompt_id": "x", "prompt": "  "}], "non-empty prompt text"),
        ([{"prompt_id": "x", "prompt": "p", "repeat": 1}], "runner metadata"),
        ([{"prompt_id": "x", "prompt": "p", "task_type": "not a task!"}], "task_type"),
    ],
)
def test_bad_prompt_sets_are_refused_with_the_fix(
    tmp_path: Path, rows: list[dict[str, object]], match: str
) -> None:
    with pytest.raises(ValidationError, match=match):
        load_prompts(_jsonl(tmp_path / "p.jsonl", rows))


def test_files_items_and_dicts_mix_and_limit_applies_last(tmp_path: Path) -> None:
    items = load_prompts(
        [
            _jsonl(tmp_path / "p.jsonl", ROWS),
            PromptItem("b1", "hi"),
            {"prompt_id": "c", "prompt": "x"},
        ],
        limit=3,
    )
    assert [i.prompt_id for i in items] == ["a1", "a2", "b1"]
    with pytest.raises(ValidationError, match="no such file"):
        load_prompts(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt_id": "a", "prompt": "ok"}\n{not json\n')
    with pytest.raises(ValidationError, match="line 2"):
        load_prompts(bad)


@pytest.mark.parametrize(
    ("name", "n"),
    [("arithmetic", 40), ("factual_qa", 30), ("python_functions", 16), ("business_tasks", 40)],
)
def test_the_shipped_prompt_sets_load(name: str, n: int) -> None:
    items = load_prompts(DATA / f"{name}.jsonl")
    assert len(items) == n and len({i.prompt_id for i in items}) == n

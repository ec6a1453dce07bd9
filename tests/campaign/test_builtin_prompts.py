"""The shipped prompt sets are package data, found by name."""

from __future__ import annotations

import pytest

from aigym.campaign import PROMPTS_DIR, builtin_prompts, load_prompts
from aigym.errors import ValidationError


def test_every_shipped_set_loads_by_name() -> None:
    names = sorted(p.stem for p in PROMPTS_DIR.glob("*.jsonl"))
    assert names == ["arithmetic", "business_tasks", "factual_qa", "python_functions"]
    sizes = {n: len(load_prompts(builtin_prompts(n))) for n in names}
    assert sizes == {
        "arithmetic": 40,
        "business_tasks": 40,
        "factual_qa": 30,
        "python_functions": 16,
    }  # fmt: skip  (data/README.md's table)
    assert builtin_prompts("arithmetic.jsonl") == builtin_prompts("arithmetic")
    assert PROMPTS_DIR.parent.name == "campaign"  # inside the package, not the repo's data/


@pytest.mark.parametrize("bad", ["nope", "", "../prompts/arithmetic"])
def test_an_unknown_set_names_the_known_ones(bad: str) -> None:
    with pytest.raises(ValidationError, match="arithmetic"):
        builtin_prompts(bad)

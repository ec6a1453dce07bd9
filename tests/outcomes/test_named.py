"""Tables and routers by name, as a notebook parameter or a CLI flag gives them."""

from __future__ import annotations

from pathlib import Path

import pytest

from aigym.errors import ValidationError
from aigym.outcomes import (
    ROUTER_NAMES,
    TABLE_NAMES,
    KnnRouter,
    RidgeKnnRouter,
    check_outcomes_name,
    load_routellm,
    make_router,
    open_outcomes,
)


def test_shipped_names_open_the_shipped_tables() -> None:
    assert TABLE_NAMES == (
        "llmrouter", "routellm", "routellm:gsm8k", "routellm:mmlu", "routellm:mt_bench"
    )  # fmt: skip
    gsm = open_outcomes("RouteLLM:GSM8K")
    assert gsm.fingerprint() == load_routellm("gsm8k").fingerprint()
    assert gsm.tasks == ("gsm8k",)
    assert len(open_outcomes("llmrouter").models) == 9


def test_a_file_opens_with_the_canonical_columns(tmp_path: Path) -> None:
    path = tmp_path / "mine.parquet"
    small = load_routellm("gsm8k").split("test")
    small.frame.write_parquet(path)
    assert check_outcomes_name(str(path)) == path
    mine = open_outcomes(str(path))
    assert mine.item_ids() == small.item_ids() and mine.models == small.models


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("llmroutr", "did you mean 'llmrouter'"),
        ("routellm:gsm9k", "RouteLLM has gsm8k, mmlu, mt_bench"),
        ("missing.parquet", "no such file"),
        ("table.xlsx", "outcome file"),
    ],
)
def test_a_bad_table_name_says_what_exists(name: str, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        check_outcomes_name(name)
    with pytest.raises(ValidationError, match=match):
        open_outcomes(name)


def test_router_names_give_unfitted_routers_with_default_parameters() -> None:
    assert ROUTER_NAMES == ("knn", "ridge_knn")
    knn, ridge = make_router("knn"), make_router("Ridge-KNN")
    assert isinstance(knn, KnnRouter) and knn.get_params() == KnnRouter().get_params()
    assert isinstance(ridge, RidgeKnnRouter)
    assert ridge.get_params() == RidgeKnnRouter().get_params()
    with pytest.raises(ValidationError, match="did you mean 'knn'"):
        make_router("knnn")

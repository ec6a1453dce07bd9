"""OutcomeTable: validation at the edge, aligned matrices, subsets, cost estimates."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from aigym.errors import ValidationError
from aigym.outcomes import OutcomeTable, estimate_costs, read_outcomes


def _rows() -> list[dict[str, object]]:
    return [
        {"item_id": "q1", "prompt": "What is 2+2?", "model": "b/m", "score": 1.0, "task_type": "x"},
        {"item_id": "q1", "prompt": "What is 2+2?", "model": "a/m", "score": 0.0, "task_type": "x"},
        {
            "item_id": "q2",
            "prompt": "Name a colour",
            "model": "a/m",
            "score": 0.5,
            "task_type": "y",
        },
    ]


def test_matrices_align_to_item_ids_and_models() -> None:
    t = OutcomeTable.from_records(_rows())
    assert t.item_ids() == ("q1", "q2")
    assert t.models == ("a/m", "b/m")
    s = t.score_matrix()
    assert s.shape == (2, 2)
    assert s[0].tolist() == [0.0, 1.0]
    assert s[1, 0] == 0.5 and math.isnan(s[1, 1])
    assert not t.is_complete()
    assert t.complete().item_ids() == ("q1",)
    assert t.tasks == ("x", "y")
    assert len(t) == 3
    assert t.prompts() == ["What is 2+2?", "Name a colour"]
    assert t.frame["cost_estimated"].to_list() == [False] * 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"score": float("nan")}, "finite"),
        ({"score": float("inf")}, "finite"),
        ({"score": 7.0}, "0-1 scale"),
        ({"score": None}, "nulls"),
        ({"item_id": None}, "nulls"),
        ({"model": ""}, "non-empty"),
        ({"prompt": "another text"}, "one value across"),
    ],
)
def test_bad_rows_are_refused_with_a_fix(change: dict[str, object], message: str) -> None:
    rows = _rows()
    rows[1] = {**rows[1], **change}
    with pytest.raises(ValidationError, match=message):
        OutcomeTable.from_records(rows)


def test_duplicates_and_missing_columns_are_refused() -> None:
    rows = _rows()
    with pytest.raises(ValidationError, match="more than one row"):
        OutcomeTable.from_records([*rows, rows[0]])
    with pytest.raises(ValidationError, match="missing score"):
        OutcomeTable(pl.DataFrame({"item_id": ["a"], "prompt": ["p"], "model": ["m"]}))
    with pytest.raises(ValidationError, match="0 rows"):
        OutcomeTable(
            pl.DataFrame(
                schema={
                    "item_id": pl.String,
                    "prompt": pl.String,
                    "model": pl.String,
                    "score": pl.Float64,
                }
            )
        )
    with pytest.raises(ValidationError, match="cost_usd"):
        OutcomeTable.from_records([{**rows[0], "cost_usd": -1.0}])


def test_filter_split_and_select() -> None:
    rows = [{**r, "split": "train" if r["item_id"] == "q1" else "test"} for r in _rows()]
    t = OutcomeTable.from_records(rows)
    assert t.splits == ("test", "train")
    assert t.split("train").item_ids() == ("q1",)
    assert t.filter(pl.col("score") > 0.4).item_ids() == ("q1", "q2")
    assert t.filter(task_type=["y"]).models == ("a/m",)
    assert t.select_models(["b/m"]).item_ids() == ("q1",)
    with pytest.raises(ValidationError, match="splits are"):
        t.split("dev")
    with pytest.raises(ValidationError, match="selects no rows"):
        t.filter(task_type="nope")
    with pytest.raises(ValidationError, match="models are"):
        t.select_models(["c/m"])


def test_estimated_costs_use_chars_over_four_and_the_price_list() -> None:
    rows = _rows()
    rows[0] = {**rows[0], "response": "x" * 10, "cost_usd": None}
    rows[1] = {**rows[1], "cost_usd": 0.5}
    t = OutcomeTable.from_records(rows)
    prices = {"a/m": (1.0, 2.0), "b/m": (3.0, 4.0)}
    e = estimate_costs(t, prices, output_tokens=7)
    f = e.frame
    # row 0: ceil(12/4)=3 input tokens, ceil(10/4)=3 output tokens from the response
    assert f["cost_usd"][0] == pytest.approx((3 * 3.0 + 3 * 4.0) / 1e6)
    assert f["cost_usd"][1] == 0.5  # a known cost is kept
    # row 2: ceil(13/4)=4 input, the stated 7 output tokens
    assert f["cost_usd"][2] == pytest.approx((4 * 1.0 + 7 * 2.0) / 1e6)
    assert f["cost_estimated"].to_list() == [True, False, True]
    c = e.cost_matrix()
    assert c[0, 0] == 0.5 and c[1, 0] == f["cost_usd"][2]
    with pytest.raises(ValidationError, match="no price for this model"):
        estimate_costs(OutcomeTable.from_records([{**rows[2], "model": "nobody/knows"}]))


def test_registry_prices_when_no_list() -> None:
    t = OutcomeTable.from_records(
        [{"item_id": "1", "prompt": "abcd" * 10, "model": "openai/gpt-4o-mini", "score": 1}]
    )
    e = estimate_costs(t, output_tokens=100)
    from aigym.registry import get_model_registry

    spec = get_model_registry().get("openai/gpt-4o-mini")
    want = float(spec.calculate_cost(10, 100))
    assert e.frame["cost_usd"][0] == pytest.approx(want)


def test_read_outcomes_maps_columns_csv_and_parquet(tmp_path: Path) -> None:
    df = pl.DataFrame(
        {
            "question": ["hi there", "hi there", "bye"],
            "llm": ["a/m", "b/m", "a/m"],
            "correct": [1, 0, 1],
            "usd": [0.1, 0.2, 0.3],
        }
    )
    mapping = {"question": "prompt", "llm": "model", "correct": "score", "usd": "cost_usd"}
    for name in ("o.csv", "o.parquet"):
        path = tmp_path / name
        df.write_csv(path) if name.endswith(".csv") else df.write_parquet(path)
        t = read_outcomes(path, mapping)
        assert t.models == ("a/m", "b/m")
        assert len(t.item_ids()) == 2 and t.item_ids()[0].startswith("sha256:")
        assert np.nansum(t.cost_matrix()) == pytest.approx(0.6)
        assert not t.frame["cost_estimated"].any()
    with pytest.raises(ValidationError, match="does not have"):
        read_outcomes(tmp_path / "o.csv", {"nope": "prompt"})
    with pytest.raises(ValidationError, match="no such file"):
        read_outcomes(tmp_path / "missing.parquet")


def test_read_outcomes_wide() -> None:
    df = pl.DataFrame(
        {"item_id": ["1", "2"], "prompt": ["p", "q"], "a/m": [1.0, None], "b/m": [0.0, 1.0]}
    )
    t = read_outcomes(df, wide_models=["a/m", "b/m"], prices={"a/m": (1, 1), "b/m": (2, 2)})
    assert len(t) == 3
    assert t.score_matrix()[1].tolist()[1] == 1.0
    assert t.frame["cost_estimated"].all()


def test_fingerprint_names_the_data() -> None:
    a = OutcomeTable.from_records(_rows())
    b = OutcomeTable.from_records(list(reversed(_rows())))
    assert a.fingerprint() == b.fingerprint()
    rows = _rows()
    rows[2] = {**rows[2], "score": 0.25}
    assert OutcomeTable.from_records(rows).fingerprint() != a.fingerprint()

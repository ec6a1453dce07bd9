"""The shipped tables: row counts, splits and reference figures from the team's data README."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from aigym.errors import ValidationError
from aigym.outcomes import DATA_DIR, hash_split, llmrouter_prices, load_llmrouter, load_routellm
from aigym.registry import get_model_registry


def test_llmrouter_shape_split_and_reference_figures() -> None:
    t = load_llmrouter()
    assert len(t.models) == 9 and len(t.item_ids()) == 6108 and t.is_complete()
    assert t.splits == ("test", "train")
    test = t.split("test")
    assert len(test.item_ids()) == 500
    means = dict(zip(test.models, np.nanmean(test.score_matrix(), axis=0), strict=True))
    best = max(means, key=means.__getitem__)
    assert best == "nvidia/llama-3.1-nemotron-51b-instruct"
    assert means[best] == pytest.approx(0.563, abs=5e-4)
    assert np.max(test.score_matrix(), axis=1).mean() == pytest.approx(0.743, abs=5e-4)
    assert np.mean(test.score_matrix()) == pytest.approx(0.375, abs=5e-4)
    # every model id is a registry id; the original LLMRouter name is kept
    reg = get_model_registry()
    assert all(reg.get(m).id == m for m in t.models)
    assert "llama-3.1-8b-instruct" in t.frame["source_model"].to_list()


def test_llmrouter_costs_are_estimated_from_its_price_list() -> None:
    t = load_llmrouter("test")
    f = t.frame
    assert f["cost_estimated"].all()
    prices = llmrouter_prices()
    row = f.row(0, named=True)
    p_in, p_out = prices[row["model"]]
    assert row["input_tokens"] == -(-len(row["prompt"]) // 4)
    assert row["output_tokens"] == 256
    assert row["cost_usd"] == pytest.approx((row["input_tokens"] * p_in + 256 * p_out) / 1e6)
    csv = pl.read_csv(DATA_DIR / "llmrouter_model_prices.csv")
    assert prices["gemma-2-9b-it"] == (0.1, 0.1) == prices["google/gemma-2-9b-it"]
    assert csv.height == 14
    with pytest.raises(ValidationError, match="'train', 'test'"):
        load_llmrouter("dev")


def test_routellm_drops_contaminated_rows_and_matches_reference() -> None:
    mmlu = load_routellm("mmlu")
    assert len(mmlu.item_ids()) == 13936 and mmlu.is_complete()
    s = dict(zip(mmlu.models, np.mean(mmlu.score_matrix(), axis=0), strict=True))
    assert s["openai/gpt-4-1106-preview"] == pytest.approx(0.806, abs=5e-4)
    assert s["mistralai/mixtral-8x7b-instruct"] == pytest.approx(0.680, abs=5e-4)
    assert np.max(mmlu.score_matrix(), axis=1).mean() == pytest.approx(0.859, abs=5e-4)
    gsm = load_routellm("gsm8k")
    assert len(gsm.item_ids()) == 1315
    assert np.max(gsm.score_matrix(), axis=1).mean() == pytest.approx(0.930, abs=5e-4)
    assert len(load_routellm("gsm8k", include_contaminated=True).item_ids()) == 1319
    mt = load_routellm("mt_bench")
    assert float(mt.score_matrix().min()) >= 0.0 and float(mt.score_matrix().max()) == 1.0
    assert set(load_routellm().tasks) == {"gsm8k", "mmlu", "mt_bench"}
    with pytest.raises(ValidationError, match="mmlu"):
        load_routellm("hellaswag")


def test_routellm_split_is_the_documented_hash() -> None:
    t = load_routellm("gsm8k")
    items = t.items
    assert items["split"].to_list() == [hash_split(i) for i in items["item_id"]]
    share = float((items["split"] == "train").sum()) / items.height
    assert 0.65 < share < 0.75  # 70/30 by construction, up to sampling noise on 1,315 ids
    # the rule itself: sha256 prefix / 2**64 < 0.7
    assert hash_split("gsm8k:0", 1.0 - 1e-12) == "train"
    assert hash_split("gsm8k:0", 1e-12) == "test"
    assert (
        load_routellm("gsm8k", train_fraction=0.5).items["split"].to_list()
        != items["split"].to_list()
    )


def test_routellm_costs_use_registry_prices_and_response_length() -> None:
    t = load_routellm("gsm8k")
    reg = get_model_registry()
    row = t.frame.row(0, named=True)
    spec = reg.get(row["model"])
    raw = pl.read_parquet(DATA_DIR / "routellm_2model_outcomes.parquet").filter(
        (pl.col("item_id") == row["item_id"]) & (pl.col("model") == row["source_model"])
    )
    assert row["output_tokens"] == int(np.ceil(raw["response_chars"][0] / 4))
    want = float(spec.calculate_cost(row["input_tokens"], row["output_tokens"]))
    assert row["cost_usd"] == pytest.approx(want)
    assert load_routellm("mmlu").frame["output_tokens"].unique().to_list() == [1]

"""Routers: reference kNN vs a brute-force sklearn kNN, ties, save/load, the learned router."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from aigym.errors import ValidationError
from aigym.outcomes import KnnRouter, RidgeKnnRouter, Router, RouterPrediction, choose
from aigym.outcomes._persist import read_state, write_state
from aigym.outcomes._text import fit_tfidf, register_corpus

MODELS = ("big", "small")
WORDS = ["algebra", "integral", "python", "function", "poem", "story", "sonnet", "loop"]


def _table(n: int = 120, seed: int = 0) -> pl.DataFrame:
    """Math prompts: only `big` solves them; writing prompts: `small` does better."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        math = i % 2 == 0
        pool = WORDS[:4] if math else WORDS[4:]
        prompt = " ".join(rng.choice(pool, size=5)) + f" item{i % 7}"
        for model, price in (("big", 1e-3), ("small", 1e-4)):
            score = (1.0 if model == "big" else 0.0) if math else (0.6 if model == "big" else 1.0)
            rows.append(
                {
                    "item_id": f"i{i:04d}",
                    "prompt": prompt,
                    "model": model,
                    "score": score,
                    "cost_usd": price * (1 + len(prompt) / 100),
                    "task_type": "math" if math else "writing",
                    "split": "test" if i % 5 == 0 else "train",
                }
            )
    return pl.DataFrame(rows)


def test_choose_maximises_penalised_quality_and_breaks_ties_to_the_cheaper() -> None:
    quality = np.array([[0.5, 0.5, 0.4], [0.9, 0.5, 0.1], [0.6, 0.59, 0.0]])
    cost = np.array([[2.0, 1.0, 0.5], [2.0, 1.0, 0.5], [1.0, 0.9, 0.1]])
    assert choose(quality, cost).tolist() == [1, 0, 0]
    # knob 0.1 per dollar: row 2 utilities 0.5, 0.5, -0.01 -> tie -> cheaper (index 1)
    assert choose(quality, cost, 0.1).tolist() == [1, 0, 1]
    assert choose(quality, cost, 100.0).tolist() == [2, 2, 2]


def test_reference_knn_matches_a_brute_force_sklearn_knn() -> None:
    frame = _table(200, seed=3)
    train = frame.filter(pl.col("split") == "train")
    router = KnnRouter(k=5).fit(train)
    assert isinstance(router, Router)
    queries = frame.filter(pl.col("split") == "test")["prompt"].unique(maintain_order=True)
    pred = router.predict(queries.to_list())
    # brute force: sklearn vectorizer, cosine, the 5 largest similarities, per-model mean
    wide = train.pivot(on="model", index=["item_id", "prompt"], values="score").sort("item_id")
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    x_train = vec.fit_transform(wide["prompt"].to_list())
    sims = (vec.transform(queries.to_list()) @ x_train.T).toarray()
    scores = wide.select(MODELS).to_numpy()
    checked = 0
    for row, sim in enumerate(sims):
        top = np.sort(sim)[::-1][:5]
        kth = top[-1]
        if np.sum(sim >= kth) == 5:  # no tie at the k-th neighbour: the mean is unique
            expect = scores[np.argsort(-sim)[:5]].mean(axis=0)
            np.testing.assert_allclose(pred.quality[row], expect, atol=1e-9)
            checked += 1
    assert checked >= 10
    assert pred.models == MODELS


def test_routers_send_math_to_big_and_writing_to_small() -> None:
    frame = _table()
    for router in (KnnRouter(k=5), RidgeKnnRouter(alpha=1.0, k=10)):
        router.fit(frame)
        picks = router.route(["algebra integral python function loop", "poem story sonnet poem"])
        assert picks == ["big", "small"], type(router).__name__
        assert router.models_ == MODELS


def test_predicted_cost_follows_the_table_prices() -> None:
    frame = _table()
    pred = KnnRouter().fit(frame).predict(["x" * 100, "x" * 300])
    # cost_usd = price * (1 + chars / 100), recovered exactly by the linear cost model
    np.testing.assert_allclose(pred.cost[:, 0], [2e-3, 4e-3], rtol=1e-6)
    np.testing.assert_allclose(pred.cost[:, 1], [2e-4, 4e-4], rtol=1e-6)
    tidy = pred.frame()
    assert tidy.columns == ["row", "model", "predicted_quality", "predicted_cost_usd"]
    assert tidy.height == 4


@pytest.mark.parametrize("cls", [KnnRouter, RidgeKnnRouter])
def test_save_load_round_trip_keeps_predictions_and_table_hash(cls: type, tmp_path: Path) -> None:
    frame = _table()
    router = cls().fit(frame)
    path = router.save(tmp_path / "router.npz")
    loaded = cls.load(path)
    prompts = ["algebra loop", "poem story", "unseen words entirely"]
    a, b = router.predict(prompts), loaded.predict(prompts)
    np.testing.assert_allclose(a.quality, b.quality, atol=1e-12)
    np.testing.assert_allclose(a.cost, b.cost, atol=1e-15)
    assert loaded.table_hash_ == router.table_hash_
    other = cls().fit(_table(seed=1))
    assert other.table_hash_ != router.table_hash_


def test_load_refuses_another_format_version_or_kind(tmp_path: Path) -> None:
    path = KnnRouter().fit(_table()).save(tmp_path / "knn.npz")
    meta, arrays = read_state(path)
    write_state(tmp_path / "v99.npz", {**meta, "format_version": 99}, arrays)
    with pytest.raises(ValidationError, match="refit the router"):
        KnnRouter.load(tmp_path / "v99.npz")
    with pytest.raises(ValidationError, match="'knn' router"):
        RidgeKnnRouter.load(path)
    (tmp_path / "junk.npz").write_bytes(b"not a router")
    with pytest.raises(ValidationError, match="cannot read"):
        KnnRouter.load(tmp_path / "junk.npz")


def test_corpus_counts_give_the_same_tfidf_as_sklearn() -> None:
    pairs = zip(WORDS * 5, WORDS[::-1] * 5, strict=True)
    prompts = [f"{w} {v} item{i}" for i, (w, v) in enumerate(pairs)]
    params = {"ngram_range": (1, 2), "sublinear_tf": True, "min_df": 2}
    train = prompts[:30]
    vec = TfidfVectorizer(**params)
    expect = vec.fit_transform(train).toarray()
    register_corpus(prompts)
    tfidf, got = fit_tfidf(train, **params)
    np.testing.assert_allclose(got.toarray(), expect, atol=1e-6)
    np.testing.assert_allclose(
        tfidf.transform(prompts[30:]).toarray(), vec.transform(prompts[30:]).toarray(), atol=1e-6
    )


def test_incomplete_tables_and_bad_parameters_are_refused() -> None:
    frame = _table().filter(~((pl.col("item_id") == "i0003") & (pl.col("model") == "big")))
    with pytest.raises(ValidationError, match="every model scored"):
        KnnRouter().fit(frame)
    with pytest.raises(ValidationError, match="neighbour"):
        KnnRouter(k=0)
    with pytest.raises(ValidationError, match="share"):
        RidgeKnnRouter(knn_weight=2.0)


def test_prediction_is_a_frozen_record() -> None:
    pred = RouterPrediction(MODELS, np.zeros((1, 2)), np.ones((1, 2)))
    with pytest.raises(AttributeError):
        pred.models = ("x",)  # type: ignore[misc]
    assert pred.route() == ["big"]


def test_fast_char_analyzer_matches_sklearn() -> None:
    from aigym.outcomes._text import _fast_analyzer

    params = {"analyzer": "char_wb", "ngram_range": (2, 4), "sublinear_tf": True, "min_df": 3}
    fast = _fast_analyzer(params)
    assert fast is not None
    reference = TfidfVectorizer(**params).build_analyzer()
    texts = ["", "a", "ab  cd\t\nEF", "x y z", "ÀÉ ü", "  lead space", "Solve 2x + 3 = 7."]
    texts += [" ".join(WORDS[i:]) for i in range(len(WORDS))]
    for text in texts:
        assert fast(text) == reference(text), text
    assert _fast_analyzer({"ngram_range": (1, 2)}) is None  # word analyzers use sklearn's

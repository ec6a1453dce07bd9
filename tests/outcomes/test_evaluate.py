"""Metric functions on hand-built points with known answers, and evaluate_router end to end."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import polars as pl
import pytest

from aigym.errors import ValidationError
from aigym.outcomes import (
    KnnRouter,
    RidgeKnnRouter,
    RouterEvaluation,
    aiq,
    apgr,
    arena_score,
    cost_quality_figure,
    cpt,
    evaluate_router,
    pgr_curve,
    upper_hull,
)
from aigym.outcomes._metrics import bootstrap_weights, cost_at_quality, quality_at_cost
from tests.outcomes.test_routers import _table

matplotlib.use("Agg")


def test_upper_hull_drops_dominated_and_interior_points() -> None:
    cost = [0.0, 1.0, 2.0, 3.0, 1.5, 1.0]
    quality = [0.0, 0.5, 0.6, 0.55, 0.4, 0.3]
    hc, hq = upper_hull(cost, quality)
    assert hc.tolist() == [0.0, 1.0, 2.0]
    assert hq.tolist() == [0.0, 0.5, 0.6]
    # a point on the chord is not a vertex
    hc, _ = upper_hull([0, 1, 2], [0, 1, 2])
    assert hc.tolist() == [0.0, 2.0]


def test_hull_interpolation_both_ways() -> None:
    hc, hq = np.array([1.0, 3.0]), np.array([0.5, 0.9])
    assert quality_at_cost(hc, hq, 2.0) == pytest.approx(0.7)
    assert quality_at_cost(hc, hq, 10.0) == pytest.approx(0.9)  # flat beyond
    assert math.isnan(quality_at_cost(hc, hq, 0.5))  # cheaper than any mix
    assert cost_at_quality(hc, hq, 0.6) == pytest.approx(1.5)
    assert cost_at_quality(hc, hq, 0.1) == pytest.approx(1.0)
    assert math.isnan(cost_at_quality(hc, hq, 0.95))


def test_aiq_is_the_mean_hull_height_over_the_range() -> None:
    hc, hq = upper_hull([0.0, 1.0], [0.0, 1.0])
    # triangle 0..1 (area 0.5) + flat 1..2 (area 1) over a range of 2
    assert aiq(hc, hq, 0.0, 2.0) == pytest.approx(0.75)
    assert aiq(hc, hq, 0.0, 1.0) == pytest.approx(0.5)
    assert aiq(hc, hq, 0.5, 1.0) == pytest.approx(0.75)
    with pytest.raises(ValueError):
        aiq(hc, hq, 1.0, 1.0)


def test_apgr_and_cpt_on_a_known_two_model_table() -> None:
    strong = np.array([1.0, 1.0, 0.0, 1.0])
    weak = np.array([0.0, 1.0, 0.0, 0.0])
    # oracle order: items 0 and 3 first (gain 1 each), then the tied 1 and 2 (gain 0)
    share, pgr = pgr_curve(strong - weak, strong, weak)
    assert share.tolist() == [0.0, 0.5, 1.0]
    assert pgr.tolist() == [0.0, 1.0, 1.0]
    assert apgr(share, pgr) == pytest.approx(0.75)
    assert cpt(share, pgr, 0.5) == pytest.approx(0.25)
    assert cpt(share, pgr, 0.8) == pytest.approx(0.4)
    # a router with no information (all tied) is the diagonal: APGR 0.5, CPT(x) = x
    share, pgr = pgr_curve(np.zeros(4), strong, weak)
    assert apgr(share, pgr) == pytest.approx(0.5)
    assert cpt(share, pgr, 0.8) == pytest.approx(0.8)
    # bootstrap weights: item 0 twice, item 3 dropped -> q_strong 3/4... recomputed by hand
    share, pgr = pgr_curve(strong - weak, strong, weak, weights=[2, 1, 1, 0])
    assert share.tolist() == [0.0, 0.5, 1.0]
    assert pgr[-1] == pytest.approx(1.0)


def test_arena_score_follows_the_routerarena_formula() -> None:
    c_dollars_per_1000 = 1.0
    cost_score = (math.log2(200) - math.log2(c_dollars_per_1000)) / (
        math.log2(200) - math.log2(0.0044)
    )
    expect = 1.1 * 0.8 * cost_score / (0.1 * 0.8 + cost_score)
    assert arena_score(0.8, 0.001) == pytest.approx(expect)
    assert arena_score(0.8, 1e-9) == pytest.approx(1.1 * 0.8 / (0.08 + 1.0))  # C clipped to 1
    assert arena_score(0.8, 1.0) == 0.0  # $1,000 per 1,000 calls: C clipped to 0
    assert arena_score(1.0, 1e-9) == pytest.approx(1.0)


def test_bootstrap_weights_are_seeded_resample_counts() -> None:
    w = bootstrap_weights(50, 200, seed=4)
    assert w.shape == (200, 50)
    assert np.all(w.sum(axis=1) == 50)
    np.testing.assert_array_equal(w, bootstrap_weights(50, 200, seed=4))
    assert not np.array_equal(w, bootstrap_weights(50, 200, seed=5))


@pytest.fixture(scope="module")
def small_eval() -> RouterEvaluation:
    return evaluate_router(
        KnnRouter(k=5), _table(160), folds=4, seed=1, resamples=300, tune_folds=2, knobs=9
    )


def test_end_to_end_on_a_separable_table_reaches_the_oracle(small_eval: RouterEvaluation) -> None:
    ev = small_eval
    assert ev.n_items == 160 and ev.folds == 4 and ev.models == ("big", "small")
    summary = {r["policy"]: r for r in ev.summary.iter_rows(named=True)}
    # the prompts say which model wins: the kNN routes perfectly, as the per-task oracle does
    assert summary["oracle"]["quality"] == pytest.approx(1.0)
    assert summary["KnnRouter"]["quality"] == pytest.approx(1.0)
    assert summary["per_task_oracle"]["quality"] == pytest.approx(1.0)
    assert summary["best_single"]["quality"] == pytest.approx(0.8)  # big: 1.0 and 0.6
    assert summary["random"]["quality"] == pytest.approx(0.65)
    assert ev.best_single == "big"
    gap = ev.value("KnnRouter", "gap_closed")
    assert gap["value"] == pytest.approx(1.0)
    diff = ev.value("KnnRouter", "quality", versus="best_single")
    assert diff["difference"] == pytest.approx(0.2)
    assert 0.0 < diff["diff_low"] <= 0.2 <= diff["diff_high"]
    # router and reference are the same kNN here: the paired difference is exactly 0
    same = ev.value("KnnRouter", "aiq", versus="reference_knn")
    assert same["difference"] == 0.0 and same["diff_low"] == 0.0 and same["diff_high"] == 0.0
    assert ev.test is not None and ev.test.scheme == "fixed test split"
    assert ev.test.n_items == 32


def test_two_model_tables_report_apgr_cpt_next_to_random_and_oracle(
    small_eval: RouterEvaluation,
) -> None:
    ev = small_eval
    rand = ev.value("random", "apgr")["value"]
    assert rand == pytest.approx(0.5)
    router = ev.value("KnnRouter", "apgr", versus="random")
    oracle = ev.value("oracle", "apgr")["value"]
    assert router["value"] == pytest.approx(oracle)
    assert router["difference"] > 0.3 and router["diff_low"] > 0
    assert ev.value("KnnRouter", "cpt50")["value"] <= 0.5
    assert ev.value("random", "cpt80")["value"] == pytest.approx(0.8)


def test_tidy_frames_and_per_task_breakdown(small_eval: RouterEvaluation) -> None:
    ev = small_eval
    assert {"policy", "metric", "value", "low", "high", "versus", "difference"} <= set(
        ev.metrics.columns
    )
    tasks = ev.by_task.filter(pl.col("policy") == "best_single")
    got = dict(zip(tasks["task"], tasks["quality"], strict=True))
    assert got == pytest.approx({"math": 1.0, "writing": 0.6})
    curve = ev.curve.filter(pl.col("policy") == "KnnRouter")
    assert curve.height == 9 and curve["on_hull"].any()
    with pytest.raises(KeyError, match="have"):
        ev.value("KnnRouter", "nope")
    with pytest.raises(AttributeError):
        ev.router = "x"  # type: ignore[misc]


def test_cost_quality_figure_draws_into_a_given_axes(small_eval: RouterEvaluation) -> None:
    from matplotlib.figure import Figure

    fig = cost_quality_figure(small_eval)
    ax = fig.axes[0]
    assert "US$" in ax.get_xlabel() and "quality" in ax.get_ylabel()
    assert ax.get_title()
    outer = Figure()
    axes = outer.subplots(1, 2)
    assert small_eval.figure(ax=axes[1], title="mine") is outer
    assert axes[1].get_title() == "mine"
    assert len(axes[1].get_legend().get_texts()) >= 5


def test_the_knob_is_tuned_on_training_folds_only() -> None:
    # writing prompts: small costs 10x less at equal quality, so any tuned knob > 0 is harmless;
    # the test checks that evaluating twice gives identical results (no leakage of randomness)
    a = evaluate_router(RidgeKnnRouter(k=10), _table(80), folds=3, resamples=200, knobs=5)
    b = evaluate_router(RidgeKnnRouter(k=10), _table(80), folds=3, resamples=200, knobs=5)
    assert a.metrics.equals(b.metrics)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValidationError, match="folds"):
        evaluate_router(KnnRouter(), _table(20), folds=1)
    with pytest.raises(ValidationError, match="resamples"):
        evaluate_router(KnnRouter(), _table(20), resamples=10)
    with pytest.raises(ValidationError, match="baseline"):
        evaluate_router(KnnRouter(), _table(20), name="reference_knn")


def test_folds_none_evaluates_the_fixed_split_only() -> None:
    ev = evaluate_router(KnnRouter(k=5), _table(160), folds=None, resamples=200, knobs=5)
    assert ev.scheme == "fixed test split" and ev.n_items == 32 and ev.test is None
    with pytest.raises(ValidationError, match="fixed split"):
        evaluate_router(KnnRouter(), _table(40).drop("split"), folds=None, resamples=200)


def test_llmrouter_fixed_split_reproduces_the_notes_figures() -> None:
    """Real data end to end: the note measured best single 0.563, kNN 0.579, oracle 0.743."""
    from aigym.outcomes import load_llmrouter

    ev = evaluate_router(
        KnnRouter(), load_llmrouter(), folds=None, resamples=200, tune_folds=0, knobs=5
    )
    got = {r["policy"]: r["quality"] for r in ev.summary.iter_rows(named=True)}
    assert ev.n_items == 500 and ev.best_single.endswith("llama-3.1-nemotron-51b-instruct")
    assert got["best_single"] == pytest.approx(0.563, abs=5e-4)
    assert got["KnnRouter"] == pytest.approx(0.579, abs=5e-4)
    assert got["oracle"] == pytest.approx(0.743, abs=5e-4)
    assert got["random"] == pytest.approx(0.375, abs=5e-4)


@pytest.mark.slow
def test_llmrouter_ten_fold_cv_reproduces_the_issue_figures() -> None:
    """Issue 11: best single 0.617, kNN 0.627-0.628 (+0.011 [0.002, 0.020]), oracle 0.797."""
    from aigym.outcomes import load_llmrouter

    ev = evaluate_router(
        KnnRouter(), load_llmrouter(), resamples=1000, tune_folds=0, knobs=5, test_split=False
    )
    got = {r["policy"]: r["quality"] for r in ev.summary.iter_rows(named=True)}
    assert got["best_single"] == pytest.approx(0.617, abs=1e-3)
    assert got["oracle"] == pytest.approx(0.797, abs=1e-3)
    diff = ev.value("KnnRouter", "quality", versus="best_single")
    assert 0.005 < diff["difference"] < 0.02 and diff["diff_low"] > 0

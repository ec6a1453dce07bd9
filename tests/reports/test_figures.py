"""Report figures on hand-built data with known answers: the numbers, the captions' verdicts
(they flip when the data does) and the intervals (checked against scipy/statsmodels)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from matplotlib.figure import Figure
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from aigym.errors import ValidationError
from aigym.reports import (
    OKABE_ITO,
    caption_of,
    compare_runs,
    disagreements,
    error_rates,
    latency_quantiles,
    model_intervals,
    pairwise_differences,
    plot_campaign_progress,
    plot_error_rates,
    plot_latency_ecdf,
    plot_model_intervals,
    plot_pairwise_matrix,
    plot_quality_cost,
    plot_regression,
    table_of,
)

from .helpers import executions


def t_interval(x: np.ndarray) -> tuple[float, float]:
    lo, hi = sps.t.interval(0.95, x.size - 1, loc=x.mean(), scale=sps.sem(x))
    return float(lo), float(hi)


def test_clustered_intervals_are_wider_than_naive_when_repeats_correlate() -> None:
    # 5 repeats share each prompt's difficulty (sd 15) with little noise (sd 2): the calls are
    # not independent, so the interval must be taken over the 40 prompts, not the 200 calls.
    df = executions({"m": 0.0}, prompts=40, repeats=5, prompt_sd=15, noise_sd=2)
    row = model_intervals(df).row(0, named=True)
    assert row["clustered"] and row["n_prompts"] == 40 and row["n_calls"] == 200
    per_prompt = df.group_by("prompt_id").agg(pl.col("quality_score").mean())
    lo, hi = t_interval(per_prompt["quality_score"].to_numpy())
    assert row["ci_low"] == pytest.approx(lo, rel=1e-9) and row["ci_high"] == pytest.approx(hi)
    nlo, nhi = t_interval(df["quality_score"].to_numpy())
    assert row["naive_ci_low"] == pytest.approx(nlo) and row["naive_ci_high"] == pytest.approx(nhi)
    assert (hi - lo) > 1.8 * (nhi - nlo)  # ~sqrt(5) wider: the design effect of the repeats


def test_without_repeats_the_clustered_interval_is_the_naive_one() -> None:
    row = model_intervals(executions({"m": 0.0}, prompts=30)).row(0, named=True)
    assert not row["clustered"]
    assert row["ci_low"] == pytest.approx(row["naive_ci_low"])


def test_ranked_interval_caption_flips_with_the_data() -> None:
    data = executions({"a": 0.0, "b": 6.0}, prompts=80, seed=1)
    real = plot_model_intervals(data)
    assert isinstance(real, Figure)
    text = caption_of(real)
    diff = data.pivot(on="model_id", index="prompt_id", values="quality_score")
    res = sps.ttest_rel(diff["b"], diff["a"])
    lo, hi = res.confidence_interval(0.95)
    gap = float((diff["b"] - diff["a"]).mean())
    assert text.startswith("b ranks first") and f"b is {gap:.1f} points better than a" in text
    assert f"95% CI [{lo:.1f}, {hi:.1f}] on the same 80 prompts" in text
    assert "the difference is real at the 5% level" in text
    null = caption_of(plot_model_intervals(executions({"a": 0.0, "b": 0.0}, prompts=80, seed=1)))
    assert "no detectable difference" in null and "would detect 2 points" in null
    # The "would detect" size is statsmodels' paired t sample size for 2 points at 80% power.
    from statsmodels.stats.power import TTestPower

    df = executions({"a": 0.0, "b": 0.0}, prompts=80, seed=1)
    wide = df.pivot(on="model_id", index="prompt_id", values="quality_score")
    sd = float(np.std((wide["b"] - wide["a"]).to_numpy(), ddof=1))
    need = math.ceil(TTestPower().solve_power(effect_size=2 / sd, power=0.8, alpha=0.05))
    assert null.endswith(f"; {need:,} prompts would detect 2 points.")


def test_figures_have_titles_labels_and_the_okabe_ito_palette() -> None:
    fig = plot_model_intervals(executions({"a": 0.0, "b": 3.0}))
    ax = fig.axes[0]
    assert ax.get_title() and "interval over prompts" in ax.get_xlabel()
    colours = {line.get_color() for line in ax.get_lines()}
    assert colours <= set(OKABE_ITO)
    assert table_of(fig)["model_id"].to_list() == ["b", "a"]


def test_pairwise_matrix_uses_holm_over_all_pairs() -> None:
    df = executions({"a": 0.0, "b": 0.3, "c": 8.0}, prompts=50, seed=3)
    table = pairwise_differences(df)
    assert table.height == 3
    _, expected, _, _ = multipletests(table["p_value"].to_numpy(), method="holm")
    np.testing.assert_allclose(table["p_holm"].to_numpy(), expected, rtol=1e-9)
    verdict = {(r["model_a"], r["model_b"]): r["verdict"] for r in table.iter_rows(named=True)}
    assert verdict[("c", "b")] == "a better" and verdict[("c", "a")] == "a better"
    assert verdict[("b", "a")] == "no difference"
    # Paired on the shared prompts: the effect equals the mean per-prompt difference.
    wide = df.pivot(on="model_id", index="prompt_id", values="quality_score")
    row = table.filter((pl.col("model_a") == "c") & (pl.col("model_b") == "a")).row(0, named=True)
    assert row["paired"] and row["effect_b_minus_a"] == pytest.approx(
        float((wide["a"] - wide["c"]).mean())
    )
    fig = plot_pairwise_matrix(df)
    assert "2 of 3 pairs differ" in caption_of(fig) and "c beats" in caption_of(fig)
    none = plot_pairwise_matrix(executions({"a": 0.0, "b": 0.0, "c": 0.0}, seed=3))
    assert caption_of(none).startswith("No pair of the 3 models differs")


def test_frontier_flags_a_dominated_model_and_draws_both_intervals() -> None:
    costs = {"cheap": 0.001, "pricey": 0.01, "waste": 0.02}
    df = executions({"cheap": 0.0, "pricey": 10.0, "waste": 0.0}, costs=costs, seed=2)
    fig = plot_quality_cost(df)
    t = table_of(fig)
    flags = dict(zip(t["model_id"], t["on_frontier"], strict=True))
    assert flags == {"cheap": True, "pricey": True, "waste": False}
    assert (t["cost_low"] < t["usd_per_1k_calls"]).all() and (t["quality_low"] < t["quality"]).all()
    text = caption_of(fig)
    assert "dominated (a cheaper model is at least as good): waste" in text
    assert "pricey is 10.0 points better than cheap" in text or "pricey is" in text
    assert fig.axes[0].get_xlabel() == "cost (USD per 1,000 calls)"


def test_latency_quantiles_match_numpy_and_the_caption_names_the_fastest() -> None:
    df = executions({"a": 0.0, "b": 0.0}, prompts=200, seed=4)
    df = df.with_columns(
        pl.when(pl.col("model_id") == "b")
        .then(pl.col("latency_ms") * 3)
        .otherwise(pl.col("latency_ms"))
    )
    q = latency_quantiles(df).filter((pl.col("model_id") == "a") & (pl.col("quantile") == 0.5))
    a = df.filter(pl.col("model_id") == "a")["latency_ms"].to_numpy()
    assert q["latency_ms"][0] == pytest.approx(float(np.quantile(a, 0.5, method="inverted_cdf")))
    text = caption_of(plot_latency_ecdf(df))
    assert (
        text.startswith("a is fastest") and "b is slowest" in text and "a real difference" in text
    )


def test_error_rates_by_type_with_wilson_intervals_and_a_verdict() -> None:
    df = executions({"flaky": 0.0, "solid": 0.0}, prompts=400, seed=5)
    flaky = (pl.col("model_id") == "flaky") & (pl.int_range(pl.len()) % 10 == 0)
    df = df.with_columns(
        pl.when(flaky).then(pl.lit("error")).otherwise(pl.col("status")).alias("status"),
        pl.when(flaky).then(pl.lit("timeout")).otherwise(None).alias("error_type"),
    )
    t = error_rates(df)
    row = t.filter((pl.col("model_id") == "flaky") & (pl.col("error_type") == "all")).row(
        0, named=True
    )
    assert row["errors"] == 40 and row["rate_pct"] == pytest.approx(10.0)
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(40, 400, method="wilson")
    assert row["low_pct"] == pytest.approx(100 * lo) and row["high_pct"] == pytest.approx(100 * hi)
    text = caption_of(plot_error_rates(df))
    assert text.startswith("flaky fails most: 10.0% of 400 calls") and "mostly timeout" in text
    assert "a real difference" in text
    clean = caption_of(plot_error_rates(executions({"a": 0.0}, prompts=50)))
    assert clean.startswith("No errors in 50 calls")


def test_disagreements_show_the_most_divided_prompts_side_by_side() -> None:
    df = executions({"a": 0.0, "b": 0.0}, prompts=20, noise_sd=0.0, seed=6)
    df = df.with_columns(
        pl.when((pl.col("model_id") == "b") & (pl.col("prompt_id") == "factual_qa-007"))
        .then(0.0)
        .otherwise(pl.col("quality_score"))
        .alias("quality_score")
    )
    top = disagreements(df, n=3)
    assert top["prompt_id"][0] == "factual_qa-007" and top.height == 3
    assert top["b score"][0] == 0.0 and top["a output"][0].startswith("a answer 7")
    assert {"a output", "b output", "prompt", "spread"} <= set(top.columns)


def test_regression_verdict_flips_and_counts_flipped_prompts() -> None:
    before = executions({"a": 0.0, "b": 0.0}, prompts=60, seed=7)
    jitter = np.random.default_rng(8).normal(0, 1, before.height)
    after = before.with_columns(
        pl.when(pl.col("model_id") == "a")
        .then(pl.col("quality_score") - 6 + pl.Series(jitter))
        .otherwise(pl.col("quality_score"))
    )
    report = compare_runs(after, before)
    cell = report.changes.filter(pl.col("model_id") == "a").row(0, named=True)
    drop = float(
        before.filter(pl.col("model_id") == "a")["quality_score"].mean()
        - after.filter(pl.col("model_id") == "a")["quality_score"].mean()
    )
    assert cell["change"] == pytest.approx(-drop) and cell["verdict"] == "regressed"
    assert report.regressed
    assert report.verdict.startswith(f"Regression: a on factual_qa dropped {drop:.1f}")
    pa, pb = before.filter(pl.col("model_id") == "a"), after.filter(pl.col("model_id") == "a")
    down = int(((pa["quality_score"] >= 50) & (pb["quality_score"] < 50)).sum())
    up = int(((pa["quality_score"] < 50) & (pb["quality_score"] >= 50)).sum())
    assert (report.flips["flip"] == "right -> wrong").sum() == down > 0
    assert (report.flips["flip"] == "wrong -> right").sum() == up
    same = compare_runs(before, before)
    assert not same.regressed and same.verdict.startswith("No detectable change")
    assert caption_of(plot_regression(report)) == report.verdict


def test_campaign_progress_counts_calls_and_spend() -> None:
    df = executions({"a": 0.0, "b": 0.0}, prompts=10)
    fig = plot_campaign_progress(df)
    t = table_of(fig)
    last = t.group_by("model_id").agg(pl.all().last()).sort("model_id")
    assert last["calls"].to_list() == [10, 10]
    assert last["spend_usd"].sum() == pytest.approx(df["cost_usd"].sum())
    assert caption_of(fig).startswith("20 calls (0 errors)")


def test_figures_draw_on_a_given_axes_and_refuse_bad_input() -> None:
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_model_intervals(executions({"a": 0.0}), ax=ax) is fig
    with pytest.raises(ValidationError, match="needs columns"):
        plot_model_intervals(pl.DataFrame({"x": [1]}))
    with pytest.raises(ValidationError):
        caption_of(Figure())


def test_a_shift_identical_on_every_prompt_is_undetermined_not_no_change() -> None:
    before = executions({"a": 0.0}, prompts=5, noise_sd=0.0)
    report = compare_runs(before.with_columns(pl.col("quality_score") - 10), before)
    assert report.changes["verdict"].to_list() == ["undetermined"]
    assert "could not be tested" in report.verdict and not report.regressed

"""Clustered intervals wherever prompts repeat: the tracker's stats, comparison, dashboard
and savings (Miller 2024), end to end through the store, and their error rates simulated.

The A/A bake-off: 100 prompts x 5 repeats per model, each model with its own per-prompt
effect (sd 10) and call noise (sd 3.3), so repeats of a prompt correlate at about 0.9.
Per-row statistics treat the 500 calls as independent; the clustered ones rest on the 100
prompts. The simulation feeds the same pure functions the tracker's calls use
(`stats_from_row`, `find_savings`) with the sums its queries return; the end-to-end tests
check that the store path gives exactly those sums.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm

from aigym.records import Execution, TaskMetrics
from aigym.stats import ClusterTotals, cluster_difference, cluster_mean
from aigym.store import ParquetStore
from aigym.tracking import MetricTracker, make_window
from aigym.tracking._savings import find_savings
from aigym.tracking._stats import stats_from_row
from tests.tracking.helpers import UNTIL, at

TASK = "email_writing"
EXPENSIVE, CHEAP = "openai/gpt-4o", "openai/gpt-4o-mini"
PROMPTS, REPEATS = 100, 5


def _bakeoff(rng: np.random.Generator, shift: float = 0.0, prompts: int = PROMPTS):
    """Quality of (expensive, cheap) per call, prompt labels; cheap's mean moved by `shift`."""
    clusters = np.repeat(np.arange(prompts), REPEATS)
    out = []
    for s in (0.0, shift):
        effect = rng.normal(0, 10, prompts)
        out.append(50 + s + effect[clusters] + rng.normal(0, 3.3, clusters.size))
    return out[0], out[1], clusters


def _write(store: ParquetStore, values: np.ndarray, clusters: np.ndarray, model: str, cost: float,
           *, keyed: bool = True) -> None:  # fmt: skip
    rows = [
        Execution.from_metrics(
            TaskMetrics(
                model_id=model, task_type=TASK, prompt_tokens=100, completion_tokens=10,
                latency_ms=100.0, cost_usd=cost, quality_score=float(v),
                prompt_id=f"p{c}" if keyed else None,
            ),
            timestamp=at(5 - (i % 4), i),  # prompts spread over several days
        )
        for i, (v, c) in enumerate(zip(values, clusters, strict=True))
    ]  # fmt: skip
    store.append("executions", rows)


def test_model_stats_interval_is_cluster_robust_and_counts_prompts(
    store: ParquetStore, tracker: MetricTracker
) -> None:
    a, b, clusters = _bakeoff(np.random.default_rng(1), prompts=30)
    _write(store, a, clusters, EXPENSIVE, 0.01)
    _write(store, b, clusters, CHEAP, 0.001)
    s = tracker.get_model_stats(store, EXPENSIVE, TASK, until=UNTIL)
    fit = sm.OLS(a, np.ones_like(a)).fit(
        cov_type="cluster", cov_kwds={"groups": clusters}, use_t=True
    )
    assert s.n_scored == 150 and s.n_quality_clusters == 30 and s.quality_clustered
    assert s.avg_quality_score == pytest.approx(float(fit.params[0]))
    assert s.quality_interval == pytest.approx(tuple(fit.conf_int(0.05)[0]), rel=1e-9)
    assert "of 30 prompts" in repr(s) and "clustered on prompts" in repr(s)
    row = s.to_polars().row(0, named=True)
    assert row["n_quality_clusters"] == 30 and row["n_executions"] == 150

    comparison = tracker.get_task_comparison(store, TASK, until=UNTIL)
    assert comparison[CHEAP].quality_interval == pytest.approx(
        cluster_mean(b, clusters).interval, rel=1e-9
    )
    frame = comparison.to_polars()
    assert frame["n_quality_clusters"].to_list() == [30, 30]


def test_dashboard_and_savings_are_cluster_robust(
    store: ParquetStore, tracker: MetricTracker
) -> None:
    a, b, clusters = _bakeoff(np.random.default_rng(2), prompts=30)
    _write(store, a, clusters, EXPENSIVE, 0.01)
    _write(store, b, clusters, CHEAP, 0.001)
    d = tracker.dashboard(store, until=UNTIL)
    # one task: a prompt answered by both models is one cluster
    ref = cluster_mean(np.r_[a, b], np.r_[clusters, clusters])
    assert d.quality_interval == pytest.approx(ref.interval, rel=1e-9)
    assert d.n_scored == 300 and d.n_quality_clusters == 30 and d.quality_clustered
    by_task = d.to_polars("quality_by_task").row(0, named=True)
    assert by_task["n_quality_clusters"] == 30 and by_task["n_scored"] == 300

    analysis = tracker.get_cost_analysis(store, until=UNTIL, margin=2.0)
    (test,) = analysis.savings_tests
    ref_d = cluster_difference(a, clusters, b, clusters + 1000)  # independent arms
    assert test.quality_method == "cluster_robust_welch_t"
    assert (test.n_clusters_current, test.n_clusters_suggested) == (30, 30)
    assert test.quality_difference == pytest.approx(ref_d.effect)
    assert test.quality_lower_bound == pytest.approx(ref_d.lower_bound(), rel=1e-9)
    assert test.p_value == pytest.approx(ref_d.p_value_above(-2.0), rel=1e-9)
    savings = analysis.to_polars("savings")
    assert savings["n_clusters_current"].to_list() == [30]
    cell = analysis.by_model_task.filter(model_id=CHEAP).row(0, named=True)
    assert cell["q_clusters"] == 30 and cell["q_n"] == 150


def test_without_prompt_keys_every_row_is_its_own_cluster(
    store: ParquetStore, tracker: MetricTracker
) -> None:
    a, b, clusters = _bakeoff(np.random.default_rng(3), prompts=10)
    _write(store, a, clusters, EXPENSIVE, 0.01, keyed=False)
    _write(store, b, clusters, CHEAP, 0.001, keyed=False)
    s = tracker.get_model_stats(store, EXPENSIVE, TASK, until=UNTIL)
    assert s.n_quality_clusters == 50 and not s.quality_clustered
    assert s.quality_interval == pytest.approx(cluster_mean(a, np.arange(50)).interval)
    (test,) = tracker.get_cost_analysis(store, until=UNTIL).savings_tests
    assert test.quality_method == "welch_t" and test.n_clusters_current == 50


# --------------------------------------------------------------------------- simulation


def _row(values: np.ndarray) -> dict[str, float | int]:
    return {"n": values.size, "q_n": values.size, "q_sum": float(values.sum()),
            "q_sq": float(values @ values)}  # fmt: skip


def _cluster_row(values: np.ndarray, clusters: np.ndarray) -> dict[str, float | int]:
    m = ClusterTotals.from_values(values, clusters).moments()
    return {"q_clusters": m.n_clusters, "q_css": m.sum_cluster_sq,
            "q_cns": m.sum_cluster_cross, "q_cnn": m.sum_cluster_n_sq}  # fmt: skip


def _savings_frame(a, b, clusters, *, clustered: bool):
    import polars as pl

    rows = []
    for model, v, cost in ((EXPENSIVE, a, 0.01), (CHEAP, b, 0.001)):
        r: dict[str, object] = {"task_type": TASK, "model_id": model, "n_error": 0,
                                "cost_sum": cost * v.size, "cost_sq": cost * cost * v.size,
                                **_row(v)}  # fmt: skip
        if clustered:
            r.update(_cluster_row(v, clusters))
        rows.append(r)
    return pl.DataFrame(rows)


def _simulate(sims: int, seed: int) -> dict[str, float]:
    from aigym.stats import ClusterMoments

    rng = np.random.default_rng(seed)
    window = make_window(30, UNTIL)
    cover = cover_naive = switch = switch_naive = 0
    for _ in range(sims):
        # Savings at the null's boundary: the cheap model is truly worse by the margin (2).
        a, b, clusters = _bakeoff(rng, shift=-2.0)
        for clustered in (True, False):
            (t,) = find_savings(_savings_frame(a, b, clusters, clustered=clustered), margin=2.0)
            if clustered:
                switch += t.recommended
            else:
                switch_naive += t.recommended
        # The tracker's quality interval for one model: does it cover the true mean (50)?
        m = ClusterTotals.from_values(a, clusters).moments()
        s = stats_from_row(_row(a), model_id=EXPENSIVE, task_type=TASK, window=window,
                           quality_source="", confidence=0.95, clusters=m)  # fmt: skip
        lo, hi = s.quality_interval
        cover += lo <= 50 <= hi
        naive = ClusterMoments(a.size, float(a.sum()), a.size, float(a @ a), float(a.sum()),
                               float(a.size))  # fmt: skip
        s0 = stats_from_row(_row(a), model_id=EXPENSIVE, task_type=TASK, window=window,
                            quality_source="", confidence=0.95, clusters=naive)  # fmt: skip
        lo0, hi0 = s0.quality_interval
        cover_naive += lo0 <= 50 <= hi0
    return {"switch": switch / sims, "switch_naive": switch_naive / sims,
            "miss": 1 - cover / sims, "miss_naive": 1 - cover_naive / sims}  # fmt: skip


def _check(rates: dict[str, float], sims: int) -> None:
    mc = 3 * math.sqrt(0.05 * 0.95 / sims)  # 3 Monte Carlo standard errors
    assert rates["switch"] <= 0.05 + mc, rates  # one-sided test at 5%
    assert rates["miss"] <= 0.05 + mc, rates  # 95% interval misses the truth
    assert rates["miss"] >= 0.05 - mc, rates  # and is not wildly conservative
    assert rates["switch_naive"] > 0.15, rates  # per-row: about 22% one-sided
    assert rates["miss_naive"] > 0.25, rates  # per-row: about 36% two-sided


def test_aa_bakeoff_keeps_the_error_rates_small() -> None:
    sims = 300
    _check(_simulate(sims, seed=20261203), sims)


@pytest.mark.slow
def test_aa_bakeoff_keeps_the_error_rates() -> None:
    sims = 8000  # 20-40 s; measured: switch 4.9%, miss 5.1% (per-row: 22.9%, 36.4%)
    rates = _simulate(sims, seed=13)
    print(rates)
    _check(rates, sims)


def test_window_sums_match_the_simulated_sums(store: ParquetStore) -> None:
    """The simulation's inputs are what the store path computes (no rounding, no loss)."""
    from aigym.tracking._query import cluster_query

    a, _, clusters = _bakeoff(np.random.default_rng(4), prompts=12)
    _write(store, a, clusters, EXPENSIVE, 0.01)
    lf, _ = cluster_query(store, make_window(30, UNTIL), task_type=TASK)
    got = lf.collect().row(0, named=True)
    want = {**_row(a), **_cluster_row(a, clusters)}
    for k in ("q_n", "q_sum", "q_clusters", "q_css", "q_cns", "q_cnn"):
        assert got[k] == pytest.approx(want[k], rel=1e-12), k
    assert got["q_n"] == 60

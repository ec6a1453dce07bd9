"""Cluster-robust means and differences, against statsmodels and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats as sps

from aigym.errors import ValidationError
from aigym.stats import (
    ClusterTotals,
    cluster_difference,
    cluster_mean,
    clustered_difference,
    clustered_mean,
)


def _clustered_data(seed: int, prompts: int = 40, repeats: int = 5, unequal: bool = False):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 2 * repeats, prompts) if unequal else np.full(prompts, repeats)
    effect = rng.normal(0, 10, prompts)
    clusters = np.repeat(np.arange(prompts), sizes)
    values = 70 + effect[clusters] + rng.normal(0, 3, clusters.size)
    return values, clusters


@pytest.mark.parametrize(("seed", "unequal"), [(1, False), (2, True), (3, True)])
def test_mean_matches_statsmodels_ols_cluster(seed: int, unequal: bool) -> None:
    values, clusters = _clustered_data(seed, unequal=unequal)
    fit = sm.OLS(values, np.ones_like(values)).fit(
        cov_type="cluster", cov_kwds={"groups": clusters}, use_t=True
    )
    r = cluster_mean(values, clusters, 0.95)
    assert r.mean == pytest.approx(float(fit.params[0]), rel=1e-12)
    assert r.se == pytest.approx(float(fit.bse[0]), rel=1e-9)
    lo, hi = fit.conf_int(alpha=0.05)[0]
    assert (r.ci_low, r.ci_high) == pytest.approx((lo, hi), rel=1e-9)
    assert r.n == values.size and r.n_clusters == 40 and r.df == 39


def test_one_row_per_cluster_is_the_naive_t_interval() -> None:
    x = np.random.default_rng(4).normal(5, 2, 30)
    r = cluster_mean(x, np.arange(30), 0.9)
    assert r.se == pytest.approx(x.std(ddof=1) / math.sqrt(30), rel=1e-12)
    lo, hi = sps.t.interval(0.9, 29, loc=x.mean(), scale=sps.sem(x))
    assert r.interval == pytest.approx((lo, hi), rel=1e-12)


def test_repeats_widen_the_interval_over_the_naive_one() -> None:
    values, clusters = _clustered_data(5)
    naive = values.std(ddof=1) / math.sqrt(values.size)
    assert cluster_mean(values, clusters).se > 1.8 * naive  # ICC ~ 0.9, 5 repeats


def test_totals_from_sums_equal_totals_from_values() -> None:
    values, clusters = _clustered_data(6, unequal=True)
    t = ClusterTotals.from_values(values, clusters)
    labels, counts = np.unique(clusters, return_counts=True)
    sums = [values[clusters == g].sum() for g in labels]
    u = ClusterTotals.from_arrays(labels.tolist(), counts.tolist(), sums)
    mu, mt = clustered_mean(u), clustered_mean(t)
    assert (mu.mean, mu.se, mu.n, mu.n_clusters) == pytest.approx(
        (mt.mean, mt.se, mt.n, mt.n_clusters)
    )
    assert t.repeated and t.n == values.size and t.n_clusters == 40


def test_paired_difference_is_a_paired_t_on_per_prompt_means() -> None:
    values, clusters = _clustered_data(7)
    rng = np.random.default_rng(8)
    b_values = values + 1.0 + rng.normal(0, 3, values.size)
    r = cluster_difference(values, clusters, b_values, clusters)
    assert r.paired and r.method == "cluster_paired_t" and r.n_shared_clusters == 40
    ma = np.array([values[clusters == g].mean() for g in range(40)])
    mb = np.array([b_values[clusters == g].mean() for g in range(40)])
    ref = sps.ttest_rel(mb, ma)
    assert r.statistic == pytest.approx(ref.statistic, rel=1e-10)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    ci = ref.confidence_interval(0.95)
    assert r.interval == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert r.effect == pytest.approx(float((mb - ma).mean()))


def test_unpaired_difference_adds_the_cluster_robust_variances() -> None:
    a_values, a_clusters = _clustered_data(9)
    b_values, b_clusters = _clustered_data(10, prompts=30)
    b_clusters = b_clusters + 1000  # no shared prompts
    r = cluster_difference(a_values, a_clusters, b_values, b_clusters, 0.95)
    assert not r.paired and r.n_shared_clusters == 0
    # statsmodels: OLS on an arm indicator, clustered by prompt (separate intercepts: the
    # same point estimate; its SE pools the small-sample factor, so compare the sum of parts).
    ma, mb = cluster_mean(a_values, a_clusters), cluster_mean(b_values, b_clusters)
    assert r.effect == pytest.approx(mb.mean - ma.mean)
    assert r.se == pytest.approx(math.hypot(ma.se, mb.se), rel=1e-12)
    x = np.r_[np.zeros(a_values.size), np.ones(b_values.size)]
    fit = sm.OLS(np.r_[a_values, b_values], sm.add_constant(x)).fit(
        cov_type="cluster", cov_kwds={"groups": np.r_[a_clusters, b_clusters]}
    )
    assert r.effect == pytest.approx(float(fit.params[1]), rel=1e-10)
    assert r.se == pytest.approx(float(fit.bse[1]), rel=0.03)  # the G/(G-1) factors differ
    # Welch-Satterthwaite on cluster counts
    ua, ub = ma.se**2, mb.se**2
    assert r.df == pytest.approx((ua + ub) ** 2 / (ua**2 / 39 + ub**2 / 29))


def test_unpaired_one_row_per_cluster_is_welch() -> None:
    rng = np.random.default_rng(11)
    a, b = rng.normal(0, 1, 25), rng.normal(0.5, 2, 35)
    r = cluster_difference(a, np.arange(25), b, np.arange(100, 135))
    ref = sps.ttest_ind(b, a, equal_var=False)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert r.interval == pytest.approx(tuple(ref.confidence_interval(0.95)), rel=1e-9)


def test_non_inferiority_helpers() -> None:
    values, clusters = _clustered_data(12)
    r = cluster_difference(values, clusters, values - 0.5, clusters, paired=True)
    # a constant shift: zero variance of differences
    assert r.se == pytest.approx(0.0, abs=1e-12) or math.isnan(r.p_value_above(-2.0))
    rng = np.random.default_rng(13)
    r = cluster_difference(values, clusters, values + rng.normal(0, 1, values.size), clusters)
    t = (r.effect + 2.0) / r.se
    assert r.p_value_above(-2.0) == pytest.approx(sps.t.sf(t, r.df), rel=1e-9)
    assert r.lower_bound() == pytest.approx(r.effect - sps.t.ppf(0.95, r.df) * r.se)


def test_degenerate_and_bad_input() -> None:
    one = cluster_mean([1.0, 2.0, 3.0], ["p", "p", "p"])
    assert one.mean == 2.0 and math.isnan(one.se) and one.n_clusters == 1
    with pytest.raises(ValidationError, match="one cluster label per value"):
        cluster_mean([1.0, 2.0], ["a"])
    with pytest.raises(ValidationError, match="NaN"):
        cluster_mean([1.0, math.nan], ["a", "b"])
    with pytest.raises(ValidationError, match="each cluster label once"):
        ClusterTotals.from_arrays(["a", "a"], [1, 1], [1.0, 2.0])
    with pytest.raises(ValidationError, match="confidence"):
        clustered_difference(
            ClusterTotals.from_values([1, 2], [0, 1]),
            ClusterTotals.from_values([1, 2], [0, 1]),
            1.5,
        )


def test_aa_false_positive_rate_with_repeats() -> None:
    """100 prompts x 5 repeats, A/A: clustered tests keep ~5%, per-row Welch does not."""
    rng = np.random.default_rng(2024)
    sims, prompts, repeats = 300, 100, 5
    clusters = np.repeat(np.arange(prompts), repeats)
    paired_fp = unpaired_fp = naive_fp = 0
    for _ in range(sims):
        effect_a = rng.normal(0, 10, prompts)
        effect_b = rng.normal(0, 10, prompts)  # unpaired: different prompt draws per arm
        a = 70 + effect_a[clusters] + rng.normal(0, 3, clusters.size)
        b_same = 70 + effect_a[clusters] + rng.normal(0, 3, clusters.size)
        b_other = 70 + effect_b[clusters] + rng.normal(0, 3, clusters.size)
        paired_fp += cluster_difference(a, clusters, b_same, clusters).p_value < 0.05
        unpaired_fp += cluster_difference(a, clusters, b_other, clusters + prompts).p_value < 0.05
        naive_fp += sps.ttest_ind(b_other, a, equal_var=False).pvalue < 0.05
    mc = 3 * math.sqrt(0.05 * 0.95 / sims)
    assert paired_fp / sims <= 0.05 + mc
    assert unpaired_fp / sims <= 0.05 + mc
    assert naive_fp / sims > 0.2  # per-row treatment: ~36%


def test_moments_give_the_same_mean_and_add_across_disjoint_groups() -> None:
    from aigym.stats import ClusterMoments

    values, clusters = _clustered_data(14, unequal=True)
    t = ClusterTotals.from_values(values, clusters)
    m = t.moments()
    assert isinstance(m, ClusterMoments) and m.repeated
    a, b = clustered_mean(t), clustered_mean(m)
    assert (b.mean, b.se, b.ci_low, b.n_clusters) == pytest.approx(
        (a.mean, a.se, a.ci_low, a.n_clusters), rel=1e-9
    )
    half = clusters < 20
    m1 = ClusterTotals.from_values(values[half], clusters[half]).moments()
    m2 = ClusterTotals.from_values(values[~half], clusters[~half]).moments()
    assert clustered_mean(m1 + m2).se == pytest.approx(a.se, rel=1e-9)
    other = ClusterTotals.from_values(values + 1, clusters + 100)
    d1 = clustered_difference(t, other)
    d2 = clustered_difference(m, other.moments())
    assert not d1.paired and (d2.effect, d2.se, d2.df) == pytest.approx((d1.effect, d1.se, d1.df))
    with pytest.raises(ValidationError, match="pairing needs"):
        clustered_difference(m, other.moments(), paired=True)

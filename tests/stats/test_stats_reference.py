"""Every p-value and interval against scipy / statsmodels, arguments pinned, to 1e-6 relative.

Cases: equal and unequal n, tiny n, a huge effect (log-scale p comparison), skewed lognormal
cost, a paired design, a perfect 10/10 arm, one- and two-sided alternatives.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats import contingency_tables, proportion
from statsmodels.stats.multitest import multipletests

from aigym.stats import (
    PairedStats,
    ProportionStats,
    SampleStats,
    StatsConfig,
    adjust_p_values,
    benjamini_hochberg,
    fisher_exact,
    geometric_mean_ratio,
    holm,
    mann_whitney,
    mcnemar,
    mean_interval,
    newcomb_interval,
    non_inferiority,
    paired_t,
    sample_ratio_mismatch,
    two_proportion_z,
    welch_t,
    wilcoxon,
    wilson_interval,
)
from tests.stats.helpers import assert_close, assert_interval_close, assert_p_close

ALTS = ["two-sided", "greater", "less"]
SM_ALT = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}


def _datasets():
    rng = np.random.default_rng(7)
    return {
        "equal_n": (rng.normal(10, 2, 60), rng.normal(10.8, 2, 60)),
        "unequal_n": (rng.normal(5, 1, 25), rng.normal(5.6, 3, 300)),
        "tiny_n": (np.array([1.0, 2.5, 2.0]), np.array([3.0, 2.2, 4.1, 3.3])),
        "huge_effect": (rng.normal(0, 1, 200), rng.normal(8, 1, 200)),
        "lognormal_cost": (rng.lognormal(-4, 1.2, 400), rng.lognormal(-4.2, 1.0, 350)),
    }


DATA = _datasets()


@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("alt", ALTS)
def test_welch_matches_scipy(name, alt):
    a, b = DATA[name]
    res = welch_t(
        SampleStats.from_values(a), SampleStats.from_values(b), StatsConfig(alternative=alt)
    )
    ref = sps.ttest_ind(b, a, equal_var=False, alternative=alt)
    assert res.status == "ok"
    assert_close(res.effect, b.mean() - a.mean(), 1e-9)
    assert_close(res.statistic, ref.statistic)
    assert_p_close(res.p_value, ref.pvalue)
    assert_close(res.df, ref.df)
    assert_interval_close(res.interval, ref.confidence_interval(0.95))


def test_welch_confidence_level_is_pinned():
    a, b = DATA["unequal_n"]
    res = welch_t(
        SampleStats.from_values(a), SampleStats.from_values(b), StatsConfig(confidence=0.9)
    )
    ref = sps.ttest_ind(b, a, equal_var=False).confidence_interval(0.9)
    assert_interval_close(res.interval, ref)


def test_welch_identical_arms():
    a = DATA["equal_n"][0]
    res = welch_t(SampleStats.from_values(a), SampleStats.from_values(a.copy()))
    assert res.effect == 0 and res.status == "ok"
    assert_close(res.p_value, sps.ttest_ind(a, a, equal_var=False).pvalue)


@pytest.mark.parametrize("alt", ALTS)
def test_mean_interval_and_non_inferiority_match_scipy(alt):
    a, b = DATA["unequal_n"]
    sa, sb = SampleStats.from_values(a), SampleStats.from_values(b)
    ci = mean_interval(sb, 0.95)
    ref = sps.ttest_1samp(b, 0.0).confidence_interval(0.95)
    assert_interval_close(ci.interval, ref)
    margin = 0.4
    hi = non_inferiority(sa, sb, margin)  # higher is better: H1 B - A > -margin
    ref_hi = sps.ttest_ind(b + margin, a, equal_var=False, alternative="greater")
    assert_p_close(hi.p_value, ref_hi.pvalue)
    assert_close(hi.interval[0], ref_hi.confidence_interval(0.95).low - margin)
    lo = non_inferiority(sa, sb, margin, StatsConfig(direction="lower_is_better", alternative=alt))
    ref_lo = sps.ttest_ind(b - margin, a, equal_var=False, alternative="less")
    assert_p_close(lo.p_value, ref_lo.pvalue)
    assert_close(lo.interval[1], ref_lo.confidence_interval(0.95).high + margin)
    assert hi.non_inferior == (hi.p_value < 0.05)


def test_geometric_mean_ratio_matches_welch_on_logs():
    a, b = DATA["lognormal_cost"]
    res = geometric_mean_ratio(a, b)
    ref = sps.ttest_ind(np.log(b), np.log(a), equal_var=False)
    assert_p_close(res.p_value, ref.pvalue)
    low, high = ref.confidence_interval(0.95)
    assert_interval_close(res.interval, (math.expm1(low), math.expm1(high)))
    assert_close(res.effect, sps.gmean(b) / sps.gmean(a) - 1, 1e-9)
    assert geometric_mean_ratio(np.array([1.0, 0.0]), b).status == "non_positive_values"


PROPS = {
    "mid": (ProportionStats(120, 40), ProportionStats(130, 61)),
    "unequal": (ProportionStats(400, 88), ProportionStats(90, 31)),
    "perfect_arm": (ProportionStats(10, 5), ProportionStats(10, 10)),
    "zero_arm": (ProportionStats(8, 0), ProportionStats(9, 3)),
    "huge": (ProportionStats(5000, 500), ProportionStats(5000, 1500)),
}


@pytest.mark.parametrize("name", sorted(PROPS))
@pytest.mark.parametrize("alt", ALTS)
def test_two_proportion_z_matches_statsmodels(name, alt):
    a, b = PROPS[name]
    res = two_proportion_z(a, b, StatsConfig(alternative=alt))
    if res.standard_error > 0:
        ref = proportion.test_proportions_2indep(
            b.successes, b.n, a.successes, a.n, method="wald", compare="diff",
            alternative=SM_ALT[alt],
        )  # fmt: skip
        assert_close(res.statistic, ref.statistic)
        assert_p_close(res.p_value, ref.pvalue)
        level = 0.05 if alt == "two-sided" else 0.10
        low, high = proportion.confint_proportions_2indep(
            b.successes, b.n, a.successes, a.n, method="wald", compare="diff", alpha=level
        )
        if alt != "less":
            assert_close(res.interval[0], low)
        if alt != "greater":
            assert_close(res.interval[1], high)
    expected = "small_sample" if name in ("perfect_arm", "zero_arm") else "ok"
    assert res.status == expected


@pytest.mark.parametrize("seed", range(300))
def test_two_proportion_z_p_value_and_interval_agree(seed):
    """The review found 43 of 2,000 small A/A runs where pooled p and Wald interval disagreed."""
    rng = np.random.default_rng(seed)
    n_a, n_b = (int(x) for x in rng.integers(20, 200, 2))
    a = ProportionStats(n_a, int(rng.binomial(n_a, 0.1)))
    b = ProportionStats(n_b, int(rng.binomial(n_b, 0.1)))
    for scale in ("absolute", "relative"):
        res = two_proportion_z(a, b, StatsConfig(difference_type=scale))
        if res.standard_error > 0 and res.status in ("ok", "small_sample"):
            excludes = res.interval[0] > 0 or res.interval[1] < 0
            assert excludes == (res.p_value < 0.05)


def test_two_proportion_z_approval_tiny_is_consistent():
    a, b = ProportionStats(40, 4), ProportionStats(40, 11)
    res = two_proportion_z(a, b)
    ref = proportion.test_proportions_2indep(11, 40, 4, 40, method="wald", compare="diff")
    assert_p_close(res.p_value, ref.pvalue)
    assert (res.interval[0] > 0) == (res.p_value < 0.05)


@pytest.mark.parametrize("table", [((12, 12), (9, 9)), ((12, 0), (9, 0)), ((1, 1), (1, 1))])
def test_fisher_on_a_constant_table_gives_p_one(table):
    (na, ka), (nb, kb) = table
    res = fisher_exact(ProportionStats(na, ka), ProportionStats(nb, kb))
    ref = sps.fisher_exact([[kb, nb - kb], [ka, na - ka]])
    assert res.p_value == ref.pvalue == 1.0
    assert res.interval[0] <= 0 <= res.interval[1]


@pytest.mark.parametrize("name", sorted(PROPS))
@pytest.mark.parametrize("alt", ALTS)
def test_fisher_matches_scipy_and_newcomb_matches_statsmodels(name, alt):
    a, b = PROPS[name]
    res = fisher_exact(a, b, StatsConfig(alternative=alt))
    ref = sps.fisher_exact([[b.successes, b.failures], [a.successes, a.failures]], alternative=alt)
    assert_p_close(res.p_value, ref.pvalue)
    level = 0.05 if alt == "two-sided" else 0.10
    low, high = proportion.confint_proportions_2indep(
        b.successes, b.n, a.successes, a.n, method="newcomb", compare="diff", alpha=level
    )
    if alt != "less":
        assert_close(res.interval[0], low)
    if alt != "greater":
        assert_close(res.interval[1], high)
    nc = newcomb_interval(a, b, 1 - level)
    assert_interval_close(nc.interval, (low, high))


@pytest.mark.parametrize("k,n", [(0, 10), (10, 10), (3, 7), (412, 1000), (1, 1)])
def test_wilson_matches_statsmodels(k, n):
    res = wilson_interval(ProportionStats(n, k), 0.95)
    ref = proportion.proportion_confint(k, n, alpha=0.05, method="wilson")
    assert_interval_close(res.interval, ref)


def _paired_data():
    rng = np.random.default_rng(11)
    prompt = rng.normal(0, 2, 80)  # prompt difficulty shared by both models
    a = np.round(3 + prompt + rng.normal(0, 0.7, 80))
    b = np.round(3.3 + prompt + rng.normal(0, 0.7, 80))  # integer scores: ties and zeros
    return a, b


@pytest.mark.parametrize("alt", ALTS)
def test_paired_t_matches_scipy(alt):
    a, b = _paired_data()
    res = paired_t(PairedStats.from_values(a, b), StatsConfig(alternative=alt))
    ref = sps.ttest_rel(b, a, alternative=alt)
    assert_close(res.statistic, ref.statistic)
    assert_p_close(res.p_value, ref.pvalue)
    assert_interval_close(res.interval, ref.confidence_interval(0.95))


@pytest.mark.parametrize("alt", ALTS)
@pytest.mark.parametrize(
    "zero_method,correction,method",
    [("wilcox", False, "asymptotic"), ("pratt", True, "asymptotic"), ("zsplit", False, "auto"),
     ("wilcox", False, "exact")],
)  # fmt: skip
def test_wilcoxon_matches_scipy(alt, zero_method, correction, method):
    a, b = _paired_data()
    if method == "exact":
        a, b = a[:18] + np.linspace(0, 0.3, 18), b[:18]  # exact needs no ties or zeros
    res = wilcoxon(a, b, StatsConfig(alternative=alt), zero_method=zero_method,
                   correction=correction, method=method)  # fmt: skip
    ref = sps.wilcoxon(b, a, zero_method=zero_method, correction=correction, alternative=alt,
                       method=method)  # fmt: skip
    assert_close(res.statistic, ref.statistic)
    assert_p_close(res.p_value, ref.pvalue)


@pytest.mark.parametrize(
    "name", ["equal_n", "unequal_n", "tiny_n", "huge_effect", "lognormal_cost"]
)
@pytest.mark.parametrize("alt", ALTS)
@pytest.mark.parametrize("use_continuity,method", [(True, "asymptotic"), (False, "asymptotic"),
                                                    (True, "auto")])  # fmt: skip
def test_mann_whitney_matches_scipy(name, alt, use_continuity, method):
    a, b = DATA[name]
    res = mann_whitney(a, b, StatsConfig(alternative=alt), use_continuity=use_continuity,
                       method=method)  # fmt: skip
    ref = sps.mannwhitneyu(b, a, use_continuity=use_continuity, alternative=alt, method=method)
    assert_close(res.statistic, ref.statistic)
    assert_p_close(res.p_value, ref.pvalue)


def test_hodges_lehmann_matches_brute_force():
    """Small cases enumerate directly; the large ones (> 4096 pairs) go through bisection."""
    rng = np.random.default_rng(3)
    z = 1.959963984540054
    for a, b in [
        DATA["equal_n"],
        DATA["tiny_n"],
        (rng.integers(0, 5, 70) * 1.0, rng.integers(0, 6, 50) * 1.0),
        (rng.normal(0, 1, 130), rng.lognormal(0, 1, 170)),
        (rng.integers(0, 5, 300) * 1.0, rng.integers(0, 6, 250) * 1.0),  # heavy ties
    ]:
        diffs = np.sort(np.subtract.outer(b, a).ravel())
        res = mann_whitney(a, b)
        assert_close(res.effect, np.median(diffs), 1e-12)
        n, m, total = a.size, b.size, diffs.size
        drop = math.floor(total / 2 - z * math.sqrt(n * m * (n + m + 1) / 12) - 0.5)
        if drop >= 0:
            assert_interval_close(res.interval, (diffs[drop], diffs[total - drop - 1]), 1e-12)
    for a, b in [_paired_data(), (rng.normal(0, 1, 200), rng.normal(0.2, 1, 200))]:
        d = b - a
        walsh = np.sort(np.add.outer(d, d)[np.triu_indices(d.size)] / 2)
        res = wilcoxon(a, b)
        assert_close(res.effect, np.median(walsh), 1e-12)
        n, total = d.size, walsh.size
        drop = math.floor(total / 2 - z * math.sqrt(n * (n + 1) * (2 * n + 1) / 24) - 0.5)
        assert_interval_close(res.interval, (walsh[drop], walsh[total - drop - 1]), 1e-12)


@pytest.mark.parametrize("exact,correction", [(True, True), (False, True), (False, False)])
def test_mcnemar_matches_statsmodels(exact, correction):
    rng = np.random.default_rng(5)
    a = (rng.random(150) < 0.6).astype(float)
    b = np.where(rng.random(150) < 0.25, 1 - a, a)  # flip a quarter of the outcomes
    b[:12] = 1.0
    res = mcnemar(PairedStats.from_values(a, b), exact=exact, correction=correction)
    table = [[np.sum((a == 1) & (b == 1)), np.sum((a == 1) & (b == 0))],
             [np.sum((a == 0) & (b == 1)), np.sum((a == 0) & (b == 0))]]  # fmt: skip
    assert table[0][1] != table[1][0]
    ref = contingency_tables.mcnemar(table, exact=exact, correction=correction)
    assert_close(res.statistic, ref.statistic)
    assert_p_close(res.p_value, ref.pvalue)
    assert_close(res.effect, b.mean() - a.mean(), 1e-12)
    for alt in ("greater", "less"):
        one = mcnemar(PairedStats.from_values(a, b), StatsConfig(alternative=alt), exact=True)
        ref1 = sps.binomtest(int(table[1][0]), int(table[0][1] + table[1][0]), 0.5, alternative=alt)
        assert_p_close(one.p_value, ref1.pvalue)


@pytest.mark.parametrize(
    "observed,weights",
    [
        ([5030, 4970], None),
        ([1200, 800], [0.6, 0.4]),
        ([980, 1100, 1020], [1, 1, 1]),
        ([50, 10], [1, 1]),
    ],
)
def test_srm_matches_scipy_chisquare(observed, weights):
    res = sample_ratio_mismatch(observed, weights)
    total = sum(observed)
    w = np.ones(len(observed)) if weights is None else np.asarray(weights, float)
    ref = sps.chisquare(observed, f_exp=total * w / w.sum())
    assert_close(res.statistic, ref.statistic)
    assert_p_close(res.p_value, ref.pvalue)
    assert res.mismatch == (ref.pvalue < 0.001)


def test_srm_flags_a_failing_provider():
    assert sample_ratio_mismatch([10_000, 9_500]).mismatch
    assert not sample_ratio_mismatch([10_000, 9_950]).mismatch


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_holm_and_bh_match_multipletests(seed):
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 1, 12), rng.uniform(0, 0.01, 4), [0.0, 1.0, 0.03, 0.03]])
    for ours, method in ((holm, "holm"), (benjamini_hochberg, "fdr_bh")):
        ref = multipletests(p, alpha=0.05, method=method)[1]
        np.testing.assert_allclose(ours(list(p)), ref, rtol=1e-12)
    for name, sm in (("holm", "holm"), ("bh", "fdr_bh"), ("bonferroni", "bonferroni"),
                     ("by", "fdr_by")):  # fmt: skip
        ref = multipletests(p, alpha=0.05, method=sm)[1]
        np.testing.assert_allclose(adjust_p_values(list(p), name), ref, rtol=1e-12)


def test_adjustment_skips_nan():
    out = holm([0.01, math.nan, 0.04])
    assert math.isnan(out[1])
    np.testing.assert_allclose([out[0], out[2]], multipletests([0.01, 0.04], method="holm")[1])
    for name, sm in (("bonferroni", "bonferroni"), ("by", "fdr_by")):
        out = adjust_p_values([0.01, math.nan, 0.04, 0.2], name)
        assert math.isnan(out[1])
        ref = multipletests([0.01, 0.04, 0.2], method=sm)[1]
        np.testing.assert_allclose([out[0], out[2], out[3]], ref, rtol=1e-12)

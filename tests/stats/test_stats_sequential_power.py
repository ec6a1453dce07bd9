"""mSPRT against a published worked example and its likelihood-ratio definition; power
calculations against statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize
from statsmodels.stats.power import NormalIndPower, TTestIndPower, TTestPower
from statsmodels.stats.proportion import proportion_effectsize

from aigym.stats import (
    ProportionStats,
    RatioStats,
    SampleStats,
    StatsConfig,
    mde_means,
    mde_proportions,
    power_means,
    power_proportions,
    ratio_delta,
    sample_size_means,
    sample_size_proportions,
    sequential_ratio,
    sequential_test,
    welch_t,
)
from tests.stats.helpers import assert_close

# GrowthBook gbstats' own test case (packages/stats/tests/frequentist/test_tests.py,
# TestSequentialTTest.test_sequential_test_runs): relative lift, tuning parameter 1000.
GB_A = SampleStats(n=3000, sum=1396.87, sum_squares=52377.9767)
GB_B = SampleStats(n=3461, sum=2422.7, sum_squares=134698.29)


def test_msprt_matches_growthbook_worked_example():
    res = sequential_test(GB_A, GB_B, StatsConfig(difference_type="relative"), tuning_n=1000)
    assert round(res.effect, 5) == 0.50336
    assert round(res.standard_error, 5) == 0.33341
    assert (round(res.interval[0], 5), round(res.interval[1], 5)) == (-0.55844, 1.56516)


def test_fixed_horizon_matches_growthbook_worked_example():
    # Same source, OneSidedTreatmentGreaterTTest (absolute and relative).
    absolute = welch_t(GB_A, GB_B, StatsConfig(alternative="greater"))
    assert_close(absolute.interval[0], 0.020791480063255735, 1e-9)
    assert_close(absolute.p_value, 0.03554272489873023, 1e-9)
    rel = welch_t(GB_A, GB_B, StatsConfig(alternative="greater", difference_type="relative"))
    assert_close(rel.interval[0], -0.045136675850396046, 1e-9)
    assert_close(rel.p_value, 0.06558262868467746, 1e-9)


@pytest.mark.parametrize("tuning_n", [100.0, 5000.0, 1e6])
def test_msprt_interval_inverts_the_mixture_likelihood_ratio(tuning_n):
    """Johari et al.'s Lambda written from V and tau^2 directly; the interval ends solve
    Lambda(d - theta) = 1 / alpha."""
    res = sequential_test(GB_A, GB_B, tuning_n=tuning_n)
    alpha, n = 0.05, GB_A.n + GB_B.n
    v = res.standard_error**2
    la = -2 * math.log(alpha)
    tau2 = v * n * (la + math.log(la + 1)) / tuning_n

    def log_lambda(delta: float) -> float:
        return 0.5 * math.log(v / (v + tau2)) + tau2 * delta**2 / (2 * v * (v + tau2))

    half = optimize.brentq(lambda x: log_lambda(x) - math.log(1 / alpha), 0, 100 * math.sqrt(v))
    assert_close(res.interval[1] - res.effect, half, 1e-9)
    assert_close(res.p_value, min(1.0, math.exp(-log_lambda(res.effect))), 1e-9)
    assert (res.p_value < alpha) == (res.interval[0] > 0 or res.interval[1] < 0)


def test_msprt_is_wider_than_fixed_and_narrowest_near_tuning():
    fixed = welch_t(GB_A, GB_B)
    widths = {
        t: (lambda r: r.interval[1] - r.interval[0])(sequential_test(GB_A, GB_B, tuning_n=t))
        for t in (10, 6461, 1e6)
    }
    assert min(widths.values()) == widths[6461]
    assert widths[6461] > fixed.interval[1] - fixed.interval[0]
    props = sequential_test(ProportionStats(3000, 1396), ProportionStats(3461, 2422))
    assert props.status == "ok" and props.p_value < 1e-6


@pytest.mark.parametrize("scale", ["absolute", "relative"])
def test_msprt_on_proportions_uses_bernoulli_variance(scale):
    """Closed form: var(p_hat) = p(1-p)/n per arm (not the n-1 sample variance of 0/1s)."""
    a, b = ProportionStats(40, 9), ProportionStats(60, 21)
    res = sequential_test(a, b, StatsConfig(difference_type=scale), tuning_n=100)
    pa, pb = 9 / 40, 21 / 60
    va, vb = pa * (1 - pa) / 40, pb * (1 - pb) / 60
    se = math.sqrt(va + vb) if scale == "absolute" else math.sqrt(vb + (pb / pa) ** 2 * va) / pa
    assert_close(res.standard_error, se, 1e-12)
    la = -2 * math.log(0.05)
    r2 = (la + math.log(la + 1)) / 100
    half = (
        se
        * math.sqrt(100 * 2 * (100 * r2 + 1) / (100**2 * r2))
        * math.sqrt(math.log(math.sqrt(100 * r2 + 1) / 0.05))
    )
    assert_close(res.interval[1] - res.effect, half, 1e-12)


def test_msprt_on_a_ratio_metric_uses_the_delta_method_errors():
    rng = np.random.default_rng(3)
    y_a, y_b = rng.integers(1, 5, 300), rng.integers(1, 5, 250)
    a = RatioStats.from_values(rng.gamma(2.0, 1.0, 300) * y_a, y_a)
    b = RatioStats.from_values(rng.gamma(2.2, 1.0, 250) * y_b, y_b)
    seq = sequential_ratio(a, b, tuning_n=550)
    fixed = ratio_delta(a, b)
    assert_close(seq.effect, fixed.effect, 1e-12)
    assert_close(seq.standard_error, fixed.standard_error, 1e-12)
    # with one result per unit the ratio is a mean, and the mSPRT equals the one on means
    x_a, x_b = rng.normal(1, 1, 80), rng.normal(1.2, 1, 90)
    ones = sequential_ratio(RatioStats.from_values(x_a, np.ones(80)),
                            RatioStats.from_values(x_b, np.ones(90)), tuning_n=170)  # fmt: skip
    assert seq.method == "msprt_ratio_absolute" and ones.status == "ok"
    half = (seq.interval[1] - seq.interval[0]) / 2
    assert half > 1.96 * seq.standard_error  # wider than the fixed-horizon interval


@pytest.mark.parametrize("alt", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("ratio", [1.0, 2.5])
def test_t_power_matches_statsmodels(alt, ratio):
    sm_alt = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}[alt]
    effect, sd = (0.3 if alt != "less" else -0.3), 1.5
    es = effect / sd
    ref_n = TTestIndPower().solve_power(es, nobs1=None, alpha=0.05, power=0.8, ratio=ratio,
                                        alternative=sm_alt)  # fmt: skip
    res = sample_size_means(effect, sd, power=0.8, ratio=ratio, alternative=alt)
    assert_close(res.n_a, ref_n, 1e-6)
    assert res.n_b_required == math.ceil(ref_n * ratio - 1e-9)
    pw = power_means(effect, sd, 120, ratio=ratio, alternative=alt)
    ref_pw = TTestIndPower().power(es, 120, 0.05, ratio=ratio, alternative=sm_alt)
    assert_close(pw.power, ref_pw, 1e-9)
    mde = mde_means(sd, 120, power=0.8, ratio=ratio, alternative=alt)
    ref_es = TTestIndPower().solve_power(None, nobs1=120, alpha=0.05, power=0.8, ratio=ratio,
                                         alternative=sm_alt)  # fmt: skip
    # statsmodels' root-finder stops at about 1e-6 in power; ours solves to 1e-13, so the
    # check is that statsmodels' own power function hits the target at our solution.
    assert_close(mde.effect_size, ref_es, 1e-5)
    at_ours = TTestIndPower().power(mde.effect_size, 120, 0.05, ratio=ratio, alternative=sm_alt)
    assert_close(at_ours, 0.8, 1e-9)
    at_n = TTestIndPower().power(es, res.n_a, 0.05, ratio=ratio, alternative=sm_alt)
    assert_close(at_n, 0.8, 1e-9)


def test_paired_power_matches_ttestpower():
    res = sample_size_means(0.1, 0.6, power=0.9, paired=True)
    ref = TTestPower().solve_power(0.1 / 0.6, nobs=None, alpha=0.05, power=0.9)
    assert_close(res.n_a, ref, 1e-6)
    pw = power_means(0.1, 0.6, 200, paired=True)
    assert_close(pw.power, TTestPower().power(0.1 / 0.6, 200, 0.05), 1e-9)


@pytest.mark.parametrize("alt", ["two-sided", "greater"])
@pytest.mark.parametrize("p_a,p_b", [(0.30, 0.35), (0.90, 0.95), (0.02, 0.04)])
def test_proportion_power_matches_normalindpower(alt, p_a, p_b):
    sm_alt = {"two-sided": "two-sided", "greater": "larger"}[alt]
    es = proportion_effectsize(p_b, p_a)
    ref_n = NormalIndPower().solve_power(es, nobs1=None, alpha=0.05, power=0.8, ratio=1.0,
                                         alternative=sm_alt)  # fmt: skip
    res = sample_size_proportions(p_a, p_b, power=0.8, alternative=alt)
    assert_close(res.n_a, ref_n, 1e-6)
    pw = power_proportions(p_a, p_b, 500, alternative=alt)
    assert_close(pw.power, NormalIndPower().power(es, 500, 0.05, alternative=sm_alt), 1e-9)
    mde = mde_proportions(p_a, 500, alternative=alt)
    ref_es = NormalIndPower().solve_power(None, nobs1=500, alpha=0.05, power=0.8,
                                          alternative=sm_alt)  # fmt: skip
    assert_close(mde.effect_size, ref_es, 1e-5)
    at_ours = NormalIndPower().power(mde.effect_size, 500, 0.05, alternative=sm_alt)
    assert_close(at_ours, 0.8, 1e-9)
    assert_close(proportion_effectsize(p_a + mde.effect, p_a), ref_es, 1e-6)


def test_paired_design_needs_far_fewer_units():
    # sd 1.0 per arm, correlation 0.9 between arms -> sd of differences sqrt(0.2).
    two_sample = sample_size_means(0.1, 1.0)
    paired = sample_size_means(0.1, math.sqrt(0.2), paired=True)
    assert paired.n_a_required < two_sample.n_a_required / 4

"""Bayesian ranking of three or more arms: P(best), expected loss, credible intervals.

Independent checks: scipy's multivariate t (its own sampler, and its CDF for the orthant
probability of "arm k beats every other"), and the paired t posterior of each difference.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from aigym.errors import ValidationError
from aigym.stats import rank_arms


def _prompts(seed: int, n: int = 40, lifts: tuple[float, ...] = (0.0, 1.0, 1.5)):
    rng = np.random.default_rng(seed)
    difficulty = rng.normal(60, 12, n)  # shared by every model: cancels when paired
    return {f"m{i}": difficulty + lift + rng.normal(0, 3, n) for i, lift in enumerate(lifts)}


def test_p_best_sums_to_one_and_matches_scipy_multivariate_t_sampling() -> None:
    values = _prompts(1)
    r = rank_arms(values, paired=True, draws=200_000, seed=3)
    assert sum(a.p_best for a in r.arms) == pytest.approx(1.0, abs=1e-12)
    y = np.column_stack(list(values.values()))
    n = y.shape[0]
    ref = sps.multivariate_t(loc=y.mean(0), shape=np.cov(y, rowvar=False) / n, df=n - 1)
    draws = ref.rvs(size=200_000, random_state=np.random.default_rng(99))
    p_ref = np.bincount(draws.argmax(1), minlength=3) / draws.shape[0]
    loss_ref = (draws.max(1)[:, None] - draws).mean(0)
    for i, name in enumerate(values):
        assert r[name].p_best == pytest.approx(p_ref[i], abs=0.006)  # ~5 MC errors
        assert r[name].expected_loss == pytest.approx(loss_ref[i], abs=0.01)
    assert r.best.arm == list(values)[int(p_ref.argmax())] and r.method == "paired_multivariate_t"


def test_p_best_matches_the_orthant_probability_from_the_cdf() -> None:
    values = _prompts(2)
    r = rank_arms(values, paired=True, draws=200_000, seed=4)
    y = np.column_stack(list(values.values()))
    n, k = y.shape
    loc, shape = y.mean(0), np.cov(y, rowvar=False) / n
    for i, name in enumerate(values):
        # P(mu_i - mu_j > 0 for all j != i): contrasts of a multivariate t stay t (same df)
        c = np.array([np.eye(k)[i] - np.eye(k)[j] for j in range(k) if j != i])
        dist = sps.multivariate_t(loc=-(c @ loc), shape=c @ shape @ c.T, df=n - 1)
        exact = float(dist.cdf(np.zeros(k - 1), random_state=np.random.default_rng(5)))
        assert r[name].p_best == pytest.approx(exact, abs=0.006)


def test_differences_have_the_paired_t_posterior_and_intervals_are_marginal_t() -> None:
    values = _prompts(3, lifts=(0.0, 0.8))
    r = rank_arms(values, paired=True, draws=400_000, seed=6)
    a, b = values["m0"], values["m1"]
    d = b - a
    t = d.mean() / (d.std(ddof=1) / math.sqrt(d.size))
    # flat prior: P(mu_b > mu_a) = t_cdf(t) with n - 1 df, the one-sided paired-t p-value's 1 - p
    assert r["m1"].p_best == pytest.approx(sps.t.cdf(t, d.size - 1), abs=0.004)
    lo, hi = sps.t.interval(0.95, a.size - 1, loc=a.mean(), scale=sps.sem(a))
    assert (r["m0"].ci_low, r["m0"].ci_high) == pytest.approx((lo, hi), rel=1e-9)


def test_pairing_concentrates_the_ranking_where_independent_posteriors_spread_it() -> None:
    values = _prompts(4, lifts=(0.0, 2.0, 0.5))
    paired = rank_arms(values, paired=True, seed=1)
    independent = rank_arms(values, paired=False, seed=1)
    assert paired.best.arm == "m1" and paired.best.p_best > 0.9
    assert independent.best.p_best < 0.75  # difficulty (sd 12) swamps a 2-point lift
    assert sum(a.p_best for a in independent.arms) == pytest.approx(1.0)


def test_lower_is_better_flips_best_and_loss() -> None:
    values = _prompts(5, lifts=(0.0, 3.0, 6.0))
    r = rank_arms(values, paired=True, direction="lower_is_better", seed=2)
    assert r.best.arm == "m0" and r.best.expected_loss < r["m2"].expected_loss
    assert all(a.expected_loss >= 0 for a in r.arms)


def test_identical_arms_split_the_chance_and_bad_input_is_refused() -> None:
    x = np.random.default_rng(6).normal(0, 1, 30)
    r = rank_arms({"a": x, "b": x + 0.0, "c": x + 5.0}, paired=True)
    assert r.best.arm == "c" and r.best.p_best == 1.0
    with pytest.raises(ValidationError, match="same units"):
        rank_arms({"a": [1, 2, 3], "b": [1, 2]}, paired=True)
    with pytest.raises(ValidationError, match="at least two arms"):
        rank_arms({"a": [1, 2, 3]}, paired=True)
    with pytest.raises(ValidationError, match="draws"):
        rank_arms({"a": [1, 2, 3], "b": [1, 2, 4]}, paired=False, draws=10)

"""Bayesian figures against independent computations: quadrature and Monte Carlo."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special
from scipy import stats as sps

from aigym.stats import (
    NormalPrior,
    ProportionStats,
    SampleStats,
    StatsConfig,
    bayes_means,
    bayes_proportions,
    gaussian_posterior,
    welch_t,
)
from tests.stats.helpers import assert_close

LOWER = StatsConfig(direction="lower_is_better")


def _normal_checks(mean: float, sd: float, res) -> None:
    def pdf(x: float) -> float:
        return math.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))

    lo, hi = mean - 12 * sd, mean + 12 * sd
    up = integrate.quad(pdf, 0, max(hi, 1e-300), points=[mean] if 0 < mean < hi else None)[0]
    gain = integrate.quad(lambda x: max(0.0, x) * pdf(x), lo, hi, points=[0.0, mean], limit=200)[0]
    loss = integrate.quad(lambda x: max(0.0, -x) * pdf(x), lo, hi, points=[0.0, mean], limit=200)[0]
    if res.direction == "higher_is_better":
        assert_close(res.chance_to_win, up, 1e-6)
        assert_close(res.risk_a, gain, 1e-6)
        assert_close(res.risk_b, loss, 1e-6)
    else:
        assert_close(res.chance_to_win, 1 - up, 1e-6)
        assert_close(res.risk_a, loss, 1e-6)
        assert_close(res.risk_b, gain, 1e-6)


@pytest.mark.parametrize("effect,se", [(0.3, 0.2), (-0.1, 0.5), (0.0, 1.0), (2.0, 0.4)])
@pytest.mark.parametrize("config", [StatsConfig(), LOWER], ids=["higher", "lower"])
def test_gaussian_chance_and_risk_match_quadrature(effect, se, config):
    res = gaussian_posterior(effect, se, config)
    _normal_checks(effect, se, res)
    low, high = res.interval
    assert_close(sps.norm(effect, se).cdf(high) - sps.norm(effect, se).cdf(low), 0.95, 1e-9)


def test_informative_prior_matches_numerical_posterior():
    effect, se = 0.4, 0.3
    prior = NormalPrior(mean=0.0, sd=0.2)
    res = gaussian_posterior(effect, se, StatsConfig(prior=prior))

    def unnorm(t: float) -> float:  # likelihood x prior, unnormalised
        return math.exp(-0.5 * ((effect - t) / se) ** 2 - 0.5 * ((t - prior.mean) / prior.sd) ** 2)

    z = integrate.quad(unnorm, -5, 5)[0]
    mean = integrate.quad(lambda t: t * unnorm(t), -5, 5)[0] / z
    var = integrate.quad(lambda t: (t - mean) ** 2 * unnorm(t), -5, 5)[0] / z
    assert_close(res.effect, mean, 1e-7)
    assert_close(res.posterior_sd, math.sqrt(var), 1e-7)
    _normal_checks(mean, math.sqrt(var), res)


def test_flat_prior_agrees_with_welch(rng):
    a, b = (
        SampleStats.from_values(rng.normal(1, 1, 80)),
        SampleStats.from_values(rng.normal(1.2, 1, 90)),
    )
    for cfg in (StatsConfig(), StatsConfig(difference_type="relative")):
        f, bayes = welch_t(a, b, cfg), bayes_means(a, b, cfg)
        assert_close(bayes.effect, f.effect, 1e-12)
        assert_close(bayes.chance_to_win, sps.norm.cdf(f.effect / f.standard_error), 1e-9)


def test_lower_is_better_flips_chance_not_effect():
    hi = gaussian_posterior(-0.2, 0.1, StatsConfig())
    lo = gaussian_posterior(-0.2, 0.1, LOWER)
    assert hi.effect == lo.effect == -0.2
    assert_close(lo.chance_to_win, 1 - hi.chance_to_win, 1e-12)
    assert lo.chance_to_win > 0.95  # B costs less: B wins
    assert (lo.risk_a, lo.risk_b) == (hi.risk_b, hi.risk_a)


def _pdf(a: float, b: float):
    const = special.betaln(a, b)

    def pdf(x: float) -> float:
        if x <= 0.0 or x >= 1.0:
            return 0.0
        return math.exp((a - 1) * math.log(x) + (b - 1) * math.log1p(-x) - const)

    return pdf


def _beta_reference(aa, ba, ab, bb):
    fa, fb = _pdf(aa, ba), _pdf(ab, bb)
    chance = integrate.quad(
        lambda x: fb(x) * special.betainc(aa, ba, x), 0, 1, limit=200, points=[ab / (ab + bb)]
    )[0]
    # E[max(0, A - B)] and E[max(0, B - A)] as double integrals over the two half-squares.
    loss = integrate.dblquad(
        lambda y, x: (x - y) * fa(x) * fb(y), 0, 1, 0, lambda x: x, epsabs=1e-10
    )[0]
    gain = integrate.dblquad(
        lambda y, x: (y - x) * fa(x) * fb(y), 0, 1, lambda x: x, 1, epsabs=1e-10
    )[0]
    return chance, gain, loss


@pytest.mark.parametrize(
    "a,b,prior",
    [
        (ProportionStats(10, 5), ProportionStats(10, 10), (1.0, 1.0)),  # a perfect arm
        (ProportionStats(30, 12), ProportionStats(28, 15), (1.0, 1.0)),
        (ProportionStats(8, 0), ProportionStats(9, 3), (0.5, 0.5)),  # Jeffreys: quadrature path
        (ProportionStats(40, 22), ProportionStats(40, 22), (1.0, 1.0)),  # identical arms
    ],
)
def test_beta_binomial_matches_quadrature(a, b, prior):
    res = bayes_proportions(a, b, prior_successes=prior[0], prior_failures=prior[1])
    aa, ba = prior[0] + a.successes, prior[1] + a.failures
    ab, bb = prior[0] + b.successes, prior[1] + b.failures
    chance, gain, loss = _beta_reference(aa, ba, ab, bb)
    assert_close(res.chance_to_win, chance, 1e-6)
    assert_close(res.risk_a, gain, 1e-5)
    assert_close(res.risk_b, loss, 1e-5)
    lower = bayes_proportions(a, b, LOWER, prior_successes=prior[0], prior_failures=prior[1])
    assert_close(lower.chance_to_win, 1 - chance, 1e-6)


def test_beta_credible_interval_matches_monte_carlo():
    # 2e6 draws: each Monte Carlo tail quantile has a standard error of about 3e-4
    # (sqrt(.025 * .975 / N) / density 0.36); tolerance 1.5e-3, i.e. 5 standard errors.
    rng = np.random.default_rng(99)
    a, b = ProportionStats(10, 5), ProportionStats(10, 10)
    res = bayes_proportions(a, b)
    draws = rng.beta(11, 1, 2_000_000) - rng.beta(6, 6, 2_000_000)
    low, high = np.quantile(draws, [0.025, 0.975])
    assert abs(res.interval[0] - low) < 1.5e-3
    assert abs(res.interval[1] - high) < 1.5e-3
    assert abs(res.chance_to_win - np.mean(draws > 0)) < 1e-3


def test_beta_large_counts_are_fast_and_sane():
    res = bayes_proportions(ProportionStats(200_000, 60_000), ProportionStats(200_000, 60_600))
    se = math.sqrt(2 * 0.3 * 0.7 / 200_000)
    assert_close(res.chance_to_win, sps.norm.cdf(0.003 / se), 1e-3)
    assert res.interval[0] < 0.003 < res.interval[1]

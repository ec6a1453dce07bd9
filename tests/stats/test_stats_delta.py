"""Delta-method standard errors against Monte Carlo (no library computes these).

The spread of the estimator over many simulated experiments is the truth the delta method
approximates. With R replications, the Monte Carlo sd has a relative standard error of about
1 / sqrt(2 R) (1.1% at R = 4000); the tolerance is 4%, above 3 of those standard errors.
"""

from __future__ import annotations

import numpy as np

from aigym.stats import (
    PairedStats,
    RatioStats,
    SampleStats,
    StatsConfig,
    paired_t,
    ratio_delta,
    welch_t,
)

REPS = 4000
TOL = 0.04
REL = StatsConfig(difference_type="relative")


def _check(estimates: np.ndarray, ses: np.ndarray) -> None:
    mc_sd = estimates.std(ddof=1)
    assert abs(np.mean(ses) / mc_sd - 1) < TOL, (np.mean(ses), mc_sd)


def test_relative_lift_se_matches_monte_carlo():
    rng = np.random.default_rng(1)
    a, b = rng.normal(10, 3, (REPS, 150)), rng.normal(11, 5, (REPS, 120))
    res = [
        welch_t(SampleStats.from_values(x), SampleStats.from_values(y), REL)
        for x, y in zip(a, b, strict=True)
    ]
    _check(np.array([r.effect for r in res]), np.array([r.standard_error for r in res]))


def test_ratio_metric_se_matches_monte_carlo():
    rng = np.random.default_rng(2)
    tokens_a, tokens_b = rng.gamma(3, 200, (REPS, 200)), rng.gamma(3, 260, (REPS, 180))
    cost_a = tokens_a * rng.lognormal(-9, 0.6, (REPS, 200)) + 1e-4  # fixed fee per request
    cost_b = tokens_b * rng.lognormal(-9.2, 0.6, (REPS, 180)) + 1e-4
    arms = [
        (RatioStats.from_values(x1, y1), RatioStats.from_values(x2, y2))
        for x1, y1, x2, y2 in zip(cost_a, tokens_a, cost_b, tokens_b, strict=True)
    ]
    for cfg in (StatsConfig(), REL):
        res = [ratio_delta(a, b, cfg) for a, b in arms]
        _check(np.array([r.effect for r in res]), np.array([r.standard_error for r in res]))


def test_paired_relative_se_matches_monte_carlo():
    rng = np.random.default_rng(3)
    prompt = rng.lognormal(0, 0.5, (REPS, 100))
    a, b = (
        prompt * rng.lognormal(0, 0.2, (REPS, 100)),
        1.1 * prompt * rng.lognormal(0, 0.2, (REPS, 100)),
    )
    res = [paired_t(PairedStats.from_values(x, y), REL) for x, y in zip(a, b, strict=True)]
    _check(np.array([r.effect for r in res]), np.array([r.standard_error for r in res]))

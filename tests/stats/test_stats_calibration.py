"""Calibration by simulation: A/A rejection rates and interval coverage at the stated n.

Each scenario states its number of simulations N. Asymptotic tests must reject an A/A within
+/- 3 standard errors (SE = sqrt(0.05 * 0.95 / N)) of 5%; exact or conservative ones at most
5% + 3 SE; intervals likewise cover within 3 SE of 95% (or at least 95% - 3 SE when the
method is conservative). The default run uses the small N (a few seconds in all); the
`slow` run repeats every scenario with 10x the simulations. Data are drawn in one vectorised
numpy call per scenario; each simulated data set then goes through the public function.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from aigym.stats import (
    PairedStats,
    ProportionStats,
    RatioStats,
    SampleStats,
    StatsConfig,
    fisher_exact,
    geometric_mean_ratio,
    mann_whitney,
    mcnemar,
    newcomb_interval,
    paired_t,
    ratio_delta,
    sequential_test,
    two_proportion_z,
    welch_t,
    wilcoxon,
    wilson_interval,
)

ALPHA = 0.05
SLOW_FACTOR = 10
Gen = np.random.Generator


def _covers(interval: tuple[float, float], truth: float) -> bool:
    return interval[0] <= truth <= interval[1]


def welch_aa(n: int, rng: Gen) -> np.ndarray:
    a, b = rng.normal(0, 1, (n, 20)), rng.normal(0, 3, (n, 35))
    return np.array(
        [
            welch_t(SampleStats.from_values(x), SampleStats.from_values(y)).p_value < ALPHA
            for x, y in zip(a, b, strict=True)
        ]
    )


def welch_coverage(n: int, rng: Gen) -> np.ndarray:
    a, b = rng.normal(1, 1, (n, 12)), rng.normal(1.5, 2, (n, 40))
    return np.array(
        [
            _covers(welch_t(SampleStats.from_values(x), SampleStats.from_values(y)).interval, 0.5)
            for x, y in zip(a, b, strict=True)
        ]
    )


def relative_lift_coverage(n: int, rng: Gen) -> np.ndarray:
    a, b = rng.normal(10, 3, (n, 200)), rng.normal(11, 4, (n, 150))
    cfg = StatsConfig(difference_type="relative")
    return np.array(
        [
            _covers(
                welch_t(SampleStats.from_values(x), SampleStats.from_values(y), cfg).interval, 0.1
            )
            for x, y in zip(a, b, strict=True)
        ]
    )


def z_aa(n: int, rng: Gen) -> np.ndarray:
    sa, sb = rng.binomial(400, 0.3, n), rng.binomial(400, 0.3, n)
    return np.array(
        [
            two_proportion_z(ProportionStats(400, int(x)), ProportionStats(400, int(y))).p_value
            < ALPHA
            for x, y in zip(sa, sb, strict=True)
        ]
    )


def fisher_aa(n: int, rng: Gen) -> np.ndarray:
    sa, sb = rng.binomial(30, 0.4, n), rng.binomial(30, 0.4, n)
    return np.array(
        [
            fisher_exact(ProportionStats(30, int(x)), ProportionStats(30, int(y))).p_value < ALPHA
            for x, y in zip(sa, sb, strict=True)
        ]
    )


def wilson_coverage(n: int, rng: Gen) -> np.ndarray:
    # Wilson's coverage oscillates with p (0.93-0.96 at n = 100): average over p ~ U(0.1, 0.9).
    p = rng.uniform(0.1, 0.9, n)
    k = rng.binomial(100, p)
    return np.array(
        [
            _covers(wilson_interval(ProportionStats(100, int(x))).interval, pp)
            for x, pp in zip(k, p, strict=True)
        ]
    )


def newcomb_coverage(n: int, rng: Gen) -> np.ndarray:
    pa, pb = rng.uniform(0.1, 0.9, n), rng.uniform(0.1, 0.9, n)
    ka, kb = rng.binomial(60, pa), rng.binomial(80, pb)
    return np.array(
        [
            _covers(
                newcomb_interval(ProportionStats(60, int(x)), ProportionStats(80, int(y))).interval,
                q - p,
            )
            for x, y, p, q in zip(ka, kb, pa, pb, strict=True)
        ]
    )


def paired_t_aa(n: int, rng: Gen) -> np.ndarray:
    prompt = rng.normal(0, 2, (n, 30))
    a, b = prompt + rng.normal(0, 1, (n, 30)), prompt + rng.normal(0, 1, (n, 30))
    return np.array(
        [paired_t(PairedStats.from_values(x, y)).p_value < ALPHA for x, y in zip(a, b, strict=True)]
    )


def wilcoxon_aa(n: int, rng: Gen) -> np.ndarray:
    prompt = rng.lognormal(0, 1, (n, 30))
    a, b = prompt + rng.normal(0, 1, (n, 30)), prompt + rng.normal(0, 1, (n, 30))
    return np.array([wilcoxon(x, y).p_value < ALPHA for x, y in zip(a, b, strict=True)])


def mann_whitney_aa(n: int, rng: Gen) -> np.ndarray:
    a, b = rng.lognormal(0, 1.5, (n, 40)), rng.lognormal(0, 1.5, (n, 50))
    return np.array([mann_whitney(x, y).p_value < ALPHA for x, y in zip(a, b, strict=True)])


def hodges_lehmann_coverage(n: int, rng: Gen) -> np.ndarray:
    a, b = rng.exponential(1.0, (n, 25)), rng.exponential(1.0, (n, 35)) + 0.4  # pure shift
    return np.array([_covers(mann_whitney(x, y).interval, 0.4) for x, y in zip(a, b, strict=True)])


def walsh_coverage(n: int, rng: Gen) -> np.ndarray:
    a = rng.normal(0, 1, (n, 25))
    b = a + 0.3 + rng.standard_t(4, (n, 25))  # symmetric differences around 0.3
    return np.array([_covers(wilcoxon(x, y).interval, 0.3) for x, y in zip(a, b, strict=True)])


def _binary_pairs(n: int, rng: Gen, m: int, pa: float, pb: float) -> tuple[np.ndarray, np.ndarray]:
    """Correlated 0/1 pairs (a shared latent normal) with marginal rates pa, pb."""
    from scipy.special import ndtri

    z = rng.normal(size=(n, m))
    za, zb = 0.6 * z + 0.8 * rng.normal(size=(n, m)), 0.6 * z + 0.8 * rng.normal(size=(n, m))
    return (za < ndtri(pa)).astype(float), (zb < ndtri(pb)).astype(float)


def mcnemar_aa(n: int, rng: Gen) -> np.ndarray:
    a, b = _binary_pairs(n, rng, 60, 0.5, 0.5)
    return np.array(
        [
            mcnemar(PairedStats.from_values(x, y), exact=True).p_value < ALPHA
            for x, y in zip(a, b, strict=True)
        ]
    )


def mcnemar_interval_coverage(n: int, rng: Gen) -> np.ndarray:
    a, b = _binary_pairs(n, rng, 100, 0.5, 0.6)
    return np.array(
        [
            _covers(mcnemar(PairedStats.from_values(x, y)).interval, 0.1)
            for x, y in zip(a, b, strict=True)
        ]
    )


def ratio_coverage(n: int, rng: Gen) -> np.ndarray:
    # tokens y ~ Gamma, cost x = y * price with price lognormal: ratio E[x] / E[y] = E[price].
    def arm(mu: float, size: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.gamma(4.0, 100.0, (n, size))
        return y * rng.lognormal(mu, 0.5, (n, size)), y

    xa, ya = arm(-7.0, 300)
    xb, yb = arm(-6.9, 250)
    truth = math.exp(-6.9 + 0.125) - math.exp(-7.0 + 0.125)
    return np.array(
        [
            _covers(
                ratio_delta(
                    RatioStats.from_values(x1, y1), RatioStats.from_values(x2, y2)
                ).interval,
                truth,
            )
            for x1, y1, x2, y2 in zip(xa, ya, xb, yb, strict=True)
        ]
    )


def geometric_mean_coverage(n: int, rng: Gen) -> np.ndarray:
    a, b = rng.lognormal(-4.0, 1.2, (n, 40)), rng.lognormal(-4.2, 0.8, (n, 60))
    truth = math.exp(-0.2) - 1
    return np.array(
        [_covers(geometric_mean_ratio(x, y).interval, truth) for x, y in zip(a, b, strict=True)]
    )


@dataclass(frozen=True)
class Scenario:
    run: Callable[[int, Gen], np.ndarray]
    kind: str  # "size", "size_conservative", "coverage", "coverage_conservative"
    n_sims: int  # default run; the slow run uses SLOW_FACTOR times as many


SCENARIOS = {
    "welch_aa": Scenario(welch_aa, "size", 4000),
    "welch_coverage": Scenario(welch_coverage, "coverage", 4000),
    "relative_lift_coverage": Scenario(relative_lift_coverage, "coverage", 2000),
    "z_aa": Scenario(z_aa, "size", 4000),
    "fisher_aa": Scenario(fisher_aa, "size_conservative", 600),
    "wilson_coverage": Scenario(wilson_coverage, "coverage", 4000),
    "newcomb_coverage": Scenario(newcomb_coverage, "coverage", 4000),
    "paired_t_aa": Scenario(paired_t_aa, "size", 4000),
    "wilcoxon_aa": Scenario(wilcoxon_aa, "size_conservative", 400),
    "mann_whitney_aa": Scenario(mann_whitney_aa, "size_conservative", 400),
    "hodges_lehmann_coverage": Scenario(hodges_lehmann_coverage, "coverage_conservative", 400),
    "walsh_coverage": Scenario(walsh_coverage, "coverage_conservative", 400),
    "mcnemar_aa": Scenario(mcnemar_aa, "size_conservative", 2000),
    "mcnemar_interval_coverage": Scenario(mcnemar_interval_coverage, "coverage_conservative", 2000),
    "ratio_coverage": Scenario(ratio_coverage, "coverage", 2000),
    "geometric_mean_coverage": Scenario(geometric_mean_coverage, "coverage", 2000),
}


def _check(name: str, n_sims: int) -> None:
    sc = SCENARIOS[name]
    rng = np.random.default_rng(sum(map(ord, name)) + n_sims)
    hits = sc.run(n_sims, rng)
    assert hits.shape == (n_sims,)
    rate = float(hits.mean())
    se = math.sqrt(ALPHA * (1 - ALPHA) / n_sims)
    target = ALPHA if sc.kind.startswith("size") else 1 - ALPHA
    msg = f"{name}: rate {rate:.4f} vs {target} +/- {3 * se:.4f} over {n_sims} simulations"
    if sc.kind == "size_conservative":
        assert rate <= target + 3 * se, msg
    elif sc.kind == "coverage_conservative":
        assert rate >= target - 3 * se, msg
    else:
        assert abs(rate - target) <= 3 * se, msg


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_calibration_small(name):
    _check(name, SCENARIOS[name].n_sims)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_calibration_large(name):
    _check(name, SCENARIOS[name].n_sims * SLOW_FACTOR)


def _peeking(n_streams: int, rng: Gen, looks: np.ndarray) -> tuple[float, float]:
    """Fraction of A/A streams that ever exclude 0, for the fixed and the mSPRT interval."""
    horizon = int(looks[-1])
    a, b = rng.lognormal(0, 1, (n_streams, horizon)), rng.lognormal(0, 1, (n_streams, horizon))
    ca, cb = np.cumsum(a, axis=1), np.cumsum(b, axis=1)
    qa, qb = np.cumsum(a * a, axis=1), np.cumsum(b * b, axis=1)
    fixed_hit = np.zeros(n_streams, bool)
    seq_hit = np.zeros(n_streams, bool)
    for i in range(n_streams):
        for t in looks:
            sa = SampleStats(int(t), ca[i, t - 1], qa[i, t - 1])
            sb = SampleStats(int(t), cb[i, t - 1], qb[i, t - 1])
            fixed_hit[i] |= welch_t(sa, sb).p_value < ALPHA
            seq = sequential_test(sa, sb, tuning_n=2 * horizon)
            seq_hit[i] |= not (seq.interval[0] <= 0 <= seq.interval[1])
    return float(fixed_hit.mean()), float(seq_hit.mean())


def _check_peeking(n_streams: int, looks: np.ndarray) -> None:
    fixed, seq = _peeking(n_streams, np.random.default_rng(17 + n_streams), looks)
    se = math.sqrt(ALPHA * (1 - ALPHA) / n_streams)
    assert seq <= ALPHA + 3 * se, f"mSPRT error under peeking {seq:.4f} over {n_streams} streams"
    assert fixed > ALPHA + 3 * se + 0.05, f"fixed interval under peeking only {fixed:.4f}"


def test_sequential_keeps_error_under_peeking_small():
    # 400 A/A streams of lognormal data, a look after every 10 units per arm up to 500.
    _check_peeking(400, np.arange(20, 501, 10))


@pytest.mark.slow
def test_sequential_keeps_error_under_peeking_large():
    # 4000 streams, a look after every 5 units per arm up to 1000.
    _check_peeking(4000, np.arange(20, 1001, 5))

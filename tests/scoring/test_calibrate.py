"""Calibration statistics against scipy, statsmodels and hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats
from statsmodels.stats.proportion import proportion_confint

from aigym.errors import ValidationError
from aigym.scoring import auc_delong, calibrate, correlation, isotonic_fit

Z95 = 1.959963984540054


def sample(n: int = 60, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    scores = np.round(rng.uniform(0, 100, n), 0)  # rounded: ties, as real scorers give
    p = 1 / (1 + np.exp(-(scores - 50) / 15))
    return scores, (rng.uniform(size=n) < p).astype(float)


def test_pearson_matches_scipy() -> None:
    x, y = sample()
    got = correlation(x, y, "pearson")
    ref = stats.pearsonr(x, y)
    ci = ref.confidence_interval(0.95)
    assert got.estimate == pytest.approx(ref.statistic, rel=1e-12)
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-8)
    assert got.interval == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert got.status == "ok" and got.n == 60 and got.interval_method == "Fisher z"


def test_spearman_matches_scipy_and_fieller_interval() -> None:
    x, y = sample()
    got = correlation(x, y, "spearman", confidence=0.9)
    ref = stats.spearmanr(x, y)
    assert got.estimate == pytest.approx(ref.statistic, rel=1e-12)
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-8)
    half = stats.norm.ppf(0.95) * math.sqrt(1.06 / (60 - 3))
    z = math.atanh(ref.statistic)
    assert got.interval == pytest.approx((math.tanh(z - half), math.tanh(z + half)), rel=1e-12)


def test_hand_computed_example() -> None:
    # x = 10, 20, 30, 40 and y = 0, 1, 0, 1: deviations (-15, -5, 5, 15) and (-.5, .5, -.5,
    # .5), cross products sum to 10, so r = 10 / sqrt(500 x 1) = 0.4472.
    x, y = [10, 20, 30, 40], [0, 1, 0, 1]
    r = correlation(x, y)
    assert r.estimate == pytest.approx(10 / math.sqrt(500))
    half = Z95 / math.sqrt(1)
    z = math.atanh(10 / math.sqrt(500))
    assert r.interval == pytest.approx((math.tanh(z - half), math.tanh(z + half)))
    # AUC: positives 20, 40 against negatives 10, 30 win 3 of 4 pairs. DeLong placements:
    # V10 = (1/2, 1), V01 = (1, 1/2); each sample variance is 1/8, so var = 1/16 + 1/16.
    a = auc_delong(x, y)
    assert a.estimate == 0.75 and a.standard_error == pytest.approx(math.sqrt(0.125))
    assert a.interval == pytest.approx((max(0, 0.75 - Z95 * math.sqrt(0.125)), 1.0))


def _delong_brute(pos: np.ndarray, neg: np.ndarray) -> tuple[float, float]:
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    var = v10.var(ddof=1) / pos.size + v01.var(ddof=1) / neg.size
    return float(psi.mean()), math.sqrt(var)


def test_auc_matches_mann_whitney_and_brute_force_delong() -> None:
    x, y = sample(80, seed=3)
    pos, neg = x[y == 1], x[y == 0]
    got = auc_delong(x, y)
    u = stats.mannwhitneyu(pos, neg).statistic
    assert got.estimate == pytest.approx(u / (pos.size * neg.size), rel=1e-12)
    auc, se = _delong_brute(pos, neg)
    assert got.estimate == pytest.approx(auc) and got.standard_error == pytest.approx(se)
    assert got.interval == pytest.approx((auc - Z95 * se, auc + Z95 * se))
    assert (got.n_positive, got.n_negative) == (pos.size, neg.size)


def test_auc_edge_cases() -> None:
    assert auc_delong([1, 2, 3], [1, 1, 1]).status == "one_class"
    sep = auc_delong([1, 2, 3, 4], [0, 0, 1, 1])
    assert sep.estimate == 1.0 and sep.status == "perfect_separation"
    with pytest.raises(ValidationError, match="0/1"):
        auc_delong([1, 2], [0, 2])


def test_isotonic_fit_hand_and_scipy() -> None:
    kx, ky = isotonic_fit([1, 2, 3, 4], [1, 3, 2, 4])
    assert kx.tolist() == [1, 2, 3, 4] and ky.tolist() == [1, 2.5, 2.5, 4]
    x, y = sample(50, seed=11)
    kx, ky = isotonic_fit(x, y)
    ux, inv = np.unique(x, return_inverse=True)
    w = np.bincount(inv).astype(float)
    ref = optimize.isotonic_regression(np.bincount(inv, weights=y) / w, weights=w)
    assert kx.tolist() == ux.tolist() and ky == pytest.approx(ref.x)
    assert (np.diff(ky) >= -1e-12).all()


def _irls(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Logistic regression by Newton's method, written out (no statsmodels)."""
    design = np.column_stack([np.ones_like(x), x])
    beta = np.zeros(2)
    for _ in range(50):
        p = 1 / (1 + np.exp(-design @ beta))
        grad = design.T @ (y - p)
        hess = design.T @ (design * (p * (1 - p))[:, None])
        beta = beta + np.linalg.solve(hess, grad)
    return beta


def test_binary_calibration_mapping_curve_and_brier() -> None:
    x, y = sample(120, seed=5)
    res = calibrate(x, y, "binary", label="proxy")
    intercept, slope = _irls(x, y)
    m = res.mapping
    assert m.method == "logistic" and m.note is None
    assert (m.intercept, m.slope) == pytest.approx((intercept, slope), rel=1e-6)
    p = 1 / (1 + np.exp(-(intercept + slope * x)))
    assert res.brier == pytest.approx(float(np.mean((p - y) ** 2)), rel=1e-6)
    assert res.brier_base_rate == pytest.approx(y.mean() * (1 - y.mean()))
    # Curve: ten equal-width bins over 0-100; the last bin includes 100.
    assert sum(b.n for b in res.curve) == 120
    for b in res.curve:
        inside = (x >= b.low) & ((x < b.high) | ((b.high == 100.0) & (x == 100.0)))
        assert b.n == int(inside.sum()) and b.mean_outcome == pytest.approx(y[inside].mean())
        lo, hi = proportion_confint(int(y[inside].sum()), b.n, 0.05, method="wilson")
        assert b.interval == pytest.approx((lo, hi))
        assert b.predicted == pytest.approx(float(p[inside].mean()), rel=1e-6)
    assert res.auc is not None and res.auc.estimate > 0.5
    text = res.table()
    assert text.startswith("proxy: n=120") and "AUC" in text and "Fisher z" in text


def test_continuous_outcome_and_isotonic_option() -> None:
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 100, 40)
    y = 0.02 * x + rng.normal(0, 0.3, 40)
    res = calibrate(x, y, "continuous", strategy="quantile", bins=4)
    slope, intercept = np.polyfit(x, y, 1)
    assert (res.mapping.intercept, res.mapping.slope) == pytest.approx((intercept, slope))
    assert res.auc is None and res.brier is None and len(res.curve) == 4
    assert [b.n for b in res.curve] == [10, 10, 10, 10]
    b = res.curve[0]
    sel = x <= b.high
    tlo, thi = stats.t.interval(0.95, sel.sum() - 1, y[sel].mean(), stats.sem(y[sel]))
    assert b.interval == pytest.approx((tlo, thi))
    iso = calibrate(x, y, "continuous", method="isotonic")
    kx, ky = isotonic_fit(x, y)
    assert iso.mapping.predict(kx) == pytest.approx(ky)


def test_unscored_pairs_are_dropped_and_degenerate_inputs() -> None:
    res = calibrate([10, None, 30, 50, 70, math.nan], [0, 1, 0, 1, 1, 0])
    assert (res.n, res.n_dropped) == (4, 2)
    sep = calibrate([10, 20, 80, 90], [0, 0, 1, 1])
    assert sep.mapping.method == "isotonic" and "separate" in (sep.mapping.note or "")
    assert sep.mapping.predict([15, 85]).tolist() == [0.0, 1.0]
    flat = correlation([5, 5, 5, 5, 5], [0, 1, 0, 1, 1])
    assert flat.status == "constant_input" and math.isnan(flat.estimate)
    assert correlation([1, 2, 3], [1, 2, 3]).status == "insufficient_data"
    one = calibrate([10, 20, 30], [1, 1, 1])
    assert one.mapping.predict([0, 50]).tolist() == [1.0, 1.0] and one.auc is not None
    with pytest.raises(ValidationError):
        calibrate([1, 2], [0, 1], "ordinal")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        calibrate([1, 2], [0, 1, 1])
    with pytest.raises(ValidationError):
        calibrate([1, 2], [0, 1], method="linear")
    with pytest.raises(ValidationError):
        calibrate([1, 2], [0, 1], confidence=95)

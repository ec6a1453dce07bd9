"""Degenerate data gives status codes (never exceptions); direction, multi-arm, display."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from aigym.errors import ValidationError
from aigym.stats import (
    PairedStats,
    ProportionStats,
    RatioStats,
    SampleStats,
    StatsConfig,
    adjust_results,
    bayes_means,
    bayes_proportions,
    compare_arms,
    fisher_exact,
    format_interval,
    format_p_value,
    geometric_mean_ratio,
    mann_whitney,
    mcnemar,
    mean_interval,
    newcomb_interval,
    non_inferiority,
    paired_t,
    ratio_delta,
    sample_ratio_mismatch,
    sequential_test,
    two_proportion_z,
    welch_t,
    wilcoxon,
    wilson_interval,
)

ONE = SampleStats.from_values([3.0])
CONST = SampleStats.from_values([2.0, 2.0, 2.0])
NORMAL = SampleStats.from_values([1.0, 2.0, 3.0, 4.0])
ZERO_MEAN = SampleStats.from_values([-1.0, 1.0, 0.0])
REL = StatsConfig(difference_type="relative")
P = ProportionStats
R = RatioStats.from_values


@pytest.mark.parametrize(
    "call,status",
    [
        (lambda: welch_t(ONE, NORMAL), "insufficient_data"),
        (lambda: welch_t(CONST, CONST), "zero_variance"),
        (lambda: welch_t(ZERO_MEAN, NORMAL, REL), "zero_baseline"),
        (lambda: non_inferiority(ONE, NORMAL, 0.1), "insufficient_data"),
        (lambda: mean_interval(ONE), "insufficient_data"),
        (lambda: mean_interval(CONST), "zero_variance"),
        (lambda: two_proportion_z(P(0, 0), P(5, 1)), "insufficient_data"),
        (lambda: two_proportion_z(P(10, 10), ProportionStats(10, 10)), "zero_variance"),
        (lambda: two_proportion_z(P(10, 5), ProportionStats(10, 10)), "small_sample"),
        (lambda: fisher_exact(ProportionStats(5, 0), ProportionStats(5, 0)), "zero_variance"),
        (lambda: wilson_interval(ProportionStats(0, 0)), "insufficient_data"),
        (
            lambda: newcomb_interval(ProportionStats(0, 0), ProportionStats(3, 1)),
            "insufficient_data",
        ),
        (lambda: paired_t(PairedStats.from_values([1.0], [2.0])), "insufficient_data"),
        (lambda: paired_t(PairedStats.from_values([1.0, 2.0], [2.0, 3.0])), "zero_variance"),
        (lambda: wilcoxon([1.0, 2.0], [1.0, 2.0]), "zero_variance"),
        (lambda: wilcoxon([], []), "insufficient_data"),
        (lambda: mann_whitney([], [1.0]), "insufficient_data"),
        (lambda: mann_whitney([1.0, 1.0], [1.0]), "zero_variance"),
        (lambda: mcnemar(PairedStats.from_values([1, 0], [1, 0])), "zero_variance"),
        (lambda: mcnemar(PairedStats(0, 0, 0, 0, 0, 0)), "insufficient_data"),
        (lambda: ratio_delta(R([1], [2]), R([1, 2], [2, 3])), "insufficient_data"),
        (lambda: geometric_mean_ratio([1.0, -1.0], [1.0, 2.0]), "non_positive_values"),
        (lambda: bayes_means(CONST, CONST), "zero_variance"),
        (
            lambda: bayes_proportions(ProportionStats(0, 0), ProportionStats(1, 1)),
            "insufficient_data",
        ),
        (lambda: sequential_test(ONE, NORMAL), "insufficient_data"),
        (lambda: sample_ratio_mismatch([0, 0]), "insufficient_data"),
    ],
)
def test_degenerate_data_gives_status_not_exception(call, status):
    assert call().status == status


def test_perfect_arm_is_handled_by_exact_methods():
    a, b = ProportionStats(10, 5), ProportionStats(10, 10)
    f = fisher_exact(a, b)
    assert f.status == "ok" and math.isinf(f.statistic) and 0 < f.p_value < 1
    assert f.interval[0] < 0.5 < f.interval[1] <= 1.0
    bayes = bayes_proportions(a, b)
    assert bayes.status == "ok" and 0.5 < bayes.chance_to_win < 1
    assert wilson_interval(b).interval[1] == pytest.approx(1.0)


def test_wrong_input_raises():
    with pytest.raises(ValidationError):
        StatsConfig(confidence=1.5)
    with pytest.raises(ValidationError):
        StatsConfig(alternative="bigger")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        non_inferiority(NORMAL, NORMAL, -1.0)
    with pytest.raises(ValidationError):
        mcnemar(PairedStats.from_values([0.5, 1.0], [1.0, 0.0]))
    with pytest.raises(ValidationError):
        mann_whitney([1.0, math.nan], [1.0])
    with pytest.raises(ValidationError):
        sample_ratio_mismatch([10, 12], [1.0, -1.0])


def test_lower_is_better_keeps_effect_sign():
    cheap, dear = (
        SampleStats.from_values([1.0, 1.2, 0.9, 1.1] * 10),
        SampleStats.from_values([2.0, 2.2, 1.9, 2.1] * 10),
    )
    up = welch_t(dear, cheap)  # A dear, B cheap
    down = welch_t(dear, cheap, StatsConfig(direction="lower_is_better"))
    assert up.effect == down.effect < 0
    assert not up.b_is_better and down.b_is_better
    assert bayes_means(dear, cheap, StatsConfig(direction="lower_is_better")).chance_to_win > 0.99


def test_non_inferiority_for_a_cheaper_model_that_matched_quality(rng):
    a = SampleStats.from_values(rng.normal(0.80, 0.1, 400))  # quality of the incumbent
    b = SampleStats.from_values(rng.normal(0.795, 0.1, 400))  # cheaper model, about equal
    res = non_inferiority(a, b, margin=0.03)
    assert res.non_inferior and res.interval[0] > -0.03 and math.isinf(res.interval[1])
    assert not non_inferiority(a, b, margin=0.001).non_inferior


def test_compare_arms_holm_and_bonferroni_intervals(rng):
    arms = {
        "control": SampleStats.from_values(rng.normal(10, 2, 200)),
        "v1": SampleStats.from_values(rng.normal(10.1, 2, 200)),
        "v2": SampleStats.from_values(rng.normal(11, 2, 200)),
        "v3": SampleStats.from_values(rng.normal(9.8, 2, 200)),
    }
    res = compare_arms(arms, "control")
    raw = [welch_t(arms["control"], arms[v]).p_value for v in ("v1", "v2", "v3")]
    np.testing.assert_allclose(
        [c.adjusted_p_value for c in res.comparisons], multipletests(raw, method="holm")[1]
    )
    assert res["v2"].better and not res["v1"].significant
    assert res["v2"].result.confidence == pytest.approx(1 - 0.05 / 3)
    bh = compare_arms(arms, "control", correction="bh")
    np.testing.assert_allclose(
        [c.adjusted_p_value for c in bh.comparisons], multipletests(raw, method="fdr_bh")[1]
    )
    props = compare_arms(
        {"a": ProportionStats(50, 20), "b": ProportionStats(50, 30)}, "a", exact=True
    )
    assert props["b"].result.method == "fisher_exact"
    with pytest.raises(ValidationError):
        compare_arms({"a": ProportionStats(5, 1), "b": SampleStats(2, 1, 1)}, "a")
    family = adjust_results({("cost", "v1"): res["v1"].result, ("quality", "v1"): res["v2"].result})
    assert set(family) == {("cost", "v1"), ("quality", "v1")}


def test_display_never_shows_zero():
    assert format_p_value(0.0) == "< 0.0001"
    assert format_p_value(1e-300) == "< 0.0001"
    assert format_p_value(0.00009999) == "< 0.0001"
    assert format_p_value(0.0001) == "0.0001"
    assert format_p_value(0.0312) == "0.0312"
    assert format_p_value(1.0) == "1.0000"
    assert format_p_value(math.nan) == "n/a"
    assert format_interval((-math.inf, 0.123456)) == "[-inf, 0.1235]"


def test_huge_effect_p_value_is_tiny_but_positive(rng):
    a = SampleStats.from_values(rng.normal(0, 1, 300))
    b = SampleStats.from_values(rng.normal(6, 1, 300))
    p = welch_t(a, b).p_value
    assert 0 < p < 1e-100
    assert format_p_value(p) == "< 0.0001"

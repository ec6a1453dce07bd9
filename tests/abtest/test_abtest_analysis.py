"""analyze_test: decisions, guards and numbers checked against scipy / statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats
from statsmodels.stats import proportion as sm_proportion

from aigym.abtest import ENGINES, ABTestManager, Engine
from aigym.abtest._analysis import analyze
from aigym.abtest._data import ArmData
from aigym.abtest._state import unit_hash
from aigym.abtest._tables import AssignmentRow
from aigym.records import Feedback, new_id
from aigym.stats import (
    ProportionStats,
    RatioStats,
    bayes_proportions,
    geometric_mean_ratio,
    ratio_delta,
)
from aigym.store import ParquetStore

from .conftest import Clock, config, record, traffic

NAME = "claude_vs_gpt4_emails"


def _normal(rng: np.random.Generator, mean: float, n: int, sd: float = 10.0) -> np.ndarray:
    return np.round(np.clip(rng.normal(mean, sd, n), 0, 100), 3)


def test_frequentist_numbers_match_scipy_welch(
    manager: ABTestManager, store: ParquetStore, rng: np.random.Generator
) -> None:
    manager.create_test(store, config(min_sample_size=50))
    a, b = _normal(rng, 70, 300), _normal(rng, 73, 260)
    record(manager, store, NAME, "a", a)
    record(manager, store, NAME, "b", b)
    res = manager.analyze_test(store, NAME, "frequentist")
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert res.effect == pytest.approx(b.mean() - a.mean(), rel=1e-12)
    assert res.confidence_level == pytest.approx(100 * (1 - ref.pvalue), rel=1e-12)
    ci = ref.confidence_interval(0.95)
    assert res.interval == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert res.winner == "b" and res.method == "welch_t_absolute"
    assert res.variant_a["sample_size"] == 300 and res.variant_b["results"] == 260
    assert res.variant_a["mean"] == pytest.approx(a.mean())
    assert res.lift == pytest.approx((b.mean() - a.mean()) / a.mean())
    assert "Roll out B" in res.recommendation


def test_bayesian_chance_to_win_is_the_gaussian_posterior(
    manager: ABTestManager, store: ParquetStore, rng: np.random.Generator
) -> None:
    manager.create_test(store, config(min_sample_size=50))
    a, b = _normal(rng, 70, 200), _normal(rng, 69, 200)
    record(manager, store, NAME, "a", a)
    record(manager, store, NAME, "b", b)
    res = manager.analyze_test(store, NAME, "bayesian")
    se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    chance = float(special.ndtr((b.mean() - a.mean()) / se))
    assert res.chance_to_win == pytest.approx(chance, rel=1e-9)
    assert res.confidence_level == pytest.approx(100 * max(chance, 1 - chance), rel=1e-9)
    assert res.p_value is None and res.method == "gaussian"


def test_srm_blocks_a_winner(
    manager: ABTestManager, store: ParquetStore, clock: Clock, rng: np.random.Generator
) -> None:
    manager.create_test(store, config(min_sample_size=50))
    traffic(manager, store, NAME, 2000, lambda v: float(rng.normal(80 if v == "b" else 70, 5)))
    assert manager.analyze_test(store, NAME).winner == "b"
    # 300 extra units logged for A only (e.g. a caller logging A's calls twice under new ids)
    extra = []
    for i in range(300):
        unit = f"ghost-{i}"
        row = (NAME, "a", unit, unit_hash(NAME, unit), False, config().variant_a_model)
        extra.append(AssignmentRow(new_id(clock()), clock(), *row))
    store.append("ab_assignments", extra)
    for engine in ENGINES:
        res = manager.analyze_test(store, NAME, engine)
        assert res.srm.mismatch and "srm" in res.flags
        assert res.winner == "inconclusive"
        assert "sample ratio mismatch" in res.recommendation
        assert res.effect > 5  # the estimate is still reported, only the call is blocked


def test_srm_without_an_assignment_log_checks_results(
    manager: ABTestManager, store: ParquetStore, rng: np.random.Generator
) -> None:
    manager.create_test(store, config(min_sample_size=50))
    record(manager, store, NAME, "a", _normal(rng, 70, 700))
    record(manager, store, NAME, "b", _normal(rng, 80, 300))
    res = manager.analyze_test(store, NAME)
    assert res.srm.observed == (700, 300) and res.srm.mismatch
    assert res.winner == "inconclusive"


def test_missing_results_on_one_side_block_a_winner(
    manager: ABTestManager, store: ParquetStore, rng: np.random.Generator
) -> None:
    manager.create_test(store, config(min_sample_size=50))
    for i in range(2000):
        variant, _ = manager.assign_variant(store, NAME, unit_id=f"u{i}")
        if variant == "b" and rng.random() < 0.3:
            continue  # B timed out: no result
        value = float(rng.normal(80 if variant == "b" else 70, 10))
        manager.record_variant_result(store, NAME, variant, quality_score=min(100, max(0, value)))
    res = manager.analyze_test(store, NAME)
    assert not res.srm.mismatch  # the assignments themselves follow the split
    assert "missing_results" in res.flags and res.winner == "inconclusive"
    assert res.missing_results is not None and res.missing_results.treatment < 0.8
    assert "fails or times out" in res.recommendation


def test_min_sample_size_says_how_many_more(
    manager: ABTestManager, store: ParquetStore, rng: np.random.Generator
) -> None:
    manager.create_test(store, config(min_sample_size=200))
    record(manager, store, NAME, "a", _normal(rng, 60, 120))
    record(manager, store, NAME, "b", _normal(rng, 90, 95))
    for engine in ("bayesian", "frequentist"):
        res = manager.analyze_test(store, NAME, engine)
        assert res.winner == "inconclusive" and "min_sample_size" in res.flags
        assert res.variant_a["sample_size"] == 120 and res.variant_b["sample_size"] == 95
        assert "80 more are needed for A and 105 more for B" in res.recommendation
        assert "about 210 more assignments" in res.recommendation
        assert res.confidence_level > 99  # the evidence is reported, the call is withheld
    # the always-valid interval may stop early on an effect this large (30 points, sd 10)
    seq = manager.analyze_test(store, NAME, "sequential")
    assert seq.winner == "b" and "min_sample_size" in seq.flags
    assert seq.rule.startswith("always-valid") and "Decided early" in seq.recommendation
    assert seq.interval[0] > 0 and seq.p_value is not None and seq.p_value < 0.05


@pytest.mark.parametrize("engine", ["bayesian", "frequentist"])
@pytest.mark.parametrize(("cost_a", "cost_b", "winner"), [(0.02, 0.01, "b"), (0.01, 0.02, "a")])
def test_lower_is_better_cost_picks_the_cheaper_arm(
    manager: ABTestManager,
    store: ParquetStore,
    rng: np.random.Generator,
    engine: Engine,
    cost_a: float,
    cost_b: float,
    winner: str,
) -> None:
    manager.create_test(store, config(target_metric="cost", min_sample_size=50))
    record(manager, store, NAME, "a", rng.lognormal(math.log(cost_a), 0.3, 150), "cost_usd")
    record(manager, store, NAME, "b", rng.lognormal(math.log(cost_b), 0.3, 150), "cost_usd")
    res = manager.analyze_test(store, NAME, engine)
    assert res.direction == "lower_is_better"
    assert res.winner == winner
    assert (res.effect < 0) == (winner == "b")  # effects stay B - A
    if res.chance_to_win is not None:  # P(B better) = P(B cheaper)
        assert (res.chance_to_win > 0.5) == (winner == "b")
    assert "lower" in res.recommendation or "higher" in res.recommendation
    assert "total spend" in res.recommendation


@pytest.mark.parametrize("engine", ["bayesian", "frequentist"])
def test_identical_arms_are_inconclusive(
    manager: ABTestManager, store: ParquetStore, rng: np.random.Generator, engine: Engine
) -> None:
    manager.create_test(store, config(min_sample_size=50))
    values = _normal(rng, 75, 300)
    record(manager, store, NAME, "a", values)
    record(manager, store, NAME, "b", values[::-1])
    res = manager.analyze_test(store, NAME, engine)
    assert res.winner == "inconclusive" and res.flags == ()
    assert res.effect == pytest.approx(0.0, abs=1e-9)
    assert res.confidence_level == pytest.approx(50.0 if engine == "bayesian" else 0.0, abs=1e-6)
    assert res.recommendation.startswith("Inconclusive")


def test_constant_identical_arms_say_no_difference(
    manager: ABTestManager, store: ParquetStore
) -> None:
    manager.create_test(store, config(min_sample_size=2))
    record(manager, store, NAME, "a", [80.0] * 10)
    record(manager, store, NAME, "b", [80.0] * 10)
    res = manager.analyze_test(store, NAME, "frequentist")
    assert res.winner == "inconclusive" and "No difference" in res.recommendation


def test_max_duration_passed_is_in_the_recommendation(
    manager: ABTestManager, store: ParquetStore, clock: Clock, rng: np.random.Generator
) -> None:
    manager.create_test(store, config(min_sample_size=50, max_duration_days=7))
    record(manager, store, NAME, "a", _normal(rng, 70, 100))
    record(manager, store, NAME, "b", _normal(rng, 70, 100))
    assert "max_duration" not in manager.analyze_test(store, NAME).flags
    clock.advance(9)
    res = manager.analyze_test(store, NAME)
    assert "max_duration" in res.flags and res.days_running == pytest.approx(9.0)
    assert "past max_duration_days=7" in res.recommendation
    assert "stop_test()" in res.recommendation


def test_no_results_is_inconclusive(manager: ABTestManager, store: ParquetStore) -> None:
    manager.create_test(store, config())
    res = manager.analyze_test(store, NAME)
    assert res.winner == "inconclusive" and "no_data" in res.flags
    assert math.isnan(res.confidence_level) and res.variant_a["sample_size"] == 0


def test_approval_uses_proportions(
    manager: ABTestManager, store: ParquetStore, rng: np.random.Generator
) -> None:
    manager.create_test(store, config(target_metric="approval", min_sample_size=50))
    a = (rng.random(400) < 0.60).astype(float)
    b = (rng.random(420) < 0.72).astype(float)
    record(manager, store, NAME, "a", a, "approved")
    record(manager, store, NAME, "b", b, "approved")
    freq = manager.analyze_test(store, NAME, "frequentist")
    p = sm_proportion.test_proportions_2indep(
        b.sum(), b.size, a.sum(), a.size, method="wald"
    ).pvalue
    assert freq.method == "two_proportion_z_absolute"
    assert freq.p_value == pytest.approx(p, rel=1e-9)
    assert freq.effect == pytest.approx(b.mean() - a.mean())
    bayes = manager.analyze_test(store, NAME, "bayesian")
    ref = bayes_proportions(ProportionStats(400, int(a.sum())), ProportionStats(420, int(b.sum())))
    assert bayes.method == "beta_binomial"
    assert bayes.chance_to_win == pytest.approx(ref.chance_to_win, rel=1e-12)
    assert freq.winner == bayes.winner == "b"


def test_small_approval_counts_use_fisher(manager: ABTestManager, store: ParquetStore) -> None:
    manager.create_test(store, config(target_metric="approval", min_sample_size=2))
    record(manager, store, NAME, "a", [1.0] * 3 + [0.0] * 9, "approved")
    record(manager, store, NAME, "b", [1.0] * 10 + [0.0] * 2, "approved")
    res = manager.analyze_test(store, NAME, "frequentist")
    ref = stats.fisher_exact([[10, 2], [3, 9]])
    assert res.method == "fisher_exact" and res.p_value == pytest.approx(ref.pvalue, rel=1e-12)


def test_later_feedback_overrides_the_recorded_verdict(
    manager: ABTestManager, store: ParquetStore
) -> None:
    manager.create_test(store, config(target_metric="approval", min_sample_size=2))
    ids = [manager.record_variant_result(store, NAME, "a", approved=False) for _ in range(10)]
    record(manager, store, NAME, "b", [0.0] * 10, "approved")
    store.flush()
    store.append("feedback", [Feedback.create(i, approved=True) for i in ids[:4]])
    res = manager.analyze_test(store, NAME, "frequentist")
    assert res.variant_a["mean"] == pytest.approx(0.4)
    assert res.variant_b["mean"] == 0.0


def test_units_with_several_results_are_analysed_per_unit(
    manager: ABTestManager, store: ParquetStore, rng: np.random.Generator
) -> None:
    manager.create_test(store, config(min_sample_size=50))
    sums: dict[str, list[float]] = {"a": [], "b": []}
    counts: dict[str, list[float]] = {"a": [], "b": []}
    values: dict[str, list[float]] = {"a": [], "b": []}
    per_unit: dict[str, tuple[str, float, float]] = {}
    for i in range(400):
        unit = f"user-{i}"
        variant, _ = manager.assign_variant(store, NAME, unit_id=unit)
        level = rng.normal(70 if variant == "a" else 71, 8)  # users differ a lot
        k = int(rng.integers(1, 6))
        got = np.clip(rng.normal(level, 3, k), 0, 100).round(3)
        for v in got:
            manager.record_variant_result(store, NAME, variant, quality_score=float(v),
                                          unit_id=unit)  # fmt: skip
        sums[variant].append(float(got.sum()))
        counts[variant].append(float(k))
        values[variant].extend(got.tolist())
        per_unit[unit] = (variant, float(got.sum()), float(k))
    res = manager.analyze_test(store, NAME, "frequentist")
    assert res.unit_level and res.method == "ratio_delta_absolute"
    ref = ratio_delta(RatioStats.from_values(sums["a"], counts["a"]),
                      RatioStats.from_values(sums["b"], counts["b"]))  # fmt: skip
    assert res.p_value == pytest.approx(ref.p_value, rel=1e-9)
    assert res.effect == pytest.approx(ref.effect, rel=1e-9)
    assert res.variant_a["sample_size"] == len(sums["a"])  # units, not results
    assert res.variant_a["results"] == len(values["a"])
    va, vb = np.asarray(values["a"]), np.asarray(values["b"])
    naive_se = math.sqrt(va.var(ddof=1) / va.size + vb.var(ddof=1) / vb.size)
    assert ref.standard_error > 1.3 * naive_se  # per-result standard errors are too small
    bayes = manager.analyze_test(store, NAME, "bayesian")
    assert bayes.chance_to_win == pytest.approx(
        float(special.ndtr(ref.effect / ref.standard_error))
    )
    # the default engine: mSPRT with delta-method errors on units, and the planned-sample
    # test on the units up to 50 per variant (one clock tick here: ties go in unit-id order)
    seq = manager.analyze_test(store, NAME, guardrails=())
    first: dict[str, list[tuple[float, float]]] = {"a": [], "b": []}
    for unit in sorted(per_unit):
        if min(len(first["a"]), len(first["b"])) >= 50:
            break
        variant, total, k = per_unit[unit]
        first[variant].append((total, k))
    horizon = {v: RatioStats.from_values(*zip(*first[v], strict=True)) for v in "ab"}
    full = {v: RatioStats.from_values(sums[v], counts[v]) for v in "ab"}
    units = {v: len(sums[v]) for v in "ab"}
    arms = ArmData(units, units, full, units, True, horizon)
    info = manager.get_test(store, NAME)
    ref_seq = analyze(info, arms, "sequential", 0.95, seq.days_running)
    assert seq.method.startswith("sequential(") and seq.rule == ref_seq.rule
    assert seq.p_value == pytest.approx(ref_seq.p_value, rel=1e-9)
    np.testing.assert_allclose(seq.interval, ref_seq.interval, rtol=1e-9)


def test_a_guardrail_metric_of_the_same_test(
    manager: ABTestManager, store: ParquetStore, rng: np.random.Generator
) -> None:
    manager.create_test(store, config(min_sample_size=50))
    for variant, cost in (("a", 0.01), ("b", 0.02)):
        for q in _normal(rng, 70, 120):
            c = float(rng.lognormal(np.log(cost), 0.2))
            manager.record_variant_result(store, NAME, variant, quality_score=q, cost_usd=c)
    guard = manager.analyze_test(store, NAME, "frequentist", metric="cost")
    assert guard.metric == "cost" and guard.direction == "lower_is_better"
    assert guard.winner == "a" and guard.effect > 0
    assert manager.analyze_test(store, NAME, "frequentist").metric == "quality"


def test_large_approval_arms_use_the_gaussian_posterior(
    manager: ABTestManager, store: ParquetStore
) -> None:
    from aigym.abtest._analysis import analyze
    from aigym.abtest._data import ArmData
    from aigym.stats import bayes_means

    manager.create_test(store, config(target_metric="approval"))
    info = manager.get_test(store, NAME)
    a, b = ProportionStats(50_000, 30_000), ProportionStats(50_000, 30_400)
    arms = ArmData({"a": a.n, "b": b.n}, {"a": a.n, "b": b.n}, {"a": a, "b": b},
                   {"a": a.n, "b": b.n}, unit_level=False)  # fmt: skip
    res = analyze(info, arms, "bayesian", 0.95, 1.0)
    exact = bayes_proportions(a, b)
    assert res.method == "gaussian"
    assert res.chance_to_win == bayes_means(a.to_sample_stats(), b.to_sample_stats()).chance_to_win
    assert res.chance_to_win == pytest.approx(exact.chance_to_win, abs=1e-4)


def test_the_unit_is_what_was_randomised(
    manager: ABTestManager, store: ParquetStore, rng: np.random.Generator
) -> None:
    # randomised per call (no unit_id at assignment): each result is its own unit, even if
    # results name a user
    manager.create_test(store, config(min_sample_size=2))
    for i in range(200):
        variant, _ = manager.assign_variant(store, NAME)
        q = float(rng.uniform(50, 90))
        manager.record_variant_result(store, NAME, variant, quality_score=q, unit_id=f"u{i % 20}")
    assert not manager.analyze_test(store, NAME).unit_level
    # no assignment log: results' unit ids are trusted
    manager.create_test(store, config("direct", min_sample_size=2))
    for i in range(200):
        manager.record_variant_result(store, "direct", "ab"[i % 2], unit_id=f"user-{i % 40}",
                                      quality_score=float(rng.uniform(50, 90)))  # fmt: skip
    res = manager.analyze_test(store, "direct", "frequentist")
    assert res.unit_level and res.variant_a["sample_size"] == 20 and res.variant_a["results"] == 100


def test_bayesian_rule_needs_one_sided_975(
    manager: ABTestManager, store: ParquetStore, rng: np.random.Generator
) -> None:
    """Chance to win 0.95-0.975 no longer names a winner (the old two-sided 10% rule did)."""
    manager.create_test(store, config(min_sample_size=50))
    a = _normal(rng, 60, 400)
    se = math.sqrt(a.var(ddof=1) / a.size + a[:300].var(ddof=1) / 300)
    b = a[:300] + (1.8 * se - (a[:300].mean() - a.mean()))  # z = 1.8: P(B better) = 0.964
    record(manager, store, NAME, "a", a)
    record(manager, store, NAME, "b", b)
    res = manager.analyze_test(store, NAME, "bayesian", guardrails=())
    c = res.chance_to_win
    assert c is not None and 0.95 < c < 0.975
    assert res.winner == "inconclusive" and "0.975" in res.rule
    se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert c == pytest.approx(float(special.ndtr((b.mean() - a.mean()) / se)), rel=1e-9)


def test_guardrail_flags_a_winner_that_costs_more(
    manager: ABTestManager, store: ParquetStore, rng: np.random.Generator
) -> None:
    manager.create_test(store, config(min_sample_size=100))
    for variant, q, cost in (("a", 70, 0.001), ("b", 76, 0.004)):
        for v, c in zip(_normal(rng, q, 150), rng.lognormal(math.log(cost), 0.4, 150), strict=True):
            manager.record_variant_result(store, NAME, variant, quality_score=float(v),
                                          cost_usd=float(c), latency_ms=900.0)  # fmt: skip
    res = manager.analyze_test(store, NAME)
    assert res.engine == "sequential" and res.winner == "b"
    assert res.rule.startswith("fixed horizon") and "units up to 100" in res.rule
    assert "guardrail_cost" in res.flags and "Guardrail warning: B" in res.recommendation
    cost = res.guardrails["cost"]
    assert cost.winner == "a" and cost.analysis == "log" and cost.effect > 2.0  # ~4x dearer
    assert "latency" in res.guardrails and res.guardrails["latency"].winner == "inconclusive"
    quiet = manager.analyze_test(store, NAME, guardrails=())
    assert quiet.winner == "b" and not quiet.guardrails and "guardrail_cost" not in quiet.flags


def test_skewed_cost_uses_the_log_scale_and_says_so(
    manager: ABTestManager, store: ParquetStore, rng: np.random.Generator
) -> None:
    manager.create_test(store, config(target_metric="cost", min_sample_size=50,
                                      traffic_split=0.1))  # fmt: skip
    a, b = rng.lognormal(-6, 1.0, 450), rng.lognormal(-6, 1.0, 60)
    record(manager, store, NAME, "a", a, "cost_usd")
    record(manager, store, NAME, "b", b, "cost_usd")
    res = manager.analyze_test(store, NAME, "frequentist")
    ref = geometric_mean_ratio(a, b)
    assert res.analysis == "log" and res.method == "log_welch_t_absolute"
    assert res.effect == pytest.approx(ref.effect, rel=1e-9)
    np.testing.assert_allclose(res.interval, ref.interval, rtol=1e-9)
    assert res.p_value == pytest.approx(ref.p_value, rel=1e-9)
    assert res.variant_a["mean"] == pytest.approx(a.mean())  # summaries stay arithmetic
    # a zero cost (a free local model) cannot be logged: back to means, named as such
    record(manager, store, NAME, "b", [0.0], "cost_usd")
    res0 = manager.analyze_test(store, NAME, "frequentist")
    assert res0.analysis == "mean" and res0.method == "welch_t_absolute"

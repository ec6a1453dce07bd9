"""The engines' promises, by seeded simulation (aigym/abtest/_calibration.py).

The store-free simulations call `analyze`, the function `analyze_test` calls, on the same
sufficient statistics; `test_manager_and_store_free_path_agree` pins that equivalence on
data recorded through the manager, and a small A/A loop runs through the manager itself.
Bounds: a false-winner rate at most 5% + 3 Monte Carlo SE, coverage at least 95% - 3 SE
(the sequential rule is conservative by design), power at least 0.8x Welch's.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from aigym.abtest import ABTestManager, get_metric
from aigym.abtest._analysis import analyze
from aigym.abtest._calibration import LOOKS, approval_aa, cost_aa, power, quality_aa
from aigym.abtest._data import ArmData
from aigym.stats import SampleStats
from aigym.store import ParquetStore
from tests.abtest.conftest import Clock, config

NAME = "calibration"


def _bounds(n: int) -> tuple[float, float]:
    se = math.sqrt(0.05 * 0.95 / n)
    return 0.05 + 3 * se, 0.95 - 3 * se


def _check_default(n: int) -> None:
    most, least = _bounds(n)
    for cell in (
        quality_aa("sequential", n, 1),
        quality_aa("sequential", n, LOOKS),
        approval_aa("sequential", n, 1),
        approval_aa("sequential", n, LOOKS),
        cost_aa("sequential", n, 1),
        cost_aa("sequential", n, LOOKS),
    ):
        assert cell.winners <= most, cell
        assert cell.coverage >= least, cell
    found, welch = power("sequential", n)
    assert found >= 0.8 * welch, (found, welch)


def test_default_engine_keeps_its_promise_small() -> None:
    _check_default(300)


@pytest.mark.slow
def test_default_engine_keeps_its_promise_large() -> None:
    _check_default(2000)


@pytest.mark.parametrize("engine", ["bayesian", "frequentist"])
def test_one_look_engines_hold_alpha_at_one_look(engine: str) -> None:
    most, least = _bounds(400)
    cell = quality_aa(engine, 400, 1)  # type: ignore[arg-type]
    assert cell.winners <= most and cell.coverage >= least
    peeked = quality_aa(engine, 400, LOOKS)  # type: ignore[arg-type]
    assert peeked.winners > 0.1  # and why they are not the default: peeking inflates it


def _stats(x: np.ndarray) -> SampleStats:
    return SampleStats.from_values(np.asarray(x, dtype=float))


def _record(manager: ABTestManager, store: ParquetStore, clock: Clock, pairs: list) -> None:
    for variant, q, cost in pairs:
        clock.advance(1e-5)
        manager.record_variant_result(
            store, NAME, variant, quality_score=q, cost_usd=cost, latency_ms=900.0
        )


def _same(x: object, y: object) -> None:
    assert x.winner == y.winner and x.rule == y.rule and x.analysis == y.analysis  # type: ignore[attr-defined]
    np.testing.assert_allclose(x.interval, y.interval, rtol=1e-9)  # type: ignore[attr-defined]
    np.testing.assert_allclose(x.p_value, y.p_value, rtol=1e-9)  # type: ignore[attr-defined]


def test_manager_and_store_free_path_agree(
    manager: ABTestManager, store: ParquetStore, clock: Clock, rng: np.random.Generator
) -> None:
    """What the simulations call is what analyze_test computes, horizon and log scale too."""
    manager.create_test(store, config(NAME, min_sample_size=60))
    qa, qb = rng.normal(70, 10, 90), rng.normal(72, 10, 90)
    ca, cb = rng.lognormal(-6, 1, 90), rng.lognormal(-6, 1, 90)
    rows = [r for i in range(90) for r in (("a", qa[i], ca[i]), ("b", qb[i], cb[i]))]
    _record(manager, store, clock, rows[:100])  # 50 each: before the planned 60
    info = manager.get_test(store, NAME)
    for k, horizon in ((50, None), (90, 60)):
        if k == 90:
            _record(manager, store, clock, rows[100:])
        got = manager.analyze_test(store, NAME, guardrails=())
        full = {"a": _stats(qa[:k]), "b": _stats(qb[:k])}
        first = None if horizon is None else {"a": _stats(qa[:60]), "b": _stats(qb[:60])}
        units = {"a": k, "b": k}
        arms = ArmData(units, units, full, {"a": 0, "b": 0}, False, first)
        _same(got, analyze(info, arms, "sequential", 0.95, got.days_running))
        cost = manager.analyze_test(store, NAME, metric="cost", guardrails=())
        logs = {"a": _stats(np.log(ca[:k])), "b": _stats(np.log(cb[:k]))}
        lfirst = None if horizon is None else {
            "a": _stats(np.log(ca[:60])), "b": _stats(np.log(cb[:60]))
        }  # fmt: skip
        cfull = {"a": _stats(ca[:k]), "b": _stats(cb[:k])}
        cfirst = None if horizon is None else {"a": _stats(ca[:60]), "b": _stats(cb[:60])}
        carms = dataclasses.replace(arms, stats=cfull, horizon=cfirst, log_stats=logs,
                                    log_horizon=lfirst)  # fmt: skip
        ref_cost = analyze(info, carms, "sequential", 0.95, cost.days_running, get_metric("cost"))
        _same(cost, ref_cost)
        assert cost.analysis == "log" and cost.method.startswith("log_sequential")


def test_aa_through_the_manager(manager: ABTestManager, store: ParquetStore, clock: Clock) -> None:
    """A small A/A loop through the store, looked at 5 times per test: no false winner
    beyond what 5% allows (P(>= 3 of 12) < 2% at 5%)."""
    rng = np.random.default_rng(11)
    wins = 0
    for t in range(12):
        name = f"{NAME}_{t}"
        manager.create_test(store, config(name, min_sample_size=40))
        named = False
        for _ in range(5):
            for _ in range(8):
                for v in ("a", "b"):
                    clock.advance(1e-5)
                    q = min(100.0, rng.normal(70, 8))
                    manager.record_variant_result(
                        store, name, v, quality_score=q, cost_usd=0.01, latency_ms=900.0
                    )
            res = manager.analyze_test(store, name, guardrails=())
            named = named or res.winner != "inconclusive"
        wins += named
    assert wins <= 2

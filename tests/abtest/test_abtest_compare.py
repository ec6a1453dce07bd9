"""compare_models: paired on shared prompts automatically, checked against scipy/statsmodels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar
from statsmodels.stats.multitest import multipletests

from aigym.abtest import compare_models
from aigym.errors import ValidationError
from aigym.records import Execution, TaskMetrics
from aigym.registry import ModelRegistry
from aigym.store import ParquetStore

from .conftest import START

A, B, C = "anthropic/claude-3.5-sonnet", "openai/gpt-4o", "openai/gpt-4o-mini"


def _store_results(
    store: ParquetStore, rows: Sequence[tuple[str, str | None, float, float]]
) -> None:
    """rows of (model, prompt_id, quality, cost)."""
    execs = [
        Execution.from_metrics(
            TaskMetrics(model, "email_writing", 100, 50, 800.0, cost, quality_score=q,
                        user_approved=q >= 50, prompt_id=prompt),
            timestamp=START + dt.timedelta(seconds=i),
        )
        for i, (model, prompt, q, cost) in enumerate(rows)
    ]  # fmt: skip
    store.append("executions", execs)


def _bakeoff(
    store: ParquetStore, rng: np.random.Generator, effects: dict[str, float], n: int = 60
) -> dict[str, np.ndarray]:
    """Every model answers the same n prompts; prompts differ in difficulty (the pairing)."""
    difficulty = rng.normal(65, 12, n)
    out: dict[str, np.ndarray] = {}
    rows = []
    for model, effect in effects.items():
        q = np.clip(difficulty + effect + rng.normal(0, 3, n), 0, 100).round(4)
        out[model] = q
        rows += [(model, f"p{i}", float(q[i]), 0.01) for i in range(n)]
    _store_results(store, rows)
    return out


def test_paired_comparison_equals_scipy_ttest_rel(
    store: ParquetStore, rng: np.random.Generator, registry: ModelRegistry
) -> None:
    q = _bakeoff(store, rng, {A: 0.0, B: 1.5})
    res = compare_models(store, "email_writing", [A, B], registry=registry)
    assert res.paired and res.baseline == A
    row = res[B]
    ref = stats.ttest_rel(q[B], q[A])
    assert row.result.method == "paired_t_absolute"
    assert row.result.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert row.result.statistic == pytest.approx(ref.statistic, rel=1e-9)
    ci = ref.confidence_interval(0.95)
    assert row.result.interval == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert row.n_model == row.n_baseline == 60 and row.n_unpaired == 0
    assert row.better  # pairing removes the prompt difficulty: 1.5 points is detected
    welch = stats.ttest_ind(q[B], q[A], equal_var=False)
    assert welch.pvalue > 0.05  # ... which an unpaired test would miss


def test_repeats_are_averaged_per_prompt(
    store: ParquetStore, rng: np.random.Generator, registry: ModelRegistry
) -> None:
    first = _bakeoff(store, rng, {A: 0.0, B: 1.0}, n=40)
    second = _bakeoff(store, rng, {A: 0.0, B: 1.0}, n=40)  # same prompt ids p0..p39 again
    res = compare_models(store, "email_writing", [A, B], registry=registry)
    a = (first[A] + second[A]) / 2
    b = (first[B] + second[B]) / 2
    assert res[B].n_model == 40
    assert res[B].result.p_value == pytest.approx(stats.ttest_rel(b, a).pvalue, rel=1e-9)


def test_different_prompts_fall_back_to_welch(
    store: ParquetStore, rng: np.random.Generator, registry: ModelRegistry
) -> None:
    qa, qb = rng.normal(70, 8, 50).round(3), rng.normal(74, 8, 45).round(3)
    _store_results(store, [(A, f"a{i}", float(v), 0.01) for i, v in enumerate(qa)]
                   + [(B, f"b{i}", float(v), 0.01) for i, v in enumerate(qb)])  # fmt: skip
    res = compare_models(store, "email_writing", [A, B], registry=registry)
    assert not res.paired
    ref = stats.ttest_ind(qb, qa, equal_var=False)
    assert res[B].result.method == "welch_t_absolute"
    assert res[B].result.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    mw = compare_models(store, "email_writing", [A, B], method="rank", registry=registry)
    ref_mw = stats.mannwhitneyu(qb, qa, alternative="two-sided")
    assert mw[B].result.method == "mann_whitney"
    assert mw[B].result.p_value == pytest.approx(ref_mw.pvalue, rel=1e-9)
    with pytest.raises(ValidationError) as info:
        compare_models(store, "email_writing", [A, B], paired=True, registry=registry)
    assert info.value.field == "paired"


def test_paired_rank_test_is_wilcoxon(
    store: ParquetStore, rng: np.random.Generator, registry: ModelRegistry
) -> None:
    q = _bakeoff(store, rng, {A: 0.0, B: 1.0}, n=50)
    res = compare_models(store, "email_writing", [A, B], method="rank", registry=registry)
    ref = stats.wilcoxon(q[B] - q[A])
    assert res[B].result.method == "wilcoxon"
    assert res[B].result.p_value == pytest.approx(ref.pvalue, rel=1e-9)


def test_paired_binary_approval_uses_mcnemar(
    store: ParquetStore, rng: np.random.Generator, registry: ModelRegistry
) -> None:
    q = _bakeoff(store, rng, {A: -10.0, B: -7.0}, n=80)
    res = compare_models(store, "email_writing", [A, B], metric="approval", registry=registry)
    a, b = q[A] >= 50, q[B] >= 50
    table = [[np.sum(a & b), np.sum(a & ~b)], [np.sum(~a & b), np.sum(~a & ~b)]]
    ref = sm_mcnemar(table, exact=True)
    assert res.paired and res[B].result.method == "mcnemar"
    assert res[B].result.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert res[B].result.effect == pytest.approx(b.mean() - a.mean())


def test_three_models_each_against_the_baseline_with_holm(
    store: ParquetStore, rng: np.random.Generator, registry: ModelRegistry
) -> None:
    q = _bakeoff(store, rng, {A: 0.0, B: 1.2, C: 0.4}, n=60)
    res = compare_models(store, "email_writing", [A, B, C], registry=registry)
    raw = [stats.ttest_rel(q[m], q[A]).pvalue for m in (B, C)]
    adjusted = multipletests(raw, method="holm")[1]
    assert [r.model for r in res.rows] == [B, C]
    assert [r.result.p_value for r in res.rows] == pytest.approx(raw, rel=1e-9)
    assert [r.adjusted_p_value for r in res.rows] == pytest.approx(list(adjusted), rel=1e-9)
    assert res.rows[0].result.confidence == pytest.approx(1 - 0.05 / 2)  # Bonferroni intervals
    table = res.to_polars()
    assert table.height == 2 and table["model"].to_list() == [B, C]
    assert {"baseline", "effect", "ci_low", "ci_high", "p_value", "adjusted_p_value",
            "better", "paired", "n_unpaired"} <= set(table.columns)  # fmt: skip
    # baseline by name, aliases resolved, unpaired three-arm: compare_arms with Holm
    other = compare_models(store, "email_writing", ["gpt-4o", A, C], baseline=A, paired=False,
                           registry=registry)  # fmt: skip
    assert other.baseline == A and not other.paired and [r.model for r in other.rows] == [B, C]


def test_cost_is_lower_is_better(
    store: ParquetStore, rng: np.random.Generator, registry: ModelRegistry
) -> None:
    rows = [(A, f"p{i}", 70.0, float(rng.lognormal(-4, 0.2))) for i in range(40)]
    rows += [(B, f"p{i}", 70.0, float(rng.lognormal(-4.5, 0.2))) for i in range(40)]
    _store_results(store, rows)
    res = compare_models(store, "email_writing", [A, B], metric="cost", registry=registry)
    assert res.direction == "lower_is_better"
    assert res[B].result.effect < 0 and res[B].better


def test_bad_requests_name_the_fix(store: ParquetStore, registry: ModelRegistry) -> None:
    _store_results(store, [(A, "p1", 70.0, 0.01), (A, "p2", 71.0, 0.01)])
    with pytest.raises(ValidationError) as info:
        compare_models(store, "email_writing", [A], registry=registry)
    assert info.value.field == "models"
    with pytest.raises(ValidationError) as info:
        compare_models(store, "email_writing", [A, B], registry=registry)
    assert info.value.field == "models" and A in info.value.fix
    with pytest.raises(ValidationError) as info:
        compare_models(store, "email_writing", [A, B], metric="vibes", registry=registry)
    assert info.value.field == "metric"
    with pytest.raises(ValidationError):
        compare_models(store, "email_writing", [A, B], method="bayes", registry=registry)  # type: ignore[arg-type]

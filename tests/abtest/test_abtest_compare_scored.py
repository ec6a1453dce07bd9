"""compare_models on scored campaign rows: scorer=, the multi-model ranking and all pairs.

References: scipy's ttest_rel per pair, statsmodels' Holm (multipletests), and an independent
Monte Carlo of P(best) from scipy's multivariate t on the per-prompt means.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from aigym.abtest import compare_models
from aigym.errors import ValidationError
from aigym.records import Execution, ScoreRecord, TaskMetrics
from aigym.registry import ModelRegistry
from aigym.store import ParquetStore

from .conftest import START

A, B, C = "anthropic/claude-3.5-sonnet", "openai/gpt-4o", "openai/gpt-4o-mini"
PROMPTS, REPEATS = 30, 3


def _campaign(store: ParquetStore, rng: np.random.Generator, effects: dict[str, float]):
    """Campaign rows (no record-time quality), each scored by 'token_f1' (an older version
    superseded by a newer one). Returns the per-prompt mean score per model."""
    difficulty = rng.normal(60, 12, PROMPTS)
    execs, scores, means = [], [], {}
    for model, effect in effects.items():
        per_prompt = np.zeros(PROMPTS)
        for p in range(PROMPTS):
            for _ in range(REPEATS):
                ts = START + dt.timedelta(seconds=len(execs))
                ex = Execution.from_metrics(
                    TaskMetrics(model, "email_writing", 100, 50, 800.0, 0.01,
                                prompt_id=f"p{p}", campaign="bake"),
                    timestamp=ts,
                )  # fmt: skip
                value = float(np.clip(difficulty[p] + effect + rng.normal(0, 4), 0, 100))
                per_prompt[p] += value / REPEATS
                execs.append(ex)
                old = ScoreRecord.create(ex.execution_id, "token_f1", "1", 0.0, timestamp=ts)
                new = ScoreRecord.create(
                    ex.execution_id, "token_f1", "2", value, timestamp=ts + dt.timedelta(hours=1)
                )
                scores += [old, new]
        means[model] = per_prompt
    store.append("executions", execs)
    store.append("scores", scores)
    return means


def test_campaign_rows_need_a_scorer_and_say_so(
    store: ParquetStore, rng: np.random.Generator, registry: ModelRegistry
) -> None:
    _campaign(store, rng, {A: 0.0, B: 1.0})
    with pytest.raises(ValidationError, match="rescore them and pass scorer="):
        compare_models(store, "email_writing", [A, B], campaign="bake", registry=registry)
    with pytest.raises(ValidationError, match="did you mean 'email_writing'"):
        compare_models(store, "email_writting", [A, B], scorer="token_f1", registry=registry)
    with pytest.raises(ValidationError, match="metric='quality'"):
        compare_models(store, "email_writing", [A, B], "cost", scorer="token_f1",
                       registry=registry)  # fmt: skip


def test_two_models_paired_on_prompts_with_repeats_averaged(
    store: ParquetStore, rng: np.random.Generator, registry: ModelRegistry
) -> None:
    means = _campaign(store, rng, {A: 0.0, B: 2.0})
    res = compare_models(
        store, "email_writing", [A, B], scorer="token_f1", campaign="bake", registry=registry
    )
    row = res[B]
    ref = stats.ttest_rel(means[B], means[A])
    assert res.paired and res.scorer == "token_f1" and row.result.method.startswith("paired_t")
    assert row.n_model == PROMPTS and row.result.effect == pytest.approx(
        (means[B] - means[A]).mean()
    )
    assert row.result.p_value == pytest.approx(ref.pvalue, rel=1e-6)
    assert dict(res.n_calls) == {A: PROMPTS * REPEATS, B: PROMPTS * REPEATS}
    # a pinned version reads the superseded scores (all 0): no difference at all
    pinned = compare_models(store, "email_writing", [A, B], scorer="token_f1@1",
                            registry=registry)  # fmt: skip
    assert pinned[B].result.effect == 0.0
    assert res.ranking is not None and res.ranking.paired and res.pairwise == ()


def test_three_models_ranked_by_p_best_with_holm_pairs(
    store: ParquetStore, rng: np.random.Generator, registry: ModelRegistry
) -> None:
    means = _campaign(store, rng, {A: 0.0, B: 1.5, C: 2.0})
    res = compare_models(
        store, "email_writing", [A, B, C], scorer="token_f1", registry=registry, draws=200_000
    )
    ranking = res.ranking
    assert ranking is not None and ranking.method == "paired_multivariate_t"
    assert sum(a.p_best for a in ranking.arms) == pytest.approx(1.0, abs=1e-12)
    # independent Monte Carlo: scipy's multivariate t on the per-prompt means
    y = np.column_stack([means[A], means[B], means[C]])
    mvt = stats.multivariate_t(y.mean(0), np.cov(y, rowvar=False) / PROMPTS, df=PROMPTS - 1)
    draws = mvt.rvs(size=200_000, random_state=np.random.default_rng(7))
    p_ref = np.bincount(draws.argmax(1), minlength=3) / draws.shape[0]
    loss_ref = (draws.max(1)[:, None] - draws).mean(0)
    for i, model in enumerate((A, B, C)):
        assert ranking[model].p_best == pytest.approx(p_ref[i], abs=0.006)
        assert ranking[model].expected_loss == pytest.approx(loss_ref[i], abs=0.01)
        lo, hi = stats.t.interval(0.95, PROMPTS - 1, loc=y[:, i].mean(), scale=stats.sem(y[:, i]))
        assert (ranking[model].ci_low, ranking[model].ci_high) == pytest.approx((lo, hi))
    # every pair, paired t, Holm over the three
    pairs = [(A, B), (A, C), (B, C)]
    p_raw = [stats.ttest_rel(means[b], means[a]).pvalue for a, b in pairs]
    holm = multipletests(p_raw, method="holm")[1]
    for r, (a, b), p, adj in zip(res.pairwise, pairs, p_raw, holm, strict=True):
        assert (r.model_a, r.model_b) == (a, b)
        assert r.result.p_value == pytest.approx(p, rel=1e-6)
        assert r.adjusted_p_value == pytest.approx(adj, rel=1e-6)
    arms = res.to_polars("arms")
    assert arms["model"].to_list() == [a.arm for a in ranking.arms]
    assert arms["p_best"].sum() == pytest.approx(1.0)
    assert set(arms["n_prompts"]) == {PROMPTS} and set(arms["n_calls"]) == {PROMPTS * REPEATS}
    assert res.to_polars("pairwise").height == 3 and res.to_polars().height == 2
    assert res.best == ranking.arms[0].arm and "P(best)" in repr(res)

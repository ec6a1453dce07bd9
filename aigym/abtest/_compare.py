"""Offline comparison of models on bake-off data already in the store.

When the models answered the same prompts (`prompt_id`), the comparison is paired on those
prompts: paired t (or Wilcoxon) on per-prompt differences, McNemar for a binary verdict. The
prompt is the unit, so repeats of a prompt are averaged per model first. Without shared
prompts it falls back to Welch t / two-proportion z (or Fisher) / Mann-Whitney. Three or more
models are each compared with a baseline, and the p-values adjusted (Holm by default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import polars as pl

from aigym._alias import accepts_db
from aigym.abtest._config import get_metric
from aigym.errors import UnknownModelError, ValidationError
from aigym.records import TaskType
from aigym.registry import ModelRegistry, get_model_registry
from aigym.stats import (
    Correction,
    Direction,
    FrequentistResult,
    PairedStats,
    ProportionStats,
    SampleStats,
    StatsConfig,
    adjust_results,
    compare_arms,
    mann_whitney,
    mcnemar,
    paired_t,
    wilcoxon,
)
from aigym.store import ParquetStore

Method = Literal["t", "rank"]
_MIN_SHARED = 0.5  # pair when shared prompts are at least half of each model's prompts


@dataclass(frozen=True, slots=True)
class ModelComparisonRow:
    """One model against the baseline: estimates, effect B - A, interval and p-values.

    `baseline_estimate` / `model_estimate` are means (t-tests), medians (rank tests) or
    rates (binary metrics); the interval is at the family-wise (Bonferroni) level when more
    than one model is compared. `n` counts units (prompts when paired) in the comparison.
    """

    model: str
    n_baseline: int
    n_model: int
    n_unpaired: int
    result: FrequentistResult
    adjusted_p_value: float
    alpha: float

    @property
    def significant(self) -> bool:
        """Adjusted p < alpha."""
        return self.adjusted_p_value < self.alpha

    @property
    def better(self) -> bool:
        """Significant and in the metric's good direction (lower for cost and latency)."""
        return self.significant and self.result.favours_b


@dataclass(frozen=True, slots=True)
class ModelComparison:
    """Every model against `baseline` on one task and metric."""

    task_type: str
    metric: str
    direction: Direction
    baseline: str
    paired: bool
    correction: Correction
    confidence: float
    rows: tuple[ModelComparisonRow, ...]

    def __getitem__(self, model: str) -> ModelComparisonRow:
        for r in self.rows:
            if r.model == model:
                return r
        raise KeyError(model)

    def to_polars(self) -> pl.DataFrame:
        """One tidy row per model compared with the baseline."""
        return pl.DataFrame(
            [
                {
                    "task_type": self.task_type,
                    "metric": self.metric,
                    "baseline": self.baseline,
                    "model": r.model,
                    "method": r.result.method,
                    "paired": self.paired,
                    "n_baseline": r.n_baseline,
                    "n_model": r.n_model,
                    "n_unpaired": r.n_unpaired,
                    "baseline_estimate": r.result.baseline,
                    "model_estimate": r.result.treatment,
                    "effect": r.result.effect,
                    "ci_low": r.result.interval[0],
                    "ci_high": r.result.interval[1],
                    "p_value": r.result.p_value,
                    "adjusted_p_value": r.adjusted_p_value,
                    "significant": r.significant,
                    "better": r.better,
                    "status": r.result.status,
                }
                for r in self.rows
            ]
        )


def _resolve_one(model: str, registry: ModelRegistry) -> str:
    try:
        return registry.resolve(model)
    except UnknownModelError:
        return model  # a model only the store knows (e.g. a local one) is compared as given


def _resolve(models: Sequence[str], registry: ModelRegistry) -> list[str]:
    if isinstance(models, str) or len(models) < 2:
        raise ValidationError("models", models, "pass a list of at least two model ids")
    out: list[str] = []
    for m in models:
        mid = _resolve_one(m, registry)
        if mid not in out:
            out.append(mid)
    if len(out) < 2:
        raise ValidationError("models", models, "pass at least two different models")
    return out


Window = tuple[dt.datetime | dt.date | None, dt.datetime | dt.date | None, str | None]


def _units(
    store: ParquetStore, task: str, models: list[str], column: str, window: Window
) -> pl.DataFrame:
    """(model_id, unit, prompt, value, results): one row per model and unit (prompt)."""
    approval = column == "approved"
    feedback = approval and bool(store.files("feedback"))
    since, until, campaign = window
    lf = store.scan_executions(
        since=since, until=until, model_id=models, task_type=task, campaign=campaign,
        with_feedback=feedback,
    )  # fmt: skip
    value = pl.col("approved" if feedback else "user_approved") if approval else pl.col(column)
    return (
        lf.filter(pl.col("status") == "success")
        .select(
            "model_id",
            pl.coalesce("prompt_id", "execution_id").alias("unit"),
            pl.col("prompt_id").is_not_null().alias("prompt"),
            value.cast(pl.Float64).alias("value"),
        )
        .drop_nulls("value")
        .group_by("model_id", "unit")
        .agg(pl.col("value").mean(), pl.len().alias("results"), pl.col("prompt").first())
        .sort("model_id", "unit")
        .collect()
    )


def _binary(values: np.ndarray) -> bool:
    return bool(np.all((values == 0) | (values == 1)))


def _pairs(per_model: dict[str, pl.DataFrame], base: str) -> dict[str, pl.DataFrame]:
    """Per model: the prompts it shares with the baseline (`value` = baseline, `value_b`)."""
    prompts = per_model[base].filter(pl.col("prompt"))
    return {
        mid: prompts.join(df.filter(pl.col("prompt")), on="unit", how="inner", suffix="_b")
        for mid, df in per_model.items()
        if mid != base
    }


def _paired_results(
    pairs: dict[str, pl.DataFrame], binary: bool, method: Method, level: StatsConfig
) -> dict[str, FrequentistResult]:
    out: dict[str, FrequentistResult] = {}
    for mid, s in pairs.items():
        a, b = s["value"].to_numpy(), s["value_b"].to_numpy()
        if binary and _binary(a) and _binary(b):
            out[mid] = mcnemar(PairedStats.from_values(a, b), level)
        elif method == "rank":
            out[mid] = wilcoxon(a, b, level)
        else:
            out[mid] = paired_t(PairedStats.from_values(a, b), level)
    return out


def _independent_results(
    per_model: dict[str, pl.DataFrame],
    base: str,
    binary: bool,
    method: Method,
    cfg: StatsConfig,
    correction: Correction,
) -> dict[str, FrequentistResult]:
    values = {mid: df["value"].to_numpy() for mid, df in per_model.items()}
    if method == "rank" and not binary:
        level = replace(cfg, confidence=1.0 - cfg.alpha / (len(values) - 1))
        return {
            mid: mann_whitney(values[base], v, level) for mid, v in values.items() if mid != base
        }
    if binary:
        rates = {mid: ProportionStats.from_values(v) for mid, v in values.items()}
        small = any(min(p.successes, p.failures) < 5 for p in rates.values())
        multi = compare_arms(rates, base, cfg, correction=correction, exact=small)
    else:
        means = {mid: SampleStats.from_values(v) for mid, v in values.items()}
        multi = compare_arms(means, base, cfg, correction=correction)
    return {c.variant: c.result for c in multi.comparisons}


@accepts_db
def compare_models(
    store: ParquetStore,
    task_type: str,
    models: Sequence[str],
    metric: str = "quality",
    *,
    baseline: str | None = None,
    paired: bool | None = None,
    method: Method = "t",
    confidence: float = 0.95,
    correction: Correction = "holm",
    since: dt.datetime | dt.date | None = None,
    until: dt.datetime | dt.date | None = None,
    campaign: str | None = None,
    registry: ModelRegistry | None = None,
) -> ModelComparison:
    """Compare models on one task from stored executions (successful calls only).

    `paired=None` pairs automatically when every model shares at least half of its prompts
    with the baseline (the first model unless `baseline` is given); `method="rank"` uses
    Wilcoxon / Mann-Whitney instead of t-tests. Binary metrics (approval) use McNemar when
    paired with one result per prompt, else the two-proportion z-test (Fisher for small
    counts). Effects are model - baseline; cost and latency are lower-is-better. With more
    than one model besides the baseline, intervals are at the Bonferroni level and the
    adjusted p-values (`correction`, Holm by default) decide.
    """
    reg = registry if registry is not None else get_model_registry()
    m = get_metric(metric, "metric")
    task = str(TaskType(task_type))
    ids = _resolve(models, reg)
    base = ids[0] if baseline is None else _resolve_one(baseline, reg)
    if base not in ids:
        ids.insert(0, base)
    if method not in ("t", "rank"):
        raise ValidationError("method", method, "use 't' (means) or 'rank' (medians)")
    cfg = StatsConfig(confidence=confidence, direction=m.direction)
    data = _units(store, task, ids, m.column, (since, until, campaign))
    per_model = {mid: data.filter(pl.col("model_id") == mid) for mid in ids}
    missing = [mid for mid, df in per_model.items() if df.height == 0]
    if missing:
        raise ValidationError(
            "models", missing, f"no successful {task!r} results with a {m.column} value for "
            f"these models; models with results: {sorted(set(data['model_id']))}",
        )  # fmt: skip
    pairs = _pairs(per_model, base)
    sizes = {mid: df.height for mid, df in per_model.items()}
    auto = all(
        s.height >= 2 and s.height >= _MIN_SHARED * max(sizes[base], sizes[mid])
        for mid, s in pairs.items()
    )
    is_paired = auto if paired is None else bool(paired)
    if is_paired and any(s.height < 2 for s in pairs.values()):
        raise ValidationError(
            "paired", paired, "fewer than 2 prompt_ids shared with the baseline: use paired=False"
        )
    binary = m.kind == "proportion" and bool((data["results"] == 1).all())
    if is_paired:
        level = replace(cfg, confidence=1.0 - cfg.alpha / len(pairs))
        results = _paired_results(pairs, binary, method, level)
    else:
        results = _independent_results(per_model, base, binary, method, cfg, correction)
    adjusted = adjust_results(results, correction)
    rows = tuple(
        ModelComparisonRow(
            model=mid,
            n_baseline=pairs[mid].height if is_paired else sizes[base],
            n_model=pairs[mid].height if is_paired else sizes[mid],
            n_unpaired=sizes[base] + sizes[mid] - 2 * pairs[mid].height if is_paired else 0,
            result=results[mid],
            adjusted_p_value=adjusted[mid],
            alpha=cfg.alpha,
        )
        for mid in ids
        if mid != base
    )
    return ModelComparison(
        task, m.name, m.direction, base, is_paired, correction, cfg.confidence, rows
    )

"""Offline comparison of models on bake-off data already in the store.

When the models answered the same prompts (`prompt_id`), the comparison is paired on those
prompts: paired t (or Wilcoxon) on per-prompt differences, McNemar for a binary verdict. The
prompt is the unit, so repeats of a prompt are averaged per model first. Without shared
prompts it falls back to Welch t / two-proportion z (or Fisher) / Mann-Whitney. Three or more
models are each compared with a baseline, and the p-values adjusted (Holm by default).

Campaign data carries no record-time quality: pass `scorer=` and quality is the scorer's
latest score per execution (the `scores` table, as `rescore` writes it), else the
record-time `quality_score`. Every model is also ranked by the posterior chance of being
best and the expected loss of picking it (`aigym.stats.rank_arms`: jointly on the prompts
all models share, so prompt difficulty cancels as in the paired tests), with per-model
credible intervals; with three or more models every pair is tested too, under Holm.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import polars as pl

from aigym._alias import accepts_db
from aigym._html import card, table
from aigym.abtest._config import get_metric
from aigym.errors import UnknownModelError, ValidationError
from aigym.records import TaskType
from aigym.registry import ModelRegistry, get_model_registry
from aigym.stats import (
    ArmRanking,
    Correction,
    Direction,
    FrequentistResult,
    PairedStats,
    ProportionStats,
    SampleStats,
    StatsConfig,
    adjust_p_values,
    adjust_results,
    compare_arms,
    mann_whitney,
    mcnemar,
    paired_t,
    rank_arms,
    welch_t,
    wilcoxon,
)
from aigym.store import ParquetStore

Method = Literal["t", "rank"]
_MIN_SHARED = 0.5  # pair when shared prompts are at least half of each model's prompts


_HTML_COLUMNS: dict[str, tuple[str, ...]] = {
    "arms": ("rank", "model", "mean", "ci_low", "ci_high", "p_best", "expected_loss",
             "n_prompts", "n_calls"),
    "baseline": ("model", "n_model", "baseline_estimate", "model_estimate", "effect", "ci_low",
                 "ci_high", "adjusted_p_value", "significant", "better"),
    "pairwise": ("model_a", "model_b", "n_prompts", "effect", "ci_low", "ci_high",
                 "adjusted_p_value", "significant"),
}  # fmt: skip
"""What a notebook shows of each table (`to_polars(name)` has every column)."""


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
    scorer: str | None = None
    ranking: ArmRanking | None = None
    pairwise: tuple[PairwiseRow, ...] = ()
    n_calls: tuple[tuple[str, int], ...] = ()

    def __getitem__(self, model: str) -> ModelComparisonRow:
        for r in self.rows:
            if r.model == model:
                return r
        raise KeyError(model)

    @property
    def best(self) -> str | None:
        """The model most likely best (the ranking's first), or None without a ranking."""
        return self.ranking.best.arm if self.ranking is not None else None

    def to_polars(self, table: str = "baseline") -> pl.DataFrame:
        """A tidy frame: "baseline" (each model vs the baseline), "arms" (the ranking: per
        model P(best), expected loss, credible interval, prompts and calls) or "pairwise"."""
        if table == "arms":
            return self._arms_frame()
        if table == "pairwise":
            return self._pairwise_frame()
        if table != "baseline":
            raise KeyError(f"no table {table!r}: use 'baseline', 'arms' or 'pairwise'")
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

    def _arms_frame(self) -> pl.DataFrame:
        calls = dict(self.n_calls)
        rows = [
            {
                "task_type": self.task_type,
                "metric": self.metric,
                "rank": i + 1,
                "model": a.arm,
                "mean": a.mean,
                "ci_low": a.ci_low,
                "ci_high": a.ci_high,
                "p_best": a.p_best,
                "expected_loss": a.expected_loss,
                "n_prompts": a.n_units,
                "n_calls": calls.get(a.arm, 0),
                "method": self.ranking.method if self.ranking else "",
            }
            for i, a in enumerate(self.ranking.arms if self.ranking else ())
        ]
        return pl.DataFrame(rows, schema=_ARMS_SCHEMA)

    def _pairwise_frame(self) -> pl.DataFrame:
        rows = [
            {
                "task_type": self.task_type,
                "metric": self.metric,
                "model_a": r.model_a,
                "model_b": r.model_b,
                "method": r.result.method,
                "n_prompts": r.n_units,
                "effect": r.result.effect,
                "ci_low": r.result.interval[0],
                "ci_high": r.result.interval[1],
                "p_value": r.result.p_value,
                "adjusted_p_value": r.adjusted_p_value,
                "significant": r.significant,
                "better": r.result.favours_b and r.significant,
            }
            for r in self.pairwise
        ]
        return pl.DataFrame(rows, schema=_PAIRWISE_SCHEMA)

    def _repr_html_(self) -> str:
        parts = []
        if self.ranking is not None:
            first = self.ranking.arms[0] if self.ranking.arms else None
            if first is not None:
                parts.append(f"most likely best: {first.arm} (P(best) {first.p_best:.1%})")
        if self.rows:
            sig = [r.model for r in self.rows if r.significant]
            parts.append(
                f"{len(sig)} of {len(self.rows)} differ from {self.baseline} at the "
                f"{self.correction}-adjusted {self.rows[0].alpha:g} level"
                + (f" ({', '.join(sig)})" if sig else "")
            )
        if self.pairwise:
            n_sig = sum(r.significant for r in self.pairwise)
            parts.append(f"{n_sig} of {len(self.pairwise)} pairs differ ({self.correction})")
        tables = [
            table(self.to_polars(name), columns=_HTML_COLUMNS[name], caption=name)
            for name, present in (
                ("arms", self.ranking is not None),
                ("baseline", bool(self.rows)),
                ("pairwise", bool(self.pairwise)),
            )
            if present
        ]
        title = repr(self).splitlines()[0]
        return card(title, "; ".join(parts) or "nothing to compare", tables)

    def __repr__(self) -> str:
        head = (
            f"ModelComparison {self.task_type} | {self.metric}"
            f"{f' scored by {self.scorer!r}' if self.scorer else ''} | "
            f"{'paired on prompts' if self.paired else 'independent'}"
        )
        lines = [head]
        if self.ranking is not None:
            calls = dict(self.n_calls)
            conf = f"{self.ranking.confidence:.0%}"
            for a in self.ranking.arms:
                lines.append(
                    f"  {a.arm:<34} mean {a.mean:9.3f} [{a.ci_low:.3f}, {a.ci_high:.3f}] "
                    f"({conf})  P(best) {a.p_best:6.1%}  loss {a.expected_loss:.3f}  "
                    f"{a.n_units} prompts, {calls.get(a.arm, 0)} calls"
                )
        for r in self.pairwise or ():
            lines.append(
                f"  {r.model_b} - {r.model_a}: {r.result.effect:+.3f} "
                f"[{r.result.interval[0]:.3f}, {r.result.interval[1]:.3f}], "
                f"{self.correction} p {r.adjusted_p_value:.3g}"
            )
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class PairwiseRow:
    """One pair of models: B - A with its family-adjusted p-value (all pairs, one family)."""

    model_a: str
    model_b: str
    n_units: int
    result: FrequentistResult
    adjusted_p_value: float
    alpha: float

    @property
    def significant(self) -> bool:
        return self.adjusted_p_value < self.alpha


_ARMS_SCHEMA: dict[str, Any] = {
    "task_type": pl.String, "metric": pl.String, "rank": pl.Int64, "model": pl.String,
    "mean": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64, "p_best": pl.Float64,
    "expected_loss": pl.Float64, "n_prompts": pl.Int64, "n_calls": pl.Int64,
    "method": pl.String,
}  # fmt: skip
_PAIRWISE_SCHEMA: dict[str, Any] = {
    "task_type": pl.String, "metric": pl.String, "model_a": pl.String, "model_b": pl.String,
    "method": pl.String, "n_prompts": pl.Int64, "effect": pl.Float64, "ci_low": pl.Float64,
    "ci_high": pl.Float64, "p_value": pl.Float64, "adjusted_p_value": pl.Float64,
    "significant": pl.Boolean, "better": pl.Boolean,
}  # fmt: skip


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


def _latest_scores(store: ParquetStore, scorer: str) -> pl.LazyFrame:
    """The latest score of `scorer` ("name" or "name@version") per execution."""
    name, _, version = scorer.partition("@")
    lf = store.scan_scores().filter(pl.col("scorer") == name.strip())
    if version.strip():
        lf = lf.filter(pl.col("scorer_version") == version.strip())
    return (
        lf.sort("timestamp", "score_id")
        .unique(subset="execution_id", keep="last")
        .select("execution_id", pl.col("value").alias("_score"))
    )


def _units(
    store: ParquetStore,
    task: str,
    models: list[str],
    column: str,
    window: Window,
    scorer: str | None = None,
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
    if scorer is not None and store.files("scores"):
        lf = lf.join(_latest_scores(store, scorer), on="execution_id", how="left")
        value = pl.coalesce(pl.col("_score"), pl.col(column))
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
    scorer: str | None = None,
    registry: ModelRegistry | None = None,
    draws: int = 40_000,
    seed: int = 0,
) -> ModelComparison:
    """Compare models on one task from stored executions (successful calls only).

    `paired=None` pairs automatically when every model shares at least half of its prompts
    with the baseline (the first model unless `baseline` is given); `method="rank"` uses
    Wilcoxon / Mann-Whitney instead of t-tests. Binary metrics (approval) use McNemar when
    paired with one result per prompt, else the two-proportion z-test (Fisher for small
    counts). Effects are model - baseline; cost and latency are lower-is-better. With more
    than one model besides the baseline, intervals are at the Bonferroni level and the
    adjusted p-values (`correction`, Holm by default) decide.

    `scorer` ("name" or "name@version", quality only) reads quality from the scorer's latest
    score per execution, else the record-time score: what campaign -> `rescore` needs.
    `ranking` orders every model by P(best) and expected loss (`draws` seeded Monte Carlo
    draws, `seed`); with three or more models `pairwise` tests every pair (Holm over all).
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
    if scorer is not None and (m.name != "quality" or not isinstance(scorer, str)):
        raise ValidationError(
            "scorer", scorer, "scorer= applies to metric='quality': give a scorer name"
        )
    cfg = StatsConfig(confidence=confidence, direction=m.direction)
    data = _units(store, task, ids, m.column, (since, until, campaign), scorer)
    per_model = {mid: data.filter(pl.col("model_id") == mid) for mid in ids}
    missing = [mid for mid, df in per_model.items() if df.height == 0]
    if missing:
        hint = (
            " (campaign rows carry no record-time quality: rescore them and pass scorer=...)"
            if m.name == "quality" and scorer is None
            else ""
        )
        raise ValidationError(
            "models", missing, f"no successful {task!r} results with a {m.column} value for "
            f"these models{hint}; models with results: {sorted(set(data['model_id']))}"
            f"{_task_hint(store, task)}",
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
        task, m.name, m.direction, base, is_paired, correction, cfg.confidence, rows,
        scorer=scorer,
        ranking=_ranking(per_model, ids, is_paired, m.direction, confidence, draws, seed),
        pairwise=_pairwise(per_model, ids, is_paired, binary, method, cfg, correction)
        if len(ids) >= 3 else (),
        n_calls=tuple((mid, int(per_model[mid]["results"].sum())) for mid in ids),
    )  # fmt: skip


def _task_hint(store: ParquetStore, task: str) -> str:
    """ ", did you mean 'x'?" when the store holds no rows of `task` but a similar name."""
    import difflib

    if not store.files("executions"):
        return ""
    stored = store.scan("executions").select(pl.col("task_type").cast(pl.String).unique()).collect()
    names = [t for t in stored["task_type"].drop_nulls().to_list() if t != task]
    if task in stored["task_type"].to_list():
        return ""
    match = difflib.get_close_matches(task, names, n=1, cutoff=0.6)
    return f"; no {task!r} rows at all: did you mean {match[0]!r}?" if match else ""


def _shared_matrix(per_model: dict[str, pl.DataFrame], ids: list[str]) -> dict[str, np.ndarray]:
    """Per model, the values on the prompts every model answered (same order)."""
    frames = [per_model[mid].filter(pl.col("prompt")).select("unit", "value") for mid in ids]
    joined = frames[0].rename({"value": "v0"})
    for i, f in enumerate(frames[1:], start=1):
        joined = joined.join(f.rename({"value": f"v{i}"}), on="unit", how="inner")
    joined = joined.sort("unit")
    return {mid: joined[f"v{i}"].to_numpy() for i, mid in enumerate(ids)}


def _ranking(
    per_model: dict[str, pl.DataFrame],
    ids: list[str],
    paired: bool,
    direction: Direction,
    confidence: float,
    draws: int,
    seed: int,
) -> ArmRanking | None:
    """Every model by P(best): jointly on the prompts all share when paired, else apart."""
    values = _shared_matrix(per_model, ids) if paired else {}
    if not values or min(v.size for v in values.values()) < 2:
        values, paired = {mid: per_model[mid]["value"].to_numpy() for mid in ids}, False
    if min(v.size for v in values.values()) < 2:
        return None
    return rank_arms(
        values, paired=paired, direction=direction, confidence=confidence, draws=draws,
        seed=seed,
    )  # fmt: skip


def _pairwise(
    per_model: dict[str, pl.DataFrame],
    ids: list[str],
    paired: bool,
    binary: bool,
    method: Method,
    cfg: StatsConfig,
    correction: Correction,
) -> tuple[PairwiseRow, ...]:
    """Every pair (B - A, A listed first), one family: Bonferroni-level intervals, adjusted p."""
    pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    level = replace(cfg, confidence=1.0 - cfg.alpha / len(pairs))
    results: list[FrequentistResult] = []
    sizes: list[int] = []
    for a, b in pairs:
        if paired:
            shared = _pairs({a: per_model[a], b: per_model[b]}, a)[b]
            results.append(_paired_results({b: shared}, binary, method, level)[b])
            sizes.append(shared.height)
        else:
            va, vb = per_model[a]["value"].to_numpy(), per_model[b]["value"].to_numpy()
            if method == "rank":
                results.append(mann_whitney(va, vb, level))
            else:
                results.append(
                    welch_t(SampleStats.from_values(va), SampleStats.from_values(vb), level)
                )
            sizes.append(va.size + vb.size)
    adjusted = adjust_p_values([r.p_value for r in results], correction)
    return tuple(
        PairwiseRow(a, b, n, r, p, cfg.alpha)
        for (a, b), n, r, p in zip(pairs, sizes, results, adjusted, strict=True)
    )

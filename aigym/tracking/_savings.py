"""Potential savings: for each task and each model used, would a cheaper model have done as well?

"As well" is a one-sided non-inferiority test of mean quality (Welch, `aigym.stats.
non_inferiority`) with a stated margin in quality points, never a bare comparison of means: a
cheaper model that is merely noisier has a wide interval and fails the test. The p-values of
every (task, used model, cheaper model) test in one analysis are Holm-adjusted together, so
the chance of recommending even one switch to a truly worse model stays below 1 - confidence.

When a prompt was scored more than once for either model (repeats, a bake-off), the test is
cluster-robust over prompts instead (`aigym.stats.clustered_difference` on the two arms'
`ClusterMoments`, Welch-Satterthwaite df on prompt counts; Miller 2024): repeats of one prompt
share its difficulty, so per-row Welch would make the bound too tight and recommend switches
to worse models far more often than stated. The arms are treated as independent (a prompt
answered by both models is not paired), which is valid and, when prompts are shared,
conservative. `n_clusters_*` report how many prompts each arm's quality rests on.

The saving is what the executions run on the used model would have cost on the cheaper one:
n_used * (mean cost used - mean cost cheaper), with a Welch interval for the difference of
mean costs. It is observational: models may have served different prompts, so confirm a
switch with an A/B test (aigym's A/B manager) before rolling it out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from aigym.stats import (
    ClusterMoments,
    SampleStats,
    StatsConfig,
    clustered_difference,
    holm,
    non_inferiority,
    welch_t,
)
from aigym.tracking._result import Result, frame, usd

__all__ = ["DEFAULT_MARGIN", "MIN_SAMPLES", "Saving", "find_savings"]

DEFAULT_MARGIN = 2.0
"""Quality points (on the 0-100 scale) a cheaper model may lose and still count as a match."""
MIN_SAMPLES = 10
"""Scored executions each model needs on a task before it is tested."""


@dataclass(frozen=True, slots=True)
class Saving(Result):
    """One (task, used model, cheaper model) non-inferiority test and the saving it implies."""

    task_type: str
    current_model: str
    suggested_model: str
    recommended: bool
    n_executions: int
    current_avg_cost_usd: float
    suggested_avg_cost_usd: float
    current_quality: float
    suggested_quality: float
    n_scored_current: int
    n_scored_suggested: int
    n_clusters_current: int
    n_clusters_suggested: int
    quality_method: str
    quality_difference: float
    quality_lower_bound: float
    margin: float
    p_value: float
    p_value_adjusted: float
    savings_usd: float
    savings_interval: tuple[float, float]
    current_error_rate: float
    suggested_error_rate: float
    confidence: float

    def row(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.keys() if k != "savings_interval"}
        d["savings_low_usd"], d["savings_high_usd"] = self.savings_interval
        return d

    def to_polars(self) -> pl.DataFrame:
        return frame([self.row()], SAVINGS_SCHEMA)

    def __repr__(self) -> str:
        lo, hi = self.savings_interval
        verdict = "switch" if self.recommended else "keep"
        return (
            f"{self.task_type}: {verdict} {self.current_model} -> {self.suggested_model}: "
            f"quality {self.current_quality:.1f} vs {self.suggested_quality:.1f} "
            f"(difference >= {self.quality_lower_bound:.2f}, margin -{self.margin:g}, "
            f"adjusted p {self.p_value_adjusted:.3g}); would have saved {usd(self.savings_usd)} "
            f"[{usd(lo)}, {usd(hi)}] over {self.n_executions:,} executions"
        )


SAVINGS_SCHEMA: dict[str, Any] = {
    "task_type": pl.String,
    "current_model": pl.String,
    "suggested_model": pl.String,
    "recommended": pl.Boolean,
    "n_executions": pl.Int64,
    "current_avg_cost_usd": pl.Float64,
    "suggested_avg_cost_usd": pl.Float64,
    "current_quality": pl.Float64,
    "suggested_quality": pl.Float64,
    "n_scored_current": pl.Int64,
    "n_scored_suggested": pl.Int64,
    "n_clusters_current": pl.Int64,
    "n_clusters_suggested": pl.Int64,
    "quality_method": pl.String,
    "quality_difference": pl.Float64,
    "quality_lower_bound": pl.Float64,
    "margin": pl.Float64,
    "p_value": pl.Float64,
    "p_value_adjusted": pl.Float64,
    "savings_usd": pl.Float64,
    "current_error_rate": pl.Float64,
    "suggested_error_rate": pl.Float64,
    "confidence": pl.Float64,
    "savings_low_usd": pl.Float64,
    "savings_high_usd": pl.Float64,
}


@dataclass(frozen=True, slots=True)
class _Arm:
    model_id: str
    n: int
    n_error: int
    cost: SampleStats
    quality: SampleStats
    clusters: ClusterMoments


def _moments(r: Mapping[str, Any], q: SampleStats) -> ClusterMoments:
    """The row's quality cluster moments; without them every scored row is its own cluster."""
    if r.get("q_clusters") is None:
        return ClusterMoments(q.n, q.sum, q.n, q.sum_squares, q.sum, float(q.n))
    return ClusterMoments(
        q.n, q.sum, int(r["q_clusters"]), float(r["q_css"]), float(r["q_cns"]), float(r["q_cnn"])
    )


def _arms(by_model_task: pl.DataFrame) -> dict[str, list[_Arm]]:
    out: dict[str, list[_Arm]] = {}
    for r in by_model_task.iter_rows(named=True):
        q = SampleStats(int(r["q_n"]), float(r["q_sum"] or 0.0), float(r["q_sq"] or 0.0))
        arm = _Arm(
            r["model_id"],
            int(r["n"]),
            int(r["n_error"]),
            SampleStats(int(r["n"]), float(r["cost_sum"]), float(r["cost_sq"])),
            q,
            _moments(r, q),
        )
        out.setdefault(r["task_type"], []).append(arm)
    return out


def find_savings(
    by_model_task: pl.DataFrame,
    *,
    margin: float = DEFAULT_MARGIN,
    confidence: float = 0.95,
    min_samples: int = MIN_SAMPLES,
) -> list[Saving]:
    """Every test of a cheaper model against a used one; `recommended` marks the switch to
    make for each (task, used model): the cheapest of the models shown non-inferior.

    `by_model_task` holds per (task_type, model_id): n, n_error, cost_sum, cost_sq, q_n,
    q_sum, q_sq (the cost analysis cube summed over days), and optionally the quality
    cluster moments q_clusters, q_css, q_cns, q_cnn (`cluster_query`).
    """
    quality_cfg = StatsConfig(confidence=confidence)
    cost_cfg = StatsConfig(confidence=confidence, direction="lower_is_better")
    tests: list[dict[str, Any]] = []
    for task, arms in sorted(_arms(by_model_task).items()):
        for a in arms:
            if a.quality.n < min_samples:
                continue
            for b in arms:
                if b is a or b.quality.n < min_samples or not b.cost.mean < a.cost.mean:
                    continue
                ni = _quality_test(a, b, margin, quality_cfg)
                diff = welch_t(a.cost, b.cost, cost_cfg)  # B - A in USD per execution
                lo, hi = diff.interval
                tests.append(
                    {
                        "task_type": task,
                        "a": a,
                        "b": b,
                        "ni": ni,
                        "savings": a.n * (a.cost.mean - b.cost.mean),
                        "interval": (a.n * -hi, a.n * -lo) if diff.status == "ok" else
                        (a.n * (a.cost.mean - b.cost.mean),) * 2,
                    }
                )  # fmt: skip
    adjusted = holm([t["ni"].p_value for t in tests]) if tests else ()
    alpha = 1.0 - confidence
    best: dict[tuple[str, str], int] = {}
    for i, (t, p_adj) in enumerate(zip(tests, adjusted, strict=True)):
        t["p_adj"] = p_adj
        if not math.isnan(p_adj) and p_adj < alpha:
            key = (t["task_type"], t["a"].model_id)
            if key not in best or t["savings"] > tests[best[key]]["savings"]:
                best[key] = i
    chosen = set(best.values())
    out = [_saving(t, i in chosen, margin, confidence) for i, t in enumerate(tests)]
    out.sort(key=lambda s: (not s.recommended, -s.savings_usd, s.task_type, s.current_model))
    return out


@dataclass(frozen=True, slots=True)
class _QualityTest:
    method: str
    effect: float
    lower_bound: float
    p_value: float


def _quality_test(a: _Arm, b: _Arm, margin: float, cfg: StatsConfig) -> _QualityTest:
    """H0: quality(B) - quality(A) <= -margin; clustered on prompts when a prompt repeats."""
    if a.clusters.repeated or b.clusters.repeated:
        d = clustered_difference(a.clusters, b.clusters, cfg.confidence, paired=False)
        return _QualityTest(d.method, d.effect, d.lower_bound(), d.p_value_above(-margin))
    ni = non_inferiority(a.quality, b.quality, margin, cfg)
    return _QualityTest("welch_t", ni.effect, ni.interval[0], ni.p_value)


def _saving(t: Mapping[str, Any], recommended: bool, margin: float, confidence: float) -> Saving:
    a: _Arm = t["a"]
    b: _Arm = t["b"]
    ni: _QualityTest = t["ni"]
    return Saving(
        task_type=t["task_type"],
        current_model=a.model_id,
        suggested_model=b.model_id,
        recommended=recommended,
        n_executions=a.n,
        current_avg_cost_usd=a.cost.mean,
        suggested_avg_cost_usd=b.cost.mean,
        current_quality=a.quality.mean,
        suggested_quality=b.quality.mean,
        n_scored_current=a.quality.n,
        n_scored_suggested=b.quality.n,
        n_clusters_current=a.clusters.n_clusters,
        n_clusters_suggested=b.clusters.n_clusters,
        quality_method=ni.method,
        quality_difference=ni.effect,
        quality_lower_bound=ni.lower_bound,
        margin=margin,
        p_value=ni.p_value,
        p_value_adjusted=float(t["p_adj"]),
        savings_usd=float(t["savings"]),
        savings_interval=(float(t["interval"][0]), float(t["interval"][1])),
        current_error_rate=100.0 * a.n_error / a.n if a.n else math.nan,
        suggested_error_rate=100.0 * b.n_error / b.n if b.n else math.nan,
        confidence=confidence,
    )

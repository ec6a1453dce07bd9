"""From registry priors and store sums to per-model estimates, and the strategies' scores.

Normal-normal shrinkage with a stated prior strength ``n0`` (`RouterConfig`): with
recency-weighted data of total weight ``W`` and weighted mean ``x``, the posterior mean is
``(n0 * prior + W * x) / (n0 + W)`` and its standard error ``sigma / sqrt(n0 + W)``, where
``sigma`` pools the prior spread with the data's own (same weights). User verdicts enter the
quality estimate as further observations, each weighted `feedback_weight`.
"""

from __future__ import annotations

import math

from aigym.registry import ModelSpec, TaskRequirements
from aigym.registry._recommend import prior_quality
from aigym.router._config import RouterConfig
from aigym.router._decision import Estimate, ModelEstimate
from aigym.router._history import (
    A_N,
    A_YES,
    C_N,
    C_W,
    C_WX,
    C_WXX,
    F_N,
    F_W,
    F_WY,
    F_WYY,
    L_N,
    L_W,
    L_WX,
    L_WXX,
    Q_N,
    Q_W,
    Q_WX,
    Q_WXX,
    HistoryStats,
)

__all__ = ["balanced_score", "cost_score", "estimate_model", "speed_score", "strategy_score"]

_Z = 1.959963984540054  # two-sided 95% normal quantile


def _shrunk(
    n0: float,
    prior: float,
    prior_sd: float,
    parts: list[tuple[float, float, float]],
    lo: float = -math.inf,
    hi: float = math.inf,
) -> tuple[float, float, float, float, float]:
    """(mean, low, high, data weight, se) from a prior and weighted (W, WX, WXX) parts."""
    w = float(sum(p[0] for p in parts))
    if w <= 0 or not math.isfinite(w):
        sd = prior_sd / math.sqrt(n0) if n0 > 0 else prior_sd
        return prior, max(lo, prior - _Z * sd), min(hi, prior + _Z * sd), 0.0, sd
    wx = float(sum(p[1] for p in parts))
    wxx = float(sum(p[2] for p in parts))
    mean_x = wx / w
    ss = max(0.0, wxx - wx * mean_x)  # sum of weighted squared deviations from mean_x
    total = n0 + w
    mean = (n0 * prior + wx) / total
    # pooled spread: the prior's sd counts n0 times, the data's own deviations count once
    var = (n0 * prior_sd * prior_sd + ss + (n0 * w / total) * (mean_x - prior) ** 2) / total
    se = math.sqrt(var / total)
    return mean, max(lo, mean - _Z * se), min(hi, mean + _Z * se), w, se


def estimate_model(
    spec: ModelSpec,
    req: TaskRequirements,
    stats: HistoryStats | None,
    config: RouterConfig,
    scale: float,
    tokens: tuple[float, float] | None,
) -> ModelEstimate:
    """One model's quality, cost-per-request and latency estimates for one task."""
    row = fb = None
    if stats is not None:
        k = stats.key_of(spec.id, str(req.task_type))
        if k is not None:
            row, fb = stats.row(k)
    # quality: prior from the registry's tier and capability fit, on 0-100
    q0 = 100.0 * prior_quality(spec, req)
    parts: list[tuple[float, float, float]] = []
    n_hist = n_fb = 0
    approval: float | None = None
    if row is not None and fb is not None:
        parts.append((row[Q_W] * scale, row[Q_WX] * scale, row[Q_WXX] * scale))
        n_hist = int(row[Q_N])
        lam = config.feedback_weight * scale
        if fb[F_N] > 0 and lam > 0:
            parts.append((fb[F_W] * lam, fb[F_WY] * lam, fb[F_WYY] * lam))
        n_fb = int(fb[F_N])
        if fb[A_N] > 0:
            approval = 100.0 * float(fb[A_YES] / fb[A_N])
    m, lo, hi, w, se = _shrunk(config.prior_strength, q0, config.quality_sd, parts, 0.0, 100.0)
    quality = Estimate(m, lo, hi, config.prior_strength, n_hist, n_fb, w, se)
    # cost per request: the price at the task's token mix is the prior
    pt, ct = tokens or (config.typical_prompt_tokens, config.typical_completion_tokens)
    c0 = float(spec.input_price_per_mtok) * pt / 1e6 + float(spec.output_price_per_mtok) * ct / 1e6
    cparts = [] if row is None else [(row[C_W] * scale, row[C_WX] * scale, row[C_WXX] * scale)]
    m, lo, hi, w, se = _shrunk(config.cost_prior_strength, c0, 0.5 * c0, cparts, 0.0)
    n_cost = 0 if row is None else int(row[C_N])
    cost = Estimate(m, lo, hi, config.cost_prior_strength, n_cost, 0, w, se)
    l0 = float(spec.avg_latency_ms)
    lparts = [] if row is None else [(row[L_W] * scale, row[L_WX] * scale, row[L_WXX] * scale)]
    m, lo, hi, w, se = _shrunk(config.latency_prior_strength, l0, 0.5 * l0, lparts, 0.0)
    n_lat = 0 if row is None else int(row[L_N])
    latency = Estimate(m, lo, hi, config.latency_prior_strength, n_lat, 0, w, se)
    return ModelEstimate(spec.id, spec.provider, quality, cost, latency, 0.0, approval)


def cost_score(cost_usd: float) -> float:
    """Cheapness of one request in [0, 1] on a log scale: $0.00001 scores 1, $1 scores 0."""
    if cost_usd <= 1e-5:
        return 1.0
    return min(1.0, max(0.0, -math.log10(cost_usd) / 5.0))


def speed_score(latency_ms: float) -> float:
    """Speed in [0, 1] on a log scale: 100 ms scores 1, 10 s scores 0 (as the registry's)."""
    if latency_ms <= 100.0:
        return 1.0
    return min(1.0, max(0.0, (4.0 - math.log10(latency_ms)) / 2.0))


def balanced_score(quality: float, cost_usd: float, latency_ms: float) -> float:
    """``0.5 * quality / 100 + 0.3 * cost_score + 0.2 * speed_score``."""
    return 0.5 * quality / 100.0 + 0.3 * cost_score(cost_usd) + 0.2 * speed_score(latency_ms)


def strategy_score(strategy: str, quality: float, cost_usd: float, latency_ms: float) -> float:
    """Higher is better under `strategy`: quality, minus cost, minus latency, or balanced."""
    if strategy == "best_quality":
        return quality
    if strategy == "best_cost":
        return -cost_usd
    if strategy == "fastest":
        return -latency_ms
    return balanced_score(quality, cost_usd, latency_ms)

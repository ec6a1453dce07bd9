"""Candidates of one task: ranking, the constraint filter, the no-model error, cool-downs.

A candidate carries its estimates and cool-down; `filter_candidates` walks a ranked list once
and says, for every model it drops, which constraint did and why. When nothing is left,
`no_model_error` finds the models closest to qualifying and the relaxation that admits the
closest one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Final

from aigym.errors import NoModelQualifiesError
from aigym.registry import ModelCapability, ModelSpec
from aigym.router._config import RouterConfig
from aigym.router._decision import Exclusion, ModelEstimate
from aigym.router._estimates import strategy_score
from aigym.router._history import HistoryStats

__all__ = [
    "NUMERIC",
    "Candidate",
    "cooldown",
    "filter_candidates",
    "means",
    "no_model_error",
    "rank",
    "with_score",
]

NUMERIC: Final[tuple[str, ...]] = ("min_quality_score", "max_cost_per_request", "max_latency_ms")


@dataclass(slots=True)
class Candidate:
    """One model for one task: its spec, estimates, and cool-down (0 when none)."""

    spec: ModelSpec
    est: ModelEstimate
    cool_until_us: int
    cool_reason: str


def rank(cands: list[Candidate], strategy: str) -> list[Candidate]:
    def key(c: Candidate) -> tuple[float, float, str]:
        e = c.est
        tie = e.cost_per_request.mean if strategy != "best_cost" else -e.quality.mean
        return (-strategy_score(strategy, *means(e)), tie, e.model_id)

    return sorted(cands, key=key)


def means(e: ModelEstimate) -> tuple[float, float, float]:
    return e.quality.mean, e.cost_per_request.mean, e.latency_ms.mean


def with_score(e: ModelEstimate, strategy: str) -> ModelEstimate:
    return replace(e, score=strategy_score(strategy, *means(e)))


def cooldown(model: str, stats: HistoryStats | None, config: RouterConfig) -> tuple[int, str]:
    """(end of the cool-down in us, reason) for a failing model; (0, "") when it is fine."""
    if stats is None:
        return 0, ""
    fails, last_ok = stats.failures(model)
    k = config.allowed_fails
    if len(fails) < k:
        return 0, ""
    newest, kth = fails[0], fails[k - 1]
    if last_ok is not None and last_ok > newest:
        return 0, ""  # it has answered since
    if newest - kth > config.failure_window_s * 1e6:
        return 0, ""
    until = newest + int(config.cooldown_s * 1e6)
    at = dt.datetime.fromtimestamp(newest / 1e6, dt.UTC).strftime("%H:%M:%S")
    to = dt.datetime.fromtimestamp(until / 1e6, dt.UTC).strftime("%H:%M:%S UTC")
    return until, (
        f"cooling down until {to} after {k} transient failures (rate limits, 5xx, timeouts) "
        f"within {config.failure_window_s:g} s, the last at {at}"
    )


def filter_candidates(
    ranked: list[Candidate],
    limits: tuple[float | None, float | None, float | None],
    caps: frozenset[ModelCapability],
    excl: frozenset[str],
    now_us: int,
) -> tuple[list[Candidate], list[Exclusion]]:
    """(qualifying candidates in rank order, exclusions with constraint and reason)."""
    qmin, cmax, lmax = limits
    if qmin is None and cmax is None and lmax is None and not caps and not excl:
        ok = [c for c in ranked if c.cool_until_us <= now_us]
        if len(ok) == len(ranked):
            return ok, []
    ok, out = [], []
    for c in ranked:
        mid = c.spec.id
        e = c.est
        if mid in excl:
            out.append(Exclusion(mid, "exclude", "excluded by the caller"))
        elif caps and not caps <= c.spec.capabilities:
            miss = ", ".join(sorted(x.value for x in caps - c.spec.capabilities))
            out.append(Exclusion(mid, "required_capabilities", f"lacks {miss}"))
        elif c.cool_until_us > now_us:
            out.append(Exclusion(mid, "cooldown", c.cool_reason))
        elif qmin is not None and e.quality.mean < qmin:
            out.append(
                Exclusion(
                    mid,
                    "min_quality_score",
                    f"estimated quality {e.quality.mean:.1f} < {qmin:g}",
                )
            )
        elif cmax is not None and e.cost_per_request.mean > cmax:
            out.append(
                Exclusion(
                    mid,
                    "max_cost_per_request",
                    f"estimated cost ${e.cost_per_request.mean:.4g} > ${cmax:g}",
                )
            )
        elif lmax is not None and e.latency_ms.mean > lmax:
            out.append(
                Exclusion(
                    mid,
                    "max_latency_ms",
                    f"estimated latency {e.latency_ms.mean:,.0f} ms > {lmax:g} ms",
                )
            )
        else:
            ok.append(c)
    return ok, out


def no_model_error(
    task: str,
    strategy: str,
    ranked: list[Candidate],
    limits: tuple[float | None, float | None, float | None],
    caps: frozenset[ModelCapability],
    excl: frozenset[str],
    excluded: tuple[Exclusion, ...],
    now_us: int,
) -> NoModelQualifiesError:
    """The error for an empty result: the failed constraint, closest models, relaxations."""
    counts: dict[str, int] = {}
    for x in excluded:
        counts[x.constraint] = counts.get(x.constraint, 0) + 1
    # candidates that only the numeric limits removed, ordered by how far they miss
    soft = [
        c
        for c in ranked
        if c.spec.id not in excl and caps <= c.spec.capabilities and c.cool_until_us <= now_us
    ]
    qmin, cmax, lmax = limits

    def misses(c: Candidate) -> dict[str, float]:
        e = c.est
        m: dict[str, float] = {}
        if qmin is not None and e.quality.mean < qmin:
            m["min_quality_score"] = e.quality.mean
        if cmax is not None and e.cost_per_request.mean > cmax:
            m["max_cost_per_request"] = e.cost_per_request.mean
        if lmax is not None and e.latency_ms.mean > lmax:
            m["max_latency_ms"] = e.latency_ms.mean
        return m

    def gap(c: Candidate) -> float:
        total = 0.0
        for k, v in misses(c).items():
            limit = {"min_quality_score": qmin, "max_cost_per_request": cmax}.get(k, lmax)
            assert limit is not None
            total += abs(v - limit) / max(abs(limit), 1e-12)
        return total

    soft.sort(key=gap)
    closest = tuple(c.spec.id for c in soft[:3])
    relax: dict[str, object] = {}
    details = ""
    if soft:
        best = soft[0]
        for k, v in misses(best).items():
            if k == "min_quality_score":
                relax[k] = round(v - 0.05, 1)
            elif k == "max_cost_per_request":
                relax[k] = Decimal(f"{v:.3g}") + Decimal(f"{v:.3g}").scaleb(-2)
            else:
                relax[k] = round(v + 0.5)
        details = "; ".join(
            f"{c.spec.id}: quality {c.est.quality.mean:.1f}, "
            f"${c.est.cost_per_request.mean:.4g}/request, {c.est.latency_ms.mean:,.0f} ms"
            for c in soft[:3]
        )
    numeric: list[str] = [k for k in NUMERIC if k in counts]
    failed: str
    if soft and numeric:
        failed = max(numeric, key=lambda k: (counts[k], -NUMERIC.index(k)))
    elif counts:
        failed = max(counts, key=lambda k: counts[k])
    else:
        failed = "required_capabilities"
    return NoModelQualifiesError(
        task, failed, counts=counts, closest=closest, relaxations=relax, details=details
    )

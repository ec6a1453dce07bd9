"""What a routing call returns: the chosen model, the estimates behind it, and why.

A `RoutingDecision` stands in for the chosen `ModelSpec` where the spec uses the returned
model (`.id`, `.model`, `.calculate_cost(...)`), and keeps everything needed to audit the
choice: each candidate's estimates with intervals and observation counts, the ranked
alternatives, every excluded model with its reason, and a plain-language `reasoning`.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import overload

from aigym.registry import ModelCapability, ModelSpec

__all__ = ["Council", "Estimate", "Exclusion", "ModelEstimate", "RoutingDecision"]


@dataclass(frozen=True, slots=True)
class Estimate:
    """One quantity's estimate: posterior `mean`, 95% interval, and what it rests on.

    `n_prior` is the prior's weight in pseudo-observations, `n_history` the calls measured in
    the store, `n_feedback` the user verdicts folded in; `n_effective` is the recency-weighted
    number of observations (history plus weighted feedback) the data contributed; `se` the
    posterior standard deviation of the mean (the interval is ``mean +- 1.96 se``, clipped to
    the quantity's range).
    """

    mean: float
    low: float
    high: float
    n_prior: float
    n_history: int
    n_feedback: int = 0
    n_effective: float = 0.0
    se: float = 0.0

    @property
    def source(self) -> str:
        """ "prior" (no data yet), "history" (data outweighs the prior) or "prior+history"."""
        if self.n_history == 0 and self.n_feedback == 0:
            return "prior"
        return "history" if self.n_effective >= self.n_prior else "prior+history"


@dataclass(frozen=True, slots=True)
class ModelEstimate:
    """One candidate for one task: quality (0-100), cost per request (USD), latency (ms),
    the strategy's `score` (higher is better) and the approval rate when feedback gave one."""

    model_id: str
    provider: str
    quality: Estimate
    cost_per_request: Estimate
    latency_ms: Estimate
    score: float = 0.0
    approval_rate: float | None = None


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A model the router did not consider, the rule that removed it (`constraint`), and why."""

    model_id: str
    constraint: str
    reason: str


def _money(x: float) -> str:
    return f"${x:.4g}" if x >= 0.0001 else f"${x:.2e}"


def describe(e: ModelEstimate) -> str:
    q = e.quality
    return (
        f"quality {q.mean:.1f} [{q.low:.1f}, {q.high:.1f}] ({_basis(q)}), "
        f"{_money(e.cost_per_request.mean)}/request, {e.latency_ms.mean:,.0f} ms"
    )


def _basis(q: Estimate) -> str:
    if q.source == "prior":
        return f"prior only, worth {q.n_prior:g} calls"
    parts = [f"{q.n_history} scored calls"]
    if q.n_feedback:
        parts.append(f"{q.n_feedback} verdicts")
    return " + ".join(parts) + f" vs a prior worth {q.n_prior:g}"


_STRATEGY_WORDS = {
    "best_quality": "the highest estimated quality",
    "best_cost": "the lowest estimated cost per request",
    "balanced": "the best balance (0.5 quality, 0.3 cost, 0.2 speed)",
    "fastest": "the lowest estimated latency",
}


@dataclass(frozen=True)
class RoutingDecision:
    """The router's choice for one request, usable where the spec uses the returned model.

    `explored` is True when Thompson sampling picked a model other than the greedy choice;
    `fallback_from` names the strategy (and failed constraint) a fallback replaced; `notes`
    are extra sentences for `reasoning` (exploration, fallback, per-prompt prediction).
    """

    model: ModelSpec
    task_type: str
    strategy: str
    estimate: ModelEstimate
    alternatives: tuple[ModelEstimate, ...] = ()
    excluded: tuple[Exclusion, ...] = ()
    constraints: tuple[tuple[str, object], ...] = ()
    explored: bool = False
    fallback_from: str | None = None
    notes: tuple[str, ...] = ()
    decided_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    # -------------------------------------------------------------- the model's face

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def model_id(self) -> str:
        return self.model.id

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def provider(self) -> str:
        return self.model.provider

    @property
    def capabilities(self) -> frozenset[ModelCapability]:
        return self.model.capabilities

    def calculate_cost(self, prompt_tokens: int, completion_tokens: int) -> Decimal:
        """Exact USD cost of one call with these token counts (the model's price)."""
        return self.model.calculate_cost(prompt_tokens, completion_tokens)

    # -------------------------------------------------------------- the estimates

    @property
    def quality(self) -> Estimate:
        return self.estimate.quality

    @property
    def cost_per_request(self) -> Estimate:
        return self.estimate.cost_per_request

    @property
    def latency_ms(self) -> Estimate:
        return self.estimate.latency_ms

    @property
    def ranked(self) -> tuple[ModelEstimate, ...]:
        """The chosen model first, then the alternatives in rank order."""
        return (self.estimate, *self.alternatives)

    def __str__(self) -> str:
        return self.model.id

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready summary, small enough to store with the execution it routed."""

        def est(e: Estimate) -> dict[str, object]:
            return {
                "mean": e.mean,
                "low": e.low,
                "high": e.high,
                "n_prior": e.n_prior,
                "n_history": e.n_history,
                "n_feedback": e.n_feedback,
            }

        return {
            "model_id": self.model.id,
            "task_type": self.task_type,
            "strategy": self.strategy,
            "quality": est(self.quality),
            "cost_per_request": est(self.cost_per_request),
            "latency_ms": est(self.latency_ms),
            "runner_up": self.alternatives[0].model_id if self.alternatives else None,
            "excluded": len(self.excluded),
            "explored": self.explored,
            "fallback_from": self.fallback_from,
            "decided_at": self.decided_at.isoformat(),
        }

    @cached_property
    def reasoning(self) -> str:
        """Why this model: the rule, its estimates, the runner-up, what was excluded."""
        e = self.estimate
        rule = _STRATEGY_WORDS.get(self.strategy, self.strategy)
        out = [
            f"{e.model_id} for {self.task_type}: {rule} among "
            f"{len(self.alternatives) + 1} qualifying models; {describe(e)}."
        ]
        if self.alternatives:
            r = self.alternatives[0]
            out.append(f"Runner-up {r.model_id}: {describe(r)}.")
        if self.constraints:
            shown = ", ".join(f"{k}={v}" for k, v in self.constraints)
            out.append(f"Constraints: {shown}.")
        if self.excluded:
            by: dict[str, list[str]] = {}
            for x in self.excluded:
                by.setdefault(x.constraint, []).append(x.model_id)
            parts = [f"{len(v)} by {k}" for k, v in sorted(by.items())]
            out.append(f"Excluded {len(self.excluded)} models ({', '.join(parts)}).")
            cool = [x for x in self.excluded if x.constraint == "cooldown"]
            out.extend(f"{x.model_id}: {x.reason}." for x in cool)
        out.extend(self.notes)
        return " ".join(out)

    def _repr_html_(self) -> str:
        rows = []
        for i, m in enumerate(self.ranked[:8]):
            q, c, lat = m.quality, m.cost_per_request, m.latency_ms
            style = ' style="font-weight:bold"' if i == 0 else ""
            rows.append(
                f"<tr{style}><td>{i + 1}</td><td>{html.escape(m.model_id)}</td>"
                f"<td>{q.mean:.1f} [{q.low:.1f}, {q.high:.1f}]</td>"
                f"<td>{q.n_history}/{q.n_feedback}/{q.n_prior:g}</td>"
                f"<td>{_money(c.mean)}</td><td>{lat.mean:,.0f}</td><td>{m.score:.3f}</td></tr>"
            )
        head = (
            "<tr><th>#</th><th>model</th><th>quality [95% CI]</th><th>n hist/fb/prior</th>"
            "<th>cost/request</th><th>latency ms</th><th>score</th></tr>"
        )
        return (
            f"<div><b>RoutingDecision</b>: {html.escape(self.model.id)} "
            f"({html.escape(self.strategy)}, {html.escape(self.task_type)})"
            f"<table>{head}{''.join(rows)}</table>"
            f"<p>{html.escape(self.reasoning)}</p></div>"
        )


@dataclass(frozen=True)
class Council:
    """Models for an ensemble, one decision each, chosen for diversity (see `reasoning`)."""

    task_type: str
    members: tuple[RoutingDecision, ...]
    diversity: str
    reasoning: str

    @property
    def model_ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.members)

    @property
    def providers(self) -> tuple[str, ...]:
        return tuple(m.provider for m in self.members)

    def __len__(self) -> int:
        return len(self.members)

    def __iter__(self) -> Iterator[RoutingDecision]:
        return iter(self.members)

    @overload
    def __getitem__(self, i: int) -> RoutingDecision: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[RoutingDecision, ...]: ...
    def __getitem__(self, i: int | slice) -> RoutingDecision | tuple[RoutingDecision, ...]:
        return self.members[i]

    def _repr_html_(self) -> str:
        items = "".join(
            f"<li>{html.escape(m.id)} ({html.escape(m.provider)}): "
            f"{html.escape(describe(m.estimate))}</li>"
            for m in self.members
        )
        return f"<div><b>Council</b><ol>{items}</ol><p>{html.escape(self.reasoning)}</p></div>"

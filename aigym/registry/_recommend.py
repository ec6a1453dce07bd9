"""Prior-based model recommendations: which capabilities a task needs, and four rankings.

These rankings use only the registry's priors (price, `quality_tier`, `avg_latency_ms`); they
answer "what should I try first?" before any data exists. Once executions are recorded, the
router ranks by measured quality, cost and latency instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal, get_args

from aigym.errors import ValidationError
from aigym.records import TaskType
from aigym.registry._spec import ModelCapability, ModelSpec

__all__ = [
    "STRATEGIES",
    "Strategy",
    "TaskRequirements",
    "balanced_score",
    "parse_strategy",
    "prior_quality",
    "rank_models",
    "speed_score",
    "task_requirements",
]

Strategy = Literal["best_quality", "best_cost", "balanced", "fastest"]
STRATEGIES: Final[tuple[Strategy, ...]] = get_args(Strategy)

C = ModelCapability


@dataclass(frozen=True, slots=True)
class TaskRequirements:
    """What a task needs (`required`: a model without one is not a candidate) and what helps
    (`preferred`: raises the prior quality of a model that has it)."""

    task_type: TaskType
    required: frozenset[ModelCapability]
    preferred: frozenset[ModelCapability]


_TASKS: Final[dict[str, tuple[frozenset[ModelCapability], frozenset[ModelCapability]]]] = {
    # Reads a long page and returns structured insights.
    "website_analysis": (
        frozenset({C.TEXT_GENERATION, C.CHAT}),
        frozenset({C.LONG_CONTEXT, C.STRUCTURED_OUTPUT, C.REASONING}),
    ),
    # Tone, structure and a call to action; often in the customer's language.
    "email_writing": (
        frozenset({C.TEXT_GENERATION, C.CHAT}),
        frozenset({C.MULTILINGUAL}),
    ),
    "code_generation": (
        frozenset({C.CODE_GENERATION}),
        frozenset({C.REASONING, C.LONG_CONTEXT}),
    ),
    "conversation": (
        frozenset({C.TEXT_GENERATION, C.CHAT}),
        frozenset({C.MULTILINGUAL, C.FUNCTION_CALLING}),
    ),
    # A judgement with reasons, returned in a fixed shape.
    "lead_scoring": (
        frozenset({C.TEXT_GENERATION, C.CHAT}),
        frozenset({C.REASONING, C.STRUCTURED_OUTPUT}),
    ),
    "generic": (frozenset({C.TEXT_GENERATION}), frozenset()),
}


def task_requirements(task_type: str) -> TaskRequirements:
    """The capabilities a task type needs; a user-defined task gets the generic requirements."""
    task = TaskType(task_type)
    required, preferred = _TASKS.get(str(task), _TASKS["generic"])
    return TaskRequirements(task, required, preferred)


def parse_strategy(strategy: object) -> Strategy:
    if isinstance(strategy, str):
        norm = strategy.strip().lower().replace("-", "_")
        for s in STRATEGIES:
            if s == norm:
                return s
    raise ValidationError("strategy", strategy, f"use one of: {', '.join(STRATEGIES)}")


def prior_quality(spec: ModelSpec, req: TaskRequirements) -> float:
    """Prior quality for this task in [0, 1]: 80% `quality_tier`, 20% preferred-capability fit.

    ``0.8 * (quality_tier - 1) / 4 + 0.2 * fit`` where ``fit`` is the share of the task's
    preferred capabilities the model has (1 when the task prefers none).
    """
    fit = len(req.preferred & spec.capabilities) / len(req.preferred) if req.preferred else 1.0
    return 0.8 * (spec.quality_tier - 1) / 4 + 0.2 * fit


def speed_score(spec: ModelSpec) -> float:
    """Prior speed in [0, 1] on a log scale: 100 ms scores 1, 10 s scores 0."""
    x = (4.0 - math.log10(spec.avg_latency_ms)) / 2.0
    return min(1.0, max(0.0, x))


def balanced_score(spec: ModelSpec, req: TaskRequirements) -> float:
    """``0.5 * prior_quality + 0.3 * cost_efficiency_score / 100 + 0.2 * speed_score``."""
    return (
        0.5 * prior_quality(spec, req)
        + 0.3 * spec.cost_efficiency_score / 100.0
        + 0.2 * speed_score(spec)
    )


def rank_models(
    models: Iterable[ModelSpec], req: TaskRequirements, strategy: Strategy
) -> list[ModelSpec]:
    """Candidates (models with every required capability), best first.

    - ``best_quality``: highest `prior_quality`; ties: cheaper, then faster.
    - ``best_cost``: lowest blended price (3:1 input:output); ties: higher prior quality.
    - ``fastest``: lowest `avg_latency_ms` prior; ties: higher prior quality.
    - ``balanced``: highest `balanced_score`; ties: cheaper.

    Every ranking breaks remaining ties by id, so results are deterministic.
    """
    cands = [m for m in models if req.required <= m.capabilities]
    if strategy == "best_quality":
        cands.sort(
            key=lambda m: (-prior_quality(m, req), m.blended_price_per_mtok, m.avg_latency_ms, m.id)
        )
    elif strategy == "best_cost":
        cands.sort(key=lambda m: (m.blended_price_per_mtok, -prior_quality(m, req), m.id))
    elif strategy == "fastest":
        cands.sort(key=lambda m: (m.avg_latency_ms, -prior_quality(m, req), m.id))
    else:
        cands.sort(key=lambda m: (-balanced_score(m, req), m.blended_price_per_mtok, m.id))
    return cands

"""The model registry: which models exist, what they cost, and what they can do.

    >>> from aigym.registry import get_model_registry, ModelCapability
    >>> registry = get_model_registry()
    >>> registry.get("gpt-4o").id
    'openai/gpt-4o'
    >>> registry.get("anthropic/claude-3.5-sonnet").calculate_cost(1200, 800)
    Decimal('0.0156')

The bundled catalogue (`models.json` beside this file) is generated from public price data by
``python -m aigym.registry._build_data``; each entry records its price source and date, and the
LiteLLM-derived prices carry LiteLLM's MIT licence (see ``LICENSES.md`` beside this file).
Latency and quality figures are priors: measured values from the store override them.
"""

from __future__ import annotations

from aigym.registry._recommend import (
    STRATEGIES,
    Strategy,
    TaskRequirements,
    rank_models,
    task_requirements,
)
from aigym.registry._registry import LoadReport, ModelRegistry, get_model_registry
from aigym.registry._spec import (
    BLEND_INPUT_TOKENS,
    BLEND_OUTPUT_TOKENS,
    LONG_CONTEXT_MIN_TOKENS,
    ModelCapability,
    ModelSpec,
)

__all__ = [
    "BLEND_INPUT_TOKENS",
    "BLEND_OUTPUT_TOKENS",
    "LONG_CONTEXT_MIN_TOKENS",
    "STRATEGIES",
    "LoadReport",
    "ModelCapability",
    "ModelRegistry",
    "ModelSpec",
    "Strategy",
    "TaskRequirements",
    "get_model_registry",
    "rank_models",
    "task_requirements",
]

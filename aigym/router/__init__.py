"""The router: which model for this request, under these constraints, given the data.

    >>> from aigym.router import get_model_router
    >>> router = get_model_router()
    >>> model = router.route("code_generation", strategy="best_quality",
    ...                      store=store, min_quality_score=85.0)         # doctest: +SKIP
    >>> model.id, model.calculate_cost(1200, 800), model.reasoning         # doctest: +SKIP

Estimates start at the registry's priors and move to the store's history as it accumulates
(normal-normal shrinkage, a stated prior strength, recency half-life, user feedback); the
statistics refresh incrementally from the store's new files. See `RouterConfig` for every
assumption.
"""

from aigym.router._config import TRANSIENT_ERRORS, RouterConfig
from aigym.router._decision import Council, Estimate, Exclusion, ModelEstimate, RoutingDecision
from aigym.router._history import HistoryStats, RefreshReport
from aigym.router._router import (
    POLICY_PREFIX,
    ModelRouter,
    PerPromptRouter,
    PromptPrediction,
    get_model_router,
    policy_id,
)

__all__ = [
    "POLICY_PREFIX",
    "TRANSIENT_ERRORS",
    "Council",
    "Estimate",
    "Exclusion",
    "HistoryStats",
    "ModelEstimate",
    "ModelRouter",
    "PerPromptRouter",
    "PromptPrediction",
    "RefreshReport",
    "RouterConfig",
    "RoutingDecision",
    "get_model_router",
    "policy_id",
]

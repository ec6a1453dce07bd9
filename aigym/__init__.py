"""aigym: which model, for which task, at what cost? Answered with data.

The names below are the public API; each lives in one layer (see README, "The house"):

    >>> import aigym
    >>> store = aigym.open_store("runs/")                      # doctest: +SKIP
    >>> registry = aigym.get_model_registry()
    >>> registry.get("gpt-4o").id
    'openai/gpt-4o'

Submodules load on first use, so `import aigym` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> defining module; resolved lazily by __getattr__ (PEP 562).
_EXPORTS: dict[str, str] = {
    "ABTestConfig": "aigym.abtest",
    "ABTestError": "aigym.errors",
    "ABTestManager": "aigym.abtest",
    "ABTestResult": "aigym.abtest",
    "AigymError": "aigym.errors",
    "BudgetExceededError": "aigym.errors",
    "BufferedWriter": "aigym.store",
    "CampaignResult": "aigym.campaign",
    "CampaignSpec": "aigym.campaign",
    "Completion": "aigym.providers",
    "CompletionRequest": "aigym.providers",
    "CostAnalysis": "aigym.tracking",
    "Dashboard": "aigym.tracking",
    "Durability": "aigym.store",
    "Execution": "aigym.records",
    "Feedback": "aigym.records",
    "LocalModelServer": "aigym.providers",
    "MetricTracker": "aigym.tracking",
    "ModelCapability": "aigym.registry",
    "ModelComparison": "aigym.abtest",
    "ModelRegistry": "aigym.registry",
    "ModelRouter": "aigym.router",
    "ModelSpec": "aigym.registry",
    "ModelStats": "aigym.tracking",
    "NoModelQualifiesError": "aigym.errors",
    "ParquetStore": "aigym.store",
    "ProviderError": "aigym.errors",
    "ProviderRegistry": "aigym.providers",
    "RouterConfig": "aigym.router",
    "RoutingDecision": "aigym.router",
    "SampleStats": "aigym.stats",
    "Sampling": "aigym.campaign",
    "SchemaError": "aigym.errors",
    "Score": "aigym.scoring",
    "ScoreRecord": "aigym.records",
    "ScoringError": "aigym.errors",
    "StatsConfig": "aigym.stats",
    "StoreError": "aigym.errors",
    "TaskComparison": "aigym.tracking",
    "TaskMetrics": "aigym.records",
    "TaskType": "aigym.records",
    "UnknownExecutionError": "aigym.errors",
    "UnknownModelError": "aigym.errors",
    "ValidationError": "aigym.errors",
    "compare_models": "aigym.abtest",
    "get_ab_test_manager": "aigym.abtest",
    "get_metric_tracker": "aigym.tracking",
    "get_model_registry": "aigym.registry",
    "get_model_router": "aigym.router",
    "get_quality_scorer": "aigym.scoring",
    "latest_per_key": "aigym.campaign",
    "new_id": "aigym.records",
    "open_store": "aigym._api",
    "run_campaign": "aigym.campaign",
}

# Subpackages, also loaded on first use: `import aigym; aigym.tracking` works as documented.
_SUBPACKAGES = frozenset(
    {"abtest", "campaign", "errors", "providers", "records", "registry", "scoring", "stats",
     "store", "tracking"}
)  # fmt: skip

__all__ = [
    "ABTestConfig",
    "ABTestError",
    "ABTestManager",
    "ABTestResult",
    "AigymError",
    "BudgetExceededError",
    "BufferedWriter",
    "CampaignResult",
    "CampaignSpec",
    "Completion",
    "CompletionRequest",
    "CostAnalysis",
    "Dashboard",
    "Durability",
    "Execution",
    "Feedback",
    "LocalModelServer",
    "MetricTracker",
    "ModelCapability",
    "ModelComparison",
    "ModelRegistry",
    "ModelRouter",
    "ModelSpec",
    "ModelStats",
    "NoModelQualifiesError",
    "ParquetStore",
    "ProviderError",
    "ProviderRegistry",
    "RouterConfig",
    "RoutingDecision",
    "SampleStats",
    "Sampling",
    "SchemaError",
    "Score",
    "ScoreRecord",
    "ScoringError",
    "StatsConfig",
    "StoreError",
    "TaskComparison",
    "TaskMetrics",
    "TaskType",
    "UnknownExecutionError",
    "UnknownModelError",
    "ValidationError",
    "compare_models",
    "get_ab_test_manager",
    "get_metric_tracker",
    "get_model_registry",
    "get_model_router",
    "get_quality_scorer",
    "latest_per_key",
    "new_id",
    "open_store",
    "run_campaign",
]

if TYPE_CHECKING:
    from aigym._api import open_store
    from aigym.abtest import (
        ABTestConfig,
        ABTestManager,
        ABTestResult,
        ModelComparison,
        compare_models,
        get_ab_test_manager,
    )
    from aigym.campaign import (
        CampaignResult,
        CampaignSpec,
        Sampling,
        latest_per_key,
        run_campaign,
    )
    from aigym.errors import (
        ABTestError,
        AigymError,
        BudgetExceededError,
        NoModelQualifiesError,
        ProviderError,
        SchemaError,
        ScoringError,
        StoreError,
        UnknownExecutionError,
        UnknownModelError,
        ValidationError,
    )
    from aigym.providers import Completion, CompletionRequest, LocalModelServer, ProviderRegistry
    from aigym.records import Execution, Feedback, ScoreRecord, TaskMetrics, TaskType, new_id
    from aigym.registry import ModelCapability, ModelRegistry, ModelSpec, get_model_registry
    from aigym.router import ModelRouter, RouterConfig, RoutingDecision, get_model_router
    from aigym.scoring import Score, get_quality_scorer
    from aigym.stats import SampleStats, StatsConfig
    from aigym.store import BufferedWriter, Durability, ParquetStore
    from aigym.tracking import (
        CostAnalysis,
        Dashboard,
        MetricTracker,
        ModelStats,
        TaskComparison,
        get_metric_tracker,
    )


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"aigym.{name}")  # the import binds it on the package
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'aigym' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _SUBPACKAGES)

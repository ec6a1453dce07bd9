"""A/B tests of models: live traffic splits kept in the store, and offline comparisons.

    >>> from aigym.abtest import ABTestConfig, get_ab_test_manager
    >>> ab = get_ab_test_manager()
    >>> config = ABTestConfig("claude_vs_gpt4_emails", "email_writing",
    ...     "anthropic/claude-3.5-sonnet", "openai/gpt-4o", traffic_split=0.5)
    >>> ab.create_test(store, config)                                          # doctest: +SKIP
    >>> variant, model = ab.assign_variant(store, config.test_name, unit_id="u1")  # doctest: +SKIP
    >>> ab.record_variant_result(store, config.test_name, variant, quality_score=89.5,
    ...     cost_usd=0.0234, unit_id="u1")                                     # doctest: +SKIP
    >>> ab.analyze_test(store, config.test_name).winner                        # doctest: +SKIP
    'inconclusive'

Variant "a" is the control, "b" the challenger; effects are always B - A, and "better" follows
the metric (lower for cost and latency). `compare_models` compares two or more models on
bake-off data already in the store, paired on shared prompts when there are any.
"""

from aigym.abtest._analysis import ABTestResult
from aigym.abtest._compare import (
    Method,
    ModelComparison,
    ModelComparisonRow,
    PairwiseRow,
    compare_models,
)
from aigym.abtest._config import METRICS, ABTestConfig, Metric, MetricKind, get_metric
from aigym.abtest._manager import ABTestManager, get_ab_test_manager
from aigym.abtest._rules import DEFAULT_ENGINE, ENGINES, Engine, Winner
from aigym.abtest._state import ABTestInfo
from aigym.abtest._tables import AB_ASSIGNMENTS, AB_TESTS

__all__ = [
    "AB_ASSIGNMENTS",
    "AB_TESTS",
    "DEFAULT_ENGINE",
    "ENGINES",
    "METRICS",
    "ABTestConfig",
    "ABTestInfo",
    "ABTestManager",
    "ABTestResult",
    "Engine",
    "Method",
    "Metric",
    "MetricKind",
    "ModelComparison",
    "ModelComparisonRow",
    "PairwiseRow",
    "Winner",
    "compare_models",
    "get_ab_test_manager",
    "get_metric",
]

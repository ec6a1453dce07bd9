"""The tracker: record executions and feedback, and turn the store into answers.

    >>> from aigym.tracking import get_metric_tracker
    >>> tracker = get_metric_tracker()
    >>> eid = tracker.record_execution(store, TaskMetrics(...))            # doctest: +SKIP
    >>> tracker.record_user_feedback(store, eid, approved=True)            # doctest: +SKIP
    >>> for s in tracker.get_task_comparison(store, "email_writing"):      # doctest: +SKIP
    ...     print(s.model_id, s.avg_quality_score, s.avg_cost_usd, s.approval_rate)
    >>> tracker.get_cost_analysis(store, days=30)["total_cost_usd"]        # doctest: +SKIP

Synchronous, with the store where the spec passes `db`. Every analysis covers `days` days
ending at `until` (default now, UTC; pass it to reproduce a result), takes `scorer=`
(default: each task's primary scorer, falling back to the record-time quality score), and
converts to tidy frames with `to_polars()` / `to_pandas()`. Rates are percentages.
"""

from aigym.tracking._cost import CostAnalysis, DailyCost, ModelCost, TaskCost, get_cost_analysis
from aigym.tracking._dashboard import Dashboard, dashboard
from aigym.tracking._forecast import BudgetForecast, forecast_spend
from aigym.tracking._frame import QualitySource
from aigym.tracking._query import cube_query, stats_query
from aigym.tracking._recent import RecentExecutions, get_recent
from aigym.tracking._record import record_execution, record_user_feedback
from aigym.tracking._savings import DEFAULT_MARGIN, Saving
from aigym.tracking._stats import (
    ModelStats,
    RankBy,
    TaskComparison,
    get_model_stats,
    get_task_comparison,
)
from aigym.tracking._tracker import MetricTracker, get_metric_tracker
from aigym.tracking._window import Window, make_window

__all__ = [
    "DEFAULT_MARGIN",
    "BudgetForecast",
    "CostAnalysis",
    "DailyCost",
    "Dashboard",
    "MetricTracker",
    "ModelCost",
    "ModelStats",
    "QualitySource",
    "RankBy",
    "RecentExecutions",
    "Saving",
    "TaskComparison",
    "TaskCost",
    "Window",
    "cube_query",
    "dashboard",
    "forecast_spend",
    "get_cost_analysis",
    "get_metric_tracker",
    "get_model_stats",
    "get_recent",
    "get_task_comparison",
    "make_window",
    "record_execution",
    "record_user_feedback",
    "stats_query",
]

"""`MetricTracker` and `get_metric_tracker()`: the spec's tracker object, synchronous.

The methods are the module-level functions with the tracker's registry filled in; pass the
store where the spec passes `db`.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence

from aigym._alias import accepts_db
from aigym.records import TaskMetrics
from aigym.registry import ModelRegistry, get_model_registry
from aigym.store import ParquetStore
from aigym.tracking._cost import CostAnalysis, get_cost_analysis
from aigym.tracking._dashboard import Dashboard, dashboard
from aigym.tracking._recent import RecentExecutions, get_recent
from aigym.tracking._record import record_execution, record_user_feedback
from aigym.tracking._savings import DEFAULT_MARGIN, MIN_SAMPLES
from aigym.tracking._stats import (
    ModelStats,
    RankBy,
    TaskComparison,
    get_model_stats,
    get_task_comparison,
)

__all__ = ["MetricTracker", "get_metric_tracker"]


class MetricTracker:
    """Records executions and feedback, and answers questions about them.

    `registry` checks model ids on recording and resolves aliases in queries; None uses the
    process-wide `get_model_registry()` (looked up on each call, so registrations count).
    """

    __slots__ = ("_registry",)

    def __init__(self, registry: ModelRegistry | None = None) -> None:
        self._registry = registry

    @property
    def registry(self) -> ModelRegistry:
        return self._registry or get_model_registry()

    def __repr__(self) -> str:
        return f"MetricTracker(registry={self.registry!r})"

    @accepts_db
    def record_execution(
        self,
        store: ParquetStore,
        metrics: TaskMetrics,
        *,
        durable: bool = False,
        timestamp: dt.datetime | None = None,
        store_text: bool = True,
    ) -> str:
        """See `aigym.tracking.record_execution`."""
        return record_execution(
            store,
            metrics,
            durable=durable,
            timestamp=timestamp,
            store_text=store_text,
            registry=self.registry,
        )

    @accepts_db
    def record_user_feedback(
        self,
        store: ParquetStore,
        metric_id: str,
        approved: bool | None = None,
        edit_distance: int | None = None,
        user_rating: float | None = None,
        comment: str | None = None,
        *,
        durable: bool = False,
        timestamp: dt.datetime | None = None,
    ) -> str:
        """See `aigym.tracking.record_user_feedback`."""
        return record_user_feedback(
            store,
            metric_id,
            approved=approved,
            edit_distance=edit_distance,
            user_rating=user_rating,
            comment=comment,
            durable=durable,
            timestamp=timestamp,
        )

    @accepts_db
    def get_model_stats(
        self,
        store: ParquetStore,
        model_id: str,
        task_type: str | None = None,
        days: float = 30,
        until: dt.datetime | dt.date | None = None,
        scorer: str | None = None,
        *,
        confidence: float = 0.95,
    ) -> ModelStats:
        """See `aigym.tracking.get_model_stats`."""
        return get_model_stats(
            store,
            model_id,
            task_type,
            days,
            until,
            scorer,
            confidence=confidence,
            registry=self.registry,
        )

    @accepts_db
    def get_task_comparison(
        self,
        store: ParquetStore,
        task_type: str,
        days: float = 30,
        until: dt.datetime | dt.date | None = None,
        scorer: str | None = None,
        *,
        rank_by: RankBy = "quality",
        models: Sequence[str] | None = None,
        confidence: float = 0.95,
    ) -> TaskComparison:
        """See `aigym.tracking.get_task_comparison`."""
        return get_task_comparison(
            store,
            task_type,
            days,
            until,
            scorer,
            rank_by=rank_by,
            models=None if models is None else [self.registry.resolve(m) for m in models],
            confidence=confidence,
        )

    @accepts_db
    def get_cost_analysis(
        self,
        store: ParquetStore,
        days: float = 30,
        until: dt.datetime | dt.date | None = None,
        scorer: str | None = None,
        *,
        margin: float = DEFAULT_MARGIN,
        min_samples: int = MIN_SAMPLES,
        horizon_days: int = 30,
        budget_usd: float | None = None,
        confidence: float = 0.95,
    ) -> CostAnalysis:
        """See `aigym.tracking.get_cost_analysis`."""
        return get_cost_analysis(
            store,
            days,
            until,
            scorer,
            margin=margin,
            min_samples=min_samples,
            horizon_days=horizon_days,
            budget_usd=budget_usd,
            confidence=confidence,
        )

    @accepts_db
    def get_recent(
        self,
        store: ParquetStore,
        limit: int = 50,
        *,
        model_id: str | Sequence[str] | None = None,
        task_type: str | None = None,
        until: dt.datetime | dt.date | None = None,
        scorer: str | None = None,
        include_text: bool = False,
    ) -> RecentExecutions:
        """See `aigym.tracking.get_recent`."""
        return get_recent(
            store,
            limit,
            model_id=model_id,
            task_type=task_type,
            until=until,
            scorer=scorer,
            include_text=include_text,
        )

    @accepts_db
    def dashboard(
        self,
        store: ParquetStore,
        days: float = 30,
        until: dt.datetime | dt.date | None = None,
        scorer: str | None = None,
        *,
        top: int = 5,
        confidence: float = 0.95,
    ) -> Dashboard:
        """See `aigym.tracking.dashboard`."""
        return dashboard(store, days, until, scorer, top=top, confidence=confidence)


_tracker: MetricTracker | None = None
_lock = threading.Lock()


def get_metric_tracker() -> MetricTracker:
    """The process-wide tracker (the spec's singleton accessor), on the shared registry."""
    global _tracker
    if _tracker is None:
        with _lock:
            if _tracker is None:
                _tracker = MetricTracker()
    return _tracker

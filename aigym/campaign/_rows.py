"""Rows: every call, cache hit or failure becomes one `Execution` of the campaign.

Each row carries the request key, the campaign, the run, the endpoint (`provider`) and the
canonical model id; its metadata JSON holds the prompt set's own fields (`reference`, `tests`,
`context`, ...) for later scoring, plus `cache_key`, `repeat`, `seed`, `finish_reason`, and
when they apply `charged_usd` (what the budget booked, if not `cost_usd`),
`unreported_attempts`, `latency_total_ms` (with retries and backoff) and `cached_from`.
`latency_ms` is the accepted attempt's own latency; a cache hit keeps its source's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from aigym.campaign._plan import CachedAnswer, Job
from aigym.campaign._routes import ModelRoute
from aigym.campaign._spec import CampaignSpec
from aigym.providers import Completion
from aigym.records import Execution, TaskMetrics

__all__ = ["RowMaker"]

_MAX_MESSAGE: Final = 2000


class RowMaker:
    """Builds the rows of one run."""

    def __init__(self, spec: CampaignSpec, routes: tuple[ModelRoute, ...], run_id: str) -> None:
        self.spec = spec
        self.routes = routes
        self.run_id = run_id

    def _meta(self, job: Job) -> dict[str, Any]:
        meta: dict[str, Any] = dict(job.item.fields)
        meta["cache_key"] = job.cache_key
        meta["repeat"] = job.repeat
        if job.request.seed is not None:
            meta["seed"] = job.request.seed
        return meta

    def _metrics(self, job: Job, route: ModelRoute, **kw: Any) -> Execution:
        m = TaskMetrics(
            model_id=route.model_id,
            task_type=job.item.task_type,
            prompt=job.item.prompt,
            prompt_id=job.item.prompt_id,
            request_key=job.key,
            campaign=self.spec.name,
            run_id=self.run_id,
            provider=route.endpoint,
            **kw,
        )
        return Execution.from_metrics(m, store_text=self.spec.store_text)

    def success(
        self, job: Job, route: ModelRoute, c: Completion, cost: Decimal, charge: Decimal
    ) -> Execution:
        meta = self._meta(job)
        if c.finish_reason:
            meta["finish_reason"] = c.finish_reason
        if c.attempts > 1:
            meta["latency_total_ms"] = round(c.latency_ms, 3)
        if c.unreported_attempts:
            meta["unreported_attempts"] = c.unreported_attempts
        if charge != cost:
            meta["charged_usd"] = float(charge)
        lat = c.attempt_latencies_ms[-1] if c.attempt_latencies_ms else c.latency_ms
        return self._metrics(
            job,
            route,
            prompt_tokens=c.prompt_tokens,
            completion_tokens=c.completion_tokens,
            latency_ms=lat,
            cost_usd=cost,
            uncached_cost_usd=cost,
            status="success",
            http_status=c.http_status if 100 <= c.http_status <= 599 else None,
            attempts=c.attempts,
            response=c.text,
            quality_score=c.quality_score,
            metadata=meta,
        )

    def error(
        self,
        job: Job,
        route: ModelRoute,
        *,
        error_type: str,
        message: str,
        http_status: int | None,
        attempts: int,
        latency_ms: float | None,
        charge: Decimal,
        unreported: int = 0,
    ) -> Execution:
        meta = self._meta(job)
        if unreported:
            meta["unreported_attempts"] = unreported
        if charge:
            meta["charged_usd"] = float(charge)
        ok_status = http_status is not None and 100 <= http_status <= 599
        return self._metrics(
            job,
            route,
            prompt_tokens=0,
            completion_tokens=0,
            latency_ms=latency_ms,
            cost_usd=0.0,
            uncached_cost_usd=0.0,
            status="error",
            error_type=error_type,
            error_message=message[:_MAX_MESSAGE],
            http_status=http_status if ok_status else None,
            attempts=attempts,
            metadata=meta,
        )

    def cached(self, job: Job, answer: CachedAnswer) -> Execution:
        route = self.routes[job.route]
        meta = self._meta(job)
        meta["cached_from"] = answer.execution_id
        if answer.finish_reason:
            meta["finish_reason"] = answer.finish_reason
        return self._metrics(
            job,
            route,
            prompt_tokens=answer.prompt_tokens,
            completion_tokens=answer.completion_tokens,
            latency_ms=answer.latency_ms,
            cost_usd=0.0,
            uncached_cost_usd=answer.uncached_cost_usd,
            status="success",
            http_status=answer.http_status,
            attempts=0,
            response=answer.response,
            quality_score=answer.quality_score,
            cache_hit=True,
            metadata=meta,
        )

"""What a run returns: a status, its numbers, and a tidy per-model summary from the store.

Every attempt of a key leaves a row (an error, then a success on a later run), so analyses
take the latest row per request key: `latest_per_key(store.scan_executions(campaign=...))`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

import polars as pl

from aigym._html import card, table
from aigym.campaign._plan import CampaignPlan
from aigym.errors import BudgetExceededError, ProviderError
from aigym.store import ParquetStore

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CampaignResult", "CampaignStatus", "latest_per_key", "summarize"]

CampaignStatus = Literal["completed", "budget_exhausted", "failed", "dry_run"]


def latest_per_key(lf: pl.LazyFrame) -> pl.LazyFrame:
    """The latest row per `request_key` (by timestamp, then time-ordered execution id).

    Rows without a request key (recorded outside campaigns) are kept as they are.
    """
    keyed = (
        lf.filter(pl.col("request_key").is_not_null())
        .sort("timestamp", "execution_id")
        .unique("request_key", keep="last", maintain_order=True)
    )
    return pl.concat([keyed, lf.filter(pl.col("request_key").is_null())])


def summarize(store: ParquetStore, campaign: str) -> pl.DataFrame:
    """Per model (latest row per key): calls, errors, cache hits, tokens, cost, latency.

    `cost_usd` is what was paid for the answers kept (cache hits cost 0);
    `uncached_cost_usd` what they would have cost without the cache. Latency percentiles are
    over successes, in ms, of the accepted attempt (a cache hit carries its source's latency).
    """
    lf = latest_per_key(store.scan_executions(campaign=campaign, with_feedback=False))
    ok = pl.col("status") == "success"
    lat = pl.col("latency_ms").filter(ok)
    return (
        lf.group_by("model_id", "provider")
        .agg(
            pl.len().alias("n"),
            ok.sum().alias("successes"),
            (~ok).sum().alias("errors"),
            pl.col("cache_hit").fill_null(False).sum().alias("cache_hits"),
            pl.col("prompt_tokens").filter(ok).sum().alias("prompt_tokens"),
            pl.col("completion_tokens").filter(ok).sum().alias("completion_tokens"),
            pl.col("cost_usd").sum().alias("cost_usd"),
            pl.coalesce("uncached_cost_usd", "cost_usd").sum().alias("uncached_cost_usd"),
            lat.quantile(0.5, "linear").alias("latency_p50_ms"),
            lat.quantile(0.9, "linear").alias("latency_p90_ms"),
            lat.quantile(0.99, "linear").alias("latency_p99_ms"),
        )
        .with_columns(
            (pl.col("errors") / pl.col("n")).alias("error_rate"),
            pl.col("model_id", "provider").cast(pl.String),  # a tidy table: plain strings
        )
        .sort("model_id", "provider")
        .collect()
    )


_SHOWN = ("model_id", "provider", "n", "calls", "successes", "errors", "cache_hits", "cost_usd",
          "estimated_usd", "worst_case_usd", "error_rate", "latency_p50_ms",
          "latency_p90_ms")  # fmt: skip
"""The summary columns a notebook shows (a dry run's plan table has calls and costs)."""


@dataclass(frozen=True, slots=True)
class CampaignResult:
    """The outcome of `run_campaign`.

    `status` is `completed`, `budget_exhausted` (the run stopped before a call that could pass
    the cap; `message` says how much is left and what to do), `failed` (calls were made and
    none succeeded: `message`'s first line says how many and why) or `dry_run`. Counts are for this
    run; `summary` covers the whole campaign as stored (every run, latest row per key), or
    for a dry run is the plan's per-model table of calls and costs.
    """

    campaign: str
    run_id: str
    status: CampaignStatus
    message: str
    plan: CampaignPlan
    summary: pl.DataFrame
    calls_made: int = 0
    successes: int = 0
    errors: int = 0
    cache_hits: int = 0
    not_run: int = 0
    spent_usd: Decimal = Decimal(0)
    budget_usd: Decimal | None = None
    elapsed_s: float = 0.0
    store: str = ""
    error_types: dict[str, int] = field(default_factory=dict)

    def to_pandas(self) -> pd.DataFrame:
        """The summary as a pandas DataFrame."""
        return self.summary.to_pandas()

    def raise_for_status(self) -> CampaignResult:
        """Raise `BudgetExceededError` if the budget stopped the run, `ProviderError` if no
        call succeeded; else return self."""
        if self.status == "budget_exhausted":
            raise BudgetExceededError(self.message)
        if self.status == "failed":
            raise ProviderError(self.message)
        return self

    def __str__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        budget = f" of ${self.budget_usd:.4f}" if self.budget_usd is not None else ""
        facts = (
            f"{self.calls_made:,} calls ({self.successes:,} ok, {self.errors:,} errors, "
            f"{self.cache_hits:,} cached, {self.not_run:,} not run); spent "
            f"${self.spent_usd:.4f}{budget} in {self.elapsed_s:.1f} s"
        )
        title = f"CampaignResult {self.campaign} ({self.status}, run {self.run_id})"
        return card(title, f"{self.message}\n{facts}", [table(self.summary, columns=_SHOWN)])

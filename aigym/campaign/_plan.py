"""The plan of one run: every request key, what the store already holds, what it will cost.

Keys whose success is acknowledged in the store are skipped; keys that ended in error are
sent again (unless `retry_errors=False`); keys whose request content has a stored success
(same cache key) are answered from the store. Calls are ordered repeat by repeat, prompt by
prompt, model by model, so a run stopped by its budget still compares every model on the
same prompts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from aigym.campaign._budget import ZERO, attempt_bound, input_token_bound, rendered_input
from aigym.campaign._keys import cache_key, digest, part_digest, request_key
from aigym.campaign._prompts import PromptItem
from aigym.campaign._routes import ModelRoute
from aigym.campaign._spec import CampaignSpec
from aigym.providers import CompletionRequest, Provider
from aigym.records import sha256_text
from aigym.store import ParquetStore

__all__ = ["CachedAnswer", "CampaignPlan", "Job", "build_plan"]


@dataclass(frozen=True, slots=True)
class Job:
    """One call to make: a request key and everything needed to send and record it."""

    key: str
    cache_key: str
    route: int  # index into the plan's routes
    item: PromptItem
    repeat: int
    request: CompletionRequest
    attempt_bound: Decimal  # worst case of one attempt: reserved before each attempt


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """A stored success with the same request content (cache key)."""

    execution_id: str
    response: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float | None
    uncached_cost_usd: float
    http_status: int | None
    finish_reason: str | None
    quality_score: float | None = None  # record-time quality (a replay's score), kept


@dataclass(frozen=True, slots=True)
class CampaignPlan:
    """What a run will do. `str(plan)` is the dry-run report; `to_polars()` the per-model table."""

    spec: CampaignSpec
    routes: tuple[ModelRoute, ...]
    n_prompts: int
    total_keys: int
    done: int  # keys with an acknowledged success
    skipped_errors: int  # keys that ended in error, not retried (retry_errors=False)
    retrying: int  # keys that ended in error and are sent again
    jobs: tuple[Job, ...]  # calls to send, in order
    cached: tuple[tuple[Job, CachedAnswer], ...]  # keys answered from the store
    spent_before: Decimal  # settled by earlier runs of this campaign
    estimated: Mapping[str, Decimal]  # model id -> estimated USD of its calls
    worst_case: Mapping[str, Decimal]  # model id -> one attempt per call at the bound
    reserved: Mapping[str, Decimal]  # model id -> every attempt billed at the bound

    @property
    def estimated_usd(self) -> Decimal:
        return sum(self.estimated.values(), ZERO)

    @property
    def worst_case_usd(self) -> Decimal:
        return sum(self.worst_case.values(), ZERO)

    @property
    def worst_case_with_retries_usd(self) -> Decimal:
        return sum(self.reserved.values(), ZERO)

    def to_polars(self) -> pl.DataFrame:
        rows: list[dict[str, Any]] = []
        for r in self.routes:
            calls = sum(1 for j in self.jobs if self.routes[j.route] is r)
            hits = sum(1 for j, _ in self.cached if self.routes[j.route] is r)
            rows.append(
                {
                    "model_id": r.model_id,
                    "provider": r.endpoint,
                    "calls": calls,
                    "cache_hits": hits,
                    "input_usd_per_mtok": float(r.spec.input_price_per_mtok),
                    "output_usd_per_mtok": float(r.spec.output_price_per_mtok),
                    "estimated_usd": float(self.estimated.get(r.model_id, ZERO)),
                    "worst_case_usd": float(self.worst_case.get(r.model_id, ZERO)),
                    "worst_case_with_retries_usd": float(self.reserved.get(r.model_id, ZERO)),
                }
            )
        return pl.DataFrame(rows)

    def __str__(self) -> str:
        s = self.spec
        lines = [
            f"campaign {s.name!r} -> store {s.store} (durability {s.durability})",
            f"  {self.n_prompts} prompts x {len(self.routes)} models x {s.repeats} repeats = "
            f"{self.total_keys} calls: {self.done} already done, {len(self.cached)} from the "
            f"cache, {self.retrying} errors to retry, {self.skipped_errors} errors kept; "
            f"{len(self.jobs)} to send (concurrency {s.concurrency})",
        ]
        w = max(len(r.model_id) for r in self.routes)
        pw = max(len(r.endpoint) for r in self.routes)
        lines.append(
            f"  {'model':<{w}}  {'via':<{pw}}  {'calls':>6}  {'in $/Mtok':>9}  {'out $/Mtok':>10}"
            f"  {'estimated':>10}  {'worst case':>10}"
        )
        for row in self.to_polars().iter_rows(named=True):
            lines.append(
                f"  {row['model_id']:<{w}}  {row['provider']:<{pw}}  {row['calls']:>6}  "
                f"{row['input_usd_per_mtok']:>9.4g}  {row['output_usd_per_mtok']:>10.4g}  "
                f"{_usd(self.estimated.get(row['model_id'], ZERO)):>10}  "
                f"{_usd(self.worst_case.get(row['model_id'], ZERO)):>10}"
            )
        lines.append(
            f"  estimated cost {_usd(self.estimated_usd)} (input ~ characters/4; output = the "
            f"campaign's measured mean, else max_tokens={s.sampling.max_tokens})"
        )
        lines.append(
            f"  worst case {_usd(self.worst_case_usd)} (input <= UTF-8 bytes + "
            f"{s.template_overhead_tokens} tokens, output = max_tokens); "
            f"{_usd(self.worst_case_with_retries_usd)} if every retry were billed too"
        )
        budget = s.budget
        if budget is None:
            lines.append("  budget: none (set budget_usd to cap the spend)")
        else:
            left = budget - self.spent_before
            verdict = (
                "the worst case fits"
                if self.worst_case_with_retries_usd <= left
                else "the run stops before any call that could pass the cap"
            )
            lines.append(
                f"  budget {_usd(budget)}: {_usd(self.spent_before)} settled by earlier runs, "
                f"{_usd(left)} left; {verdict}"
            )
        return "\n".join(lines)


def _usd(d: Decimal) -> str:
    return f"${d:.4f}" if d < 100 else f"${d:,.2f}"


def _store_state(
    store: ParquetStore, spec: CampaignSpec
) -> tuple[set[str], set[str], Decimal, dict[str, float]]:
    """(succeeded keys, all keys, settled spend, mean completion tokens per model)."""
    df = (
        store.scan_executions(campaign=spec.name, with_feedback=False)
        .select(
            "request_key",
            "status",
            "model_id",
            "completion_tokens",
            pl.coalesce(
                pl.col("metadata").str.json_path_match("$.charged_usd").cast(pl.Float64),
                pl.col("cost_usd"),
            ).alias("charged"),
        )
        .collect()
    )
    if df.height == 0:
        return set(), set(), ZERO, {}
    ok = df.filter(pl.col("status") == "success")
    succeeded = set(ok["request_key"].drop_nulls().to_list())
    seen = set(df["request_key"].drop_nulls().to_list())
    spent = Decimal(repr(float(df["charged"].fill_null(0.0).sum())))
    means = ok.group_by("model_id").agg(pl.col("completion_tokens").mean())
    mean_tokens = {m: float(v) for m, v in means.iter_rows() if v is not None}
    return succeeded, seen, spent, mean_tokens


def _cache_lookup(
    store: ParquetStore, jobs: Sequence[Job], routes: Sequence[ModelRoute]
) -> dict[str, CachedAnswer]:
    if not jobs:
        return {}
    need = {j.cache_key for j in jobs}
    hashes = {sha256_text(j.item.prompt) for j in jobs}
    models = sorted({routes[j.route].model_id for j in jobs})
    df = (
        store.scan("executions")
        .filter(
            (pl.col("status") == "success")
            & pl.col("model_id").is_in(models)
            & pl.col("prompt_sha256").is_in(sorted(hashes))
            & pl.col("response").is_not_null()
        )
        .select(
            "execution_id",
            "timestamp",
            "response",
            "prompt_tokens",
            "completion_tokens",
            "latency_ms",
            pl.coalesce("uncached_cost_usd", "cost_usd").alias("uncached"),
            "http_status",
            "quality_score",
            "cache_hit",
            pl.col("metadata").str.json_path_match("$.cache_key").alias("ck"),
            pl.col("metadata").str.json_path_match("$.finish_reason").alias("finish"),
        )
        .filter(pl.col("ck").is_in(sorted(need)))
        .sort(pl.col("cache_hit").fill_null(False), "timestamp")  # originals first
        .unique("ck", keep="first", maintain_order=True)
        .collect()
    )
    out: dict[str, CachedAnswer] = {}
    for row in df.iter_rows(named=True):
        out[row["ck"]] = CachedAnswer(
            execution_id=row["execution_id"],
            response=row["response"],
            prompt_tokens=int(row["prompt_tokens"]),
            completion_tokens=int(row["completion_tokens"]),
            latency_ms=row["latency_ms"],
            uncached_cost_usd=float(row["uncached"] or 0.0),
            http_status=row["http_status"],
            finish_reason=row["finish"],
            quality_score=row["quality_score"],
        )
    return out


def build_plan(
    spec: CampaignSpec,
    prompts: Sequence[PromptItem],
    routes: Sequence[ModelRoute],
    providers: Mapping[str, Provider],
    store: ParquetStore,
) -> CampaignPlan:
    """Every key of the campaign, checked against the store, with costs."""
    sampling = spec.sampling
    camp = digest(spec.name.encode("utf-8"))
    prompt_parts = [
        (part_digest([it.prompt_id, it.prompt]), digest(it.prompt.encode("utf-8")))
        for it in prompts
    ]
    succeeded, seen, spent_before, mean_tokens = _store_state(store, spec)
    jobs: list[Job] = []
    estimated: dict[str, Decimal] = {}
    worst: dict[str, Decimal] = {}
    reserved: dict[str, Decimal] = {}
    done = skipped = retrying = 0
    per_route: list[tuple[bytes, list[tuple[Decimal, Decimal]], int]] = []
    for r in routes:
        provider = providers[r.endpoint]
        params = part_digest(
            {
                "model_id": r.model_id,
                "endpoint": r.endpoint,
                "model": r.provider_model,
                **sampling.as_key_dict(),
            }
        )
        costs = []
        out_tokens = mean_tokens.get(r.model_id, float(sampling.max_tokens))
        for it in prompts:
            req = sampling.request(r.provider_model, it.prompt, 0)
            bound_in = input_token_bound(provider, req, spec.template_overhead_tokens)
            est_in = math.ceil(len(rendered_input(provider, req)) / 4) + 8
            one = attempt_bound(r.spec, bound_in, sampling.max_tokens)
            est = r.spec.calculate_cost(est_in, math.ceil(out_tokens))
            costs.append((one, est))
        per_route.append((params, costs, provider.retry.max_retries + 1))
    for rep in range(spec.repeats):
        for i, it in enumerate(prompts):
            pdig, tdig = prompt_parts[i]
            for ri, r in enumerate(routes):
                params, costs, _ = per_route[ri]
                key = request_key(camp, params, pdig, rep)
                if key in succeeded:
                    done += 1
                    continue
                if key in seen:
                    if not spec.retry_errors:
                        skipped += 1
                        continue
                    retrying += 1
                one = costs[i][0]
                jobs.append(
                    Job(
                        key=key,
                        cache_key=cache_key(params, tdig, rep),
                        route=ri,
                        item=it,
                        repeat=rep,
                        request=sampling.request(r.provider_model, it.prompt, rep),
                        attempt_bound=one,
                    )
                )
    hits = _cache_lookup(store, jobs, routes) if spec.cache else {}
    cached = tuple((j, hits[j.cache_key]) for j in jobs if j.cache_key in hits)
    calls = tuple(j for j in jobs if j.cache_key not in hits)
    index = {it.prompt_id: i for i, it in enumerate(prompts)}
    for j in calls:
        mid = routes[j.route].model_id
        one, est = per_route[j.route][1][index[j.item.prompt_id]]
        estimated[mid] = estimated.get(mid, ZERO) + est
        worst[mid] = worst.get(mid, ZERO) + one
        reserved[mid] = reserved.get(mid, ZERO) + one * per_route[j.route][2]
    return CampaignPlan(
        spec=spec,
        routes=tuple(routes),
        n_prompts=len(prompts),
        total_keys=len(prompts) * len(routes) * spec.repeats,
        done=done,
        skipped_errors=skipped,
        retrying=retrying,
        jobs=calls,
        cached=cached,
        spent_before=spent_before,
        estimated=estimated,
        worst_case=worst,
        reserved=reserved,
    )

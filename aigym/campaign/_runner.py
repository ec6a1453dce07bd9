"""The engine: concurrent calls, budget, rows through the buffered writer, clean stops.

Each model gets a queue and as many workers as its concurrency limit; one semaphore bounds
calls in flight overall. A worker reserves one attempt's worst case, calls, settles, and adds
one row (success or error) to the store's buffered writer. Providers are wrapped so that
their own retry loop (`Provider.acomplete`) asks the budget for another attempt's worth
before each retry. Rows are acknowledged when the
writer flushes: every `flush_rows` rows, or `flush_seconds` after the oldest unacknowledged
row (a timer checks), and at the end. A kill can therefore lose at most the unacknowledged
rows plus the calls in flight, and a re-run pays for only those again.

Failures are rows: a provider error, or an unexpected exception in one call, never stops
the other calls or models. Only a store failure stops the run (calls that cannot be recorded
would be paid for nothing). Ctrl-C cancels the calls in flight, stores every finished row,
prints how to resume and re-raises `KeyboardInterrupt`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Coroutine, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from aigym.campaign._budget import CURRENT_CALL, ZERO, Budget, BudgetedProvider, CallBudget
from aigym.campaign._localserver import local_server_status
from aigym.campaign._plan import CampaignPlan, Job, build_plan
from aigym.campaign._progress import Progress
from aigym.campaign._prompts import load_prompts
from aigym.campaign._results import CampaignResult, CampaignStatus, summarize
from aigym.campaign._routed import candidate_routes, route_prompts, split_policies
from aigym.campaign._routes import (
    ModelRoute,
    apply_spec_to_registries,
    build_providers,
    local_concurrency,
    resolve_routes,
    route_limit,
)
from aigym.campaign._rows import RowMaker
from aigym.campaign._spec import CampaignSpec, load_campaign_spec
from aigym.errors import AigymError
from aigym.providers import (
    LocalModelServer,
    Provider,
    ProviderCallError,
    ProviderRegistry,
)
from aigym.records import Execution, new_id
from aigym.registry import ModelRegistry, get_model_registry
from aigym.router import ModelRouter
from aigym.store import BufferedWriter, ParquetStore

__all__ = ["arun_campaign", "run_campaign"]

log = logging.getLogger("aigym.campaign")
T = TypeVar("T")


def _say(verbose: bool, text: str) -> None:
    if verbose:
        print(text, file=sys.stderr, flush=True)


class _Run:
    """State of one run (one event loop)."""

    def __init__(
        self,
        spec: CampaignSpec,
        plan: CampaignPlan,
        providers: Mapping[str, Provider],
        writer: BufferedWriter,
        budget: Budget,
        progress: Progress,
        run_id: str,
        local_slots: int | None,
    ) -> None:
        self.spec = spec
        self.plan = plan
        self.routes = plan.routes
        self.providers = providers
        self.writer = writer
        self.budget = budget
        self.progress = progress
        self.run_id = run_id
        self.local_slots = local_slots
        self.stopping = False
        self.calls = self.successes = self.errors = self.rows = 0
        self.error_types: Counter[str] = Counter()
        self.first_error: dict[str, str] = {}  # error kind -> its first message (with the fix)
        self.queues: list[deque[Job]] = [deque() for _ in self.routes]
        for job in plan.jobs:
            self.queues[job.route].append(job)
        self._oldest: float | None = None
        self.make = RowMaker(spec, plan.routes, run_id)

    # ------------------------------------------------------------------ rows

    def add(self, row: Execution) -> None:
        writer = self.writer
        if self._oldest is None:
            self._oldest = time.monotonic()
        writer.add(row)  # publishes inline at flush_rows / flush_seconds
        self.rows += 1
        if writer.pending == 0:
            self._oldest = None

    def flush_if_due(self) -> None:
        oldest = self._oldest
        if oldest is not None and time.monotonic() - oldest >= self.spec.flush_seconds:
            self.writer.flush()
            self._oldest = None

    async def flusher(self) -> None:
        """Acknowledge rows at most `flush_seconds` late even when calls are slow."""
        while True:
            await asyncio.sleep(self.spec.flush_seconds / 4)
            self.flush_if_due()

    # ------------------------------------------------------------------ calls

    async def call(self, job: Job, route: ModelRoute, provider: Provider) -> Execution:
        """One call, settled with the budget; always returns a row (cancellation aside).

        The caller has reserved one attempt; retries reserve more through `_Budgeted`.
        """
        budget = self.budget
        state = CallBudget(job.attempt_bound)
        token = CURRENT_CALL.set(state)
        charge: Decimal | None = None  # None: cut off mid-flight, all it reserved may be billed
        try:
            try:
                c = await provider.acomplete(job.request)
            except ProviderCallError as err:
                charge = job.attempt_bound * err.unreported_attempts
                return self.make.error(
                    job,
                    route,
                    error_type=err.error_type,
                    message=str(err),
                    http_status=err.http_status,
                    attempts=err.attempts,
                    latency_ms=err.latency_ms or None,
                    charge=charge,
                    unreported=err.unreported_attempts,
                )
            except AigymError as err:  # refused before sending (e.g. a model not served)
                charge = ZERO
                return self.make.error(
                    job,
                    route,
                    error_type="invalid_request",
                    message=f"{type(err).__name__}: {err}",
                    http_status=None,
                    attempts=0,
                    latency_ms=None,
                    charge=charge,
                )
            except Exception as err:  # a bug or an unmapped failure: one row, not a crash
                log.exception("%s: unexpected failure of one call", route.model_id)
                charge = state.reserved  # it may have been sent: book the worst case
                return self.make.error(
                    job,
                    route,
                    error_type="unexpected_error",
                    message=f"{type(err).__name__}: {err}",
                    http_status=None,
                    attempts=1,
                    latency_ms=None,
                    charge=charge,
                )
            if c.cost_usd is not None:
                cost = Decimal(repr(c.cost_usd))
            else:
                cost = route.spec.calculate_cost(c.prompt_tokens, c.completion_tokens)
            charge = cost + job.attempt_bound * c.unreported_attempts
            return self.make.success(job, route, c, cost, charge)
        finally:
            CURRENT_CALL.reset(token)
            booked = state.reserved if charge is None else charge
            budget.settle(state.reserved, booked)
            if booked > state.reserved:
                log.warning(
                    "%s: a call cost $%s, more than its reserved worst case $%s: the registry "
                    "price is below the provider's; update it (registry.set_price)",
                    route.model_id,
                    booked,
                    state.reserved,
                )

    async def worker(self, index: int, gate: asyncio.Semaphore) -> None:
        queue = self.queues[index]
        route = self.routes[index]
        provider = self.providers[route.endpoint]
        budget = self.budget
        while queue and not self.stopping:
            job = queue.popleft()
            async with gate:
                if not await budget.reserve(job.attempt_bound):
                    queue.appendleft(job)
                    self.stopping = True
                    return
                row = await self.call(job, route, provider)
            self.calls += 1
            error = row.status == "error"
            if error:
                self.errors += 1
                kind = f"{route.model_id}: {row.error_type}"
                self.error_types[kind] += 1
                self.first_error.setdefault(kind, row.error_message or "")
            else:
                self.successes += 1
            self.add(row)
            self.progress.step(error=error, spent=budget.total)

    async def run(self) -> None:
        for job, answer in self.plan.cached:
            self.add(self.make.cached(job, answer))
            self.progress.step(error=False, spent=self.budget.total)
        gate = asyncio.Semaphore(self.spec.concurrency)
        flusher = asyncio.create_task(self.flusher())
        try:
            async with asyncio.TaskGroup() as tg:
                for i, route in enumerate(self.routes):
                    if not self.queues[i]:
                        continue
                    n = min(route_limit(route, self.spec, self.local_slots), len(self.queues[i]))
                    for _ in range(n):
                        tg.create_task(self.worker(i, gate))
        finally:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher

    @property
    def not_run(self) -> int:
        return sum(len(q) for q in self.queues)


async def _local_endpoint(
    plan: CampaignPlan, verbose: bool
) -> tuple[dict[str, str], int, LocalModelServer | None]:
    """Base URLs and slots per model: a running `aigym local-server`, else our own server."""
    needed = sorted({r.model_id for r in plan.routes if r.endpoint == "local"})
    status = await asyncio.to_thread(local_server_status)
    if status.running and set(needed) <= set(status.base_urls):
        _say(verbose, f"using the local model server {status.message}")
        return status.base_urls, status.n_parallel, None
    _say(verbose, f"starting the local model server for {', '.join(needed)} ...")
    slots = local_concurrency(plan.spec)
    server = LocalModelServer(needed, n_parallel=slots)
    await asyncio.to_thread(server.start)
    return dict(server.base_urls), slots, server


def _usd(d: Decimal) -> str:
    return f"${d:.4f}"


def _message(run: _Run, plan: CampaignPlan, status: CampaignStatus, store: str) -> str:
    name = f"campaign {plan.spec.name!r}"
    b = run.budget
    errs = ", ".join(f"{k} x{v}" for k, v in sorted(run.error_types.items()))
    head = (
        f"{name}: {run.calls} calls made ({run.successes} ok, {run.errors} errors"
        f"{': ' + errs if errs else ''}), {len(plan.cached)} from the cache, {plan.done} "
        f"already done; settled {_usd(b.spent)} this run, {_usd(b.total)} in total"
    )
    cap = f" of the {_usd(b.limit)} budget" if b.limit is not None else ""
    head += f"{cap}; rows in {store} (run_id {run.run_id})"
    if b.exhausted:  # also when the run failed: both facts matter
        nxt = next((j for q in run.queues for j in q), None)
        need = f" (next call's worst case {_usd(nxt.attempt_bound)})" if nxt else ""
        head += (
            f". STOPPED BY THE BUDGET: {run.not_run} calls not run because none could fit in "
            f"the {_usd(b.remaining or ZERO)} left{need}. Raise budget_usd and run the same "
            "campaign again to resume (finished calls are not paid twice)."
        )
    if run.errors:
        head += ". Run again to retry the errors (retry_errors=True)."
        for kind, text in sorted(run.first_error.items()):
            head += f"\n  first {kind}: {text[:300]}"
    if status == "failed":  # one line first: how many failed and why (the commonest error)
        kind, text = max(run.first_error.items(), key=lambda kv: run.error_types[kv[0]])
        first = " ".join(text.split())[:300]
        head = (
            f"{name} FAILED: all {run.calls} calls failed ({errs}); first {kind}: {first}\n" + head
        )
    return head


async def arun_campaign(
    spec: CampaignSpec | str | os.PathLike[str],
    *,
    dry_run: bool = False,
    progress: bool = True,
    verbose: bool = True,
    providers: Mapping[str, Provider] | None = None,
    provider_registry: ProviderRegistry | None = None,
    model_registry: ModelRegistry | None = None,
    store: ParquetStore | None = None,
    router: ModelRouter | None = None,
) -> CampaignResult:
    """Run (or, with `dry_run`, plan) a campaign in the running event loop.

    `providers` maps endpoint names to providers to use as they are (e.g. a `LocalProvider`
    of your own server); others come from `provider_registry` (default
    `ProviderRegistry.with_defaults()`, keys from the environment). Local models use a running
    `aigym local-server`, or a server started for the run. `store` overrides `spec.store`.
    `verbose` prints the plan line and the outcome to stderr; `progress` shows a bar.
    `router` routes the spec's ``router:<strategy>`` entries (default: a `ModelRouter` over
    the spec's `candidates`, on the store's history); see `aigym.campaign._routed`.
    """
    if not isinstance(spec, CampaignSpec):
        spec = load_campaign_spec(spec)
    t0 = time.perf_counter()
    models = model_registry if model_registry is not None else get_model_registry()
    preg = provider_registry if provider_registry is not None else ProviderRegistry.with_defaults()
    apply_spec_to_registries(spec, models, preg)
    prompts = load_prompts(spec.prompts, limit=spec.limit)
    fixed, policies = split_policies(spec.models)
    routes, cands = candidate_routes(
        resolve_routes(fixed, models, preg), resolve_routes(spec.candidates, models, preg)
    )
    given = dict(providers or {})
    own_store = store is None
    st = (
        ParquetStore(spec.store, durability=spec.durability, model_check=models.resolve)
        if store is None
        else store
    )
    provs = build_providers(routes, spec, preg, given)
    server: LocalModelServer | None = None
    interrupted = False
    try:
        picks = route_prompts(policies, prompts, routes, cands, st, models, router)
        plan = build_plan(spec, prompts, routes, provs, st, picks, len(fixed))
        run_id = new_id()
        if dry_run:
            _say(verbose, str(plan))
            return CampaignResult(
                campaign=spec.name,
                run_id=run_id,
                status="dry_run",
                message=str(plan),
                plan=plan,
                summary=plan.to_polars(),
                not_run=len(plan.jobs),
                budget_usd=spec.budget,
                store=st.root,
            )
        _say(
            verbose,
            f"campaign {spec.name!r}: {len(plan.jobs)} calls to send, {len(plan.cached)} from "
            f"the cache, {plan.done} already done; worst case {_usd(plan.worst_case_usd)}",
        )
        local_slots: int | None = None  # a caller's local provider: its limits are its own
        if "local" not in given and any(routes[j.route].endpoint == "local" for j in plan.jobs):
            urls, local_slots, server = await _local_endpoint(plan, verbose)
            local_routes = [r for r in routes if r.endpoint == "local"]
            provs["local"] = build_providers(local_routes, spec, preg, {}, local_urls=urls)["local"]
        budget = Budget(spec.budget, plan.spent_before)
        bar = Progress(
            len(plan.jobs) + len(plan.cached),
            initial=0,
            enabled=progress,
            desc=spec.name[:30],
        )
        writer = st.writer(max_rows=spec.flush_rows, max_seconds=spec.flush_seconds)
        wrapped = {name: BudgetedProvider(p, budget) for name, p in provs.items()}
        run = _Run(spec, plan, wrapped, writer, budget, bar, run_id, local_slots)
        try:
            await run.run()
        except asyncio.CancelledError:
            interrupted = True
            raise
        finally:
            try:
                writer.close()
            finally:
                bar.close(budget.total)
                if interrupted:
                    _say(
                        verbose,
                        f"\ninterrupted: {run.rows} rows of this run are stored in {st.root} "
                        f"({run.calls} calls finished, {budget.in_flight} cut off in flight). "
                        "Run the same campaign again to resume.",
                    )
        status: CampaignStatus = (
            "failed"
            if run.calls and not run.successes and not plan.cached
            else "budget_exhausted"
            if budget.exhausted
            else "completed"
        )
        summary = summarize(st, spec.name)
        message = _message(run, plan, status, st.root)
        _say(verbose, message)
        return CampaignResult(
            campaign=spec.name,
            run_id=run_id,
            status=status,
            message=message,
            plan=plan,
            summary=summary,
            calls_made=run.calls,
            successes=run.successes,
            errors=run.errors,
            cache_hits=len(plan.cached),
            not_run=run.not_run,
            spent_usd=budget.spent,
            budget_usd=spec.budget,
            elapsed_s=time.perf_counter() - t0,
            store=st.root,
            error_types=dict(run.error_types),
        )
    finally:
        for p in provs.values():
            with contextlib.suppress(Exception):
                await p.aclose()
        if server is not None:
            await asyncio.to_thread(server.stop)
        if own_store:
            st.close()


def run_campaign(
    spec: CampaignSpec | str | os.PathLike[str],
    *,
    dry_run: bool = False,
    progress: bool = True,
    verbose: bool = True,
    providers: Mapping[str, Provider] | None = None,
    provider_registry: ProviderRegistry | None = None,
    model_registry: ModelRegistry | None = None,
    store: ParquetStore | None = None,
    router: ModelRouter | None = None,
) -> CampaignResult:
    """Run (or plan) a campaign; see `arun_campaign`. Works in scripts and inside Jupyter.

    Returns a `CampaignResult` (`.summary` per model, `.to_pandas()`); a budget stop is a
    status (`result.raise_for_status()` raises `BudgetExceededError`). Ctrl-C stores every
    finished row and re-raises `KeyboardInterrupt`; run again to resume.
    """
    return _run_sync(
        lambda: arun_campaign(
            spec,
            dry_run=dry_run,
            progress=progress,
            verbose=verbose,
            providers=providers,
            provider_registry=provider_registry,
            model_registry=model_registry,
            store=store,
            router=router,
        )
    )


def _run_sync(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    try:
        asyncio.get_running_loop()
        in_loop = True
    except RuntimeError:
        in_loop = False
    if not in_loop:  # run outside the except block: errors are not chained to the probe
        return asyncio.run(make())  # Ctrl-C cancels the main task: clean stop, then raise
    # Inside a running loop (Jupyter): our own loop in a thread; Ctrl-C cancels it there.
    loop = asyncio.new_event_loop()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            task = loop.create_task(make())
            box["task"] = task
            box["result"] = loop.run_until_complete(task)
        except BaseException as e:  # re-raised in the caller's thread
            box["error"] = e
        finally:
            loop.close()

    thread = threading.Thread(target=target, name="aigym-campaign", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.2)
    except KeyboardInterrupt:
        task = box.get("task")
        if task is not None:
            loop.call_soon_threadsafe(task.cancel)
        thread.join()
        raise
    if "error" in box:
        raise box["error"]
    result: T = box["result"]
    return result

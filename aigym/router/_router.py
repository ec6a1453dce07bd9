"""`ModelRouter`: which model for this request, under these constraints, given the data.

A decision ranks the candidates of a task (registry models with the task's capabilities) by
the chosen strategy on *estimates*: registry priors shrunk toward the store's history as it
accumulates (`aigym.router._estimates`). Per task, the estimates and the four rankings are
cached and rebuilt only when the statistics change or the clock moves a minute, so a
decision is a walk down a ranked list.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Final, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from aigym._alias import accepts_db
from aigym.errors import NoModelQualifiesError, UnknownModelError, ValidationError
from aigym.records import TaskType
from aigym.registry import (
    STRATEGIES,
    ModelCapability,
    ModelRegistry,
    ModelSpec,
    get_model_registry,
    task_requirements,
)
from aigym.registry._recommend import parse_strategy
from aigym.router._candidates import (
    Candidate,
    cooldown,
    filter_candidates,
    no_model_error,
    rank,
    with_score,
)
from aigym.router._config import RouterConfig
from aigym.router._decision import Council, Estimate, Exclusion, ModelEstimate, RoutingDecision
from aigym.router._estimates import estimate_model
from aigym.router._explore import Thompson
from aigym.router._history import HistoryStats
from aigym.store import ParquetStore

__all__ = [
    "POLICY_PREFIX",
    "ModelRouter",
    "PerPromptRouter",
    "PromptPrediction",
    "get_model_router",
    "policy_id",
]

#: An A/B arm or campaign model entry starting with this is a routing policy, not a model.
POLICY_PREFIX: Final = "router:"

_VIEW_RESOLUTION_US: Final = 60_000_000  # estimates are rebuilt when "now" moves this far


class PromptPrediction(Protocol):
    """Per-prompt predictions, prompts x models (`aigym.outcomes.RouterPrediction`'s shape):
    `quality` on the outcome table's scale, `cost` in USD per call."""

    @property
    def models(self) -> Sequence[str]: ...
    @property
    def quality(self) -> npt.NDArray[np.float64]: ...
    @property
    def cost(self) -> npt.NDArray[np.float64]: ...


@runtime_checkable
class PerPromptRouter(Protocol):
    """A fitted per-prompt router (the outcomes layer's `KnnRouter`, `RidgeKnnRouter`, ...):
    `predict(prompts)` gives each model's predicted quality and cost per prompt. Models it
    does not cover keep their history-based estimates; model names resolve through the
    registry (aliases work)."""

    def predict(self, prompts: Sequence[str]) -> PromptPrediction: ...


@dataclass(slots=True)
class _TaskView:
    """One task's candidates as of `now_us` and statistics `version`; rebuilt when either
    moves (the clock by a minute), or the registry gains a model. A price change shows
    within a minute."""

    version: int
    now_us: int
    registry: ModelRegistry
    n_models: int
    candidates: list[Candidate]
    ranked: dict[str, list[Candidate]]
    no_caps: list[tuple[ModelSpec, str]]  # registry models lacking the task's capabilities


def _as_float(name: str, v: object) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float, Decimal)):
        raise ValidationError(name, v, "give a number (or None for no limit)")
    f = float(v)
    if f != f or f < 0:
        raise ValidationError(name, v, "must be a number >= 0")
    return f


class ModelRouter:
    """Routes tasks to models on registry priors and, given a store, on its history.

    `registry`: the models to choose from (default: the process-wide registry, looked up on
    each call). `models`: restrict the candidates to these ids. `include_local`: also route
    to local models (free, but usually not what a production request wants). `explore`:
    Thompson sampling sends up to `config.explore_share` of decisions to a model other than
    the greedy choice, deterministically under `seed`. `per_prompt_routers`: fitted
    per-prompt routers by task, used by ``route(prompt=...)``; their predicted quality times
    `per_prompt_scale` is on the router's 0-100 scale (outcome tables score 0-1).
    """

    def __init__(
        self,
        registry: ModelRegistry | None = None,
        *,
        config: RouterConfig | None = None,
        models: Iterable[str] | None = None,
        include_local: bool = False,
        explore: bool = False,
        seed: int | None = 0,
        per_prompt_routers: Mapping[str, PerPromptRouter] | None = None,
        per_prompt_scale: float = 100.0,
    ) -> None:
        self._registry = registry
        self.config = config or RouterConfig()
        self._only = None if models is None else tuple(models)
        self.include_local = include_local
        self.explore = explore
        self._explorer = Thompson(self.config.explore_share, seed)
        self.per_prompt_routers: dict[str, PerPromptRouter] = dict(per_prompt_routers or {})
        self.per_prompt_scale = float(per_prompt_scale)
        self._stats: weakref.WeakKeyDictionary[ParquetStore, HistoryStats] = (
            weakref.WeakKeyDictionary()
        )
        # per-task estimates and rankings, per store's statistics (weakly: a closed store's go)
        self._views: weakref.WeakKeyDictionary[HistoryStats, dict[str, _TaskView]] = (
            weakref.WeakKeyDictionary()
        )
        self._prior_views: dict[str, _TaskView] = {}
        self._lock = threading.RLock()

    @property
    def registry(self) -> ModelRegistry:
        return self._registry or get_model_registry()

    def __repr__(self) -> str:
        return f"ModelRouter(explore={self.explore}, config={self.config!r})"

    # ------------------------------------------------------------------ statistics

    def stats(self, store: ParquetStore) -> HistoryStats:
        """The cached statistics of `store` (created, not yet refreshed, on first use)."""
        with self._lock:
            s = self._stats.get(store)
            if s is None:
                s = HistoryStats(store, self.config)
                self._stats[store] = s
            return s

    def refresh(self, store: ParquetStore, *, full: bool = False) -> Any:
        """Read the store's new files now; returns the `RefreshReport`."""
        return self.stats(store).refresh(full=full)

    def _fresh_stats(self, store: ParquetStore) -> HistoryStats:
        s = self.stats(store)
        at = s.refreshed_at
        if at is None or time.monotonic() - at > self.config.max_staleness_s:
            s.refresh()
        return s

    def _pool(self) -> list[ModelSpec]:
        reg = self.registry
        if self._only is not None:
            return [reg.get(m) for m in self._only]
        return [m for m in reg.get_all_models() if self.include_local or not m.is_local]

    def _view(self, task: str, stats: HistoryStats | None, now_us: int) -> _TaskView:
        if stats is None:
            views = self._prior_views
            version = -1
        else:
            got = self._views.get(stats)
            if got is None:
                with self._lock:
                    got = self._views.setdefault(stats, {})
            views = got
            version = stats.version
        view = views.get(task)
        reg = self.registry
        if (
            view is not None
            and view.version == version
            and view.registry is reg
            and view.n_models == len(reg)
            and abs(now_us - view.now_us) < _VIEW_RESOLUTION_US
        ):
            return view
        view = self._build_view(task, stats, now_us)
        views[task] = view
        return view

    def _build_view(self, task: str, stats: HistoryStats | None, now_us: int) -> _TaskView:
        req = task_requirements(task)
        now = dt.datetime.fromtimestamp(now_us / 1e6, dt.UTC)
        scale = 1.0 if stats is None else stats.scale(now)
        tokens = None if stats is None else stats.task_tokens(task)
        cands: list[Candidate] = []
        no_caps: list[tuple[ModelSpec, str]] = []
        for spec in self._pool():
            missing = req.required - spec.capabilities
            if missing:
                names = ", ".join(sorted(c.value for c in missing))
                no_caps.append((spec, f"lacks {names}, which {task} requires"))
                continue
            est = estimate_model(spec, req, stats, self.config, scale, tokens)
            until, why = cooldown(spec.id, stats, self.config)
            cands.append(Candidate(spec, est, until, why))
        ranked: dict[str, list[Candidate]] = {
            s: [
                Candidate(c.spec, with_score(c.est, s), c.cool_until_us, c.cool_reason)
                for c in rank(cands, s)
            ]
            for s in STRATEGIES
        }
        version = -1 if stats is None else stats.version
        reg = self.registry
        return _TaskView(version, now_us, reg, len(reg), cands, ranked, no_caps)

    # ------------------------------------------------------------------ routing

    @accepts_db
    def route(
        self,
        task_type: str,
        strategy: str = "balanced",
        store: ParquetStore | None = None,
        min_quality_score: float | None = None,
        max_cost_per_request: Decimal | float | None = None,
        max_latency_ms: float | None = None,
        required_capabilities: Iterable[ModelCapability | str] = (),
        exclude: Iterable[str] = (),
        prompt: str | None = None,
        *,
        now: dt.datetime | None = None,
        explore: bool | None = None,
    ) -> RoutingDecision:
        """The best model for `task_type` under `strategy` that meets every constraint.

        Strategies: ``best_quality``, ``best_cost``, ``balanced`` (0.5 quality, 0.3
        cheapness, 0.2 speed), ``fastest``. Constraints apply to the estimates' means:
        `min_quality_score` (0-100), `max_cost_per_request` (USD), `max_latency_ms`;
        `required_capabilities` add to the task's own; `exclude` removes ids or aliases.
        `db=` is accepted for `store` (the spec's name). Models cooling down after transient
        failures are routed around. Raises
        `NoModelQualifiesError` (naming the failed constraint, the closest models and the
        relaxation that admits them) when none qualifies. `now` (UTC) fixes the clock for
        recency weights and cool-downs; `explore` overrides the router's setting.
        """
        task = str(TaskType(task_type))
        strat = strategy if strategy in STRATEGIES else parse_strategy(strategy)
        now_us = time.time_ns() // 1000 if now is None else _utc_us(now)
        stats = None if store is None else self._fresh_stats(store)
        view = self._view(task, stats, now_us)
        limits = (
            _as_float("min_quality_score", min_quality_score),
            _as_float("max_cost_per_request", max_cost_per_request),
            _as_float("max_latency_ms", max_latency_ms),
        )
        caps = frozenset(
            ModelCapability.parse(c, "required_capabilities") for c in required_capabilities
        )
        excl = self._resolve_excluded(exclude)
        ranked = view.ranked[strat]
        notes: list[str] = []
        if prompt is not None and task in self.per_prompt_routers:
            ranked, note = self._per_prompt(task, strat, ranked, prompt)
            notes.append(note)
        ok, out = filter_candidates(ranked, limits, caps, excl, now_us)
        excluded = tuple(
            [Exclusion(s.id, "required_capabilities", r) for s, r in view.no_caps] + out
        )
        constraints = tuple(
            (n, v)
            for n, v in (
                ("min_quality_score", min_quality_score),
                ("max_cost_per_request", max_cost_per_request),
                ("max_latency_ms", max_latency_ms),
                ("required_capabilities", sorted(c.value for c in caps) or None),
                ("exclude", sorted(excl) or None),
            )
            if v is not None
        )
        if not ok:
            raise no_model_error(task, strat, ranked, limits, caps, excl, excluded, now_us)
        chosen = 0
        use_explore = self.explore if explore is None else explore
        if use_explore and len(ok) > 1:
            chosen, note = self._explorer.choose(task, strat, ok)
            if note:
                notes.append(note)
        elif use_explore:
            self._explorer.count(task, explored=False)
        pick = ok[chosen]
        alts = tuple(c.est for i, c in enumerate(ok) if i != chosen)
        return RoutingDecision(
            model=pick.spec,
            task_type=task,
            strategy=strat,
            estimate=pick.est,
            alternatives=alts,
            excluded=excluded,
            constraints=constraints,
            explored=chosen != 0,
            notes=tuple(notes),
            decided_at=dt.datetime.fromtimestamp(now_us / 1e6, dt.UTC),
        )

    def _resolve_excluded(self, exclude: Iterable[str]) -> frozenset[str]:
        if isinstance(exclude, str):
            exclude = (exclude,)
        out = set()
        for e in exclude:
            try:
                out.add(self.registry.resolve(e))
            except UnknownModelError:
                out.add(e)
        return frozenset(out)

    def _per_prompt(
        self, task: str, strategy: str, ranked: list[Candidate], prompt: str
    ) -> tuple[list[Candidate], str]:
        fitted = self.per_prompt_routers[task]
        pred = fitted.predict([prompt])
        scale = self.per_prompt_scale
        by_id: dict[str, tuple[float, float]] = {}
        for j, name in enumerate(pred.models):
            try:
                mid = self.registry.resolve(name)
            except UnknownModelError:
                continue  # a model the registry does not know cannot be routed to
            by_id[mid] = (float(pred.quality[0, j]) * scale, float(pred.cost[0, j]))
        out: list[Candidate] = []
        covered = 0
        for c in ranked:
            p = by_id.get(c.spec.id)
            if p is None:
                out.append(c)
                continue
            covered += 1
            q, cost = p
            est = replace(
                c.est,
                quality=Estimate(q, q, q, 0.0, c.est.quality.n_history),
                cost_per_request=Estimate(cost, cost, cost, 0.0, c.est.cost_per_request.n_history),
            )
            out.append(Candidate(c.spec, est, c.cool_until_us, c.cool_reason))
        out = [
            Candidate(c.spec, with_score(c.est, strategy), c.cool_until_us, c.cool_reason)
            for c in rank(out, strategy)
        ]
        router = type(fitted).__name__
        return out, (
            f"Per-prompt: {router} predicted quality and cost of this prompt for {covered} "
            f"models; the others keep their history-based estimates."
        )

    @accepts_db
    def route_with_fallback(
        self,
        task_type: str,
        preferred_strategy: str = "best_quality",
        fallback_strategy: str = "balanced",
        store: ParquetStore | None = None,
        min_quality_score: float | None = None,
        max_cost_per_request: Decimal | float | None = None,
        max_latency_ms: float | None = None,
        required_capabilities: Iterable[ModelCapability | str] = (),
        exclude: Iterable[str] = (),
        prompt: str | None = None,
        *,
        now: dt.datetime | None = None,
    ) -> RoutingDecision:
        """`route` with `preferred_strategy` and every constraint; if no model qualifies,
        `fallback_strategy` without the quality, cost and latency limits (capabilities,
        exclusions and cool-downs still hold). The decision's `fallback_from` and
        `reasoning` say what failed."""
        hard: dict[str, Any] = dict(
            store=store,
            required_capabilities=tuple(required_capabilities),
            exclude=tuple([exclude] if isinstance(exclude, str) else exclude),
            prompt=prompt,
            now=now,
        )
        try:
            return self.route(
                task_type,
                preferred_strategy,
                min_quality_score=min_quality_score,
                max_cost_per_request=max_cost_per_request,
                max_latency_ms=max_latency_ms,
                **hard,
            )
        except NoModelQualifiesError as e:
            d = self.route(task_type, fallback_strategy, **hard)
            note = (
                f"Fallback: {preferred_strategy} found no model ({e.constraint} failed; "
                f"closest {', '.join(e.closest) or 'none'}), so {fallback_strategy} chose "
                f"without the quality, cost and latency limits."
            )
            return replace(
                d, fallback_from=f"{preferred_strategy}: {e.constraint}", notes=(*d.notes, note)
            )

    @accepts_db
    def route_council(
        self,
        task_type: str,
        num_models: int = 3,
        diversity: str = "providers",
        strategy: str = "balanced",
        store: ParquetStore | None = None,
        min_quality_score: float | None = None,
        max_cost_per_request: Decimal | float | None = None,
        max_latency_ms: float | None = None,
        required_capabilities: Iterable[ModelCapability | str] = (),
        exclude: Iterable[str] = (),
        *,
        now: dt.datetime | None = None,
    ) -> Council:
        """`num_models` models for an ensemble, best first under `strategy`.

        ``diversity="providers"`` takes the best model of each provider before a second model
        of any provider (a council of one vendor fails together); ``"none"`` takes the top
        models as ranked. The `reasoning` says how diverse the council is and why.
        """
        if isinstance(num_models, bool) or not isinstance(num_models, int) or num_models < 1:
            raise ValidationError("num_models", num_models, "give a whole number >= 1")
        if diversity not in ("providers", "none"):
            raise ValidationError("diversity", diversity, "use 'providers' or 'none'")
        first = self.route(
            task_type,
            strategy,
            store=store,
            min_quality_score=min_quality_score,
            max_cost_per_request=max_cost_per_request,
            max_latency_ms=max_latency_ms,
            required_capabilities=required_capabilities,
            exclude=exclude,
            now=now,
            explore=False,
        )
        pool = list(first.ranked)
        picked: list[ModelEstimate] = []
        if diversity == "providers":
            seen: set[str] = set()
            for e in pool:
                if e.provider not in seen and len(picked) < num_models:
                    picked.append(e)
                    seen.add(e.provider)
        for e in pool:
            if len(picked) >= num_models:
                break
            if e not in picked:
                picked.append(e)
        reg = self.registry
        members = tuple(
            replace(
                first,
                model=reg.get(e.model_id),
                estimate=e,
                alternatives=tuple(x for x in pool if x is not e),
                notes=(f"Council member {i + 1} of {len(picked)}.",),
            )
            for i, e in enumerate(picked)
        )
        provs = [e.provider for e in picked]
        distinct = len(set(provs))
        avail = len({e.provider for e in pool})
        if diversity == "providers":
            why = (
                f"{len(picked)} models from {distinct} providers ({', '.join(provs)}): the best "
                f"of each provider by {first.strategy} first, so one vendor's outage or blind "
                f"spot does not sink the council"
            )
            if distinct < len(picked):
                why += f"; only {avail} providers qualify, so some repeat"
        else:
            why = f"the top {len(picked)} models by {first.strategy} ({distinct} providers)"
        if len(picked) < num_models:
            why += f"; only {len(picked)} models qualify (asked for {num_models})"
        return Council(str(TaskType(task_type)), members, diversity, why + ".")

    @accepts_db
    def resolve_arm(
        self,
        arm: str,
        task_type: str,
        store: ParquetStore | None = None,
        prompt: str | None = None,
        *,
        now: dt.datetime | None = None,
    ) -> tuple[str, RoutingDecision | None]:
        """The model an A/B arm or campaign entry stands for: ``(model_id, decision)``.

        An arm is a fixed model id (or alias), or a routing policy ``router:<strategy>``
        (e.g. ``router:balanced``) that this router resolves per request; the A/B layer
        stores the arm as an opaque id and never imports the router. The decision is None
        for a fixed model.
        """
        if not isinstance(arm, str) or not arm.strip():
            raise ValidationError("arm", arm, "give a model id or a policy 'router:<strategy>'")
        if arm.startswith(POLICY_PREFIX):
            d = self.route(
                task_type, arm[len(POLICY_PREFIX) :], store=store, prompt=prompt, now=now
            )
            return d.id, d
        return self.registry.resolve(arm), None


def policy_id(strategy: str) -> str:
    """The opaque arm id of a routing policy: ``policy_id("balanced") == "router:balanced"``."""
    return POLICY_PREFIX + parse_strategy(strategy)


def _utc_us(now: dt.datetime) -> int:
    if not isinstance(now, dt.datetime) or now.tzinfo is None:
        raise ValidationError("now", now, "pass a timezone-aware datetime (UTC)")
    return int(now.timestamp() * 1_000_000)


_default: ModelRouter | None = None
_default_lock = threading.Lock()


def get_model_router() -> ModelRouter:
    """The process-wide router (the spec's singleton), on the process-wide registry."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = ModelRouter()
    return _default

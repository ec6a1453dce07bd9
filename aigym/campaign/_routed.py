"""Routed campaigns and routing-policy A/B arms: a model entry may be a policy, not a model.

A campaign entry ``router:<strategy>`` in `models` (``router:balanced``) is a routing policy:
for each prompt the router picks one of the spec's `candidates` (campaign model entries such
as ``replay/openai/gpt-4-1106-preview``) and the call goes there; the row's `model_id` is
the chosen model and its metadata holds ``routing`` (the decision's `to_dict()`, with the
policy id). This is the smallest API that fits what exists: the same opaque id an A/B arm
uses, in the list a spec already has, so a spec file routes as easily as Python does, and
`run_campaign(spec, router=...)` passes a configured router (per-prompt routers, config).

Decisions are made once per prompt before any call (every repeat of a prompt goes to the
same model), from the store's history as it stands when the run starts: a run does not
chase its own rows. The request key names the policy, not the chosen model, so a resumed
run never calls a prompt twice because the history moved the choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aigym.abtest import ABTestManager, get_ab_test_manager
from aigym.campaign._prompts import PromptItem
from aigym.campaign._routes import ModelRoute
from aigym.errors import ValidationError
from aigym.registry import ModelRegistry
from aigym.router import POLICY_PREFIX, ModelRouter, RoutingDecision, get_model_router
from aigym.store import ParquetStore

__all__ = [
    "ABServing",
    "RoutedPick",
    "candidate_routes",
    "route_prompts",
    "serve_ab_unit",
    "split_policies",
]


@dataclass(frozen=True, slots=True)
class RoutedPick:
    """One prompt's routing: the route the call goes to and the decision, as stored."""

    route: int  # index into the plan's routes
    routing: dict[str, Any]  # `RoutingDecision.to_dict()` plus the policy id


def split_policies(entries: Sequence[str]) -> tuple[list[str], list[str]]:
    """(model entries, policy entries ``router:<strategy>``), each in spec order."""
    models = [e for e in entries if not e.startswith(POLICY_PREFIX)]
    return models, [e for e in entries if e.startswith(POLICY_PREFIX)]


def route_prompts(
    policies: Sequence[str],
    prompts: Sequence[PromptItem],
    routes: Sequence[ModelRoute],
    candidates: Sequence[int],
    store: ParquetStore,
    registry: ModelRegistry,
    router: ModelRouter | None = None,
) -> dict[str, list[RoutedPick]]:
    """Per policy, one pick per prompt among the `candidates` (indices into `routes`).

    Without `router`, a `ModelRouter` on the candidates' models (history from `store`);
    with one, its own pool minus every model that is not a candidate.
    """
    if policies and not candidates:
        raise ValidationError(
            "candidates", [], "a routed campaign needs the models the router may choose from, "
            'e.g. candidates=["openai/gpt-4o", "anthropic/claude-3-haiku"]',
        )  # fmt: skip
    by_id = {routes[i].model_id: i for i in candidates}
    ids = sorted(by_id)
    if router is None:
        router = ModelRouter(registry, models=ids)
        exclude: tuple[str, ...] = ()
    else:
        exclude = tuple(m.id for m in router.registry.get_all_models() if m.id not in by_id)
    out: dict[str, list[RoutedPick]] = {}
    for policy in policies:
        strategy = policy[len(POLICY_PREFIX) :]
        picks: list[RoutedPick] = []
        for it in prompts:
            d = router.route(it.task_type, strategy, store=store, exclude=exclude, prompt=it.prompt)
            picks.append(RoutedPick(by_id[d.id], {"policy": policy, **d.to_dict()}))
        out[policy] = picks
    return out


def candidate_routes(
    fixed: Sequence[ModelRoute], candidates: Sequence[ModelRoute]
) -> tuple[tuple[ModelRoute, ...], list[int]]:
    """All routes (the fixed ones first, then candidates not among them) and the candidates'
    indices: a candidate that is also a fixed model shares its route."""
    routes = list(fixed)
    where: list[int] = []
    for c in candidates:
        key = (c.model_id, c.endpoint)
        same = [i for i, r in enumerate(routes) if (r.model_id, r.endpoint) == key]
        if same:
            where.append(same[0])
        else:
            routes.append(c)
            where.append(len(routes) - 1)
    return tuple(routes), where


@dataclass(frozen=True, slots=True)
class ABServing:
    """Which model serves one A/B unit: its variant, the arm (a model or a policy id), the
    model that serves it and, for a policy arm, the router's decision."""

    variant: str
    arm: str
    model_id: str
    decision: RoutingDecision | None


def serve_ab_unit(
    store: ParquetStore,
    test_name: str,
    unit_id: str | None = None,
    *,
    prompt: str | None = None,
    router: ModelRouter | None = None,
    manager: ABTestManager | None = None,
) -> ABServing:
    """Assign a unit (sticky, logged by the A/B manager) and resolve its arm to a model.

    A policy arm (``router:balanced``) is routed for the test's task by `router` (default
    the process-wide one) on `store`'s history and, with `prompt`, per prompt. Record the
    result with ``manager.record_variant_result(..., model_id=serving.model_id)``.
    """
    mgr = manager if manager is not None else get_ab_test_manager()
    info = mgr.get_test(store, test_name)
    variant, arm = mgr.assign_variant(store, test_name, unit_id=unit_id)
    rt = router if router is not None else get_model_router()
    model, decision = rt.resolve_arm(arm, info.config.task_type, store=store, prompt=prompt)
    return ABServing(variant, arm, model, decision)

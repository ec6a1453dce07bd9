"""From a spec's model entries to (registry model, endpoint, provider-side name) and providers.

An entry is a registry id or alias (`local/smollm2-135m`, `gpt-4o-mini`: called at the
provider its id names) or `endpoint/<registry id>` to route through another endpoint
(`openrouter/anthropic/claude-3.5-sonnet`). Rows always record the canonical registry id in
`model_id` and the endpoint in `provider`, so the same model reached two ways compares cleanly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from aigym.campaign._spec import CampaignSpec
from aigym.errors import UnknownModelError, ValidationError
from aigym.outcomes import ReplayProvider  # noqa: F401  (importing it registers replay/)
from aigym.providers import (
    LocalProvider,
    Provider,
    ProviderRegistry,
    RetryPolicy,
    split_model_id,
)
from aigym.registry import ModelRegistry, ModelSpec

__all__ = [
    "LOCAL_CONCURRENCY",
    "ModelRoute",
    "apply_spec_to_registries",
    "build_providers",
    "resolve_routes",
    "route_limit",
]

#: Default concurrent calls per local model. One: on a small machine a second slot makes
#: llama.cpp's threads contend (slower overall, and each call's latency is inflated).
LOCAL_CONCURRENCY: Final = 1
_UNUSED_URL: Final = "http://127.0.0.1:9/v1"  # discard port: a planning-only provider never calls


@dataclass(frozen=True, slots=True)
class ModelRoute:
    """One model of a campaign and how it is reached."""

    entry: str  # as written in the spec
    model_id: str  # canonical registry id (recorded in every row)
    endpoint: str  # provider name in the ProviderRegistry (recorded as `provider`)
    provider_model: str  # the model name sent to the endpoint
    spec: ModelSpec  # prices for the budget and the cost of each call


def apply_spec_to_registries(
    spec: CampaignSpec, models: ModelRegistry, providers: ProviderRegistry
) -> None:
    """Register the spec's endpoints (`providers.X.base_url`) and prices (`prices`)."""
    for name, opts in spec.providers.items():
        if "base_url" in opts:
            rest = _factory_options(name, {k: v for k, v in opts.items() if k != "base_url"})
            key_env = rest.pop("api_key_env", None)
            try:
                providers.register_endpoint(
                    name, str(opts["base_url"]), api_key_env=key_env, replace=True, **rest
                )
            except TypeError as e:
                raise ValidationError(f"providers.{name}", opts, f"unknown option ({e})") from None
    source = f"campaign:{spec.name}"
    for model_id, (p_in, p_out) in spec.price_table.items():
        if model_id in models:
            models.set_price(model_id, p_in, p_out, source=source)
            continue
        endpoint, _ = split_model_id(model_id)
        models.register(
            ModelSpec(
                id=model_id,
                name=model_id,
                provider=endpoint,
                input_price_per_mtok=p_in,
                output_price_per_mtok=p_out,
                context_window=131_072,
                max_output_tokens=32_768,
                price_source=source,
            )
        )


def _factory_options(name: str, opts: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(opts)
    if "max_retries" in out:
        n = out.pop("max_retries")
        out["retry"] = RetryPolicy(max_retries=n)
    return out


def resolve_routes(
    entries: Iterable[str], models: ModelRegistry, providers: ProviderRegistry
) -> tuple[ModelRoute, ...]:
    """Routes for the spec's model entries; unknown models and endpoints fail here, early."""
    routes: list[ModelRoute] = []
    for entry in entries:
        route = _route(entry, models, providers)
        for r in routes:
            if (r.model_id, r.endpoint) == (route.model_id, route.endpoint):
                raise ValidationError(
                    "models", entry, f"names the same model as {r.entry!r}: list it once"
                )
        routes.append(route)
    return tuple(routes)


def _route(entry: str, models: ModelRegistry, providers: ProviderRegistry) -> ModelRoute:
    if entry in models:
        spec = models.get(entry)
        endpoint, name = split_model_id(spec.id)
        if endpoint not in providers:
            raise ValidationError(
                "models",
                entry,
                f"no endpoint named {endpoint!r}: route it through OpenRouter as "
                f"'openrouter/{spec.id}', or add [providers.{endpoint}] with a base_url",
            )
        return ModelRoute(entry, spec.id, endpoint, name, spec)
    try:
        endpoint, rest = split_model_id(entry)
    except ValidationError:
        raise _unknown(entry, models) from None
    if endpoint not in providers:
        raise _unknown(entry, models)
    try:
        spec = models.get(rest)
    except UnknownModelError as e:
        raise UnknownModelError(
            entry, [s if s.startswith(f"{endpoint}/") else f"{endpoint}/{s}" for s in e.suggestions]
        ) from None
    # OpenRouter names models by registry-style ids; other endpoints get the name as written.
    name = spec.id if endpoint == "openrouter" else rest
    return ModelRoute(entry, spec.id, endpoint, name, spec)


def _unknown(entry: str, models: ModelRegistry) -> UnknownModelError:
    """The registry's own error for `entry`, with its suggestions."""
    try:
        models.get(entry)
    except UnknownModelError as e:
        return e
    return UnknownModelError(entry)


def local_concurrency(spec: CampaignSpec) -> int:
    """Concurrent calls per local model (also the slots a campaign's own server gets)."""
    return min(spec.model_concurrency or LOCAL_CONCURRENCY, spec.concurrency)


def route_limit(route: ModelRoute, spec: CampaignSpec, local_slots: int | None = None) -> int:
    """Concurrent calls allowed for one model (local ones: at most the server's slots)."""
    if route.endpoint == "local":
        n = local_concurrency(spec)
        return n if local_slots is None else max(1, min(n, local_slots))
    return min(spec.model_concurrency or spec.concurrency, spec.concurrency)


def build_providers(
    routes: Iterable[ModelRoute],
    spec: CampaignSpec,
    registry: ProviderRegistry,
    given: Mapping[str, Provider],
    *,
    local_urls: Mapping[str, str] | None = None,
) -> dict[str, Provider]:
    """One provider per endpoint: the caller's if given, else one made from the registry.

    Without `local_urls` the local provider is a planning-only stand-in (it renders requests
    for the budget bound; it is never called).
    """
    out: dict[str, Provider] = {}
    routes = list(routes)
    for endpoint in dict.fromkeys(r.endpoint for r in routes):
        if endpoint in given:
            out[endpoint] = given[endpoint]
            continue
        opts = spec.providers.get(endpoint, {})
        kwargs = _factory_options(
            endpoint,
            {k: v for k, v in opts.items() if k not in ("base_url", "api_key_env")},
        )
        if endpoint == "local":
            local = [r.provider_model for r in routes if r.endpoint == "local"]
            urls = dict(local_urls) if local_urls else {m: _UNUSED_URL for m in local}
            kwargs.setdefault("max_concurrency", local_concurrency(spec) * len(local))
            out[endpoint] = _create(LocalProvider, endpoint, base_urls=urls, **kwargs)
        else:
            kwargs.setdefault("max_concurrency", spec.concurrency)
            out[endpoint] = _create(registry.create, endpoint, endpoint, **kwargs)
    return out


def _create(make: Callable[..., Provider], endpoint: str, *args: Any, **kwargs: Any) -> Provider:
    try:
        provider = make(*args, **kwargs)
    except TypeError as e:
        raise ValidationError(
            f"providers.{endpoint}", endpoint, f"unknown provider option ({e})"
        ) from None
    return provider

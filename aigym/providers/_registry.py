"""`provider/model` ids and the small table that turns a provider name into a provider.

A model id's provider part is everything before the first '/', so OpenRouter's own
`vendor/model` names survive: `openrouter/anthropic/claude-3.5-sonnet` is provider
`openrouter`, model `anthropic/claude-3.5-sonnet`. The registry maps names to factories
(keyword overrides pass through), which is all the campaign layer needs: it creates one
provider per name and shares it, so each provider's concurrency limit is a real limit.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable
from typing import Any

from aigym.errors import ValidationError
from aigym.providers._anthropic import AnthropicProvider
from aigym.providers._base import Provider
from aigym.providers._local import LocalProvider
from aigym.providers._openai import OpenAICompatibleProvider

__all__ = ["ProviderFactory", "ProviderRegistry", "register_default_provider", "split_model_id"]

ProviderFactory = Callable[..., Provider]
_NAME = re.compile(r"[a-z0-9][a-z0-9_.\-]*")
#: Providers that higher layers add to every `with_defaults()` registry (e.g. `replay`, from
#: `aigym.outcomes`), so this package never imports them.
_EXTRA_DEFAULTS: dict[str, ProviderFactory] = {}


def register_default_provider(name: str, factory: ProviderFactory) -> None:
    """Add `factory` to every registry made by `ProviderRegistry.with_defaults()` from now on.

    The seam for providers defined above this layer; registering a name twice replaces it.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValidationError(
            "provider name", name, "use lowercase letters, digits, '-', '_' or '.'"
        )
    if not callable(factory):
        raise ValidationError("factory", factory, "give a callable that returns a Provider")
    _EXTRA_DEFAULTS[name] = factory


def split_model_id(model_id: str) -> tuple[str, str]:
    """`'openrouter/meta/llama-3'` -> `('openrouter', 'meta/llama-3')`."""
    if isinstance(model_id, str):
        provider, sep, model = model_id.strip().partition("/")
        if sep and _NAME.fullmatch(provider) and model.strip():
            return provider, model
    raise ValidationError(
        "model_id",
        model_id,
        "use 'provider/model', e.g. 'openai/gpt-4o-mini' or 'local/smollm2-135m'",
    )


class ProviderRegistry:
    """Provider name -> factory. `ProviderRegistry.with_defaults()` knows the usual ones."""

    def __init__(self) -> None:
        self._factories: dict[str, ProviderFactory] = {}

    @classmethod
    def with_defaults(cls) -> ProviderRegistry:
        """openai, openrouter, anthropic, local (needs `base_urls=`), ollama, vllm, plus any
        added with `register_default_provider` (`replay` once `aigym.outcomes` is imported)."""
        reg = cls()
        reg.register(
            "openai",
            functools.partial(
                OpenAICompatibleProvider,
                name="openai",
                base_url="https://api.openai.com/v1",
                api_key_env="OPENAI_API_KEY",
                max_tokens_field="max_completion_tokens",
            ),
        )
        reg.register_endpoint(
            "openrouter", "https://openrouter.ai/api/v1", api_key_env="OPENROUTER_API_KEY"
        )
        reg.register("anthropic", functools.partial(AnthropicProvider, name="anthropic"))
        reg.register("local", functools.partial(LocalProvider, name="local"))
        reg.register_endpoint("ollama", "http://127.0.0.1:11434/v1")
        reg.register_endpoint("vllm", "http://127.0.0.1:8000/v1")
        for name, factory in _EXTRA_DEFAULTS.items():
            reg.register(name, factory, replace=True)
        return reg

    def register(self, name: str, factory: ProviderFactory, *, replace: bool = False) -> None:
        """Add `factory` under `name` (a factory takes keyword overrides, returns a Provider)."""
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValidationError(
                "provider name", name, "use lowercase letters, digits, '-', '_' or '.'"
            )
        if not callable(factory):
            raise ValidationError("factory", factory, "give a callable that returns a Provider")
        if name in self._factories and not replace:
            raise ValidationError(
                "provider name", name, "already registered: pass replace=True to override"
            )
        self._factories[name] = factory

    def register_endpoint(
        self,
        name: str,
        base_url: str,
        *,
        api_key_env: str | None = None,
        replace: bool = False,
        **defaults: Any,
    ) -> None:
        """Register a user-named OpenAI-compatible endpoint (vLLM, a gateway, a proxy)."""
        # Build one now so a bad base_url or key name fails at registration, not mid-campaign.
        OpenAICompatibleProvider(name, base_url=base_url, api_key_env=api_key_env, **defaults)
        factory = functools.partial(
            OpenAICompatibleProvider,
            name=name,
            base_url=base_url,
            api_key_env=api_key_env,
            **defaults,
        )
        self.register(name, factory, replace=replace)

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._factories))

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    def create(self, name: str, **overrides: Any) -> Provider:
        """A new provider for `name`; `overrides` go to its factory (e.g. `transport=`)."""
        factory = self._factories.get(name)
        if factory is None:
            close = difflib.get_close_matches(str(name), self._factories, n=3)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise ValidationError(
                "provider",
                name,
                f"{hint}known providers: {', '.join(self.names()) or 'none'}; add one with "
                "ProviderRegistry.register_endpoint(name, base_url, api_key_env=...)",
            )
        provider = factory(**overrides)
        if not isinstance(provider, Provider):
            raise ValidationError("factory", name, "the factory must return a Provider")
        return provider

    def __repr__(self) -> str:
        return f"ProviderRegistry({list(self.names())})"

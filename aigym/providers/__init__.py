"""Model endpoints behind one small interface: `complete(request) -> Completion`.

::

    from aigym.providers import CompletionRequest, ProviderRegistry, split_model_id

    registry = ProviderRegistry.with_defaults()
    name, model = split_model_id("openrouter/anthropic/claude-3.5-sonnet")
    provider = registry.create(name)           # key read from $OPENROUTER_API_KEY per request
    done = provider.complete(CompletionRequest(model, max_tokens=64, messages=[...]))
    done.text, done.prompt_tokens, done.completion_tokens, done.cost_usd, done.latency_ms

Every failure is a `ProviderCallError` subclass (an `aigym.errors.ProviderError`) carrying
`error_type`, `http_status`, `attempts`, `retriable` and `may_have_been_processed`; no raw
httpx or JSON exception escapes and no API key appears in any message, repr or record.
`LocalModelServer` runs two tiny real models (llama.cpp) for offline bake-offs and tests;
`aigym.providers.testing` has a fault-injecting loopback server.
"""

from aigym.providers._anthropic import ANTHROPIC_VERSION, AnthropicProvider
from aigym.providers._base import Provider
from aigym.providers._errors import (
    AuthenticationError,
    BadRequestError,
    LocalServerError,
    MalformedResponseError,
    ProviderCallError,
    ProviderConnectionError,
    ProviderTimeoutError,
    RateLimitError,
    ServerError,
)
from aigym.providers._http import HTTPProvider
from aigym.providers._local import (
    FEW_SHOT_PREAMBLE,
    FEW_SHOT_STOP,
    INSTALL_HINT,
    LOCAL_MODELS,
    LocalModel,
    LocalModelServer,
    LocalProvider,
    local_models_available,
    missing_local_packages,
    render_few_shot,
)
from aigym.providers._openai import OpenAICompatibleProvider
from aigym.providers._registry import (
    ProviderFactory,
    ProviderRegistry,
    register_default_provider,
    split_model_id,
)
from aigym.providers._retry import RetryPolicy, parse_retry_after
from aigym.providers._secrets import EnvKey, scrub
from aigym.providers._types import Completion, CompletionRequest, Message

__all__ = [
    "ANTHROPIC_VERSION",
    "FEW_SHOT_PREAMBLE",
    "FEW_SHOT_STOP",
    "INSTALL_HINT",
    "LOCAL_MODELS",
    "AnthropicProvider",
    "AuthenticationError",
    "BadRequestError",
    "Completion",
    "CompletionRequest",
    "EnvKey",
    "HTTPProvider",
    "LocalModel",
    "LocalModelServer",
    "LocalProvider",
    "LocalServerError",
    "MalformedResponseError",
    "Message",
    "OpenAICompatibleProvider",
    "Provider",
    "ProviderCallError",
    "ProviderConnectionError",
    "ProviderFactory",
    "ProviderRegistry",
    "ProviderTimeoutError",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "local_models_available",
    "missing_local_packages",
    "parse_retry_after",
    "register_default_provider",
    "render_few_shot",
    "scrub",
    "split_model_id",
]

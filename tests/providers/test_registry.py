"""`provider/model` ids and the provider registry."""

from __future__ import annotations

import httpx
import pytest

from aigym.errors import ValidationError
from aigym.providers import (
    AnthropicProvider,
    LocalProvider,
    OpenAICompatibleProvider,
    ProviderRegistry,
    split_model_id,
)


@pytest.mark.parametrize(
    "model_id, expected",
    [
        ("openai/gpt-4o-mini", ("openai", "gpt-4o-mini")),
        ("openrouter/anthropic/claude-3.5-sonnet", ("openrouter", "anthropic/claude-3.5-sonnet")),
        ("local/smollm2-135m", ("local", "smollm2-135m")),
        ("my-vllm/Qwen/Qwen2.5-7B", ("my-vllm", "Qwen/Qwen2.5-7B")),
    ],
)
def test_split_model_id(model_id: str, expected: tuple[str, str]) -> None:
    assert split_model_id(model_id) == expected


@pytest.mark.parametrize("bad", ["gpt-4o", "/gpt", "openai/", "Open AI/x", "", None])
def test_split_model_id_rejects(bad: object) -> None:
    with pytest.raises(ValidationError):
        split_model_id(bad)  # type: ignore[arg-type]


def test_defaults_know_the_usual_providers() -> None:
    import aigym.outcomes  # noqa: F401  (a layer above registers replay/ through the hook)

    reg = ProviderRegistry.with_defaults()
    assert reg.names() == (
        "anthropic", "local", "ollama", "openai", "openrouter", "replay", "vllm"
    )  # fmt: skip
    openai = reg.create("openai")
    assert isinstance(openai, OpenAICompatibleProvider)
    assert openai.max_tokens_field == "max_completion_tokens"
    assert openai.api_key_env == "OPENAI_API_KEY"
    router = reg.create("openrouter")
    assert isinstance(router, OpenAICompatibleProvider)
    assert router.base_url == "https://openrouter.ai/api/v1"
    assert router.api_key_env == "OPENROUTER_API_KEY"
    assert isinstance(reg.create("anthropic"), AnthropicProvider)
    local = reg.create("local", base_urls={"local/smollm2-135m": "http://127.0.0.1:1/v1"})
    assert isinstance(local, LocalProvider) and local.url_for("smollm2-135m").endswith(":1/v1")


def test_overrides_reach_the_factory() -> None:
    reg = ProviderRegistry.with_defaults()
    transport = httpx.MockTransport(lambda r: httpx.Response(500))
    p = reg.create("openai", transport=transport, max_concurrency=3, api_key_env="MY_KEY")
    assert isinstance(p, OpenAICompatibleProvider)
    assert p.max_concurrency == 3 and p.api_key_env == "MY_KEY"


def test_user_named_endpoint() -> None:
    reg = ProviderRegistry()
    reg.register_endpoint("my-vllm", "http://10.0.0.5:8000/v1/", api_key_env="VLLM_KEY")
    p = reg.create("my-vllm")
    assert isinstance(p, OpenAICompatibleProvider)
    assert p.name == "my-vllm" and p.base_url == "http://10.0.0.5:8000/v1"
    with pytest.raises(ValidationError, match="already registered"):
        reg.register_endpoint("my-vllm", "http://x/v1")
    reg.register_endpoint("my-vllm", "http://x/v1", replace=True)


def test_bad_registrations_fail_at_registration() -> None:
    reg = ProviderRegistry()
    with pytest.raises(ValidationError):
        reg.register_endpoint("x", "ftp://host/v1")
    with pytest.raises(ValidationError):
        reg.register_endpoint("x", "https://host/v1?key=abc")
    with pytest.raises(ValidationError):
        reg.register_endpoint("x", "https://host/v1", api_key_env="sk-live-123")
    with pytest.raises(ValidationError):
        reg.register("Bad Name", lambda: None)  # type: ignore[arg-type,return-value]


def test_unknown_provider_suggests() -> None:
    reg = ProviderRegistry.with_defaults()
    with pytest.raises(ValidationError, match="did you mean openai"):
        reg.create("opneai")


def test_local_needs_base_urls() -> None:
    with pytest.raises(TypeError):
        ProviderRegistry.with_defaults().create("local")

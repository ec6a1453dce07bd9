"""Endpoints that cannot be reached from here, replayed from their documented shapes.

OpenAI, OpenRouter and Anthropic answers (success and error bodies as their API references show
them) go through `httpx.MockTransport`; the requests we send are checked on the way out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aigym.providers import (
    ANTHROPIC_VERSION,
    AnthropicProvider,
    AuthenticationError,
    CompletionRequest,
    Provider,
    ProviderCallError,
    ProviderConnectionError,
    ProviderRegistry,
    ProviderTimeoutError,
    RateLimitError,
    RetryPolicy,
    ServerError,
)

from .conftest import FAST, KEY_ENV

OPENAI_CHAT = {
    "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
    "object": "chat.completion",
    "created": 1741569952,
    "model": "gpt-4.1-2025-04-14",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Hello! How can I assist you today?",
                "refusal": None,
                "annotations": [],
            },
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {
        "prompt_tokens": 19,
        "completion_tokens": 10,
        "total_tokens": 29,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    },
    "service_tier": "default",
}
OPENAI_429 = {
    "error": {
        "message": "Rate limit reached for gpt-4o-mini in organization org-abc on requests per "
        "min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
}
OPENAI_401 = {
    "error": {
        "message": "Incorrect API key provided: sk-proj-0123456789abcdefghijklmnop. You can "
        "find your API key at https://platform.openai.com/account/api-keys.",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
}
OPENROUTER_CHAT = {
    "id": "gen-1735000000-abcdef",
    "provider": "Anthropic",
    "model": "anthropic/claude-3.5-sonnet",
    "object": "chat.completion",
    "created": 1735000000,
    "choices": [
        {
            "logprobs": None,
            "finish_reason": "stop",
            "native_finish_reason": "end_turn",
            "index": 0,
            "message": {"role": "assistant", "content": "Hi there!", "refusal": None},
        }
    ],
    "usage": {
        "prompt_tokens": 14,
        "completion_tokens": 4,
        "total_tokens": 18,
        "cost": 0.000102,
        "is_byok": False,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    },
}
ANTHROPIC_MESSAGE = {
    "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
    "type": "message",
    "role": "assistant",
    "model": "claude-3-5-sonnet-20241022",
    "content": [
        {"type": "text", "text": "Hi! "},
        {"type": "tool_use", "id": "toolu_1", "name": "noop", "input": {}},
        {"type": "text", "text": "My name is Claude."},
    ],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 2095,
        "output_tokens": 503,
        "cache_creation_input_tokens": 10,
        "cache_read_input_tokens": 5,
    },
}
ANTHROPIC_529 = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}

Handler = Callable[[httpx.Request], httpx.Response]


class Replay:
    """A MockTransport handler that answers from a list and keeps what it was sent."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def body(self, i: int = -1) -> Any:
        return json.loads(self.sent[i].content)


def _provider(name: str, replay: Replay, **kw: Any) -> Provider:
    kw.setdefault("retry", FAST)
    return ProviderRegistry.with_defaults().create(
        name, transport=httpx.MockTransport(replay), api_key_env=KEY_ENV, **kw
    )


def _req(**kw: Any) -> CompletionRequest:
    kw.setdefault("max_tokens", 64)
    kw.setdefault(
        "messages",
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}],
    )
    return CompletionRequest(kw.pop("model", "gpt-4.1"), **kw)


def test_openai_chat(canary: str) -> None:
    replay = Replay(httpx.Response(200, json=OPENAI_CHAT, headers={"x-request-id": "req_1"}))
    done = _provider("openai", replay).complete(_req(temperature=0.2, seed=3, stop=["END"]))
    assert done.text == "Hello! How can I assist you today?"
    assert (done.prompt_tokens, done.completion_tokens, done.finish_reason) == (19, 10, "stop")
    assert done.model == "gpt-4.1-2025-04-14" and done.provider == "openai"
    assert done.cost_usd is None and done.usage["prompt_tokens_details"]["cached_tokens"] == 0
    sent = replay.sent[0]
    assert str(sent.url) == "https://api.openai.com/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {canary}"
    assert replay.body() == {
        "model": "gpt-4.1",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hello"},
        ],
        "max_completion_tokens": 64,
        "temperature": 0.2,
        "seed": 3,
        "stop": ["END"],
    }


def test_openai_429_then_success(canary: str) -> None:
    replay = Replay(
        httpx.Response(429, json=OPENAI_429, headers={"retry-after-ms": "10"}),
        httpx.Response(200, json=OPENAI_CHAT),
    )
    done = _provider("openai", replay).complete(_req())
    assert done.attempts == 2


def test_openai_429_message_is_kept(canary: str) -> None:
    replay = Replay(httpx.Response(429, json=OPENAI_429))
    with pytest.raises(RateLimitError) as info:
        _provider("openai", replay).complete(_req())
    assert "requests/rate_limit_exceeded: Rate limit reached" in info.value.detail
    assert info.value.attempts == 3


def test_openai_401_echoing_a_key_is_scrubbed(canary: str) -> None:
    replay = Replay(httpx.Response(401, json=OPENAI_401))
    with pytest.raises(AuthenticationError) as info:
        _provider("openai", replay).complete(_req())
    assert "sk-proj-0123456789" not in str(info.value) and "invalid_api_key" in str(info.value)


def test_openrouter_cost_and_vendor_model(canary: str) -> None:
    replay = Replay(httpx.Response(200, json=OPENROUTER_CHAT))
    done = _provider("openrouter", replay).complete(_req(model="anthropic/claude-3.5-sonnet"))
    assert done.cost_usd == pytest.approx(0.000102)
    assert (
        done.model == "anthropic/claude-3.5-sonnet" and done.response_id == "gen-1735000000-abcdef"
    )
    assert str(replay.sent[0].url) == "https://openrouter.ai/api/v1/chat/completions"
    assert replay.body()["max_tokens"] == 64


def test_openrouter_error_inside_200(canary: str) -> None:
    err = {"error": {"code": 502, "message": "Provider returned error", "metadata": {}}}
    replay = Replay(httpx.Response(200, json=err), httpx.Response(200, json=OPENROUTER_CHAT))
    assert _provider("openrouter", replay).complete(_req()).attempts == 2


def test_anthropic_messages(canary: str) -> None:
    replay = Replay(httpx.Response(200, json=ANTHROPIC_MESSAGE, headers={"request-id": "r1"}))
    done = _provider("anthropic", replay).complete(
        _req(model="claude-3-5-sonnet-latest", temperature=0, seed=1, stop="###")
    )
    assert done.text == "Hi! My name is Claude."
    assert done.prompt_tokens == 2095 + 10 + 5 and done.completion_tokens == 503
    assert done.finish_reason == "end_turn" and done.api_version == ANTHROPIC_VERSION
    sent = replay.sent[0]
    assert str(sent.url) == "https://api.anthropic.com/v1/messages"
    assert sent.headers["x-api-key"] == canary and "authorization" not in sent.headers
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert replay.body() == {
        "model": "claude-3-5-sonnet-latest",
        "max_tokens": 64,
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "Hello"}],
        "temperature": 0,
        "stop_sequences": ["###"],
    }  # no seed: the Messages API has none


def test_anthropic_overloaded_is_retried(canary: str) -> None:
    replay = Replay(httpx.Response(529, json=ANTHROPIC_529))
    with pytest.raises(ServerError) as info:
        _provider("anthropic", replay).complete(_req())
    err = info.value
    assert err.attempts == 3 and "overloaded_error: Overloaded" in err.detail
    assert not err.may_have_been_processed


def test_anthropic_plain_prompt_is_one_user_turn(canary: str) -> None:
    replay = Replay(httpx.Response(200, json=ANTHROPIC_MESSAGE))
    AnthropicProvider(transport=httpx.MockTransport(replay), api_key_env=KEY_ENV).complete(
        CompletionRequest("claude", max_tokens=5, prompt="Continue: 1, 2, 3,")
    )
    assert replay.body()["messages"] == [{"role": "user", "content": "Continue: 1, 2, 3,"}]


@pytest.mark.parametrize(
    "exc, cls, processed",
    [
        (httpx.ConnectTimeout("timed out"), ProviderTimeoutError, False),
        (httpx.ReadTimeout(""), ProviderTimeoutError, True),
        (httpx.RemoteProtocolError("Server disconnected"), ProviderConnectionError, True),
        (httpx.ConnectError("refused: https://h/v1?key=SECRETQ"), ProviderConnectionError, False),
    ],
)
def test_transport_failures(
    canary: str, exc: Exception, cls: type[ProviderCallError], processed: bool
) -> None:
    replay = Replay(exc)
    with pytest.raises(cls) as info:
        _provider("openai", replay, retry=RetryPolicy(max_retries=1, initial_delay=0)).complete(
            _req()
        )
    err = info.value
    assert err.attempts == 2 and err.may_have_been_processed is processed
    assert "SECRETQ" not in str(err) and err.__context__ is None

"""Fixtures for provider tests.

`fault_server` and `local_models` live in `aigym.providers.testing` so other test folders and
benchmarks can reuse them; importing them here registers them for this folder. The local server
is reference-counted, so if tests/conftest.py also registers `local_models` one server is shared.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from aigym.providers import CompletionRequest, OpenAICompatibleProvider, RetryPolicy
from aigym.providers.testing import FaultServer, fault_server, local_models

__all__ = ["fault_server", "local_models"]

KEY_ENV = "AIGYM_TEST_CANARY_KEY"
FAST = RetryPolicy(initial_delay=0.001, max_delay=0.01)


@pytest.fixture
def canary(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A unique fake key in the environment, to search for in everything the client emits."""
    key = f"sk-canary-{uuid.uuid4().hex}"
    monkeypatch.setenv(KEY_ENV, key)
    yield key


@pytest.fixture
def make_provider(
    fault_server: FaultServer, canary: str
) -> Callable[..., OpenAICompatibleProvider]:
    def make(**kwargs: Any) -> OpenAICompatibleProvider:
        kwargs.setdefault("retry", FAST)
        kwargs.setdefault("timeout", 5.0)
        return OpenAICompatibleProvider(
            "fault", base_url=fault_server.base_url, api_key_env=KEY_ENV, **kwargs
        )

    return make


def chat(text: str = "say hello to the test", max_tokens: int = 8, **kw: Any) -> CompletionRequest:
    return CompletionRequest.from_messages(
        "fault-model", [{"role": "user", "content": text}], max_tokens=max_tokens, **kw
    )

"""CompletionRequest validates up front; records are frozen."""

from __future__ import annotations

import dataclasses

import pytest

from aigym.errors import ValidationError
from aigym.providers import Completion, CompletionRequest, Message


def test_chat_request_normalises_messages_and_stop() -> None:
    r = CompletionRequest.from_messages(
        "m", [{"role": "user", "content": "hi"}], max_tokens=5, stop="\n", temperature=0
    )
    assert CompletionRequest("m", 5, messages=r.messages, stop=("\n",), temperature=0) == r
    assert r.messages == (Message("user", "hi"),)
    assert r.stop == ("\n",)
    assert r.is_chat and r.prompt_text() == "user: hi"
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.model = "x"  # type: ignore[misc]


def test_plain_prompt_request() -> None:
    r = CompletionRequest("m", max_tokens=1, prompt="Q: 1+1\nA:")
    assert not r.is_chat and r.prompt_text() == "Q: 1+1\nA:"


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"max_tokens": 0, "prompt": "x"}, "max_tokens"),
        ({"max_tokens": 1.5, "prompt": "x"}, "max_tokens"),
        ({"max_tokens": True, "prompt": "x"}, "max_tokens"),
        ({"max_tokens": 5}, "messages/prompt"),
        (
            {"max_tokens": 5, "prompt": "x", "messages": [{"role": "user", "content": "y"}]},
            "messages/prompt",
        ),
        ({"max_tokens": 5, "messages": []}, "messages"),
        ({"max_tokens": 5, "messages": "hello"}, "messages"),
        ({"max_tokens": 5, "messages": [{"role": "robot", "content": "y"}]}, "message role"),
        ({"max_tokens": 5, "prompt": "x", "temperature": 3}, "temperature"),
        ({"max_tokens": 5, "prompt": "x", "top_p": float("nan")}, "top_p"),
        ({"max_tokens": 5, "prompt": "x", "seed": 1.0}, "seed"),
        ({"max_tokens": 5, "prompt": "x", "stop": [""]}, "stop"),
        ({"max_tokens": 5, "prompt": "x", "extra": [1]}, "extra"),
    ],
)
def test_bad_requests_fail_before_sending(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        CompletionRequest("m", **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_missing_model_name() -> None:
    with pytest.raises(ValidationError):
        CompletionRequest(" ", max_tokens=1, prompt="x")


def test_completion_is_frozen_and_totals() -> None:
    c = Completion("t", "stop", 3, 4, "m", "p")
    assert c.total_tokens == 7 and c.attempts == 1 and c.cost_usd is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.text = "x"  # type: ignore[misc]

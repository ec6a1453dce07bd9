"""What goes into a provider call and what comes out of it.

Both records are frozen so a campaign can keep them, hash them into cache keys by field and
compare runs without defensive copies. `CompletionRequest` validates at construction: a bad
request is a caller bug and fails before anything is sent (and billed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from aigym.errors import ValidationError

__all__ = ["ROLES", "Completion", "CompletionRequest", "Message"]

ROLES: Final = ("system", "developer", "user", "assistant")


@dataclass(frozen=True, slots=True)
class Message:
    """One chat turn."""

    role: str
    content: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValidationError("message role", self.role, f"use one of {', '.join(ROLES)}")
        if not isinstance(self.content, str):
            raise ValidationError("message content", self.content, "give the text as a str")

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


def _message(m: object) -> Message:
    if isinstance(m, Message):
        return m
    if isinstance(m, Mapping) and set(m) >= {"role", "content"}:
        return Message(str(m["role"]), m["content"])
    raise ValidationError(
        "messages", m, "give Message(role, content) or {'role': ..., 'content': ...} items"
    )


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    """One model call, provider-neutral.

    Give `messages` for a chat model or `prompt` for a plain completion (base models without
    a chat template). `model` is the provider-side name (`gpt-4o-mini`, not
    `openai/gpt-4o-mini`). `max_tokens` is required because an unbounded generation is the
    one request that can silently cost a lot (a local server runs until its context is full).
    `extra` is merged into the JSON body last, for provider-specific parameters.
    `from_messages` / `from_prompt` are the typed constructors; the plain constructor also
    accepts dict messages and a str or list `stop`, normalised to tuples.
    """

    model: str
    max_tokens: int
    messages: tuple[Message, ...] | None = None
    prompt: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None
    stop: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.model, str) or not self.model.strip():
            raise ValidationError("model", self.model, "give the provider-side model name")
        mt = self.max_tokens
        if isinstance(mt, bool) or not isinstance(mt, int) or mt < 1:
            raise ValidationError("max_tokens", mt, "give a whole number >= 1 (always sent)")
        if (self.messages is None) == (self.prompt is None):
            raise ValidationError(
                "messages/prompt",
                (self.messages, self.prompt),
                "give exactly one: messages for chat models, prompt for plain completions",
            )
        if self.messages is not None:
            if isinstance(self.messages, (str, bytes)) or not isinstance(self.messages, Sequence):
                raise ValidationError("messages", self.messages, "give a list of messages")
            msgs = tuple(_message(m) for m in self.messages)
            if not msgs:
                raise ValidationError("messages", self.messages, "give at least one message")
            object.__setattr__(self, "messages", msgs)
        if self.prompt is not None and not isinstance(self.prompt, str):
            raise ValidationError("prompt", self.prompt, "give the prompt text as a str")
        for name, lo, hi in (("temperature", 0.0, 2.0), ("top_p", 0.0, 1.0)):
            v = getattr(self, name)
            if v is not None and (
                isinstance(v, bool)
                or not isinstance(v, (int, float))
                or not math.isfinite(v)
                or not lo <= v <= hi
            ):
                raise ValidationError(name, v, f"give a number from {lo:g} to {hi:g}, or None")
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int)
        ):
            raise ValidationError("seed", self.seed, "give an int or None")
        stop: object = self.stop
        if isinstance(stop, str):
            stop = (stop,)
        if not isinstance(stop, Sequence) or not all(isinstance(s, str) and s for s in stop):
            raise ValidationError("stop", self.stop, "give a string or a list of non-empty strings")
        object.__setattr__(self, "stop", tuple(stop))
        if not isinstance(self.extra, Mapping):
            raise ValidationError("extra", self.extra, "give a dict of extra body parameters")
        object.__setattr__(self, "extra", dict(self.extra))

    @classmethod
    def from_messages(
        cls,
        model: str,
        messages: Sequence[Message | Mapping[str, str]],
        *,
        max_tokens: int,
        temperature: float | None = None,
        top_p: float | None = None,
        seed: int | None = None,
        stop: str | Sequence[str] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> CompletionRequest:
        """A chat request; messages may be `Message`s or `{'role', 'content'}` dicts."""
        if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
            raise ValidationError("messages", messages, "give a list of messages")
        return cls(
            model,
            max_tokens,
            messages=tuple(_message(m) for m in messages),
            temperature=temperature,
            top_p=top_p,
            seed=seed,
            stop=(stop,) if isinstance(stop, str) else tuple(stop),
            extra=dict(extra or {}),
        )

    @classmethod
    def from_prompt(
        cls,
        model: str,
        prompt: str,
        *,
        max_tokens: int,
        temperature: float | None = None,
        top_p: float | None = None,
        seed: int | None = None,
        stop: str | Sequence[str] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> CompletionRequest:
        """A plain-completion request (for base models without a chat template)."""
        return cls(
            model,
            max_tokens,
            prompt=prompt,
            temperature=temperature,
            top_p=top_p,
            seed=seed,
            stop=(stop,) if isinstance(stop, str) else tuple(stop),
            extra=dict(extra or {}),
        )

    @property
    def is_chat(self) -> bool:
        return self.messages is not None

    def prompt_text(self) -> str:
        """The request's text as one string (for storage and hashing)."""
        if self.prompt is not None:
            return self.prompt
        assert self.messages is not None
        return "\n\n".join(f"{m.role}: {m.content}" for m in self.messages)


@dataclass(frozen=True, slots=True)
class Completion:
    """One successful call, with everything needed for accounting.

    `latency_ms` runs from the first send to the accepted answer, backoff waits included;
    `attempt_latencies_ms` holds each attempt's own send-to-parsed time. Both come from
    `time.perf_counter`. `unreported_attempts` counts earlier attempts the provider may have
    processed (timeouts after send, 5xx, malformed 200s) whose usage was never seen: they may
    be billed although no token count covers them. `cost_usd` is set only when the provider
    reports it (OpenRouter `usage.cost`); pricing tables are the registry's business.
    `quality_score` (0-100) is set only by a provider that knows the answer's quality, such as
    a replay of recorded outcomes; campaigns record it as the execution's quality.
    """

    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    model: str
    provider: str
    cost_usd: float | None = None
    latency_ms: float = 0.0
    attempt_latencies_ms: tuple[float, ...] = ()
    attempts: int = 1
    unreported_attempts: int = 0
    http_status: int = 200
    api_version: str | None = None
    response_id: str | None = None
    usage: Mapping[str, Any] = field(default_factory=dict)
    timings: Mapping[str, Any] | None = None
    quality_score: float | None = None

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

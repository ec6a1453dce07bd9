"""OpenAI-compatible endpoints: OpenAI, OpenRouter, vLLM, llama.cpp, Ollama, gateways.

Chat requests go to `/chat/completions`, plain prompts to `/completions` (base models without
a chat template). Every answer is checked for `choices` and integer `usage` counts; a 200 that
carries an `error` object instead (OpenRouter does this when an upstream fails) becomes the
typed error its code implies. OpenRouter's `usage.cost` (USD) is recorded when present.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aigym.errors import ValidationError
from aigym.providers._errors import ProviderCallError
from aigym.providers._http import HTTPProvider, JSONReply, error_for_status
from aigym.providers._types import Completion, CompletionRequest

__all__ = ["OpenAICompatibleProvider", "usage_count"]


def usage_count(usage: Mapping[str, Any], name: str) -> int | None:
    """A non-negative whole-number usage field, or None when absent or not a count."""
    v = usage.get(name)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or v != int(v):
        return None
    return int(v)


class OpenAICompatibleProvider(HTTPProvider):
    """Any endpoint that speaks OpenAI's chat/completions API.

    `max_tokens_field` names the body field for the token limit: OpenAI's own API wants
    `max_completion_tokens` for its newer models; everything else reads `max_tokens`.
    `default_params` are sent with every request (before the request's own `extra`).
    """

    def __init__(
        self,
        name: str = "openai",
        *,
        base_url: str = "https://api.openai.com/v1",
        api_key_env: str | None = "OPENAI_API_KEY",
        max_tokens_field: str = "max_tokens",
        default_params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, base_url=base_url, api_key_env=api_key_env, **kwargs)
        self.max_tokens_field = max_tokens_field
        self.default_params = dict(default_params or {})

    def url_for(self, model: str) -> str:
        """The base URL that serves `model` (one for all models here)."""
        return self.base_url

    def build(self, request: CompletionRequest) -> tuple[str, dict[str, Any]]:
        """The path and JSON body for `request`."""
        body: dict[str, Any] = {"model": request.model}
        if request.messages is not None:
            path = "/chat/completions"
            body["messages"] = [m.as_dict() for m in request.messages]
            body[self.max_tokens_field] = request.max_tokens
        else:
            path = "/completions"
            body["prompt"] = request.prompt
            body["max_tokens"] = request.max_tokens  # the legacy endpoint knows only this
        for name in ("temperature", "top_p", "seed"):
            value = getattr(request, name)
            if value is not None:
                body[name] = value
        if request.stop:
            body["stop"] = list(request.stop)
        body.update(self.default_params)
        body.update(request.extra)
        if body.get("stream"):
            raise ValidationError(
                "extra", {"stream": body["stream"]}, "streaming is not supported: drop 'stream'"
            )
        return path, body

    async def generate(self, request: CompletionRequest) -> Completion:
        path, body = self.build(request)
        reply = await self.post_json(
            path, body, model=request.model, base_url=self.url_for(request.model)
        )
        return self.parse(reply, request.model, chat="messages" in body)

    def parse(self, reply: JSONReply, model: str, *, chat: bool) -> Completion:
        """Validate an answer's shape and turn it into a Completion."""
        data = reply.data
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            embedded = data.get("error")
            if isinstance(embedded, dict):
                raise self._embedded_error(embedded, model)
            raise self.malformed(model, "no 'choices' in the answer", data)
        c0 = choices[0]
        if chat:
            message = c0.get("message")
            if not isinstance(message, dict):
                raise self.malformed(model, "no 'choices[0].message' in a chat answer", data)
            text = _text(message.get("content"))
        else:
            text = c0.get("text") if isinstance(c0.get("text"), str) else None
        if text is None:
            raise self.malformed(model, "the answer has no text content", data)
        usage = data.get("usage")
        if not isinstance(usage, dict):
            raise self.malformed(model, "no 'usage' in the answer (tokens unknown)", data)
        prompt_tokens = usage_count(usage, "prompt_tokens")
        completion_tokens = usage_count(usage, "completion_tokens")
        if prompt_tokens is None or completion_tokens is None:
            raise self.malformed(model, "'usage' lacks prompt_tokens/completion_tokens", data)
        cost = usage.get("cost")
        finish = c0.get("finish_reason")
        timings = data.get("timings")
        reported = data.get("model")
        response_id = data.get("id")
        return Completion(
            text=text,
            finish_reason=finish if isinstance(finish, str) else None,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            model=reported if isinstance(reported, str) and reported else model,
            provider=self.name,
            cost_usd=float(cost)
            if isinstance(cost, (int, float)) and not isinstance(cost, bool)
            else None,
            http_status=reply.status,
            response_id=response_id if isinstance(response_id, str) else None,
            usage=usage,
            timings=timings if isinstance(timings, dict) else None,
        )

    def _embedded_error(self, err: Mapping[str, Any], model: str) -> ProviderCallError:
        code = err.get("code")
        status = code if isinstance(code, int) and 400 <= code <= 599 else 502
        raw = json.dumps({"error": err}, default=str).encode()
        failure = error_for_status(status, {}, raw)
        failure.detail = "error inside a 200 answer: " + failure.detail
        failure.provider, failure.model = self.name, model
        failure.http_status = 200
        return failure


def _text(content: object) -> str | None:
    if content is None:
        return ""  # e.g. a refusal or tool call: no text, but a valid answer
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts, as some gateways return
        parts = [p.get("text") for p in content if isinstance(p, dict)]
        return "".join(p for p in parts if isinstance(p, str))
    return None

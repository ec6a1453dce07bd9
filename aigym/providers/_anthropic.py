"""Anthropic's Messages API (`POST /v1/messages`).

The API version is pinned (`anthropic-version: 2023-06-01`) and recorded on every Completion,
because newer versions reject sampling parameters this one accepts: a bake-off must not change
behaviour under a silent upgrade. System messages move to the top-level `system` field; a plain
`prompt` is sent as one user turn; `seed` is not sent (the API has none).
"""

from __future__ import annotations

from typing import Any, Final

from aigym.providers._http import HTTPProvider
from aigym.providers._openai import usage_count
from aigym.providers._types import Completion, CompletionRequest

__all__ = ["ANTHROPIC_VERSION", "AnthropicProvider"]

ANTHROPIC_VERSION: Final = "2023-06-01"


class AnthropicProvider(HTTPProvider):
    """Claude models through the Messages API, key in `x-api-key`."""

    def __init__(
        self,
        name: str = "anthropic",
        *,
        base_url: str = "https://api.anthropic.com",
        api_key_env: str | None = "ANTHROPIC_API_KEY",
        api_version: str = ANTHROPIC_VERSION,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, base_url=base_url, api_key_env=api_key_env, **kwargs)
        self.api_version = api_version

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"x-api-key": key}

    def build(self, request: CompletionRequest) -> dict[str, Any]:
        system: list[str] = []
        turns: list[dict[str, str]] = []
        if request.messages is None:
            turns.append({"role": "user", "content": request.prompt or ""})
        else:
            for m in request.messages:
                if m.role in ("system", "developer"):
                    system.append(m.content)
                else:
                    turns.append(m.as_dict())
        body: dict[str, Any] = {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "messages": turns,
        }
        if system:
            body["system"] = "\n\n".join(system)
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.top_p is not None:
            body["top_p"] = request.top_p
        if request.stop:
            body["stop_sequences"] = list(request.stop)
        body.update(request.extra)
        return body

    async def generate(self, request: CompletionRequest) -> Completion:
        model = request.model
        reply = await self.post_json(
            "/v1/messages",
            self.build(request),
            model=model,
            headers={"anthropic-version": self.api_version},
        )
        data = reply.data
        content = data.get("content")
        if not isinstance(content, list):
            raise self.malformed(model, "no 'content' list in the answer", data)
        text = "".join(
            b["text"]
            for b in content
            if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str)
        )
        usage = data.get("usage")
        if not isinstance(usage, dict):
            raise self.malformed(model, "no 'usage' in the answer (tokens unknown)", data)
        input_tokens = usage_count(usage, "input_tokens")
        output_tokens = usage_count(usage, "output_tokens")
        if input_tokens is None or output_tokens is None:
            raise self.malformed(model, "'usage' lacks input_tokens/output_tokens", data)
        # Cached prompt tokens are reported separately; all of them are prompt tokens.
        cached = sum(
            usage_count(usage, k) or 0
            for k in ("cache_creation_input_tokens", "cache_read_input_tokens")
        )
        stop = data.get("stop_reason")
        reported = data.get("model")
        response_id = data.get("id")
        return Completion(
            text=text,
            finish_reason=stop if isinstance(stop, str) else None,
            prompt_tokens=input_tokens + cached,
            completion_tokens=output_tokens,
            model=reported if isinstance(reported, str) and reported else model,
            provider=self.name,
            http_status=reply.status,
            api_version=self.api_version,
            response_id=response_id if isinstance(response_id, str) else None,
            usage=usage,
        )

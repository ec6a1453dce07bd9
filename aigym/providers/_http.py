"""JSON over HTTP for providers: httpx plumbing, error mapping, body validation.

`HTTPProvider.post_json` is the only place that touches the network. It reads the key from the
environment for this one request, sends it in this request's headers only (never as a client
default, so `vars(client)` holds none), turns every transport failure and non-2xx status into a
typed error with scrubbed text, and refuses any 2xx body that is not a JSON object (an HTML
page from a proxy, a truncated body). The transport is injectable, as in httpx, so tests can
replay recorded provider responses with `httpx.MockTransport`.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Mapping
from typing import Any, NamedTuple

import httpx

from aigym.errors import ValidationError
from aigym.providers._base import Provider
from aigym.providers._errors import (
    AuthenticationError,
    BadRequestError,
    MalformedResponseError,
    ProviderCallError,
    ProviderConnectionError,
    ProviderTimeoutError,
    RateLimitError,
    ServerError,
)
from aigym.providers._retry import (
    RetryPolicy,
    parse_retry_after,
    should_retry_header,
    status_is_retriable,
)
from aigym.providers._secrets import EnvKey, install_http_log_redaction, redact_bytes, scrub
from aigym.providers._transport import SlotTransport

__all__ = ["HTTPProvider", "JSONReply", "error_for_status"]

_SECRET_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "proxy-authorization"})
_SNIPPET = 300
# Statuses that mean "refused before doing the work": not billed.
_NOT_PROCESSED = frozenset({408, 409, 429, 503, 529})

install_http_log_redaction()  # httpcore logs response headers at DEBUG: a key echoed there


class JSONReply(NamedTuple):
    data: dict[str, Any]
    status: int
    headers: httpx.Headers


class HTTPProvider(Provider):
    """Base for providers that POST JSON to `base_url` with a key from the environment.

    `api_key_env` is the NAME of the environment variable (None for keyless local servers);
    the key is read at request time, so rotating it needs no restart and it is never stored.
    `transport` is any `httpx.AsyncBaseTransport` (e.g. `httpx.MockTransport`);
    `trust_env=False` ignores proxy variables (right for loopback servers).
    """

    def __init__(
        self,
        name: str,
        *,
        base_url: str,
        api_key_env: str | None = None,
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
        headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        trust_env: bool = True,
        max_concurrency: int = 8,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(name, max_concurrency=max_concurrency, retry=retry)
        self.base_url = _check_base_url(base_url)
        self._key = EnvKey(api_key_env) if api_key_env is not None else None
        for t_name, t in (("timeout", timeout), ("connect_timeout", connect_timeout)):
            if isinstance(t, bool) or not isinstance(t, (int, float)) or t <= 0:
                raise ValidationError(t_name, t, "give a number of seconds > 0")
        self.timeout = float(timeout)
        self.connect_timeout = float(min(connect_timeout, timeout))
        extra = dict(headers or {})
        for h in extra:
            if h.lower() in _SECRET_HEADERS:
                raise ValidationError(
                    "headers", h, "credentials come from api_key_env only, never from config"
                )
        self.headers = extra
        self._transport = transport
        self._trust_env = trust_env
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient]
        self._clients = weakref.WeakKeyDictionary()

    @property
    def api_key_env(self) -> str | None:
        return None if self._key is None else self._key.name

    def auth_headers(self, key: str) -> dict[str, str]:
        """Headers that carry the key (OpenAI style by default)."""
        return {"Authorization": f"Bearer {key}"}

    def _read_key(self, model: str) -> str | None:
        if self._key is None:
            return None
        key = self._key.read()
        if key is None:
            raise AuthenticationError(
                f"environment variable {self._key.name} is not set",
                provider=self.name,
                model=model,
                error_type="missing_api_key",
                fix=f"export {self._key.name}=... in the environment that runs aigym",
            )
        return key

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._clients.get(loop)
            if client is None:
                slots = self.max_concurrency
                transport = self._transport or SlotTransport(
                    slots, trust_env=self._trust_env, tls=self._uses_tls()
                )
                client = httpx.AsyncClient(
                    transport=transport,
                    timeout=httpx.Timeout(self.timeout, connect=self.connect_timeout),
                    limits=httpx.Limits(max_connections=slots, max_keepalive_connections=slots),
                    headers={"User-Agent": "aigym", **self.headers},
                    follow_redirects=False,
                    trust_env=self._trust_env,
                )
                self._clients[loop] = client
            return client

    def _uses_tls(self) -> bool:
        return self.base_url.startswith("https:")

    async def aclose(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        with self._lock:
            client = self._clients.pop(loop, None)
        if client is not None:
            await client.aclose()

    async def post_json(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        model: str,
        headers: Mapping[str, str] | None = None,
        base_url: str | None = None,
    ) -> JSONReply:
        """POST `body` to `base_url + path`; a validated JSON object or a typed error."""
        key = self._read_key(model)
        send_headers = dict(headers or {})
        if key is not None:
            send_headers.update(self.auth_headers(key))
        url = (base_url or self.base_url) + path
        failure: ProviderCallError | None = None
        response: httpx.Response | None = None
        try:
            response = await self._client().post(url, json=body, headers=send_headers)
        except httpx.TimeoutException as e:
            before_send = isinstance(e, (httpx.ConnectTimeout, httpx.PoolTimeout))
            limit = self.connect_timeout if before_send else self.timeout
            failure = ProviderTimeoutError(
                f"no answer within {limit:g} s ({type(e).__name__}"
                f"{': ' + scrub(str(e), key) if str(e) else ''})",
                processed=not before_send,
            )
        except httpx.ConnectError as e:
            failure = ProviderConnectionError(
                f"cannot connect to {scrub(url)} ({scrub(str(e), key) or type(e).__name__})"
            )
        except httpx.HTTPError as e:  # reset, dropped connection, protocol violation
            failure = ProviderConnectionError(
                f"connection failed after sending ({type(e).__name__}: "
                f"{scrub(str(e), key) or 'no detail'})",
                processed=True,
            )
        if failure is not None or response is None:
            raise _tag(failure or ProviderConnectionError("no response"), self.name, model)
        del send_headers
        raw = redact_bytes(response.content, key)
        status = response.status_code
        if not 200 <= status < 300:
            raise _tag(error_for_status(status, response.headers, raw, key), self.name, model)
        try:
            data = json.loads(raw)
        except ValueError:
            failure = _bad_body(raw, response.headers)
        if failure is not None:  # raised here, outside the except block: no chained context
            raise _tag(failure, self.name, model)
        if not isinstance(data, dict):
            kind = type(data).__name__
            raise _tag(
                MalformedResponseError(
                    f"a JSON {kind} instead of an object", http_status=status, processed=True
                ),
                self.name,
                model,
            )
        return JSONReply(data, status, response.headers)

    def malformed(self, model: str, what: str, data: Mapping[str, Any]) -> MalformedResponseError:
        """The error for a 2xx JSON object that lacks what a valid answer must have."""
        shown = scrub(json.dumps(data, default=str)[:_SNIPPET])
        return MalformedResponseError(
            f"{what}; body starts {shown}",
            provider=self.name,
            model=model,
            http_status=200,
            processed=True,
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, base_url={scrub(self.base_url)!r}, "
            f"api_key_env={self.api_key_env!r}, max_concurrency={self.max_concurrency})"
        )


def _tag(err: ProviderCallError, provider: str, model: str) -> ProviderCallError:
    err.provider = provider
    err.model = model
    return err


def _check_base_url(base_url: str) -> str:
    try:
        url = httpx.URL(base_url)
    except (TypeError, httpx.InvalidURL):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise ValidationError(
            "base_url", scrub(str(base_url)), "give an http(s) URL such as http://127.0.0.1:8080/v1"
        )
    if url.query:
        raise ValidationError(
            "base_url", scrub(str(base_url)), "drop the query string; keys go in api_key_env"
        )
    return str(base_url).rstrip("/")


def _snippet(raw: bytes, key: str | None) -> str:
    text = raw[: 4 * _SNIPPET].decode("utf-8", "replace")
    return " ".join(scrub(text, key).split())[:_SNIPPET]


def _error_message(raw: bytes, key: str | None) -> str:
    """The provider's own error message when the body is JSON, else a snippet of the body."""
    try:
        data = json.loads(raw)
    except ValueError:
        return _snippet(raw, key) or "(empty body)"
    err = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(err, dict):
        msg = err.get("message") or err.get("detail") or json.dumps(err, default=str)
        kind = "/".join(str(err[k]) for k in ("type", "code") if err.get(k))
        text = f"{kind}: {msg}" if kind else str(msg)
    else:
        text = str(err)
    return " ".join(scrub(text, key).split())[:_SNIPPET]


def error_for_status(
    status: int, headers: Mapping[str, str], raw: bytes, key: str | None = None
) -> ProviderCallError:
    """Map a non-2xx answer to a typed error (attempt-level: provider/model set by caller)."""
    detail = f"HTTP {status}: {_error_message(raw, key)}"
    override = should_retry_header(headers)
    retriable = status_is_retriable(status) if override is None else override
    common: dict[str, Any] = {
        "http_status": status,
        "retriable": retriable,
        "retry_after": parse_retry_after(headers),
        "processed": status >= 500 and status not in _NOT_PROCESSED,
    }
    if status in (401, 403):
        return AuthenticationError(detail, **common)
    if status == 429:
        return RateLimitError(detail, **common)
    if status >= 500 or status in (408, 409):
        return ServerError(detail, **common)
    if 300 <= status < 400:
        where = scrub(headers.get("location", "elsewhere"))
        return BadRequestError(
            detail, fix=f"the endpoint redirects to {where}: use that as base_url", **common
        )
    fix = None
    if status == 404:
        fix = "check base_url (it usually ends in /v1) and the model name"
    elif status == 413:
        fix = "shorten the prompt or lower max_tokens"
    return BadRequestError(detail, fix=fix, **common)


def _bad_body(raw: bytes, headers: Mapping[str, str]) -> MalformedResponseError:
    ctype = headers.get("content-type", "")
    head = raw.lstrip()[:1]
    if "html" in ctype or head == b"<":
        return MalformedResponseError(
            f"got an HTML page instead of JSON: {_snippet(raw, None)[:120]}",
            http_status=200,
            retriable=False,
        )
    if head in (b"{", b"["):
        what = f"truncated or invalid JSON ({len(raw)} bytes)"
        return MalformedResponseError(what, http_status=200, retriable=True, processed=True)
    return MalformedResponseError(
        f"a body that is not a JSON object ({len(raw)} bytes: {_snippet(raw, None)[:80]!r})",
        http_status=200,
        retriable=False,
    )

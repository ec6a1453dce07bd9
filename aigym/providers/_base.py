"""The provider interface: one abstract method, retries and timing done once, here.

A subclass implements `generate` (one attempt: send, validate, parse, or raise a
`ProviderCallError`). The base adds what every provider needs the same way: a per-instance
concurrency limit, the retry loop of the official SDKs (overridable through `should_retry` and
`retry_delay`), per-attempt and total latency, and billing bookkeeping for attempts that may
have been processed. `complete` is the synchronous entry point for scripts and notebooks: it
works inside a running event loop (Jupyter) by running the call in a worker thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import logging
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, Self, TypeVar

from aigym.errors import ValidationError
from aigym.providers._errors import ProviderCallError
from aigym.providers._retry import RetryPolicy
from aigym.providers._types import Completion, CompletionRequest

__all__ = ["Provider"]

log = logging.getLogger("aigym.providers")
T = TypeVar("T")


class Provider(ABC):
    """A model endpoint that turns a `CompletionRequest` into a `Completion`.

    `max_concurrency` bounds in-flight calls per instance (and per event loop): create one
    instance per endpoint and share it. A call holds its slot through its retries, so a
    rate-limited provider slows its callers instead of piling up more requests.
    """

    def __init__(
        self,
        name: str,
        *,
        max_concurrency: int = 8,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not isinstance(name, str) or not name.strip() or "/" in name:
            raise ValidationError("provider name", name, "give a name without '/', e.g. 'openai'")
        if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int):
            raise ValidationError("max_concurrency", max_concurrency, "give a whole number >= 1")
        if max_concurrency < 1:
            raise ValidationError("max_concurrency", max_concurrency, "give a whole number >= 1")
        self.name = name
        self.max_concurrency = max_concurrency
        self.retry = retry if retry is not None else RetryPolicy()
        self._lock = threading.Lock()
        self._semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._semaphores = weakref.WeakKeyDictionary()

    # ------------------------------------------------------------------ to implement

    @abstractmethod
    async def generate(self, request: CompletionRequest) -> Completion:
        """One attempt. Return a Completion (timing fields are filled in by the caller) or
        raise a `ProviderCallError` subclass; never let a malformed answer escape as a
        KeyError or TypeError."""

    def should_retry(self, error: ProviderCallError) -> bool:
        """Whether a failed attempt is worth another try (default: the error's own verdict)."""
        return error.retriable

    def retry_delay(self, error: ProviderCallError, retries_done: int) -> float | None:
        """Seconds to wait before the next attempt, or None to give up now."""
        return self.retry.delay(retries_done, error.retry_after)

    async def aclose(self) -> None:
        """Release connections held for the current event loop."""
        return None

    # ------------------------------------------------------------------ calling

    async def acomplete(self, request: CompletionRequest) -> Completion:
        """Call the model, retrying as the retry policy says; raise a ProviderCallError."""
        if not isinstance(request, CompletionRequest):
            raise ValidationError("request", request, "pass a CompletionRequest(...)")
        async with self._semaphore():
            start = time.perf_counter()
            latencies: list[float] = []
            unreported = 0
            while True:
                t0 = time.perf_counter()
                failure: ProviderCallError | None = None
                try:
                    result = await self.generate(request)
                except ProviderCallError as err:
                    failure = err
                latencies.append((time.perf_counter() - t0) * 1000.0)
                if failure is None:
                    return dataclasses.replace(
                        result,
                        latency_ms=(time.perf_counter() - start) * 1000.0,
                        attempt_latencies_ms=tuple(latencies),
                        attempts=len(latencies),
                        unreported_attempts=unreported,
                    )
                if failure.processed:
                    unreported += 1
                retries_done = len(latencies) - 1
                delay: float | None = None
                if retries_done < self.retry.max_retries and self.should_retry(failure):
                    delay = self.retry_delay(failure, retries_done)
                    wait = failure.retry_after
                    if delay is None and wait is not None and wait > self.retry.max_retry_after:
                        failure.fix = (
                            f"the provider asked to wait {failure.retry_after:.0f} s, more than "
                            f"RetryPolicy.max_retry_after={self.retry.max_retry_after:g} s: "
                            "retry later or raise max_retry_after"
                        )
                if delay is None:
                    failure.attempts = len(latencies)
                    failure.attempt_latencies_ms = tuple(latencies)
                    failure.latency_ms = (time.perf_counter() - start) * 1000.0
                    failure.unreported_attempts = unreported
                    raise failure
                log.info(
                    "%s/%s: %s (HTTP %s) on attempt %d; retrying in %.2f s",
                    self.name,
                    request.model,
                    failure.error_type,
                    failure.http_status,
                    len(latencies),
                    delay,
                )
                await asyncio.sleep(delay)

    def complete(self, request: CompletionRequest) -> Completion:
        """Synchronous `acomplete`, usable in scripts and inside Jupyter's running loop."""
        return self._run_sync(self._complete_and_release(request))

    # ------------------------------------------------------------------ plumbing

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        with self._lock:
            sem = self._semaphores.get(loop)
            if sem is None:
                sem = self._semaphores[loop] = asyncio.Semaphore(self.max_concurrency)
            return sem

    async def _complete_and_release(self, request: CompletionRequest) -> Completion:
        try:
            return await self.acomplete(request)
        finally:
            await self.aclose()

    @staticmethod
    def _run_sync(coro: Coroutine[Any, Any, T]) -> T:
        try:
            asyncio.get_running_loop()
            in_loop = True
        except RuntimeError:
            in_loop = False
        if not in_loop:
            return asyncio.run(coro)
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="aigym-sync") as pool:
            return pool.submit(asyncio.run, coro).result()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, max_concurrency={self.max_concurrency})"

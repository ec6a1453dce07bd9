"""Typed provider failures: one class per thing a caller does differently.

Every error carries what a stored error row needs (`error_type`, `http_status`, `attempts`,
latency) and the billing fact `may_have_been_processed`: a request that timed out after it
was sent, or got a 5xx or a malformed 200, may still be charged. Messages are built from
scrubbed text only; the errors never hold an httpx request or response (whose headers would
carry the API key) and are raised outside `except` blocks so no exception context holds one.

::

    ProviderError (aigym.errors)
    ├── ProviderCallError            one model call failed for good
    │   ├── AuthenticationError      401/403, or the key's environment variable is unset
    │   ├── BadRequestError          other 4xx: the request itself is wrong
    │   ├── RateLimitError           429
    │   ├── ServerError              5xx, 408, 409: the provider could not serve it now
    │   ├── ProviderTimeoutError     no answer within the client timeout
    │   ├── ProviderConnectionError  refused, reset or dropped connection
    │   └── MalformedResponseError   a 2xx whose body is not a valid answer
    └── LocalServerError             the embedded llama.cpp server cannot start
"""

from __future__ import annotations

from typing import Any, ClassVar

from aigym.errors import ProviderError

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "LocalServerError",
    "MalformedResponseError",
    "ProviderCallError",
    "ProviderConnectionError",
    "ProviderTimeoutError",
    "RateLimitError",
    "ServerError",
]


class ProviderCallError(ProviderError):
    """A model call that failed after any retries.

    `retriable` says whether the failure was of a kind worth retrying (it may still be raised
    because the retries ran out or the provider asked for too long a wait). `unreported_attempts`
    counts attempts the provider may have processed without us seeing usage.
    """

    error_type: ClassVar[str] = "provider_error"
    default_fix: ClassVar[str] = "check the provider's status and retry later"
    default_retriable: ClassVar[bool] = False

    def __init__(
        self,
        detail: str,
        *,
        provider: str | None = None,
        model: str | None = None,
        http_status: int | None = None,
        retriable: bool | None = None,
        processed: bool = False,
        retry_after: float | None = None,
        fix: str | None = None,
        error_type: str | None = None,
    ) -> None:
        self.detail = detail
        self.provider = provider
        self.model = model
        self.http_status = http_status
        self.retriable = self.default_retriable if retriable is None else retriable
        self.processed = processed  # this attempt; the retry loop aggregates
        self.retry_after = retry_after
        self.fix = fix or self.default_fix
        if error_type is not None:
            self.error_type = error_type  # type: ignore[misc]
        self.attempts = 1
        self.unreported_attempts = int(processed)
        self.latency_ms = 0.0
        self.attempt_latencies_ms: tuple[float, ...] = ()
        super().__init__(detail)

    @property
    def may_have_been_processed(self) -> bool:
        """True when some attempt may have been billed although no usage was seen."""
        return self.unreported_attempts > 0

    def __str__(self) -> str:
        who = "/".join(p for p in (self.provider, self.model) if p) or "provider"
        facts = [f"HTTP {self.http_status}"] if self.http_status is not None else []
        facts.append(f"{self.attempts} attempt{'s' if self.attempts != 1 else ''}")
        if self.may_have_been_processed:
            facts.append("may have been billed")
        return f"{who}: {self.detail} [{', '.join(facts)}]. Next: {self.fix}."

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), dict(self.__dict__)))


def _rebuild(cls: type[ProviderCallError], state: dict[str, Any]) -> ProviderCallError:
    err = cls.__new__(cls)
    ProviderError.__init__(err, state.get("detail", ""))
    err.__dict__.update(state)
    return err


class AuthenticationError(ProviderCallError):
    """The key is missing, wrong, or not allowed to use this endpoint or model."""

    error_type = "authentication_error"
    default_fix = (
        "set the API key in the environment variable named in the provider config "
        "(never in code or config files) and check it is valid for this endpoint"
    )


class BadRequestError(ProviderCallError):
    """The provider refused the request itself; sending it again will not help."""

    error_type = "bad_request"
    default_fix = "fix the request (model name, parameters, context length) before retrying"


class RateLimitError(ProviderCallError):
    """429: too many requests or tokens for the account's limits right now."""

    error_type = "rate_limit"
    default_retriable = True
    default_fix = "lower the provider's max_concurrency or raise RetryPolicy.max_retries"


class ServerError(ProviderCallError):
    """5xx, 408 or 409: the provider could not serve the request at the moment."""

    error_type = "server_error"
    default_retriable = True
    default_fix = "retry later; if it persists, check the provider's status page"


class ProviderTimeoutError(ProviderCallError):
    """No answer within the client timeout; the provider may still bill the work."""

    error_type = "timeout"
    default_retriable = True
    default_fix = "raise the provider timeout, lower max_tokens, or lower max_concurrency"


class ProviderConnectionError(ProviderCallError):
    """The connection was refused, reset or dropped."""

    error_type = "connection_error"
    default_retriable = True
    default_fix = "check base_url and that the server is running and reachable"


class MalformedResponseError(ProviderCallError):
    """A 2xx whose body is not a valid answer (truncated, HTML, missing fields)."""

    error_type = "malformed_response"
    default_fix = (
        "check base_url points at the API (not a web page or proxy) and that the endpoint "
        "speaks this provider's API; retry if it was a transient truncation"
    )


class LocalServerError(ProviderError):
    """The embedded llama.cpp server is not installed, or did not start."""

    def __init__(self, message: str, *, missing: tuple[str, ...] = (), log_tail: str = "") -> None:
        self.missing = missing
        self.log_tail = log_tail
        super().__init__(message + (f"\n--- server log tail ---\n{log_tail}" if log_tail else ""))

"""When and how long to wait before retrying, as the official OpenAI/Anthropic SDKs do.

Two retries by default; exponential backoff from 0.5 s to 8 s with up to 25 % jitter taken
off; a server's `retry-after-ms`, then `retry-after` (seconds or an HTTP date) wins when it
is positive and within `max_retry_after`; a longer requested wait means "give up now"
rather than blocking a campaign for minutes. `x-should-retry: true|false` overrides the
status-based decision in both directions.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

from aigym.errors import ValidationError

__all__ = [
    "RETRIABLE_STATUSES",
    "RetryPolicy",
    "parse_retry_after",
    "should_retry_header",
    "status_is_retriable",
]

RETRIABLE_STATUSES = frozenset({408, 409, 429})
#: Bounds of a policy: more retries or longer waits are typos (and 2.0**n overflows past 1023).
MAX_RETRIES = 100
MAX_WAIT_S = 3600.0


def _real_in(v: object, lo: float, hi: float) -> bool:
    return not isinstance(v, bool) and isinstance(v, (int, float)) and lo <= v <= hi


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retry settings for one provider instance."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        n = self.max_retries
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_RETRIES:
            raise ValidationError("max_retries", n, f"give a whole number from 0 to {MAX_RETRIES}")
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            if not _real_in(getattr(self, name), 0.0, MAX_WAIT_S):
                raise ValidationError(
                    name, getattr(self, name), f"give a number of seconds from 0 to {MAX_WAIT_S:g}"
                )
        if not _real_in(self.jitter, 0.0, 1.0):
            raise ValidationError("jitter", self.jitter, "give a fraction from 0 to 1")

    def backoff(self, retries_done: int) -> float:
        """Seconds to wait before retry number `retries_done + 1` when the server gave no hint."""
        base = min(self.initial_delay * 2.0**retries_done, self.max_delay)
        return base * (1.0 - self.jitter * random.random())

    def delay(self, retries_done: int, retry_after: float | None) -> float | None:
        """Seconds to wait, or None when the server asks for more than `max_retry_after`."""
        if retry_after is not None and retry_after > 0:
            return retry_after if retry_after <= self.max_retry_after else None
        return self.backoff(retries_done)


def status_is_retriable(status: int) -> bool:
    return status in RETRIABLE_STATUSES or status >= 500


def should_retry_header(headers: Mapping[str, str]) -> bool | None:
    """The `x-should-retry` override: True, False, or None when absent or unclear."""
    value = headers.get("x-should-retry", "").strip().lower()
    return True if value == "true" else False if value == "false" else None


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asked us to wait: `retry-after-ms`, then `retry-after`."""
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return float(ms) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.timestamp() - (time.time() if now is None else now)

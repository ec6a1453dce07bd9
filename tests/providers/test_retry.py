"""Retry timing as the official SDKs do it."""

from __future__ import annotations

import email.utils
import time

import pytest

from aigym.errors import ValidationError
from aigym.providers import RetryPolicy, parse_retry_after
from aigym.providers._retry import should_retry_header, status_is_retriable


def test_retry_after_ms_wins_over_retry_after() -> None:
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    now = time.time()
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after({"retry-after": date}, now=now) == pytest.approx(30, abs=1)


def test_unparseable_retry_after_is_ignored() -> None:
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({"retry-after-ms": "x"}) is None
    assert parse_retry_after({}) is None


def test_backoff_is_exponential_capped_and_jittered() -> None:
    p = RetryPolicy()
    for retries, full in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        for _ in range(50):
            assert full * 0.75 <= p.backoff(retries) <= full
    assert RetryPolicy(jitter=0).backoff(2) == 2.0


def test_server_hint_used_within_cap_refused_beyond() -> None:
    p = RetryPolicy(max_retry_after=60)
    assert p.delay(0, 5.0) == 5.0
    assert p.delay(0, 61.0) is None
    assert 0.375 <= (p.delay(0, 0.0) or 0) <= 0.5  # a zero/negative hint falls back to backoff
    assert 0.375 <= (p.delay(0, None) or 0) <= 0.5


def test_statuses_and_override_header() -> None:
    assert all(status_is_retriable(s) for s in (408, 409, 429, 500, 502, 503, 504, 529))
    assert not any(status_is_retriable(s) for s in (400, 401, 403, 404, 422))
    assert should_retry_header({"x-should-retry": "true"}) is True
    assert should_retry_header({"x-should-retry": "FALSE"}) is False
    assert should_retry_header({}) is None


@pytest.mark.parametrize(
    "kwargs", [{"max_retries": -1}, {"max_retries": 1.0}, {"initial_delay": -1}, {"jitter": 2}]
)
def test_policy_validation(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]

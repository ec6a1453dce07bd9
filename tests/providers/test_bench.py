"""Throughput of the loopback fault server through a provider (slow: run with -m slow).

Measured on the 2-core shared machine: a bare `httpx.AsyncClient` at concurrency 64 managed
about 130-220 requests/s (httpcore's pool), the provider (one single-connection pool per slot)
about 600-1100. The threshold below is far under that, to stay meaningful on a busy machine.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from aigym.providers import OpenAICompatibleProvider
from aigym.providers.testing import FaultServer

from .conftest import chat


@pytest.mark.slow
def test_provider_sustains_hundreds_of_requests_per_second() -> None:
    n, concurrency = 1000, 64
    with FaultServer(record_requests=False) as server:
        provider = OpenAICompatibleProvider(
            "bench", base_url=server.base_url, api_key_env=None, max_concurrency=concurrency
        )

        async def run() -> float:
            try:
                await asyncio.gather(*(provider.acomplete(chat()) for _ in range(concurrency)))
                t0 = time.perf_counter()
                await asyncio.gather(*(provider.acomplete(chat()) for _ in range(n)))
                return n / (time.perf_counter() - t0)
            finally:
                await provider.aclose()

        rate = asyncio.run(run())
        print(f"\nprovider -> FaultServer: {rate:.0f} requests/s at concurrency {concurrency}")
        assert rate > 250
        assert len(server.ledger) == n + concurrency
        assert server.peak_in_flight <= concurrency

"""Shared helpers: the fault model's registries, prompt sets, ledger arithmetic."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from aigym.campaign import PROMPTS_DIR
from aigym.providers import ProviderRegistry, RetryPolicy
from aigym.providers.testing import Fault, FaultServer, RequestInfo
from aigym.registry import ModelRegistry, ModelSpec
from aigym.store import ParquetStore

PRICE = Decimal(2)  # USD per million tokens, input and output, for fault/fault-model
COST_PER_TOKEN = 2e-6  # the fault server's usage.cost per token at that price
MODEL = "fault/fault-model"
FAST = RetryPolicy(initial_delay=0.001, max_delay=0.01)
DATA = PROMPTS_DIR


def fault_models() -> ModelRegistry:
    return ModelRegistry(
        [
            ModelSpec(
                id=MODEL,
                name="fault model",
                provider="fault",
                input_price_per_mtok=PRICE,
                output_price_per_mtok=PRICE,
                context_window=4096,
                max_output_tokens=256,
                price_source="notional:test",
            ),
            ModelSpec(
                id="dead/dead-model",
                name="dead model",
                provider="dead",
                input_price_per_mtok=PRICE,
                output_price_per_mtok=PRICE,
                context_window=4096,
                max_output_tokens=256,
            ),
        ]
    )


def fault_providers(server: FaultServer, **opts: Any) -> ProviderRegistry:
    reg = ProviderRegistry.with_defaults()
    opts.setdefault("retry", FAST)
    opts.setdefault("timeout", 5.0)
    reg.register_endpoint("fault", server.base_url, trust_env=False, **opts)
    return reg


def prompts(n: int, prefix: str = "p") -> list[dict[str, Any]]:
    """Prompts whose second word is their id (the fault policies key on it)."""
    return [
        {
            "prompt_id": f"{prefix}{i:03d}",
            "prompt": f"prompt {prefix}{i:03d} please answer briefly",
            "task_type": "factual_qa",
            "reference": str(i),
        }
        for i in range(n)
    ]


def request_identity(body: Any) -> tuple[str, Any]:
    """(prompt id, seed) of a request body sent by the runner."""
    text = body["messages"][-1]["content"]
    return text.split()[1], body.get("seed")


def first_attempt_faults(plan: Mapping[str, Fault]) -> Callable[[RequestInfo], Fault | None]:
    """A server policy: the first attempt of each planned prompt gets its fault, retries pass."""
    seen: Counter[tuple[str, Any]] = Counter()
    lock = threading.Lock()

    def policy(info: RequestInfo) -> Fault | None:
        if not isinstance(info.body, dict) or "messages" not in info.body:
            return None
        ident = request_identity(info.body)
        with lock:
            seen[ident] += 1
            n = seen[ident]
        return plan.get(ident[0]) if n == 1 else None

    return policy


def billed_usd(server: FaultServer) -> Decimal:
    return sum(
        (Decimal(repr(e.cost_usd)) for e in server.ledger if e.billed and e.cost_usd), Decimal(0)
    )


def billed_per_identity(server: FaultServer) -> Counter[tuple[str, Any]]:
    by_seq = {r.seq: r for r in server.requests}
    out: Counter[tuple[str, Any]] = Counter()
    for e in server.ledger:
        if e.billed:
            out[request_identity(by_seq[e.seq].body)] += 1
    return out


def rows(store_dir: Path, campaign: str | None = None) -> pl.DataFrame:
    with ParquetStore(store_dir) as st:
        lf = st.scan("executions")
        if campaign is not None:
            lf = lf.filter(pl.col("campaign") == campaign)
        return lf.collect()


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts the HTTP requests a provider really sends."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport(trust_env=False)
        self.count = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

"""The worst-case bound, priced exactly, and the reservation ledger."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from aigym.campaign import Budget, Sampling, attempt_bound, input_token_bound, rendered_input
from aigym.providers import FEW_SHOT_PREAMBLE, LocalProvider, OpenAICompatibleProvider

from .helpers import fault_models

CHAT = OpenAICompatibleProvider("x", base_url="http://127.0.0.1:9/v1", api_key_env=None)
LOCAL = LocalProvider(base_urls={"gemma3-270m": "http://127.0.0.1:9/v1"})


def test_the_input_bound_is_rendered_utf8_bytes_plus_overhead() -> None:
    req = Sampling(max_tokens=8).request("m", "héllo 日本", 0)
    assert rendered_input(CHAT, req) == "user\nhéllo 日本"
    assert input_token_bound(CHAT, req, 64) == len("user\nhéllo 日本".encode()) + 64 == 82
    sys_req = Sampling(max_tokens=8, system_prompt="Be brief.").request("m", "hi", 0)
    assert input_token_bound(CHAT, sys_req, 0) == len(b"system\nBe brief.\nuser\nhi")


def test_a_base_models_few_shot_template_is_counted() -> None:
    req = Sampling(max_tokens=8).request("gemma3-270m", "What is 2 + 2?", 0)
    text = rendered_input(LOCAL, req)
    assert text.startswith(FEW_SHOT_PREAMBLE) and text.endswith("Question: What is 2 + 2?\nAnswer:")
    assert input_token_bound(LOCAL, req, 0) > len(FEW_SHOT_PREAMBLE)


def test_an_attempt_is_priced_exactly_at_registry_prices() -> None:
    spec = fault_models().get("fault/fault-model")  # $2 per million tokens in and out
    assert attempt_bound(spec, 100, 8) == Decimal("0.000216")


def test_reservations_wait_for_settlements_and_stop_when_nothing_can_fit() -> None:
    async def scenario() -> None:
        b = Budget(Decimal("1.0"), spent_before=Decimal("0.2"))
        assert await b.reserve(Decimal("0.5"))
        waiter = asyncio.create_task(b.reserve(Decimal("0.5")))
        await asyncio.sleep(0)
        assert not waiter.done()  # 0.2 + 0.5 + 0.5 > 1.0: wait for the first call
        b.settle(Decimal("0.5"), Decimal("0.1"))
        assert await waiter  # 0.3 + 0.5 fits now
        assert b.reserve_more(Decimal("0.1")) and not b.reserve_more(Decimal("0.2"))
        b.settle(Decimal("0.6"), Decimal("0.6"))
        assert b.total == Decimal("0.9") and b.in_flight == 0
        assert not await b.reserve(Decimal("0.2"))  # nothing in flight and it cannot fit
        assert b.exhausted and not await b.reserve(Decimal("0"))

    asyncio.run(scenario())


def test_no_cap_means_no_waiting_and_overruns_are_counted() -> None:
    async def scenario() -> None:
        b = Budget(None)
        assert all([await b.reserve(Decimal(10)) for _ in range(5)])
        b.settle(Decimal(10), Decimal(11))
        assert b.overruns == 1 and b.remaining is None
        assert b.spent == b.total == Decimal(11)  # what was billed, not the reservation

    asyncio.run(scenario())


def test_an_overrun_books_what_was_billed_under_a_cap() -> None:
    async def scenario() -> None:
        b = Budget(Decimal(100), spent_before=Decimal(5))
        assert await b.reserve(Decimal(10)) and await b.reserve(Decimal(10))
        b.settle(Decimal(10), Decimal("13.5"))  # the provider billed more than the bound
        assert b.overruns == 1 and b.spent == Decimal("13.5") and b.total == Decimal("18.5")
        assert b.remaining == Decimal(100) - Decimal("18.5") - Decimal(10)
        b.settle(Decimal(10), Decimal(2))
        assert b.overruns == 1 and b.spent == Decimal("15.5") and b.total == Decimal("20.5")

    asyncio.run(scenario())

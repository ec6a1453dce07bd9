"""The budget cap: reserve each call's worst case before sending, settle after.

Worst case of one attempt: input tokens bounded by the UTF-8 byte count of the text the
endpoint will tokenise (as the provider renders it: a base model's few-shot template
included; a byte-level BPE token covers at least one byte) plus `template_overhead_tokens`
for chat-template and default-system-prompt tokens, and output bounded by `max_tokens`
(always sent), priced at the model's registry prices. A call reserves one attempt before
it is sent, and one more before each retry (a retry the budget cannot cover now is not
made: the call ends as an error row, retried by the next run).

Settling: a success costs its real cost (the provider's reported cost, else tokens x
prices) plus one attempt's bound for each earlier attempt that may have been billed without
usage (timeouts after send, 5xx, truncated bodies: `unreported_attempts`); a failure costs
one bound per such attempt; a call cut off mid-flight (Ctrl-C) costs all it reserved.
A new call starts only if settled + reserved + its reservation fits the budget, so the
provider's bill can never pass the cap while prices hold. When a call does not fit even
with nothing in flight, the budget is exhausted and the campaign stops.

`BudgetedProvider` wraps a provider so that its own retry loop (`Provider.acomplete`) asks
for each retry's reservation, through the running task's `CURRENT_CALL`.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from aigym.providers import Completion, CompletionRequest, Provider, ProviderCallError
from aigym.registry import ModelSpec

__all__ = [
    "CURRENT_CALL",
    "Budget",
    "BudgetedProvider",
    "CallBudget",
    "attempt_bound",
    "input_token_bound",
    "rendered_input",
]

ZERO: Final = Decimal(0)


def rendered_input(provider: Provider, request: CompletionRequest) -> str:
    """The text the endpoint will tokenise for `request` (roles included).

    Asks the provider to build its request body (so a base model's few-shot rendering counts)
    and falls back to the request's own text for providers without a `build` method.
    """
    build = getattr(provider, "build", None)
    body: Any = None
    if callable(build):
        try:
            out = build(request)
        except Exception:  # a provider that cannot render offline: use the plain text
            out = None
        body = out[1] if isinstance(out, tuple) and len(out) == 2 else out
    if isinstance(body, Mapping):
        parts: list[str] = []
        for name in ("system", "prompt"):
            if isinstance(body.get(name), str):
                parts.append(body[name])
        msgs = body.get("messages")
        if isinstance(msgs, list):
            for m in msgs:
                if isinstance(m, Mapping):
                    parts.append(str(m.get("role", "")))
                    content = m.get("content")
                    parts.append(content if isinstance(content, str) else str(content))
        if parts:
            return "\n".join(parts)
    return request.prompt_text()


def input_token_bound(provider: Provider, request: CompletionRequest, overhead: int) -> int:
    """An upper bound on the input tokens of `request`: rendered UTF-8 bytes + overhead."""
    return len(rendered_input(provider, request).encode("utf-8")) + overhead


def attempt_bound(spec: ModelSpec, input_tokens: int, max_tokens: int) -> Decimal:
    """Worst-case USD of one attempt at the model's registry prices."""
    return spec.calculate_cost(input_tokens, max_tokens)


class Budget:
    """Reservations and settled spend of one run, against an optional cap.

    `spent_before` is what earlier runs of the campaign already settled (read from the store),
    so the cap holds for the campaign as a whole across resumes.
    """

    def __init__(self, limit: Decimal | None, spent_before: Decimal = ZERO) -> None:
        self.limit = limit
        self.spent_before = spent_before
        self.spent = ZERO
        self.reserved = ZERO
        self.in_flight = 0
        self.exhausted = False
        self.overruns = 0  # settlements above their reservation (prices below the real ones)
        self._changed: asyncio.Event | None = None

    @property
    def total(self) -> Decimal:
        """Settled spend of the campaign so far (earlier runs and this one)."""
        return self.spent_before + self.spent

    @property
    def remaining(self) -> Decimal | None:
        return None if self.limit is None else self.limit - self.total - self.reserved

    def fits(self, amount: Decimal) -> bool:
        return self.limit is None or self.total + self.reserved + amount <= self.limit

    async def reserve(self, amount: Decimal) -> bool:
        """Hold `amount` for one call; False once the budget cannot cover it (stop)."""
        while True:
            if self.exhausted:
                return False
            if self.fits(amount):
                self.reserved += amount
                self.in_flight += 1
                return True
            if self.in_flight == 0:
                self.exhausted = True
                self._wake()
                return False
            if self._changed is None:
                self._changed = asyncio.Event()
            await self._changed.wait()

    def reserve_more(self, amount: Decimal) -> bool:
        """Extend a call's reservation now (for a retry), without waiting; False if it won't fit."""
        if self.exhausted or not self.fits(amount):
            return False
        self.reserved += amount
        return True

    def settle(self, reserved: Decimal, charge: Decimal) -> None:
        """Release a reservation and book what the call may have cost."""
        self.reserved -= reserved
        self.in_flight -= 1
        self.spent += charge
        if charge > reserved:
            self.overruns += 1
        self._wake()

    def _wake(self) -> None:
        ev, self._changed = self._changed, None
        if ev is not None:
            ev.set()


class CallBudget:
    """The budget state of the call running in the current task."""

    __slots__ = ("bound", "refused", "reserved")

    def __init__(self, bound: Decimal) -> None:
        self.bound = bound
        self.reserved = bound
        self.refused = False


CURRENT_CALL: contextvars.ContextVar[CallBudget | None] = contextvars.ContextVar(
    "aigym_call", default=None
)


class BudgetedProvider(Provider):
    """`inner` with the retry loop of the base class, where each retry first reserves budget.

    Attempts go to `inner.generate` with `inner`'s retry decisions and policy; the wrapper's
    own slot limit is `inner.max_concurrency`.
    """

    def __init__(self, inner: Provider, budget: Budget) -> None:
        super().__init__(inner.name, max_concurrency=inner.max_concurrency, retry=inner.retry)
        self.inner = inner
        self.budget = budget

    async def generate(self, request: CompletionRequest) -> Completion:
        return await self.inner.generate(request)

    def should_retry(self, error: ProviderCallError) -> bool:
        return self.inner.should_retry(error)

    def retry_delay(self, error: ProviderCallError, retries_done: int) -> float | None:
        delay = self.inner.retry_delay(error, retries_done)
        call = CURRENT_CALL.get()
        if delay is None or call is None:
            return delay
        if not self.budget.reserve_more(call.bound):
            call.refused = True
            error.fix = (
                "the budget could not cover another attempt now: raise budget_usd and run the "
                "campaign again (this key is retried)"
            )
            return None
        call.reserved += call.bound
        return delay

    async def aclose(self) -> None:
        await self.inner.aclose()

"""One model's facts (price, limits, capabilities, priors) and the exact cost arithmetic on them.

Prices are `Decimal` USD per million tokens, so `calculate_cost` is exact: a bake-off that sums a
million small costs must not drift by float rounding, and a cost can be checked by hand.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation, localcontext
from enum import StrEnum
from typing import Any, Final

from aigym.errors import ValidationError

__all__ = [
    "BLEND_INPUT_TOKENS",
    "BLEND_OUTPUT_TOKENS",
    "LONG_CONTEXT_MIN_TOKENS",
    "ModelCapability",
    "ModelSpec",
]

#: Reference token mix for one blended price: 3 input tokens per output token (typical of
#: prompt-heavy business tasks; the same convention as common price/quality leaderboards).
BLEND_INPUT_TOKENS: Final = 3
BLEND_OUTPUT_TOKENS: Final = 1

#: A model "has" `long_context` when its context window holds at least this many tokens.
LONG_CONTEXT_MIN_TOKENS: Final = 128_000

# Fixed anchors of the cost-efficiency scale (USD per million blended tokens). Fixed rather than
# relative to the registry's range, so registering one model never moves another model's score.
_SCORE_CHEAP: Final = Decimal("0.01")  # scores 100
_SCORE_DEAR: Final = Decimal("100")  # scores 0

_MILLION: Final = Decimal(1_000_000)
_ID_RE: Final = re.compile(r"^[^\s/]+/\S+$")
_NAME_RE: Final = re.compile(r"^\S+$")


class ModelCapability(StrEnum):
    """What a model can be asked to do. Values are the spec's JSON strings."""

    TEXT_GENERATION = "text_generation"
    CODE_GENERATION = "code_generation"
    REASONING = "reasoning"
    VISION = "vision"
    MULTILINGUAL = "multilingual"
    FUNCTION_CALLING = "function_calling"
    LONG_CONTEXT = "long_context"  # context window >= LONG_CONTEXT_MIN_TOKENS
    STRUCTURED_OUTPUT = "structured_output"  # JSON-schema constrained output
    CHAT = "chat"  # instruction-tuned for chat; base models lack it

    @classmethod
    def parse(cls, value: object, field: str = "capability") -> ModelCapability:
        """`value` as a capability, accepting the enum or its string value (any case)."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            try:
                return cls(value.strip().lower())
            except ValueError:
                pass
        known = ", ".join(c.value for c in cls)
        raise ValidationError(field, value, f"use one of: {known}")


def as_price(field: str, value: object) -> Decimal:
    """A finite non-negative Decimal from a Decimal, int, decimal string or float.

    Floats go through their shortest repr, so 0.1 becomes Decimal("0.1"), not the binary
    expansion; JSON prices parse the same whether they were read as float or as string.
    """
    if isinstance(value, bool):
        raise ValidationError(field, value, "give a price as a Decimal, int or decimal string")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        d = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            raise ValidationError(
                field, value, "give a decimal number such as '2.5' (USD per million tokens)"
            ) from None
    else:
        raise ValidationError(field, value, "give a price as a Decimal, int or decimal string")
    if not d.is_finite():
        raise ValidationError(field, value, "must be a finite number")
    if d < 0:
        raise ValidationError(field, value, "must be >= 0")
    return clean_decimal(d)


def clean_decimal(d: Decimal) -> Decimal:
    """`d` without trailing zeros and without an exponent for whole numbers (10, not 1E+1)."""
    if d == d.to_integral_value():
        return d.quantize(Decimal(1))
    return d.normalize()


def as_whole(field: str, value: object, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValidationError(field, value, f"give a whole number >= {minimum} (an int)")
    v = int(value)
    if v < minimum:
        raise ValidationError(field, value, f"must be >= {minimum}")
    if maximum is not None and v > maximum:
        raise ValidationError(field, value, f"must be <= {maximum}")
    return v


def as_date(field: str, value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError(field, value, "give a datetime.date or an ISO date string 'YYYY-MM-DD'")


def as_text(field: str, value: object, *, no_space: bool = False) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, value, "give a non-empty string")
    if no_space and not _NAME_RE.match(value):
        raise ValidationError(field, value, "must not contain whitespace")
    return value


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One model in the registry.

    `id` has the form ``provider/model`` (OpenRouter style, e.g. ``openai/gpt-4o``); `aliases`
    are other names that resolve to it (bare names, dated snapshots, other vendors' keys).

    Prices are USD per million tokens as exact `Decimal`; `price_source` says where a price
    came from (``litellm:<key>``, ``llmrouter_model_prices.csv:<model>``, ``published:<url>``,
    ``notional:...``, ``openrouter:<id>``, ``user``) and `price_date` when it was observed.

    `avg_latency_ms` and `quality_tier` (1 = tiny, 5 = frontier) are documented *priors*, coarse
    guesses for a short call used only until there is evidence: measured latency and quality
    from the store override them in every analysis and in the router.

    `deprecated` means the provider has retired (or announced as past its end date) the model;
    such models stay resolvable, so historical executions can still be priced, but listings
    and recommendations skip them unless asked. `deprecation_date` is informational.
    """

    id: str
    name: str
    provider: str
    input_price_per_mtok: Decimal
    output_price_per_mtok: Decimal
    context_window: int
    max_output_tokens: int
    capabilities: frozenset[ModelCapability] = frozenset({ModelCapability.TEXT_GENERATION})
    avg_latency_ms: int = 1500
    quality_tier: int = 3
    aliases: tuple[str, ...] = ()
    deprecated: bool = False
    deprecation_date: dt.date | None = None
    price_source: str = "user"
    price_date: dt.date | None = None

    def __post_init__(self) -> None:
        s = object.__setattr__
        mid = as_text("id", self.id, no_space=True)
        if not _ID_RE.match(mid) or len(mid) > 200:
            raise ValidationError(
                "id", mid, "use the form 'provider/model', e.g. 'openai/gpt-4o' (max 200 chars)"
            )
        as_text("name", self.name)
        as_text("provider", self.provider, no_space=True)
        s(
            self,
            "input_price_per_mtok",
            as_price("input_price_per_mtok", self.input_price_per_mtok),
        )
        s(
            self,
            "output_price_per_mtok",
            as_price("output_price_per_mtok", self.output_price_per_mtok),
        )
        s(self, "context_window", as_whole("context_window", self.context_window, 1))
        s(self, "max_output_tokens", as_whole("max_output_tokens", self.max_output_tokens, 1))
        caps: object = self.capabilities
        if isinstance(caps, str) or not isinstance(caps, Iterable):
            raise ValidationError(
                "capabilities", caps, "give a set of ModelCapability values, e.g. {'chat'}"
            )
        s(self, "capabilities", frozenset(ModelCapability.parse(c, "capabilities") for c in caps))
        s(self, "avg_latency_ms", as_whole("avg_latency_ms", self.avg_latency_ms, 1))
        s(self, "quality_tier", as_whole("quality_tier", self.quality_tier, 1, 5))
        raw_aliases: object = self.aliases
        if isinstance(raw_aliases, str) or not isinstance(raw_aliases, Iterable):
            raise ValidationError("aliases", raw_aliases, "give a tuple of alternative names")
        aliases: list[str] = []
        seen = {mid.casefold()}
        for a in raw_aliases:
            as_text("aliases", a, no_space=True)
            if a.casefold() not in seen:
                seen.add(a.casefold())
                aliases.append(a)
        s(self, "aliases", tuple(aliases))
        if not isinstance(self.deprecated, bool):
            raise ValidationError("deprecated", self.deprecated, "give True or False")
        s(self, "deprecation_date", as_date("deprecation_date", self.deprecation_date))
        as_text("price_source", self.price_source)
        s(self, "price_date", as_date("price_date", self.price_date))

    # ------------------------------------------------------------------ prices

    @property
    def is_local(self) -> bool:
        """True for models run on this machine (provider ``local``); their price is notional."""
        return self.provider == "local"

    @property
    def cost_per_1k_input_tokens(self) -> Decimal:
        """USD per 1,000 input tokens (the spec's JSON field), exact."""
        return clean_decimal(self.input_price_per_mtok.scaleb(-3))

    @property
    def cost_per_1k_output_tokens(self) -> Decimal:
        """USD per 1,000 output tokens (the spec's JSON field), exact."""
        return clean_decimal(self.output_price_per_mtok.scaleb(-3))

    @property
    def blended_price_per_mtok(self) -> Decimal:
        """USD per million tokens of a 3:1 input:output mix, exact."""
        total = (
            self.input_price_per_mtok * BLEND_INPUT_TOKENS
            + self.output_price_per_mtok * BLEND_OUTPUT_TOKENS
        )
        with localcontext(prec=50):
            return clean_decimal(total / (BLEND_INPUT_TOKENS + BLEND_OUTPUT_TOKENS))

    def calculate_cost(self, prompt_tokens: int, completion_tokens: int) -> Decimal:
        """Exact USD cost of one call with these token counts."""
        p = as_whole("prompt_tokens", prompt_tokens, 0)
        c = as_whole("completion_tokens", completion_tokens, 0)
        with localcontext(prec=60):
            total = self.input_price_per_mtok * p + self.output_price_per_mtok * c
            return clean_decimal(total / _MILLION)

    @property
    def cost_efficiency_score(self) -> float:
        """Cheapness on a fixed log scale, 0-100 (higher is cheaper).

        ``score = 100 * (log10(100) - log10(b)) / (log10(100) - log10(0.01))``, clipped to
        [0, 100], where ``b`` is `blended_price_per_mtok` (USD per million tokens of a 3:1
        input:output mix). So $0.01/Mtok scores 100, $100/Mtok scores 0, and every 10x cheaper
        adds 25 points; a free (local) model scores 100. The anchors are fixed, not the
        registry's current range, so a score never changes when other models are registered.
        It measures price only: quality per dollar needs measured quality from the store.
        Rounded to one decimal, as in the spec's `/models` response.
        """
        b = self.blended_price_per_mtok
        if b <= _SCORE_CHEAP:
            return 100.0
        if b >= _SCORE_DEAR:
            return 0.0
        hi, lo = math.log10(_SCORE_DEAR), math.log10(_SCORE_CHEAP)
        return round(100.0 * (hi - math.log10(b)) / (hi - lo), 1)

    def with_price(
        self,
        input_per_mtok: Decimal | int | str,
        output_per_mtok: Decimal | int | str,
        *,
        source: str,
        price_date: dt.date | str | None = None,
    ) -> ModelSpec:
        """A copy with a new price and its provenance."""
        return replace(
            self,
            input_price_per_mtok=as_price("input_per_mtok", input_per_mtok),
            output_price_per_mtok=as_price("output_per_mtok", output_per_mtok),
            price_source=as_text("source", source),
            price_date=as_date("price_date", price_date),
        )

    # ------------------------------------------------------------------ views

    def sorted_capabilities(self) -> list[ModelCapability]:
        """Capabilities in declaration order (stable for JSON and tables)."""
        return [c for c in ModelCapability if c in self.capabilities]

    def to_dict(self) -> dict[str, Any]:
        """The spec's `/models` JSON object for this model (JSON-ready: prices as floats).

        Floats here are for JSON only; use the `Decimal` properties for arithmetic.
        """
        return {
            "id": self.id,
            "name": self.name,
            "provider": self.provider,
            "cost_per_1k_input_tokens": float(self.cost_per_1k_input_tokens),
            "cost_per_1k_output_tokens": float(self.cost_per_1k_output_tokens),
            "max_tokens": self.context_window,
            "capabilities": [c.value for c in self.sorted_capabilities()],
            "avg_latency_ms": self.avg_latency_ms,
            "cost_efficiency_score": self.cost_efficiency_score,
        }

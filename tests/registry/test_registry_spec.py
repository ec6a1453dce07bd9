"""ModelSpec: validation, exact cost arithmetic, the cost-efficiency scale, the spec's JSON."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal

import numpy as np
import pytest

from aigym.errors import ValidationError
from aigym.registry import ModelCapability, ModelRegistry, ModelSpec


def spec(**kw: object) -> ModelSpec:
    base: dict[str, object] = {
        "id": "acme/model-1",
        "name": "Acme Model 1",
        "provider": "acme",
        "input_price_per_mtok": Decimal("3"),
        "output_price_per_mtok": Decimal("15"),
        "context_window": 200_000,
        "max_output_tokens": 8192,
    }
    base.update(kw)
    return ModelSpec(**base)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- costs


@pytest.mark.parametrize(
    ("model_id", "prompt", "completion", "expected"),
    [
        # 1200 * $3/M + 800 * $15/M = 0.0036 + 0.012
        ("anthropic/claude-3.5-sonnet", 1200, 800, "0.0156"),
        # 1000 * $2.5/M + 500 * $10/M = 0.0025 + 0.005
        ("openai/gpt-4o", 1000, 500, "0.0075"),
        # 1M * $0.15/M + 1M * $0.6/M
        ("openai/gpt-4o-mini", 1_000_000, 1_000_000, "0.75"),
        # 7 * $0.14/M + 3 * $0.28/M = 0.00000098 + 0.00000084
        ("deepseek/deepseek-coder", 7, 3, "0.00000182"),
        # 1000 * $10/M + 1000 * $30/M
        ("openai/gpt-4-turbo", 1000, 1000, "0.04"),
        # 2000 * $5/M + 100 * $15/M = 0.01 + 0.0015
        ("x-ai/grok-beta", 2000, 100, "0.0115"),
        # NVIDIA price of the LLMRouter table: $0.2/M both ways
        ("llama-3.1-8b-instruct", 500, 250, "0.00015"),
        ("local/smollm2-135m", 10_000, 10_000, "0"),
        ("openai/gpt-4o", 0, 0, "0"),
    ],
)
def test_cost_matches_hand_computation(
    registry: ModelRegistry, model_id: str, prompt: int, completion: int, expected: str
) -> None:
    cost = registry.get(model_id).calculate_cost(prompt, completion)
    assert isinstance(cost, Decimal)
    assert cost == Decimal(expected)


def test_cost_is_exact_when_summed(registry: ModelRegistry) -> None:
    mini = registry.get("gpt-4o-mini")
    one = mini.calculate_cost(1, 0)  # $0.15 per million tokens
    assert one == Decimal("0.00000015")
    assert sum((one for _ in range(100_000)), Decimal(0)) == Decimal("0.015")


def test_cost_of_spec_example_prices(registry: ModelRegistry) -> None:
    sonnet = registry.get("anthropic/claude-3.5-sonnet")
    assert sonnet.cost_per_1k_input_tokens == Decimal("0.003")
    assert sonnet.cost_per_1k_output_tokens == Decimal("0.015")
    assert registry.get("gpt-4o-mini").cost_per_1k_input_tokens == Decimal("0.00015")


@pytest.mark.parametrize(
    ("prompt", "completion"), [(-1, 0), (0, -5), (1.5, 0), (True, 0), ("10", 0), (None, 0)]
)
def test_cost_rejects_bad_token_counts(prompt: object, completion: object) -> None:
    with pytest.raises(ValidationError) as e:
        spec().calculate_cost(prompt, completion)  # type: ignore[arg-type]
    assert e.value.field in {"prompt_tokens", "completion_tokens"}


def test_cost_accepts_numpy_integers() -> None:
    assert spec().calculate_cost(np.int64(1000), np.int32(0)) == Decimal("0.003")  # type: ignore[arg-type]


def test_blended_price_is_three_to_one() -> None:
    assert spec().blended_price_per_mtok == Decimal("6")  # (3*3 + 15) / 4
    assert spec(
        input_price_per_mtok="0.15", output_price_per_mtok="0.6"
    ).blended_price_per_mtok == (Decimal("0.2625"))


# --------------------------------------------------------------------------- efficiency


def test_cost_efficiency_anchors() -> None:
    def score(blended: str) -> float:
        return spec(
            input_price_per_mtok=blended, output_price_per_mtok=blended
        ).cost_efficiency_score

    assert score("0") == 100.0
    assert score("0.01") == 100.0
    assert score("0.1") == 75.0
    assert score("1") == 50.0
    assert score("10") == 25.0
    assert score("100") == 0.0
    assert score("1000") == 0.0


def test_cost_efficiency_is_monotone_in_price() -> None:
    prices = [Decimal(0)] + [Decimal(2) ** k / 1000 for k in range(25)]
    scores = [
        spec(input_price_per_mtok=p, output_price_per_mtok=p * 4).cost_efficiency_score
        for p in prices
    ]
    assert all(a >= b for a, b in itertools.pairwise(scores))
    assert scores[0] == 100.0 and scores[-1] == 0.0
    inside = [s for s in scores if 0 < s < 100]
    assert all(a > b for a, b in itertools.pairwise(inside))


def test_cost_efficiency_ranks_registry_by_price(registry: ModelRegistry) -> None:
    models = sorted(registry.get_all_models(True), key=lambda m: m.blended_price_per_mtok)
    scores = [m.cost_efficiency_score for m in models]
    assert scores == sorted(scores, reverse=True)
    assert min(scores) >= 0 and max(scores) <= 100


# --------------------------------------------------------------------------- JSON


def test_to_dict_has_the_spec_fields(registry: ModelRegistry) -> None:
    d = registry.get("anthropic/claude-3.5-sonnet").to_dict()
    assert list(d) == [
        "id",
        "name",
        "provider",
        "cost_per_1k_input_tokens",
        "cost_per_1k_output_tokens",
        "max_tokens",
        "capabilities",
        "avg_latency_ms",
        "cost_efficiency_score",
    ]
    assert d["id"] == "anthropic/claude-3.5-sonnet"
    assert d["name"] == "Claude 3.5 Sonnet"
    assert d["provider"] == "anthropic"
    assert d["cost_per_1k_input_tokens"] == 0.003
    assert d["cost_per_1k_output_tokens"] == 0.015
    assert d["max_tokens"] == 200_000
    assert {"text_generation", "code_generation", "reasoning"} <= set(d["capabilities"])
    assert d["avg_latency_ms"] == 1800
    assert json.loads(json.dumps(d)) == d


def test_every_bundled_model_serialises(registry: ModelRegistry) -> None:
    payload = {"models": [m.to_dict() for m in registry.get_all_models()]}
    payload["total"] = len(payload["models"])  # type: ignore[assignment]
    assert json.loads(json.dumps(payload))["total"] == len(registry.get_all_models())


# --------------------------------------------------------------------------- validation


def test_inputs_are_normalised() -> None:
    s = spec(
        input_price_per_mtok=0.1,
        output_price_per_mtok="0.40",
        capabilities=["chat", ModelCapability.VISION, "TEXT_GENERATION"],
        aliases=["m1", "M1", "acme/model-1"],
        price_date="2026-01-02",
    )
    assert s.input_price_per_mtok == Decimal("0.1") and str(s.input_price_per_mtok) == "0.1"
    assert str(s.output_price_per_mtok) == "0.4"
    assert s.capabilities == {
        ModelCapability.CHAT,
        ModelCapability.VISION,
        ModelCapability.TEXT_GENERATION,
    }
    assert s.aliases == ("m1",)
    assert s.price_date is not None and s.price_date.isoformat() == "2026-01-02"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "gpt-4o"),
        ("id", "openai/gpt 4o"),
        ("id", ""),
        ("name", ""),
        ("provider", "open ai"),
        ("input_price_per_mtok", Decimal(-1)),
        ("input_price_per_mtok", "cheap"),
        ("output_price_per_mtok", float("nan")),
        ("output_price_per_mtok", True),
        ("context_window", 0),
        ("max_output_tokens", 1.5),
        ("capabilities", ["telepathy"]),
        ("capabilities", "chat"),
        ("avg_latency_ms", 0),
        ("quality_tier", 6),
        ("aliases", "gpt"),
        ("aliases", ["has space"]),
        ("deprecated", "no"),
        ("price_source", ""),
        ("price_date", "yesterday"),
    ],
)
def test_bad_fields_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as e:
        spec(**{field: value})
    assert e.value.field == field
    assert "invalid" in str(e.value)


def test_spec_is_frozen() -> None:
    s = spec()
    with pytest.raises(AttributeError):
        s.input_price_per_mtok = Decimal(0)  # type: ignore[misc]


def test_capability_is_a_str_enum() -> None:
    assert ModelCapability.CODE_GENERATION == "code_generation"
    assert ModelCapability.parse("Vision") is ModelCapability.VISION
    expected = {
        "text_generation",
        "code_generation",
        "reasoning",
        "vision",
        "multilingual",
        "function_calling",
        "long_context",
    }
    assert expected <= {c.value for c in ModelCapability}
    with pytest.raises(ValidationError):
        ModelCapability.parse("flying")

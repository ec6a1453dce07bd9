"""The bundled catalogue: contents, lookups and aliases, filters, recommendations, registering."""

from __future__ import annotations

import inspect
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

import aigym.registry as reg
from aigym.errors import UnknownModelError, ValidationError
from aigym.records import TaskType
from aigym.registry import (
    STRATEGIES,
    ModelCapability,
    ModelRegistry,
    ModelSpec,
    get_model_registry,
    task_requirements,
)
from aigym.registry._recommend import balanced_score, prior_quality

C = ModelCapability

SPEC_SEVEN = {
    "openai/gpt-4-turbo": "GPT-4 Turbo",
    "openai/gpt-4o": "GPT-4o",
    "anthropic/claude-3.5-sonnet": "Claude 3.5 Sonnet",
    "anthropic/claude-3-haiku": "Claude 3 Haiku",
    "qwen/qwen-2.5-72b-instruct": "Qwen 2.5 72B Instruct",
    "x-ai/grok-beta": "Grok Beta",
    "deepseek/deepseek-coder": "DeepSeek Coder",
}
# Model names exactly as the outcome tables in shared/data spell them.
LLMROUTER_NINE = [
    "codegemma-7b",
    "gemma-2-9b-it",
    "llama-3.1-8b-instruct",
    "llama-3.1-nemotron-51b-instruct",
    "llama-3.3-nemotron-super-49b-v1",
    "llama3-chatqa-1.5-70b",
    "llama3-chatqa-1.5-8b",
    "mistral-7b-instruct-v0.3",
    "qwen2.5-7b-instruct",
]
ROUTELLM_TWO = ["gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"]
CURRENT = [
    "gpt-4o-mini",
    "gpt-4.1",
    "claude-3.5-haiku",
    "claude-sonnet-4",
    "gemini-2.0-flash",
    "llama-3.1-8b",
    "mixtral-8x7b",
    "deepseek-chat",
]


# --------------------------------------------------------------------------- contents


def test_spec_seven_present_with_positive_prices(registry: ModelRegistry) -> None:
    for mid, name in SPEC_SEVEN.items():
        m = registry.get(mid)
        assert m.id == mid and m.name == name
        assert m.input_price_per_mtok > 0 and m.output_price_per_mtok > 0
        assert m.price_source and m.price_date is not None


@pytest.mark.parametrize("name", LLMROUTER_NINE + ROUTELLM_TWO + CURRENT)
def test_outcome_table_and_current_models_priced(registry: ModelRegistry, name: str) -> None:
    m = registry.get(name)
    assert m.input_price_per_mtok > 0 and m.output_price_per_mtok > 0
    assert m.calculate_cost(1000, 1000) > 0


def test_outcome_table_names_match_the_data(shared_data: Path) -> None:
    nine = pl.read_parquet(shared_data / "llmrouter_9model_scores.parquet", columns=["model"])
    two = pl.read_parquet(shared_data / "routellm_2model_outcomes.parquet", columns=["model"])
    assert sorted(nine["model"].unique().to_list()) == LLMROUTER_NINE
    assert sorted(two["model"].unique().to_list()) == sorted(ROUTELLM_TWO)
    registry = get_model_registry()
    assert all(n in registry for n in LLMROUTER_NINE + ROUTELLM_TWO)


def test_price_sources_are_traceable(registry: ModelRegistry) -> None:
    prefixes = ("litellm:", "llmrouter_model_prices.csv:", "published:https://", "notional:")
    for m in registry.get_all_models(include_deprecated=True):
        assert m.price_source.startswith(prefixes), m.id
    assert registry.get("gpt-4o").price_source == "litellm:gpt-4o"
    assert registry.get("x-ai/grok-beta").price_source == "published:https://docs.x.ai/docs/models"
    assert registry.get("codegemma-7b").price_source.startswith("llmrouter_model_prices.csv:")


def test_ids_have_provider_form(registry: ModelRegistry) -> None:
    for m in registry.get_all_models(include_deprecated=True):
        provider, _, rest = m.id.partition("/")
        assert provider == m.provider and rest


def test_local_models_are_free_and_settable(registry: ModelRegistry) -> None:
    smol, gemma = registry.get("local/smollm2-135m"), registry.get("local/gemma3-270m")
    assert smol.name == "SmolLM2-135M-Instruct" and smol.is_local
    assert C.CHAT in smol.capabilities
    assert C.CHAT not in gemma.capabilities  # a base model
    for m in (smol, gemma):
        assert m.input_price_per_mtok == 0 and m.output_price_per_mtok == 0
        assert m.cost_efficiency_score == 100.0
    updated = registry.set_price(
        "smollm2-135m",
        "0.02",
        Decimal("0.05"),
        source="notional:electricity",
        price_date="2026-11-26",
    )
    assert updated.id == "local/smollm2-135m"
    assert registry.get("local/smollm2-135m").calculate_cost(1_000_000, 2_000_000) == Decimal(
        "0.12"
    )
    assert registry.get("smollm2-135m").price_source == "notional:electricity"
    assert registry.get("smollm2-135m").aliases == smol.aliases
    with pytest.raises(ValidationError):
        registry.set_price("local/gemma3-270m", -1, 0)
    assert registry.get("local/gemma3-270m").input_price_per_mtok == 0


def test_retired_models_are_flagged_but_resolvable(registry: ModelRegistry) -> None:
    current = {m.id for m in registry.get_all_models()}
    everything = {m.id for m in registry.get_all_models(include_deprecated=True)}
    assert current < everything
    for mid in ("x-ai/grok-beta", "anthropic/claude-3.5-sonnet", "openai/gpt-4-1106-preview"):
        assert registry.get(mid).deprecated and mid not in current
    assert "openai/gpt-4o" in current and "openai/gpt-4.1" in current
    assert len(current) >= 10


# --------------------------------------------------------------------------- lookups


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("gpt-4o", "openai/gpt-4o"),
        ("GPT-4o", "openai/gpt-4o"),
        ("  openai/gpt-4o ", "openai/gpt-4o"),
        ("openai/gpt-4-turbo-preview", "openai/gpt-4-turbo"),
        ("claude-3-5-sonnet-20241022", "anthropic/claude-3.5-sonnet"),
        ("claude-3.5-sonnet", "anthropic/claude-3.5-sonnet"),
        ("grok-beta", "x-ai/grok-beta"),
        ("Qwen/Qwen2.5-72B-Instruct", "qwen/qwen-2.5-72b-instruct"),
        ("deepseek-coder", "deepseek/deepseek-coder"),
        ("mistralai/Mixtral-8x7B-Instruct-v0.1", "mistralai/mixtral-8x7b-instruct"),
        ("meta/llama-3.1-8b-instruct", "meta-llama/llama-3.1-8b-instruct"),
        ("gpt-4-1106-preview", "openai/gpt-4-1106-preview"),
        ("HuggingFaceTB/SmolLM2-135M-Instruct", "local/smollm2-135m"),
    ],
)
def test_aliases_resolve(registry: ModelRegistry, name: str, canonical: str) -> None:
    assert registry.resolve(name) == canonical
    assert registry.get(name).id == canonical
    assert name in registry


def test_contains_is_false_for_unknown_and_non_strings(registry: ModelRegistry) -> None:
    assert "openai/gpt-17" not in registry
    assert 42 not in registry
    assert None not in registry


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        ("openai/gpt4o", "openai/gpt-4o"),
        ("anthropic/claude-3.5-sonet", "anthropic/claude-3.5-sonnet"),
        ("grok-betta", "x-ai/grok-beta"),
        ("deepseek/deepseek-codr", "deepseek/deepseek-coder"),
        ("acme/gpt-4o-mini", "openai/gpt-4o-mini"),
    ],
)
def test_unknown_id_suggests_closest(registry: ModelRegistry, typo: str, expected: str) -> None:
    with pytest.raises(UnknownModelError) as e:
        registry.get(typo)
    err = e.value
    assert isinstance(err, KeyError)
    assert err.model_id == typo
    assert err.suggestions[0] == expected
    assert 1 <= len(err.suggestions) <= 3
    assert expected in str(err) and "register" in str(err).lower()


def test_unknown_id_without_neighbours(registry: ModelRegistry) -> None:
    with pytest.raises(UnknownModelError) as e:
        registry.resolve("zzzzzzzz/qqqqqqqq")
    assert e.value.suggestions == []


@pytest.mark.parametrize("bad", ["", "   ", None, 3])
def test_get_rejects_non_ids(registry: ModelRegistry, bad: object) -> None:
    with pytest.raises(ValidationError):
        registry.get(bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- filters


def test_capability_filter(registry: ModelRegistry) -> None:
    code = registry.get_models_by_capability(ModelCapability.CODE_GENERATION)
    ids = {m.id for m in code}
    assert "deepseek/deepseek-coder" in ids and "google/codegemma-7b" in ids
    assert "nvidia/llama3-chatqa-1.5-8b" not in ids and "local/smollm2-135m" not in ids
    assert all(C.CODE_GENERATION in m.capabilities and not m.deprecated for m in code)
    assert [m.id for m in code] == sorted(ids)
    assert registry.get_models_by_capability("vision") == registry.get_models_by_capability(
        C.VISION
    )
    old = registry.get_models_by_capability(C.VISION, include_deprecated=True)
    assert "openai/gpt-4-turbo" in {m.id for m in old} - {
        m.id for m in registry.get_models_by_capability(C.VISION)
    }
    with pytest.raises(ValidationError):
        registry.get_models_by_capability("telepathy")


def test_long_context_follows_the_window(registry: ModelRegistry) -> None:
    for m in registry.get_all_models(include_deprecated=True):
        assert (C.LONG_CONTEXT in m.capabilities) == (
            m.context_window >= reg.LONG_CONTEXT_MIN_TOKENS
        )


def test_cheapest(registry: ModelRegistry) -> None:
    cheapest = registry.get_cheapest_model()
    assert cheapest.is_local and cheapest.blended_price_per_mtok == 0
    hosted = registry.get_cheapest_model(include_local=False)
    current_hosted = [m for m in registry.get_all_models() if not m.is_local]
    assert hosted.blended_price_per_mtok == min(m.blended_price_per_mtok for m in current_hosted)
    assert hosted.id == "google/gemma-2-9b-it"  # $0.10/M both ways
    vision = registry.get_cheapest_model(C.VISION)
    assert vision.id == "openai/gpt-4o-mini"  # $0.2625/M blended
    coder = registry.get_cheapest_model(task_type=TaskType.CODE_GENERATION, include_local=False)
    assert C.CODE_GENERATION in coder.capabilities


def test_fastest(registry: ModelRegistry) -> None:
    fastest = registry.get_fastest_model()
    assert fastest.avg_latency_ms == min(m.avg_latency_ms for m in registry.get_all_models())
    multi = registry.get_fastest_model([C.VISION, C.STRUCTURED_OUTPUT])
    assert multi.id == "openai/gpt-4o-mini"  # 1000 ms prior
    old = registry.get_fastest_model([C.VISION, C.STRUCTURED_OUTPUT], include_deprecated=True)
    assert old.id == "google/gemini-2.0-flash"  # 700 ms prior, retired 2026-06-01
    with pytest.raises(ValidationError, match="relax the filter"):
        ModelRegistry().get_fastest_model()


def test_picks_refuse_impossible_filters(registry: ModelRegistry) -> None:
    only_base = ModelRegistry([registry.get("local/gemma3-270m")])
    with pytest.raises(ValidationError, match="relax the filter"):
        only_base.get_cheapest_model(C.CHAT)


# --------------------------------------------------------------------------- recommendations


def test_task_requirements_cover_the_spec_tasks() -> None:
    for task in TaskType.builtin():
        req = task_requirements(task)
        assert req.task_type == task and req.required
    assert C.CODE_GENERATION in task_requirements("code_generation").required
    assert C.LONG_CONTEXT in task_requirements(TaskType.WEBSITE_ANALYSIS).preferred
    custom = task_requirements("Contract Review")
    assert custom.task_type == "contract_review"
    assert custom.required == task_requirements("generic").required
    with pytest.raises(ValidationError):
        task_requirements("")


@pytest.mark.parametrize("task", list(TaskType.builtin()))
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_recommendations_meet_requirements(
    registry: ModelRegistry, task: TaskType, strategy: str
) -> None:
    ranked = registry.recommend_models_for_task(task, strategy)
    req = task_requirements(task)
    assert ranked, (task, strategy)
    assert all(req.required <= m.capabilities and not m.deprecated for m in ranked)
    assert len({m.id for m in ranked}) == len(ranked)


def test_strategies_rank_by_their_prior(registry: ModelRegistry) -> None:
    task = TaskType.EMAIL_WRITING
    req = task_requirements(task)
    cost = registry.recommend_models_for_task(task, "best_cost")
    assert [m.blended_price_per_mtok for m in cost] == sorted(
        m.blended_price_per_mtok for m in cost
    )
    fast = registry.recommend_models_for_task(task, "fastest")
    assert [m.avg_latency_ms for m in fast] == sorted(m.avg_latency_ms for m in fast)
    best = registry.recommend_models_for_task(task, "best_quality")
    q = [prior_quality(m, req) for m in best]
    assert q == sorted(q, reverse=True)
    assert best[0].quality_tier == 5
    bal = registry.recommend_models_for_task(task, "balanced")
    b = [balanced_score(m, req) for m in bal]
    assert b == sorted(b, reverse=True)
    assert (
        {m.id for m in cost} == {m.id for m in fast} == {m.id for m in best} == {m.id for m in bal}
    )
    assert best[0].id != cost[0].id


def test_recommendation_options(registry: ModelRegistry) -> None:
    top3 = registry.recommend_models_for_task("code_generation", "balanced", limit=3)
    assert len(top3) == 3
    assert registry.recommend_models_for_task("code_generation", "balanced")[:3] == top3
    hosted = registry.recommend_models_for_task("conversation", "best_cost", include_local=False)
    assert not any(m.is_local for m in hosted)
    with_old = registry.recommend_models_for_task(
        "conversation", "best_quality", include_deprecated=True
    )
    assert any(m.deprecated for m in with_old)
    assert registry.recommend_models_for_task("my_custom_task", "Best-Cost")
    with pytest.raises(ValidationError, match="best_quality"):
        registry.recommend_models_for_task("generic", "cheapest")
    with pytest.raises(ValidationError):
        registry.recommend_models_for_task("generic", "balanced", limit=0)


def test_no_candidates_gives_empty_list(registry: ModelRegistry) -> None:
    only_base = ModelRegistry([registry.get("local/gemma3-270m")])
    assert only_base.recommend_models_for_task("conversation", "balanced") == []
    assert [m.id for m in only_base.recommend_models_for_task("generic")] == ["local/gemma3-270m"]


# --------------------------------------------------------------------------- register


def acme(**kw: object) -> ModelSpec:
    base: dict[str, object] = {
        "id": "acme/writer-1",
        "name": "Acme Writer 1",
        "provider": "acme",
        "input_price_per_mtok": "1",
        "output_price_per_mtok": "2",
        "context_window": 32_000,
        "max_output_tokens": 4000,
        "capabilities": {C.TEXT_GENERATION, C.CHAT},
        "aliases": ("writer-1",),
    }
    base.update(kw)
    return ModelSpec(**base)  # type: ignore[arg-type]


def test_register_and_replace(registry: ModelRegistry) -> None:
    n = len(registry)
    registry.register(acme())
    assert len(registry) == n + 1
    assert registry.get("WRITER-1").id == "acme/writer-1"
    assert "acme/writer-1" in {m.id for m in registry.recommend_models_for_task("email_writing")}
    with pytest.raises(ValidationError, match="replace=True"):
        registry.register(acme(input_price_per_mtok="9"))
    assert registry.get("acme/writer-1").input_price_per_mtok == 1
    registry.register(acme(input_price_per_mtok="9", aliases=("writer-one",)), replace=True)
    assert registry.get("writer-one").input_price_per_mtok == 9
    assert "writer-1" not in registry
    assert len(registry) == n + 1


def test_register_refuses_names_of_other_models(registry: ModelRegistry) -> None:
    before = list(registry)
    with pytest.raises(ValidationError, match="gpt-4o"):
        registry.register(acme(aliases=("writer-1", "gpt-4o")))
    with pytest.raises(ValidationError):
        registry.register(acme(id="openai/GPT-4O"), replace=False)
    with pytest.raises(ValidationError):
        registry.register("acme/writer-1")  # type: ignore[arg-type]
    assert list(registry) == before
    assert "writer-1" not in registry


def test_empty_registry() -> None:
    r = ModelRegistry()
    assert len(r) == 0 and r.get_all_models() == []
    assert r.recommend_models_for_task("generic") == []
    with pytest.raises(UnknownModelError):
        r.get("openai/gpt-4o")


def test_singleton_is_cached() -> None:
    a, b = get_model_registry(), get_model_registry()
    assert a is b
    assert "openai/gpt-4o" in a


# --------------------------------------------------------------------------- tables


def test_to_polars_is_tidy(registry: ModelRegistry) -> None:
    df = registry.to_polars()
    assert df.height == len(registry) and df["id"].is_unique().all()
    assert df["id"].to_list() == sorted(df["id"].to_list())
    row = df.filter(df["id"] == "anthropic/claude-3.5-sonnet").row(0, named=True)
    assert row["input_price_per_mtok"] == 3.0 and row["cost_per_1k_output_tokens"] == 0.015
    assert "reasoning" in row["capabilities"] and row["deprecated"] is True
    assert registry.to_polars(include_deprecated=False).height == len(registry.get_all_models())


def test_to_pandas_matches(registry: ModelRegistry) -> None:
    pdf = registry.to_pandas()
    assert list(pdf["id"]) == registry.to_polars()["id"].to_list()
    assert isinstance(pdf["capabilities"].iloc[0], list)


# --------------------------------------------------------------------------- package


def _isort_key(name: str) -> tuple[int, str]:
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return (kind, name)


def test_all_is_sorted_and_complete() -> None:
    assert reg.__all__ == sorted(reg.__all__, key=_isort_key)
    public = {
        n
        for n, v in vars(reg).items()
        if not n.startswith("_") and not inspect.ismodule(v) and n != "annotations"
    }
    assert set(reg.__all__) == public
    for name in reg.__all__:
        assert getattr(reg, name) is not None

"""The curated model table behind ``models.json``: ids, names, aliases, price sources, priors.

Read only by `aigym.registry._build_data`, which fills in prices, limits and capability flags
from the shared data files; never imported by aigym at run time.

Priors: `latency_ms` is a typical end-to-end time of a short call (~500 tokens in, ~200 out);
`tier` is 1 tiny, 2 small open model (7-9B), 3 mid, 4 strong, 5 frontier. Both are coarse
guesses that measured values from the store replace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["ENTRIES", "Entry", "LLMRouter", "LiteLLM", "Local", "Price", "Published"]

ANTHROPIC_PRICING: Final = "https://docs.anthropic.com/en/docs/about-claude/pricing"
ANTHROPIC_PRICING_DATE: Final = "2025-08-05"  # page as of the Claude Opus 4.1 launch
XAI_MODELS: Final = "https://docs.x.ai/docs/models"
XAI_MODELS_DATE: Final = "2024-12-17"  # archived copy of the models-and-pricing page

# Capability shorthands (values of aigym.registry.ModelCapability).
T, K, R, V = "text_generation", "code_generation", "reasoning", "vision"
M, F, S, H = "multilingual", "function_calling", "structured_output", "chat"


@dataclass(frozen=True)
class LiteLLM:
    key: str


@dataclass(frozen=True)
class LLMRouter:
    model: str  # the `model` column, which is also the outcome table's model name


@dataclass(frozen=True)
class Published:
    input_per_mtok: str
    output_per_mtok: str
    url: str
    date: str


@dataclass(frozen=True)
class Local:
    pass


Price = LiteLLM | LLMRouter | Published | Local


@dataclass(frozen=True)
class Entry:
    id: str
    name: str
    price: Price
    caps: frozenset[str]
    latency_ms: int  # prior: typical end-to-end ms of a short call (~500 tokens in, ~200 out)
    tier: int  # prior: 1 tiny, 2 small open (7-9B), 3 mid, 4 strong, 5 frontier
    aliases: tuple[str, ...] = ()
    context: int | None = None  # when the price source lacks it
    max_output: int | None = None
    retired: str | None = None  # provider's end date when the price source has none
    retired_undated: bool = False  # retired, no date published
    notes: str = ""


def caps(*names: str) -> frozenset[str]:
    return frozenset(names)


GENERAL = caps(T, K, M, H, F)
FRONTIER = caps(T, K, R, M, H, F, V, S)

ENTRIES: Final[tuple[Entry, ...]] = (
    # ---- the spec's seven
    Entry(
        "openai/gpt-4-turbo",
        "GPT-4 Turbo",
        LiteLLM("gpt-4-turbo"),
        GENERAL | {R},
        3000,
        4,
        aliases=(
            "gpt-4-turbo",
            "gpt-4-turbo-2024-04-09",
            "openai/gpt-4-turbo-2024-04-09",
            "gpt-4-turbo-preview",
            "openai/gpt-4-turbo-preview",
        ),
        notes="gpt-4-turbo-preview pointed at a GPT-4 Turbo preview at the same price.",
    ),
    Entry(
        "openai/gpt-4o",
        "GPT-4o",
        LiteLLM("gpt-4o"),
        FRONTIER,
        1500,
        4,
        aliases=("gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-2024-11-20"),
    ),
    Entry(
        "anthropic/claude-3.5-sonnet",
        "Claude 3.5 Sonnet",
        Published("3", "15", ANTHROPIC_PRICING, ANTHROPIC_PRICING_DATE),
        caps(T, K, R, M, H, F, V),
        1800,
        4,
        context=200_000,
        max_output=8192,
        retired="2025-10-22",
        aliases=(
            "claude-3.5-sonnet",
            "claude-3-5-sonnet",
            "claude-3-5-sonnet-20241022",
            "claude-3-5-sonnet-20240620",
            "claude-3-5-sonnet-latest",
            "anthropic/claude-3-5-sonnet",
            "anthropic/claude-3.5-sonnet-20240620",
        ),
        notes="No first-party LiteLLM entry (resellers only); Anthropic list price. "
        "Retired by Anthropic on 2025-10-22.",
    ),
    Entry(
        "anthropic/claude-3-haiku",
        "Claude 3 Haiku",
        Published("0.25", "1.25", ANTHROPIC_PRICING, ANTHROPIC_PRICING_DATE),
        caps(T, K, M, H, F, V),
        800,
        2,
        context=200_000,
        max_output=4096,
        retired="2026-04-20",
        aliases=("claude-3-haiku", "claude-3-haiku-20240307", "anthropic/claude-3-haiku-20240307"),
        notes="No first-party LiteLLM entry (resellers only); Anthropic list price. "
        "Retired by Anthropic in April 2026.",
    ),
    Entry(
        "qwen/qwen-2.5-72b-instruct",
        "Qwen 2.5 72B Instruct",
        LiteLLM("deepinfra/Qwen/Qwen2.5-72B-Instruct"),
        GENERAL | {R, S},
        2000,
        4,
        aliases=(
            "qwen-2.5-72b-instruct",
            "qwen2.5-72b-instruct",
            "qwen/qwen2.5-72b-instruct",
            "Qwen/Qwen2.5-72B-Instruct",
            "qwen-2.5-72b",
        ),
        notes="Open weights with many hosts ($0.12-1.20/Mtok input in the LiteLLM snapshot); "
        "priced at DeepInfra's listing, near the hosts' median.",
    ),
    Entry(
        "x-ai/grok-beta",
        "Grok Beta",
        Published("5", "15", XAI_MODELS, XAI_MODELS_DATE),
        caps(T, K, R, M, H, F),
        2000,
        4,
        context=131_072,
        max_output=131_072,
        retired_undated=True,
        aliases=("grok-beta", "xai/grok-beta"),
        notes="Not in the LiteLLM snapshot; xAI list price. Superseded by grok-2-1212 (Dec 2024) "
        "and no longer offered; xAI publishes no max output, so it is set to the context window.",
    ),
    Entry(
        "deepseek/deepseek-coder",
        "DeepSeek Coder",
        LiteLLM("deepseek/deepseek-coder"),
        caps(T, K, M, H, F),
        2500,
        3,
        aliases=("deepseek-coder",),
    ),
    # ---- current models
    Entry(
        "openai/gpt-4o-mini",
        "GPT-4o mini",
        LiteLLM("gpt-4o-mini"),
        FRONTIER - {R},
        1000,
        3,
        aliases=("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
    ),
    Entry(
        "openai/gpt-4.1",
        "GPT-4.1",
        LiteLLM("gpt-4.1"),
        FRONTIER,
        1600,
        5,
        aliases=("gpt-4.1", "gpt-4.1-2025-04-14"),
    ),
    Entry(
        "openai/gpt-5-mini",
        "GPT-5 mini",
        LiteLLM("gpt-5-mini"),
        FRONTIER,
        3000,
        4,
        aliases=("gpt-5-mini", "gpt-5-mini-2025-08-07"),
    ),
    Entry(
        "anthropic/claude-3.5-haiku",
        "Claude 3.5 Haiku",
        Published("0.8", "4", ANTHROPIC_PRICING, ANTHROPIC_PRICING_DATE),
        caps(T, K, M, H, F),
        1000,
        3,
        context=200_000,
        max_output=8192,
        retired="2026-07-05",
        aliases=(
            "claude-3.5-haiku",
            "claude-3-5-haiku",
            "claude-3-5-haiku-20241022",
            "claude-3-5-haiku-latest",
            "anthropic/claude-3-5-haiku",
        ),
        notes="No first-party LiteLLM entry; Anthropic list price. End date is Vertex AI's "
        "(LiteLLM vertex_ai/claude-3-5-haiku); Anthropic deprecated it in early 2026.",
    ),
    Entry(
        "anthropic/claude-sonnet-4",
        "Claude Sonnet 4",
        Published("3", "15", ANTHROPIC_PRICING, ANTHROPIC_PRICING_DATE),
        FRONTIER,
        2000,
        5,
        context=200_000,
        max_output=64_000,
        retired="2026-10-14",
        aliases=(
            "claude-sonnet-4",
            "claude-sonnet-4-20250514",
            "claude-4-sonnet",
            "anthropic/claude-4-sonnet",
        ),
        notes="No first-party LiteLLM entry; Anthropic list price. End date is Bedrock's "
        "(LiteLLM anthropic.claude-sonnet-4-20250514-v1:0).",
    ),
    Entry(
        "anthropic/claude-sonnet-4.6",
        "Claude Sonnet 4.6",
        LiteLLM("claude-sonnet-4-6"),
        FRONTIER,
        2000,
        5,
        aliases=("claude-sonnet-4-6", "claude-sonnet-4.6", "anthropic/claude-sonnet-4-6"),
    ),
    Entry(
        "anthropic/claude-haiku-4.5",
        "Claude Haiku 4.5",
        LiteLLM("claude-haiku-4-5"),
        FRONTIER,
        1000,
        4,
        aliases=(
            "claude-haiku-4-5",
            "claude-haiku-4-5-20251001",
            "claude-haiku-4.5",
            "anthropic/claude-haiku-4-5",
        ),
    ),
    Entry(
        "google/gemini-2.0-flash",
        "Gemini 2.0 Flash",
        LiteLLM("vertex_ai/gemini-2.0-flash"),
        FRONTIER - {R},
        700,
        3,
        context=1_048_576,
        max_output=8192,
        aliases=(
            "gemini-2.0-flash",
            "gemini-2.0-flash-001",
            "google/gemini-2.0-flash-001",
            "gemini/gemini-2.0-flash",
            "vertex_ai/gemini-2.0-flash",
        ),
        notes="Google's Vertex AI price (the snapshot has no Gemini API entry for it); limits "
        "from Google's model card since the entry has none.",
    ),
    Entry(
        "google/gemini-2.5-flash",
        "Gemini 2.5 Flash",
        LiteLLM("gemini/gemini-2.5-flash"),
        FRONTIER,
        1200,
        4,
        aliases=("gemini-2.5-flash", "gemini/gemini-2.5-flash"),
    ),
    Entry(
        "deepseek/deepseek-chat",
        "DeepSeek Chat",
        LiteLLM("deepseek/deepseek-chat"),
        GENERAL | {R, S},
        2500,
        4,
        aliases=("deepseek-chat",),
    ),
    Entry(
        "deepseek/deepseek-v3.2",
        "DeepSeek V3.2",
        LiteLLM("deepseek/deepseek-v3.2"),
        GENERAL | {R},
        2500,
        4,
        aliases=("deepseek-v3.2",),
    ),
    Entry(
        "meta-llama/llama-3.1-8b-instruct",
        "Llama 3.1 8B Instruct",
        LLMRouter("llama-3.1-8b-instruct"),
        caps(T, K, M, H),
        600,
        2,
        context=131_072,
        max_output=4096,
        aliases=(
            "llama-3.1-8b",
            "meta-llama/Meta-Llama-3.1-8B-Instruct",
            "meta-llama/Llama-3.1-8B-Instruct",
        ),
    ),
    Entry(
        "mistralai/mixtral-8x7b-instruct",
        "Mixtral 8x7B Instruct",
        LLMRouter("mixtral-8x7b-instruct-v0.1"),
        caps(T, K, M, H),
        900,
        2,
        context=32_768,
        max_output=4096,
        aliases=("mixtral-8x7b", "mixtral-8x7b-instruct"),
        notes="RouteLLM's weak model (mistralai/Mixtral-8x7B-Instruct-v0.1). Mistral no longer "
        "lists it, so it carries the NVIDIA price from llmrouter_model_prices.csv.",
    ),
    # ---- RouteLLM's strong model
    Entry(
        "openai/gpt-4-1106-preview",
        "GPT-4 Turbo (1106 preview)",
        LiteLLM("gpt-4-1106-preview"),
        GENERAL | {R},
        3000,
        4,
        aliases=("gpt-4-1106-preview",),
    ),
    # ---- the rest of LLMRouter's nine (NVIDIA-hosted prices)
    Entry(
        "qwen/qwen-2.5-7b-instruct",
        "Qwen 2.5 7B Instruct",
        LLMRouter("qwen2.5-7b-instruct"),
        caps(T, K, M, H),
        600,
        2,
        context=32_768,
        max_output=4096,
        aliases=("Qwen/Qwen2.5-7B-Instruct",),
    ),
    Entry(
        "google/codegemma-7b",
        "CodeGemma 7B",
        LLMRouter("codegemma-7b"),
        caps(T, K, H),
        600,
        2,
        context=8192,
        max_output=4096,
    ),
    Entry(
        "google/gemma-2-9b-it",
        "Gemma 2 9B IT",
        LLMRouter("gemma-2-9b-it"),
        caps(T, K, M, H),
        600,
        2,
        context=8192,
        max_output=4096,
    ),
    Entry(
        "nvidia/llama3-chatqa-1.5-8b",
        "Llama3-ChatQA 1.5 8B",
        LLMRouter("llama3-chatqa-1.5-8b"),
        caps(T, H),
        600,
        2,
        context=8192,
        max_output=4096,
    ),
    Entry(
        "mistralai/mistral-7b-instruct-v0.3",
        "Mistral 7B Instruct v0.3",
        LLMRouter("mistral-7b-instruct-v0.3"),
        caps(T, K, M, H),
        600,
        2,
        context=32_768,
        max_output=4096,
    ),
    Entry(
        "nvidia/llama-3.3-nemotron-super-49b-v1",
        "Llama 3.3 Nemotron Super 49B v1",
        LLMRouter("llama-3.3-nemotron-super-49b-v1"),
        caps(T, K, R, M, H),
        1800,
        3,
        context=131_072,
        max_output=4096,
    ),
    Entry(
        "nvidia/llama-3.1-nemotron-51b-instruct",
        "Llama 3.1 Nemotron 51B Instruct",
        LLMRouter("llama-3.1-nemotron-51b-instruct"),
        caps(T, K, R, H),
        1800,
        3,
        context=131_072,
        max_output=4096,
    ),
    Entry(
        "nvidia/llama3-chatqa-1.5-70b",
        "Llama3-ChatQA 1.5 70B",
        LLMRouter("llama3-chatqa-1.5-70b"),
        caps(T, H),
        1800,
        3,
        context=8192,
        max_output=4096,
    ),
    # ---- local models (price 0 until set_price gives them a notional one)
    Entry(
        "local/smollm2-135m",
        "SmolLM2-135M-Instruct",
        Local(),
        caps(T, H),
        1500,
        1,
        context=8192,
        max_output=2048,
        aliases=("smollm2-135m", "smollm2-135m-instruct", "HuggingFaceTB/SmolLM2-135M-Instruct"),
        notes="Runs on this machine's CPU; latency prior for ~200 tokens on 2 cores.",
    ),
    Entry(
        "local/gemma3-270m",
        "Gemma 3 270M (base)",
        Local(),
        caps(T),
        2500,
        1,
        context=32_768,
        max_output=2048,
        aliases=("gemma3-270m", "gemma-3-270m", "google/gemma-3-270m"),
        notes="A base (pretrained) model: continues text, does not follow chat instructions.",
    ),
)

"""Campaigns: a prompt set x several models x repeats, against real endpoints, into the store.

::

    from aigym.campaign import CampaignSpec, Sampling, builtin_prompts, run_campaign

    spec = CampaignSpec(
        name="arith-bakeoff",
        prompts=builtin_prompts("arithmetic"),   # or a path to your own JSONL/CSV/Parquet
        models=["local/smollm2-135m", "openrouter/openai/gpt-4o-mini"],
        repeats=2,
        sampling=Sampling(max_tokens=32, temperature=0.7, seed=1),
        budget_usd=0.50,
        store="runs/",
    )
    result = run_campaign(spec)          # or run_campaign("campaign.toml")
    result.summary                       # per model: n, errors, tokens, cost, latency p50/p90/p99

Every call lands in the store as a row, success or error, with a deterministic request key:
re-running resumes (acknowledged successes are never paid for twice; errors are retried), and
`latest_per_key` gives the current row per key for analyses. The budget reserves each call's
worst case before sending, so the campaign stops before it could overspend. Successful
answers in the store double as a response cache keyed on the request content (repeat index
included): hits are rows with `cache_hit=True`, `cost_usd=0` and `uncached_cost_usd` kept.
"""

from aigym.campaign._budget import Budget, attempt_bound, input_token_bound, rendered_input
from aigym.campaign._demo import LOCAL_DEMO_MODELS, run_local_demo
from aigym.campaign._keys import cache_key, request_key
from aigym.campaign._localserver import (
    LocalServerStatus,
    local_server_status,
    serve_local_models,
    state_path,
    stop_local_server,
)
from aigym.campaign._plan import CachedAnswer, CampaignPlan, Job, build_plan
from aigym.campaign._prompts import (
    PROMPTS_DIR,
    RESERVED_FIELDS,
    PromptItem,
    builtin_prompts,
    load_prompts,
)
from aigym.campaign._results import CampaignResult, CampaignStatus, latest_per_key, summarize
from aigym.campaign._routed import ABServing, serve_ab_unit
from aigym.campaign._routes import LOCAL_CONCURRENCY, ModelRoute, resolve_routes
from aigym.campaign._runner import arun_campaign, run_campaign
from aigym.campaign._spec import CampaignSpec, PromptSource, Sampling, load_campaign_spec

__all__ = [
    "LOCAL_CONCURRENCY",
    "LOCAL_DEMO_MODELS",
    "PROMPTS_DIR",
    "RESERVED_FIELDS",
    "ABServing",
    "Budget",
    "CachedAnswer",
    "CampaignPlan",
    "CampaignResult",
    "CampaignSpec",
    "CampaignStatus",
    "Job",
    "LocalServerStatus",
    "ModelRoute",
    "PromptItem",
    "PromptSource",
    "Sampling",
    "arun_campaign",
    "attempt_bound",
    "build_plan",
    "builtin_prompts",
    "cache_key",
    "input_token_bound",
    "latest_per_key",
    "load_campaign_spec",
    "load_prompts",
    "local_server_status",
    "rendered_input",
    "request_key",
    "resolve_routes",
    "run_campaign",
    "run_local_demo",
    "serve_ab_unit",
    "serve_local_models",
    "state_path",
    "stop_local_server",
    "summarize",
]

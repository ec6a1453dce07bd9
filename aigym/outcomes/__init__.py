"""Outcome tables: which model scored what on which prompt, at what cost.

::

    from aigym.outcomes import load_llmrouter, load_routellm, outcomes_from_store, read_outcomes

    table = load_llmrouter()                 # 6,108 prompts x 9 models, its own train/test split
    table.score_matrix(), table.cost_matrix()   # items x models, aligned to item_ids(), models
    mine = read_outcomes("evals.csv", mapping={"question": "prompt", "llm": "model"})
    bakeoff = outcomes_from_store(store, campaign="arith-bakeoff")   # a campaign's outcomes

One validated shape (`OutcomeTable`, scores on 0-1, one row per item and model) from published
tables, your own files or the store; missing costs estimated from text length and prices and
flagged `cost_estimated`. `replay/<model>` (registered on import) serves a table as if it were
a live endpoint, so campaigns, reports and routers run on real outcomes without network:
`run_campaign(CampaignSpec(prompts=campaign_prompts(t), models=["replay/<model id>"], ...))`
after `serve_replay(t)`.

Per-prompt routers (`KnnRouter`, the reference; `RidgeKnnRouter`, learned) fit on a table and
`evaluate_router` scores them offline against the baselines, with paired bootstrap intervals.
By name, as a notebook parameter or CLI flag gives them: `open_outcomes("routellm:gsm8k")`,
`make_router("ridge_knn")`.
"""

from aigym.outcomes._costs import (
    CHARS_PER_TOKEN,
    DEFAULT_OUTPUT_TOKENS,
    PriceList,
    estimate_costs,
    prices_for,
)
from aigym.outcomes._evaluate import RouterEvaluation, evaluate_router
from aigym.outcomes._figures import cost_quality_figure
from aigym.outcomes._from_store import outcomes_from_store
from aigym.outcomes._io import prompt_item_id, read_outcomes
from aigym.outcomes._knn import KnnRouter
from aigym.outcomes._learned import RidgeKnnRouter
from aigym.outcomes._loaders import (
    DATA_DIR,
    ROUTELLM_BENCHMARKS,
    hash_split,
    llmrouter_prices,
    load_llmrouter,
    load_routellm,
)
from aigym.outcomes._metrics import aiq, apgr, arena_score, cpt, pgr_curve, upper_hull
from aigym.outcomes._named import (
    ROUTER_NAMES,
    TABLE_NAMES,
    check_outcomes_name,
    make_router,
    open_outcomes,
)
from aigym.outcomes._protocol import Router, RouterPrediction, choose
from aigym.outcomes._replay import (
    ITEM_ID_KEY,
    REPLAY_PROVIDER,
    ReplayProvider,
    campaign_prompts,
    clear_replay,
    serve_replay,
)
from aigym.outcomes._table import CORE_COLUMNS, OPTIONAL_COLUMNS, OutcomeTable

__all__ = [
    "CHARS_PER_TOKEN",
    "CORE_COLUMNS",
    "DATA_DIR",
    "DEFAULT_OUTPUT_TOKENS",
    "ITEM_ID_KEY",
    "OPTIONAL_COLUMNS",
    "REPLAY_PROVIDER",
    "ROUTELLM_BENCHMARKS",
    "ROUTER_NAMES",
    "TABLE_NAMES",
    "KnnRouter",
    "OutcomeTable",
    "PriceList",
    "ReplayProvider",
    "RidgeKnnRouter",
    "Router",
    "RouterEvaluation",
    "RouterPrediction",
    "aiq",
    "apgr",
    "arena_score",
    "campaign_prompts",
    "check_outcomes_name",
    "choose",
    "clear_replay",
    "cost_quality_figure",
    "cpt",
    "estimate_costs",
    "evaluate_router",
    "hash_split",
    "llmrouter_prices",
    "load_llmrouter",
    "load_routellm",
    "make_router",
    "open_outcomes",
    "outcomes_from_store",
    "pgr_curve",
    "prices_for",
    "prompt_item_id",
    "read_outcomes",
    "serve_replay",
    "upper_hull",
]

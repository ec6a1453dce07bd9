"""`make demo`'s live part: a short real campaign with the two local models.

A few arithmetic and factual prompts, both local models, one repeat, 24 tokens each: under a
minute on two cores. It starts (and stops) the embedded server unless one is running.
"""

from __future__ import annotations

import os

import polars as pl

from aigym.campaign._prompts import PROMPTS_DIR, PromptItem, load_prompts
from aigym.campaign._results import CampaignResult
from aigym.campaign._runner import run_campaign
from aigym.campaign._spec import CampaignSpec, Sampling
from aigym.providers import INSTALL_HINT, missing_local_packages
from aigym.store import ParquetStore

__all__ = ["LOCAL_DEMO_MODELS", "run_local_demo"]

LOCAL_DEMO_MODELS = ("local/smollm2-135m", "local/gemma3-270m")


def run_local_demo(
    store: ParquetStore | str | os.PathLike[str],
    *,
    n_prompts: int = 4,
    progress: bool = True,
) -> CampaignResult | None:
    """Run `n_prompts` arithmetic and `n_prompts` factual prompts on both local models.

    Prints the plan, the outcome and the per-model summary; returns the result, or None (with
    the install command printed) when the local model packages are missing.
    """
    missing = missing_local_packages()
    if missing:
        print(f"local models skipped: {', '.join(missing)} not installed ({INSTALL_HINT})")
        return None
    items: list[PromptItem] = []
    for name in ("arithmetic.jsonl", "factual_qa.jsonl"):
        items += load_prompts(PROMPTS_DIR / name)[:n_prompts]
    spec = CampaignSpec(
        name="demo-local-models",
        prompts=items,
        models=LOCAL_DEMO_MODELS,
        sampling=Sampling(max_tokens=24, temperature=0.0),
        concurrency=4,
        store=store.root if isinstance(store, ParquetStore) else os.fspath(store),
    )
    print(f"\nA live campaign: {len(items)} prompts x {len(LOCAL_DEMO_MODELS)} local models")
    result = run_campaign(
        spec, progress=progress, store=store if isinstance(store, ParquetStore) else None
    )
    with pl.Config(tbl_cols=20, tbl_width_chars=160, tbl_hide_dataframe_shape=True):
        print(
            result.summary.select(
                "model_id",
                "n",
                "errors",
                "prompt_tokens",
                "completion_tokens",
                "cost_usd",
                "latency_p50_ms",
                "latency_p90_ms",
            )
        )
    return result

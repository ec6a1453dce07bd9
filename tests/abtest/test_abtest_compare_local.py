"""Campaign -> rescore -> compare_models(scorer=...) on the real local llama.cpp models.

Campaign rows carry no record-time quality; `rescore` appends score rows and
`compare_models(scorer=...)` reads them, pairs the two models on their prompts and averages
the repeats of each prompt. The reference is computed here from the stored rows with
polars and scipy's paired t-test. Slow (the llama.cpp server loads two models; about 1-2
minutes here); its always-run twin with synthetic scored campaign rows is
tests/abtest/test_abtest_compare_scored.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from aigym.abtest import compare_models
from aigym.campaign import PROMPTS_DIR, CampaignSpec, Sampling, load_prompts, run_campaign
from aigym.errors import ValidationError
from aigym.providers import LocalModelServer
from aigym.providers.testing import local_models  # noqa: F401  (the shared server fixture)
from aigym.scoring import latest_scores, rescore
from aigym.store import ParquetStore

DATA = PROMPTS_DIR
MODELS = ["local/smollm2-135m", "local/gemma3-270m"]


@pytest.mark.slow
def test_campaign_rescore_compare_gives_the_paired_verdict(
    local_models: LocalModelServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    items = load_prompts(DATA / "factual_qa.jsonl")[:12]
    task = items[0].task_type
    spec = CampaignSpec(
        name="local-bakeoff", prompts=items, models=MODELS, repeats=2,
        sampling=Sampling(max_tokens=12, temperature=0.7, seed=5), concurrency=4,
        store=tmp_path / "store",
    )  # fmt: skip
    provider = local_models.provider(max_concurrency=4)
    result = run_campaign(spec, providers={"local": provider}, progress=False, verbose=False)
    assert result.status == "completed"
    with ParquetStore(tmp_path / "store") as store:
        with pytest.raises(ValidationError, match="pass scorer="):
            compare_models(store, task, MODELS, campaign="local-bakeoff")
        rescore(store, campaign="local-bakeoff", scorer="token_f1")
        res = compare_models(store, task, MODELS, scorer="token_f1", campaign="local-bakeoff")
        scores = latest_scores(store, "token_f1").collect()
        rows = store.scan_executions(campaign="local-bakeoff").collect()
    per_prompt = (
        rows.select("execution_id", pl.col("model_id").cast(pl.String), "prompt_id")
        .join(scores.select("execution_id", "value"), on="execution_id")
        .group_by("model_id", "prompt_id")
        .agg(pl.col("value").mean(), pl.len().alias("repeats"))
        .sort("prompt_id")
    )
    assert set(per_prompt["repeats"]) == {2}
    a = per_prompt.filter(pl.col("model_id") == MODELS[0])["value"].to_numpy()
    b = per_prompt.filter(pl.col("model_id") == MODELS[1])["value"].to_numpy()
    row = res[MODELS[1]]
    assert res.paired and res.baseline == MODELS[0] and row.n_model == 12
    assert row.result.effect == pytest.approx(float(np.mean(b - a)), abs=1e-9)
    if np.std(b - a) > 0:
        assert row.result.p_value == pytest.approx(stats.ttest_rel(b, a).pvalue, rel=1e-6)
    assert res.ranking is not None and res.ranking.paired
    assert sum(x.p_best for x in res.ranking.arms) == pytest.approx(1.0)
    assert dict(res.n_calls) == {MODELS[0]: 24, MODELS[1]: 24}
    print(f"\n{res!r}\n{res.to_polars()}")

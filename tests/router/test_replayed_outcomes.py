"""The router on real, replayed outcomes: LLMRouter's 9-model table (no network).

(a) History: 300 train items per task (LLMRouter's `cluster_id`, as tasks
``llmrouter_cluster_<k>``) x 9 models, replayed through a campaign into a store. The
history router's `best_quality` choice per task is the task's oracle on those items (the
model with the highest mean score), computed here from the table itself.

(b) Per-prompt: a `KnnRouter` fitted on the train split, configured for the task, picks for
each test prompt what its own `predict(...).route(knob=0)` picks, so the mean test score of
``route(prompt=...)`` picks is `evaluate_router`'s fixed-split figure at knob 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from aigym.campaign import CampaignSpec, run_campaign
from aigym.outcomes import KnnRouter, OutcomeTable, ReplayProvider, evaluate_router, load_llmrouter
from aigym.router import ModelRouter, RouterConfig
from aigym.store import ParquetStore

PER_TASK = 300


@pytest.fixture(scope="module")
def llmrouter() -> OutcomeTable:
    return load_llmrouter()


def _history_prompts(train: pl.DataFrame, per_task: int) -> list[dict[str, Any]]:
    """The first `per_task` items of each cluster (by item id), distinct prompt texts."""
    seen: set[str] = set()
    count: dict[int, int] = {}
    out: list[dict[str, Any]] = []
    for r in train.unique("item_id", keep="first").sort("item_id").iter_rows(named=True):
        c = int(r["cluster_id"])
        if r["prompt"] in seen or count.get(c, 0) >= per_task:
            continue
        seen.add(r["prompt"])
        count[c] = count.get(c, 0) + 1
        task = f"llmrouter_cluster_{c}"
        out.append({"prompt_id": r["item_id"], "prompt": r["prompt"], "task_type": task})
    return out


@pytest.fixture
def history(
    tmp_path: Path, llmrouter: OutcomeTable, request: pytest.FixtureRequest
) -> Iterator[tuple[ParquetStore, pl.DataFrame]]:
    train = llmrouter.frame.filter(pl.col("split") == "train")
    prompts = _history_prompts(train, getattr(request, "param", PER_TASK))
    store = ParquetStore(tmp_path / "store", durability="none")
    spec = CampaignSpec(
        name="llmrouter-history",
        prompts=prompts,
        models=[f"replay/{m}" for m in llmrouter.models],
        store=store.root,
        concurrency=64,
    )
    res = run_campaign(
        spec,
        store=store,
        providers={"replay": ReplayProvider(llmrouter)},
        progress=False,
        verbose=False,
    )
    assert res.status == "completed" and res.successes == len(prompts) * 9
    used = train.filter(pl.col("item_id").is_in([p["prompt_id"] for p in prompts]))
    yield store, used
    store.close()


@pytest.mark.parametrize(
    "history",
    [PER_TASK, pytest.param(10**6, marks=pytest.mark.slow, id="whole-train-split")],
    indirect=True,
)
def test_history_router_picks_each_tasks_oracle(
    history: tuple[ParquetStore, pl.DataFrame], llmrouter: OutcomeTable
) -> None:
    store, used = history
    means = used.group_by("cluster_id", "model").agg(pl.col("score").mean(), pl.len())
    router = ModelRouter(models=llmrouter.models, config=RouterConfig(max_staleness_s=0))
    tasks = sorted(means["cluster_id"].unique().to_list())
    assert len(tasks) == 3
    for c in tasks:
        per = means.filter(pl.col("cluster_id") == c).sort("score", descending=True)
        n = per["len"][0]
        assert per.height == 9 and set(per["len"].to_list()) == {n} and n >= PER_TASK
        oracle = per["model"][0]
        d = router.route(f"llmrouter_cluster_{c}", "best_quality", store=store)
        assert d.id == oracle, (c, per.head(3))
        assert d.quality.n_history == n
        # the estimate sits between the prior and the data, close to the data (n >= 300 vs 20)
        assert abs(d.quality.mean - 100.0 * per["score"][0]) < 5.0


def test_per_prompt_mode_reproduces_the_fixed_split_evaluation(llmrouter: OutcomeTable) -> None:
    train = llmrouter.frame.filter(pl.col("split") == "train")
    test = llmrouter.frame.filter(pl.col("split") == "test")
    knn = KnnRouter().fit(OutcomeTable(train))
    task = "llmrouter"
    router = ModelRouter(models=llmrouter.models, per_prompt_routers={task: knn})
    items = test.unique("item_id", keep="first").sort("item_id")
    prompts = items["prompt"].to_list()
    own = knn.predict(prompts).route(knob=0.0)
    picks = [router.route(task, "best_quality", prompt=p).id for p in prompts]
    assert picks == own
    assert len(set(picks)) > 1  # it does route per prompt, not to one model
    score = {(m, i): s for m, i, s in test.select("model", "item_id", "score").iter_rows()}
    got = [score[(m, i)] for m, i in zip(picks, items["item_id"], strict=True)]
    mean_score = float(np.mean(got))
    ev = evaluate_router(KnnRouter(), llmrouter, folds=None, tune_folds=1, resamples=100)
    figure = ev.summary.filter(pl.col("policy") == ev.router)["quality"][0]
    assert mean_score == pytest.approx(figure, abs=1e-9)

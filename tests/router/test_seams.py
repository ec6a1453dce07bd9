"""The spec's `db=` alias, and the per-prompt seam for the outcomes layer's fitted routers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest

from aigym.errors import ValidationError
from aigym.registry import ModelRegistry
from aigym.router import ModelRouter, PerPromptRouter
from aigym.store import ParquetStore
from tests.router.helpers import ALPHA, BETA, GAMMA, NOW, TASK, history, write


def test_db_is_the_specs_name_for_the_store(router: ModelRouter, store: ParquetStore) -> None:
    write(store, history(GAMMA, 3000, 99.0, end=NOW))
    by_db = router.route(TASK, "best_quality", db=store, now=NOW)  # type: ignore[call-arg]
    assert by_db.id == GAMMA == router.route(TASK, "best_quality", store=store, now=NOW).id
    fb = router.route_with_fallback(TASK, db=store, now=NOW)  # type: ignore[call-arg]
    assert fb.id == GAMMA
    c = router.route_council(TASK, 2, strategy="best_quality", db=store, now=NOW)  # type: ignore[call-arg]
    assert c.model_ids[0] == GAMMA
    with pytest.raises(ValidationError, match="store twice"):
        router.route(TASK, store=store, db=store)  # type: ignore[call-arg]


@dataclass(frozen=True)
class _Prediction:
    models: tuple[str, ...]
    quality: npt.NDArray[np.float64]
    cost: npt.NDArray[np.float64]


class _ByLength:
    """A toy per-prompt router: short prompts suit beta, long ones gamma (scores 0-1)."""

    def predict(self, prompts: Sequence[str]) -> _Prediction:
        short = np.array([len(p) < 20 for p in prompts])
        q = np.column_stack([np.where(short, 0.95, 0.30), np.where(short, 0.30, 0.95)])
        c = np.tile([0.001, 0.002], (len(prompts), 1))
        return _Prediction(("beta", GAMMA), q, c)  # "beta" is an alias of bravo/beta


def test_per_prompt_router_is_used_for_its_task(registry: ModelRegistry) -> None:
    fitted = _ByLength()
    assert isinstance(fitted, PerPromptRouter)
    router = ModelRouter(registry, per_prompt_routers={TASK: fitted})
    assert router.route(TASK, "best_quality").id == ALPHA  # no prompt: priors
    short = router.route(TASK, "best_quality", prompt="2+2?")
    assert short.id == BETA and short.quality.mean == pytest.approx(95.0)
    assert "Per-prompt: _ByLength" in short.reasoning
    long = router.route(TASK, "best_quality", prompt="a long question " * 5)
    assert long.id == GAMMA
    # the same constraints apply to predicted estimates
    capped = router.route(
        TASK, "best_quality", prompt="a long question " * 5, max_cost_per_request=0.0015
    )
    assert capped.id == BETA
    assert {x.model_id: x.constraint for x in capped.excluded}[GAMMA] == "max_cost_per_request"
    # another task has no per-prompt router: the prompt changes nothing
    assert router.route("email_writing", "best_quality", prompt="2+2?").id == ALPHA


def _outcomes(n: int = 80) -> pl.DataFrame:
    """Arithmetic prompts: gamma right, beta wrong; poems the other way round."""
    rows = []
    for i in range(n):
        math = i % 2 == 0
        prompt = (
            f"compute the sum of {i} and {i + 3} please"
            if math
            else f"write a short poem about autumn leaves number {i}"
        )
        for model, good in ((BETA, not math), (GAMMA, math)):
            rows.append(
                {
                    "item_id": f"i{i}",
                    "prompt": prompt,
                    "model": model,
                    "score": 1.0 if good else 0.0,
                    "cost_usd": 0.001 if model == BETA else 0.002,
                }
            )
        rows[-2]["task_type"] = rows[-1]["task_type"] = TASK
    return pl.DataFrame(rows)


def test_a_fitted_knn_router_routes_each_prompt_as_it_predicts(registry: ModelRegistry) -> None:
    from aigym.outcomes import KnnRouter

    table = _outcomes()
    knn = KnnRouter(k=5).fit(table)
    assert isinstance(knn, PerPromptRouter)
    router = ModelRouter(registry, models=[BETA, GAMMA], per_prompt_routers={TASK: knn})
    prompts = ["compute the sum of 7 and 10 please", "write a short poem about autumn leaves"]
    expected = knn.predict(prompts).route(knob=0.0)  # the outcomes layer's own choice
    got = [router.route(TASK, "best_quality", prompt=p).id for p in prompts]
    assert got == expected == [GAMMA, BETA]
    d = router.route(TASK, "best_quality", prompt=prompts[0])
    assert d.quality.mean == pytest.approx(100.0 * knn.predict(prompts[:1]).quality[0, 1])
    assert "KnnRouter" in d.reasoning


def test_an_arm_is_a_model_or_a_routing_policy(router: ModelRouter, store: ParquetStore) -> None:
    from aigym.router import policy_id

    write(store, history(GAMMA, 3000, 99.0, end=NOW))
    assert policy_id("best-quality") == "router:best_quality"
    mid, d = router.resolve_arm("router:best_quality", TASK, store=store, now=NOW)
    assert mid == GAMMA and d is not None and d.strategy == "best_quality"
    assert router.resolve_arm("beta", TASK) == (BETA, None)  # a fixed model, by alias
    with pytest.raises(ValidationError):
        router.resolve_arm("router:cheapest-ish", TASK)
    with pytest.raises(ValidationError):
        policy_id("nope")

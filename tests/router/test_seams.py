"""The spec's `db=` alias, and the per-prompt seam for the outcomes layer's fitted routers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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


class _ByLength:
    """A toy per-prompt router: short prompts suit beta, long ones gamma (known answers)."""

    def predict(self, prompts: Sequence[str]) -> Sequence[Mapping[str, tuple[float, float]]]:
        out = []
        for p in prompts:
            short = len(p) < 20
            out.append(
                {BETA: (95.0 if short else 30.0, 0.001), GAMMA: (30.0 if short else 95.0, 0.002)}
            )
        return out


def test_per_prompt_router_is_used_for_its_task(registry: ModelRegistry) -> None:
    fitted = _ByLength()
    assert isinstance(fitted, PerPromptRouter)
    router = ModelRouter(registry, per_prompt_routers={TASK: fitted})
    assert router.route(TASK, "best_quality").id == ALPHA  # no prompt: priors
    short = router.route(TASK, "best_quality", prompt="2+2?")
    assert short.id == BETA and short.quality.mean == 95.0
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

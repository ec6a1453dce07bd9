"""Thompson-sampling exploration: bounded, deterministic under a seed, and it learns."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pytest

from aigym.registry import ModelCapability, ModelRegistry, ModelSpec
from aigym.router import ModelRouter, RouterConfig
from aigym.store import ParquetStore
from tests.router.helpers import NOW, TASK, execution, write

TRUE = {"p1/arm-a": 60.0, "p2/arm-b": 70.0, "p3/arm-c": 80.0}  # the best arm is c
SHARE = 0.2


def _registry() -> ModelRegistry:
    """Three arms with identical priors (tier 3, same price and latency)."""
    return ModelRegistry(
        ModelSpec(
            id=m,
            name=m,
            provider=m.split("/")[0],
            input_price_per_mtok=Decimal(1),
            output_price_per_mtok=Decimal(2),
            context_window=8000,
            max_output_tokens=1000,
            capabilities=frozenset({ModelCapability.TEXT_GENERATION}),
            avg_latency_ms=1000,
            quality_tier=3,
        )
        for m in TRUE
    )


def simulate(
    root: Path, seed: int, rounds: int = 40, per_round: int = 10
) -> tuple[list[str], list[bool]]:
    """Route, "call" the arm (noisy quality around its true mean), record, refresh, repeat."""
    rng = random.Random(seed)
    router = ModelRouter(
        _registry(),
        explore=True,
        seed=seed,
        config=RouterConfig(explore_share=SHARE, max_staleness_s=0),
    )
    chosen: list[str] = []
    explored: list[bool] = []
    with ParquetStore(root, durability="none") as store:
        for r in range(rounds):
            t = NOW - dt.timedelta(hours=rounds - r)
            rows = []
            for i in range(per_round):
                d = router.route(TASK, "best_quality", store=store, now=t)
                chosen.append(d.id)
                explored.append(d.explored)
                if d.explored:
                    assert "Explored: Thompson sampling chose" in d.reasoning
                # the bound holds at every step, not only on average
                assert sum(explored) <= SHARE * len(explored)
                q = min(100.0, max(0.0, rng.gauss(TRUE[d.id], 10.0)))
                rows.append(execution(d.id, t + dt.timedelta(seconds=i), quality=q))
            write(store, rows)
    return chosen, explored


def test_bandit_best_arm_share_grows_within_the_exploration_bound(tmp_path: Path) -> None:
    chosen, explored = simulate(tmp_path / "a", seed=7)
    n = len(chosen)
    first, last = chosen[: n // 4], chosen[-n // 4 :]
    share_first = first.count("p3/arm-c") / len(first)
    share_last = last.count("p3/arm-c") / len(last)
    assert share_last > share_first
    assert share_last >= 1 - SHARE - 0.05  # greedy settles on the best arm
    assert 0 < sum(explored) <= SHARE * n
    assert set(chosen) == set(TRUE)  # every arm was tried


def test_exploration_is_deterministic_under_a_seed(tmp_path: Path) -> None:
    a = simulate(tmp_path / "a", seed=3, rounds=8)
    b = simulate(tmp_path / "b", seed=3, rounds=8)
    assert a == b


def test_exploration_off_never_explores(tmp_path: Path) -> None:
    router = ModelRouter(_registry())
    ds = [router.route(TASK, "best_quality") for _ in range(50)]
    assert not any(d.explored for d in ds)
    assert len({d.id for d in ds}) == 1


@pytest.mark.parametrize("share", [0.0, 0.05])
def test_exploration_budget(share: float) -> None:
    router = ModelRouter(
        _registry(), explore=True, seed=1, config=RouterConfig(explore_share=share)
    )
    ds = [router.route(TASK, "best_quality") for _ in range(200)]
    assert sum(d.explored for d in ds) <= share * 200
    if share:
        assert sum(d.explored for d in ds) >= 1
        assert any("budget" in d.reasoning for d in ds)

"""Request keys resume campaigns; cache keys reuse answers across campaigns, never repeats."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from aigym.campaign import (
    CampaignPlan,
    CampaignSpec,
    PromptItem,
    Sampling,
    build_plan,
    cache_key,
    request_key,
    resolve_routes,
)
from aigym.providers import OpenAICompatibleProvider
from aigym.store import ParquetStore

from .helpers import MODEL, fault_models, fault_providers

ITEMS = [PromptItem("q1", "What is the capital of France?"), PromptItem("q2", "2 + 2 = ?")]


class _NoServer:
    base_url = "http://127.0.0.1:9/v1"


def _plan(tmp: Path, **kw: Any) -> CampaignPlan:
    items = kw.pop("items", ITEMS)
    spec = CampaignSpec(
        **{"name": "c", "prompts": items, "models": [MODEL], "store": tmp / "s", **kw}
    )
    preg = fault_providers(_NoServer())  # type: ignore[arg-type]
    routes = resolve_routes(spec.models, fault_models(), preg)
    provider = OpenAICompatibleProvider("fault", base_url=_NoServer.base_url, api_key_env=None)
    return build_plan(spec, items, routes, {"fault": provider}, ParquetStore(tmp / "s"))


def _keys(plan: CampaignPlan) -> list[tuple[str, str]]:
    return [(j.key, j.cache_key) for j in plan.jobs]


def test_keys_are_pinned(tmp_path: Path) -> None:
    # Changing how keys are made would make every stored campaign look unfinished.
    assert request_key(b"c" * 16, b"p" * 16, b"q" * 16, 0) == "6d7b76ed37799f03480f66469e3b8fd3"
    assert cache_key(b"p" * 16, b"t" * 16, 1) == "9d0f3cccefcbb6f50f725a416a72ee2a"
    job = _plan(tmp_path).jobs[0]
    assert (job.key, job.cache_key) == (
        "0be1c1d86f13589e3e323f901b732080",
        "98002ffca49540921413b1ea2a39f9c0",
    )
    # A parameter left at its default is not hashed, so adding parameters keeps old keys.
    assert Sampling().as_key_dict() == {}
    assert Sampling(max_tokens=8).as_key_dict() == {"max_tokens": 8}


def test_keys_are_deterministic_and_sensitive_to_each_part(tmp_path: Path) -> None:
    base = _keys(_plan(tmp_path))
    assert base == _keys(_plan(tmp_path))
    assert len({k for k, _ in base}) == len({c for _, c in base}) == 2
    other_campaign = _keys(_plan(tmp_path, name="other"))
    assert {k for k, _ in other_campaign}.isdisjoint(k for k, _ in base)
    assert [c for _, c in other_campaign] == [c for _, c in base]  # same content: same cache key
    for change in (
        {"sampling": Sampling(max_tokens=17)},
        {"sampling": Sampling(temperature=0.5)},
        {"sampling": Sampling(seed=1)},
        {"sampling": Sampling(system_prompt="Be brief.")},
        {
            "items": [
                dataclasses.replace(ITEMS[0], prompt="What is the capital of Spain?"),
                ITEMS[1],
            ]
        },
    ):
        changed = _keys(_plan(tmp_path, **change))
        assert changed[0][0] != base[0][0] and changed[0][1] != base[0][1], change
    renamed = _keys(
        _plan(tmp_path, items=[dataclasses.replace(ITEMS[0], prompt_id="x1"), ITEMS[1]])
    )
    assert renamed[0][0] != base[0][0] and renamed[0][1] == base[0][1]


def test_repeats_are_distinct_samples(tmp_path: Path) -> None:
    plan = _plan(tmp_path, repeats=3, sampling=Sampling(seed=7))
    assert len({j.key for j in plan.jobs}) == len({j.cache_key for j in plan.jobs}) == 6
    assert [j.request.seed for j in plan.jobs if j.item.prompt_id == "q1"] == [7, 8, 9]
    assert [(j.repeat, j.item.prompt_id) for j in plan.jobs][:3] == [
        (0, "q1"),
        (0, "q2"),
        (1, "q1"),
    ]

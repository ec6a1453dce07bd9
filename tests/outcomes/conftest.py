"""Shared fixtures: small real outcome tables and a replay campaign run into a fresh store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aigym._api import open_store
from aigym.campaign import CampaignResult, CampaignSpec, Sampling, run_campaign
from aigym.outcomes import (
    OutcomeTable,
    campaign_prompts,
    clear_replay,
    load_llmrouter,
    serve_replay,
)
from aigym.store import ParquetStore


@pytest.fixture(scope="session")
def llmrouter_small() -> OutcomeTable:
    """24 LLMRouter test items x 9 models (real scores, estimated costs)."""
    t = load_llmrouter("test")
    return t.select_items(t.item_ids()[:24])


@pytest.fixture
def replay_store(tmp_path: Path) -> Iterator[ParquetStore]:
    with open_store(tmp_path / "store") as st:
        yield st


@pytest.fixture(autouse=True)
def _no_served_tables() -> Iterator[None]:
    clear_replay()
    yield
    clear_replay()


def run_replay(
    table: OutcomeTable, store: ParquetStore, name: str = "replay-bakeoff", **kw: object
) -> CampaignResult:
    """A campaign over the table's prompts and models, served by the default replay provider."""
    serve_replay(table)
    spec = CampaignSpec(
        name=name,
        prompts=campaign_prompts(table),
        models=[f"replay/{m}" for m in table.models],
        sampling=Sampling(max_tokens=512),
        store=store.root,
        **kw,  # type: ignore[arg-type]
    )
    result = run_campaign(spec, store=store, progress=False, verbose=False)
    store.flush()
    return result

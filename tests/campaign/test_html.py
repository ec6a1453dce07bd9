"""A campaign result in a notebook: status, message, counts and a capped summary table."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from aigym.campaign import CampaignSpec, Sampling, run_campaign
from aigym.providers.testing import FaultServer
from aigym.registry import ModelRegistry
from tests.html_check import parse_html

from .helpers import MODEL, fault_providers, prompts


def test_campaign_result_html(priced_server: FaultServer, models: ModelRegistry, store_dir: Path):
    spec = CampaignSpec(
        name="html", prompts=prompts(4), models=[MODEL], sampling=Sampling(max_tokens=8),
        store=store_dir,
    )  # fmt: skip
    reg = fault_providers(priced_server)
    result = run_campaign(
        spec, provider_registry=reg, model_registry=models, progress=False, verbose=False
    )
    assert result.status == "completed"
    text, rows = parse_html(result._repr_html_())
    assert "CampaignResult html (completed" in text
    assert result.message.splitlines()[0] in text
    assert "4 calls (4 ok, 0 errors" in text and MODEL in text
    assert rows == 2  # header + one model
    plan = run_campaign(
        spec, provider_registry=reg, model_registry=models, dry_run=True, verbose=False
    )
    text, _ = parse_html(plan._repr_html_())
    assert "dry_run" in text and "estimated_usd" in text

    hostile = dataclasses.replace(result, message="<script>alert('x')</script> & more")
    markup = hostile._repr_html_()
    text, _ = parse_html(markup)
    assert "<script>alert('x')</script> & more" in text and "<script>" not in markup

"""A small real store shared by the report tests (built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aigym.reports import RenderedReport, render_report

from .helpers import small_store

UNTIL = "2026-11-09T00:00:00+00:00"


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_store(tmp_path_factory.mktemp("reports") / "store")


@pytest.fixture(scope="session")
def cost_report(store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> RenderedReport:
    out = tmp_path_factory.mktemp("cost")
    params = {"store": str(store_dir), "until": UNTIL, "days": "10", "budget_usd": 5}
    return render_report("cost_quality_report", params, out)

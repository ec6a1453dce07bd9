"""The bakeoff notebook end to end against the local llama.cpp server: a campaign file with
both local models runs inside the notebook's kernel (which starts its own server), the
answers are scored, the leaderboard rendered; a second render resumes and calls nothing
(slow: two renders)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from aigym.campaign import builtin_prompts
from aigym.providers import INSTALL_HINT, missing_local_packages
from aigym.reports import render_report

ROOT = Path(__file__).resolve().parents[2]


def campaign_file(tmp_path: Path) -> dict[str, str]:
    missing = missing_local_packages()
    if missing:
        pytest.skip(f"local models need {', '.join(missing)}: run `make test` or {INSTALL_HINT}")
    items = builtin_prompts("factual_qa").read_text().splitlines()[:3]
    (tmp_path / "qa.jsonl").write_text("\n".join(items) + "\n")
    (tmp_path / "campaign.toml").write_text(
        'name = "nb-bakeoff"\nprompts = ["qa.jsonl"]\n'
        'models = ["local/smollm2-135m", "local/gemma3-270m"]\nstore = "runs"\n'
        "[sampling]\nmax_tokens = 8\ntemperature = 0.0\n"
    )
    return {"spec": str(tmp_path / "campaign.toml"), "scorer": "token_f1"}


def test_bakeoff_notebook_runs_scores_and_ranks_a_local_campaign(tmp_path: Path) -> None:
    params = campaign_file(tmp_path)
    r = render_report("bakeoff", params, tmp_path / "out")
    summary = pl.read_csv(r.tables["campaign_summary"]).sort("model_id")
    assert summary["n"].to_list() == [3, 3] and summary["errors"].to_list() == [0, 0]
    scores = pl.read_csv(r.tables["scores"])
    assert set(scores["scorer"]) == {"token_f1"} and scores["scored"].sum() == 6
    board = pl.read_csv(r.tables["leaderboard.factual_qa"])
    assert board["n_prompts"].to_list() == [3, 3]
    assert {"pairwise.factual_qa", "campaign", "disagreements"} <= set(r.tables)
    page = r.html.read_text(encoding="utf-8")
    assert "6 calls made (6 ok, 0 errors)" in page


@pytest.mark.slow
def test_rendering_the_bakeoff_again_resumes_and_calls_nothing(tmp_path: Path) -> None:
    params = campaign_file(tmp_path)
    render_report("bakeoff", params, tmp_path / "out")
    again = render_report("bakeoff", params, tmp_path / "again")
    text = json.dumps(json.loads(again.notebook.read_text())["cells"])
    assert "0 calls made" in text and "6 already done" in text
    board = pl.read_csv(again.tables["leaderboard.factual_qa"])
    assert board["n_calls"].to_list() == [3, 3]  # the latest row per request, not doubled

"""A campaign file names the table its replay/ models serve; `aigym campaign run` needs no code."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from aigym.cli import main
from aigym.outcomes import campaign_prompts, load_routellm
from aigym.store import ParquetStore


def test_a_campaign_file_replays_a_table_named_relative_to_it(tmp_path: Path) -> None:
    gsm = load_routellm("gsm8k")
    few = gsm.frame.filter(pl.col("item_id").is_in(list(gsm.item_ids()[:4])))
    folder = tmp_path / "bakeoff"
    folder.mkdir()
    few.write_parquet(folder / "outcomes.parquet")
    items = campaign_prompts(gsm.select_items(gsm.item_ids()[:4]))
    prompts = "\n".join(
        f'[[prompts]]\nprompt_id = "{i["prompt_id"]}"\nprompt = """{i["prompt"]}"""' for i in items
    )
    (folder / "c.toml").write_text(
        'name = "from-file"\nmodels = ["replay/openai/gpt-4-1106-preview"]\nstore = "runs"\n'
        "[sampling]\nmax_tokens = 2048\n"
        f'[providers.replay]\ntable = "outcomes.parquet"\n{prompts}\n'
    )
    assert main(["campaign", "run", str(folder / "c.toml"), "--no-progress"]) == 0
    rows = ParquetStore(folder / "runs").scan("executions").collect()
    assert rows.height == 4 and set(rows["provider"].cast(pl.String)) == {"replay"}
    want = few.filter(pl.col("model") == "openai/gpt-4-1106-preview")
    assert sorted(rows["quality_score"].to_list()) == sorted((want["score"] * 100).to_list())

"""load_executions: the latest row per request, scores joined by scorer, the window pinned;
ReportOutput writes the table behind each figure and degrades to a sentence."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import polars as pl
import pytest

from aigym import open_store
from aigym.errors import ValidationError
from aigym.records import new_id
from aigym.reports import ReportOutput, load_executions, pin_until, plot_latency_ecdf
from aigym.scoring import Score, record_scores

from .helpers import MODELS, executions, write_store


@pytest.fixture
def scored(tmp_path: Path) -> Path:
    df = executions({MODELS[0]: 0.0, MODELS[1]: 0.0}, prompts=4, task="factual_qa")
    later = df["timestamp"][0] + dt.timedelta(hours=1)
    retry = df.head(1).with_columns(
        pl.lit(new_id(later)).alias("execution_id"),
        pl.lit(later).alias("timestamp"),
        pl.lit(99.0).alias("quality_score"),
    )  # the same request key again, later: the current row
    root = write_store(tmp_path / "store", pl.concat([df, retry]))
    with open_store(root) as db:
        ids = df["execution_id"].to_list()
        record_scores(db, [(i, Score(10.0, scorer="token_f1", version="1")) for i in ids[:3]])
        time.sleep(0.01)
        record_scores(db, [(ids[0], Score(20.0, scorer="exact_match", version="1"))])
    return root


def test_latest_row_per_request_and_scores_by_scorer(scored: Path) -> None:
    with open_store(scored) as db:
        plain = load_executions(db)
        assert plain.height == 8 and plain["quality_score"].max() == 99.0  # the retry won
        f1 = load_executions(db, scorer="token_f1").sort("execution_id")
        assert (f1["quality_source"] == "token_f1").sum() == 2  # ids[0] was superseded
        latest = load_executions(db, scorer="latest")
        assert set(latest["quality_source"]) == {"token_f1", "record-time quality_score"}
        assert latest.schema["model_id"] == pl.String  # categoricals become strings


def test_until_pins_the_window(scored: Path) -> None:
    with open_store(scored) as db:
        assert load_executions(db, until="2026-11-01T00:03:00Z").height == 3
        assert load_executions(db, until="2026-11-01T00:00:00Z").height == 0
    assert pin_until("2026-11-01").isoformat() == "2026-11-01T00:00:00+00:00"
    with pytest.raises(ValidationError, match="ISO 8601"):
        pin_until("last tuesday")


def test_report_output_writes_tables_and_explains_a_missing_figure(tmp_path: Path) -> None:
    out = ReportOutput(tmp_path / "tables")
    df = executions({"a": 0.0}, prompts=5)
    assert out.figure("latency", plot_latency_ecdf, df) is not None
    assert pl.read_csv(out.written["latency"]).height == 99
    assert out.figure("nolatency", plot_latency_ecdf, df.drop("latency_ms")) is None
    assert "nolatency" not in out.written
    with pytest.raises(ValidationError, match="lower-case"):
        out.table("Bad Name", df)

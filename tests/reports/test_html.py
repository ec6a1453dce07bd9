"""The regression report in a notebook: the verdict first, then the capped change table."""

from __future__ import annotations

import numpy as np
import polars as pl

from aigym.reports import compare_runs
from tests.html_check import parse_html

from .helpers import executions


def test_regression_report_html_carries_the_verdict() -> None:
    before = executions({"a": 0.0, "b": 0.0}, prompts=40, seed=7)
    jitter = np.random.default_rng(8).normal(0, 1, before.height)
    after = before.with_columns(
        pl.when(pl.col("model_id") == "a")
        .then(pl.col("quality_score") - 6 + pl.Series(jitter))
        .otherwise(pl.col("quality_score"))
    )
    report = compare_runs(after, before)
    text, rows = parse_html(report._repr_html_())
    assert report.verdict.startswith("Regression") and report.verdict in text
    assert rows == 1 + report.changes.height and "regressed" in text

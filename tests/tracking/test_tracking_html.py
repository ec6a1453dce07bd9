"""What a notebook shows for tracker results: the verdict, the key numbers, escaped ids."""

from __future__ import annotations

import pytest

from aigym import _html
from aigym.store import ParquetStore
from tests.html_check import parse_html

from .helpers import GPT4O, MINI, UNTIL, add_arm

HOSTILE = "evil/<script>alert(1)</script>"


@pytest.fixture
def filled(store: ParquetStore) -> ParquetStore:
    add_arm(store, GPT4O, "email_writing", [80.0, 90.0] * 10, [0.05] * 20, day=3)
    add_arm(store, MINI, "email_writing", [70.0, 60.0] * 10, [0.01] * 20, day=2)
    add_arm(store, HOSTILE, "email_writing", [50.0] * 4, [0.02] * 4, day=1)
    return store


def test_model_stats_html(filled, tracker):
    s = tracker.get_model_stats(filled, GPT4O, "email_writing", days=7, until=UNTIL)
    text, rows = parse_html(s._repr_html_())
    assert "ModelStats openai/gpt-4o" in text
    assert "85.0" in text and "20" in text  # mean quality, executions
    assert rows == 2  # header + the one row


def test_empty_model_stats_html_says_what_to_do(filled, tracker):
    with pytest.warns(UserWarning, match="no executions of task_type"):
        s = tracker.get_model_stats(filled, GPT4O, "code_generation", days=7, until=UNTIL)
    text, _ = parse_html(s._repr_html_())
    assert "no executions in this window" in text and "no rows" in text


def test_task_comparison_html_escapes_and_names_best(filled, tracker):
    c = tracker.get_task_comparison(filled, "email_writing", days=7, until=UNTIL)
    markup = c._repr_html_()
    text, rows = parse_html(markup)
    assert f"best: {GPT4O}" in text
    assert HOSTILE in text and "<script>" not in markup  # shown as text, never run
    assert rows == 4 and "pareto_optimal" in text and "more column" not in text


def test_cost_analysis_and_dashboard_html(filled, tracker):
    a = tracker.get_cost_analysis(filled, days=7, until=UNTIL)
    text, _ = parse_html(a._repr_html_())
    assert f"total $1.28 over {a.n_executions} executions" in text
    assert "by_model" in text and "savings_usd" in text and "BudgetForecast" in text
    assert "more column" not in text  # each table shows the columns chosen for it
    d = tracker.dashboard(filled, days=7, until=UNTIL)
    text, _ = parse_html(d._repr_html_())
    assert "44 executions, 3 model(s)" in text and "quality_by_task" in text


def test_table_caps_rows_and_says_so():
    import polars as pl

    df = pl.DataFrame({"model_id": [f"m{i}" for i in range(500)], "x": range(500)})
    text, rows = parse_html(_html.table(df))
    assert rows == _html.MAX_ROWS + 1
    assert f"showing {_html.MAX_ROWS} of 500 rows" in text and "m499" not in text
    wide = pl.DataFrame({f"c{i}": [i] for i in range(30)})
    text, _ = parse_html(_html.table(wide))
    assert f"{30 - _html.MAX_COLUMNS} more column(s)" in text

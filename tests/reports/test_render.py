"""render_report: parameters validated first, papermill runs the notebook, one offline HTML,
the tidy tables beside it, the window pinned so a later render gives the same numbers."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import nbformat
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import aigym
from aigym.errors import AigymError, ValidationError
from aigym.reports import list_reports, offline_html, render_report

from .conftest import UNTIL
from .helpers import MODELS, executions, write_store


def test_list_reports_reads_every_parameters_cell() -> None:
    reports = {r.name: r for r in list_reports()}
    assert {"ab_test_report", "bakeoff", "cost_quality_report", "regression_report"} <= set(reports)
    cq = {p.name: p for p in reports["cost_quality_report"].parameters}
    assert cq["days"].type == "float" and cq["days"].default == 30.0
    assert cq["horizon_days"].type == "int" and cq["horizon_days"].default == 30
    assert cq["until"].default == "" and "pins" in cq["until"].help
    assert all(p.help for r in reports.values() for p in r.parameters)
    assert json.loads(json.dumps(reports["bakeoff"].to_dict()))["parameters"][0]["name"] == "spec"


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"dayz": 3}, "did you mean 'days'"),
        ({"days": "a week"}, "parameter days"),
        ({"horizon_days": 2.5}, "parameter horizon_days"),
        ({"store": 3}, "parameter store"),
    ],
)
def test_bad_parameters_are_refused_before_anything_is_written(
    tmp_path: Path, params: dict[str, object], match: str
) -> None:
    out = tmp_path / "out"
    with pytest.raises(ValidationError, match=match):
        render_report("cost_quality_report", params, out)
    assert not out.exists()


def test_an_unknown_report_suggests_the_name(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="did you mean cost_quality_report"):
        render_report("cost_quality", {}, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cost_report_writes_notebook_html_and_tables(
    cost_report: aigym.reports.RenderedReport,
) -> None:
    r = cost_report
    assert r.notebook.is_file() and r.html.is_file()
    assert r.parameters["until"] == UNTIL and r.parameters["days"] == 10.0
    assert {"spend_forecast", "latency", "errors", "savings", "spend_by_model"} <= set(r.tables)
    assert "quality_cost.factual_qa" in r.tables and "model_intervals.factual_qa" in r.tables
    errors = pl.read_csv(r.tables["errors"])
    mini = errors.filter((pl.col("model_id") == MODELS[1]) & (pl.col("error_type") == "all"))
    assert mini["errors"][0] == 5  # every 16th row of v2 (5 of its 80 calls) timed out
    nb = nbformat.read(r.notebook, as_version=4)
    assert nb.metadata["aigym"]["version"] == aigym.__version__
    assert nb.metadata["papermill"]["parameters"]["until"] == UNTIL
    assert not [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    page = r.html.read_text(encoding="utf-8")
    assert f"aigym {aigym.__version__}" in page and UNTIL in page
    assert "<script" not in page and not re.search(r"(src|href)=[\"'](https?:)?//", page)
    assert page.count("data:image/png;base64,") >= 5
    assert "def " not in page and "import " not in page  # inputs hidden


def test_a_pinned_window_renders_the_same_numbers_after_new_data(
    cost_report: aigym.reports.RenderedReport, tmp_path: Path
) -> None:
    store = Path(cost_report.parameters["store"])
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    later = executions(
        {MODELS[0]: -30.0},
        prompts=20,
        campaign="later",
        costs={MODELS[0]: 0.5},
        start=dt.datetime(2026, 11, 9, 12, tzinfo=dt.UTC),
    )
    write_store(copy, later)
    again = render_report(
        "cost_quality_report", {**cost_report.parameters, "store": str(copy)}, tmp_path / "again"
    )
    for name in ("errors", "model_intervals.factual_qa", "spend_by_model", "spend_forecast"):
        assert pl.read_csv(again.tables[name]).equals(pl.read_csv(cost_report.tables[name])), name
    moved = render_report(
        "cost_quality_report",
        {**cost_report.parameters, "store": str(copy), "until": "2026-11-10T00:00:00Z"},
        tmp_path / "moved",
    )
    assert not pl.read_csv(moved.tables["spend_by_model"]).equals(
        pl.read_csv(cost_report.tables["spend_by_model"])
    )


def test_an_empty_until_is_pinned_to_the_render_time(store_dir: Path, tmp_path: Path) -> None:
    r = render_report(
        "regression_report",
        {"store": str(store_dir), "campaign": "bakeoff-v2", "previous": "bakeoff-v1"},
        tmp_path,
    )
    assert r.parameters["until"] == r.rendered_at.isoformat()
    assert r.parameters["until"] in r.html.read_text(encoding="utf-8")
    changes = pl.read_csv(r.tables["changes"])
    mini = changes.filter(pl.col("model_id") == MODELS[1]).row(0, named=True)
    assert mini["verdict"] == "regressed" and mini["change"] < -3
    assert set(changes.filter(pl.col("model_id") != MODELS[1])["verdict"]) == {"no change"}
    assert "Regression: openai/gpt-4o-mini" in r.html.read_text(encoding="utf-8")


def test_ab_report_shows_the_winner(store_dir: Path, tmp_path: Path) -> None:
    r = render_report(
        "ab_test_report", {"store": str(store_dir), "test_name": "emails_ab"}, tmp_path
    )
    summary = pl.read_csv(r.tables["summary"]).row(0, named=True)
    assert summary["winner"] == "b" and summary["p_b_better"] > 0.99
    assert {"arms", "posterior", "posterior_cost", "posterior_latency"} <= set(r.tables)


def test_a_failing_notebook_names_the_executed_notebook(store_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(AigymError, match=r"ab_test_report failed: .*ab_test_report\.ipynb"):
        render_report("ab_test_report", {"store": str(store_dir), "test_name": "nope"}, tmp_path)


def test_offline_html_removes_scripts_and_remote_styles() -> None:
    page = (
        '<script src="https://cdn.x/require.js"></script><script type="module">import("https://a")'
        '</script><link rel="stylesheet" href="//fonts.x/css"/><style>@import url("https://f");'
        'b{}</style><img src="data:image/png;base64,AA"/>'
    )
    assert offline_html(page) == '<style>b{}</style><img src="data:image/png;base64,AA"/>'


def test_router_evaluation_renders_a_known_answer_from_an_outcome_file(tmp_path: Path) -> None:
    from .test_router_figures import table

    path = tmp_path / "specialists.parquet"
    table(specialised=True).frame.write_parquet(path)
    params = {"table": str(path), "router": "knn", "folds": 4, "resamples": 200}
    r = render_report("router_evaluation", params, tmp_path / "out")
    summary = pl.read_csv(r.tables["summary"])
    knn = summary.filter(pl.col("policy") == "knn").row(0, named=True)
    assert knn["quality"] == pytest.approx(1.0)
    best = summary.filter(pl.col("policy") == "best_single").row(0, named=True)
    assert best["quality"] == pytest.approx(0.6)
    assert {"cost_quality", "summary", "differences", "by_task"} <= set(r.tables)
    page = r.html.read_text(encoding="utf-8")
    assert "better than the best single model dear" in page and "real at the 5% level" in page
    assert "Fixed test split" not in page  # the file has no split column


def test_router_evaluation_on_a_shipped_table_reports_the_fixed_split(tmp_path: Path) -> None:
    params = {"table": "routellm:gsm8k", "router": "ridge_knn", "folds": 3, "resamples": 100}
    r = render_report("router_evaluation", params, tmp_path / "out")
    assert {"cost_quality", "cost_quality_test", "summary_test"} <= set(r.tables)
    test = pl.read_csv(r.tables["summary_test"])
    assert set(test["policy"]) >= {"ridge_knn", "reference_knn", "best_single", "oracle"}
    assert "Fixed test split" in r.html.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"table": "llmroutr"}, "did you mean 'llmrouter'"),
        ({"router": "rige_knn"}, "did you mean 'ridge_knn'"),
        ({"folds": 1}, "parameter folds"),
        ({"resamples": 10}, "parameter resamples"),
    ],
)
def test_router_evaluation_refuses_bad_values_before_running(
    tmp_path: Path, params: dict[str, object], match: str
) -> None:
    with pytest.raises(ValidationError, match=match):
        render_report("router_evaluation", params, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_pinned_ab_report_renders_the_same_numbers_after_more_traffic(
    store_dir: Path, tmp_path: Path
) -> None:
    from aigym import open_store
    from aigym.abtest import get_ab_test_manager

    copy = tmp_path / "store"
    shutil.copytree(store_dir, copy)
    first = render_report("ab_test_report", {"store": str(copy), "test_name": "emails_ab"},
                          tmp_path / "first")  # fmt: skip
    assert first.parameters["until"] == first.rendered_at.isoformat()
    ab = get_ab_test_manager()
    with open_store(copy) as store:  # later traffic where A is suddenly far better
        for i in range(300, 400):
            variant, _ = ab.assign_variant(store, "emails_ab", unit_id=f"u{i}")
            ab.record_variant_result(store, "emails_ab", variant, unit_id=f"u{i}",
                                     quality_score=100.0 if variant == "a" else 0.0)  # fmt: skip
        ab.stop_test(store, "emails_ab", reason="later")
    again = render_report("ab_test_report", first.parameters, tmp_path / "again")
    for name in ("arms", "summary", "posterior_cost"):  # equal up to summation order
        assert_frame_equal(
            pl.read_csv(again.tables[name]), pl.read_csv(first.tables[name]), rel_tol=1e-12
        )
    now = render_report("ab_test_report", {"store": str(copy), "test_name": "emails_ab"},
                        tmp_path / "now")  # fmt: skip
    assert not pl.read_csv(now.tables["arms"]).equals(pl.read_csv(first.tables["arms"]))

"""Every `aigym` command: help with examples, bad arguments and a missing store (clear message,
documented exit code, nothing written), and `--json` that matches the library's own result."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from aigym.abtest import ABTestManager, compare_models
from aigym.cli import EXIT_INPUT, build_parser
from aigym.registry import get_model_registry
from aigym.store import ParquetStore
from aigym.tracking import get_metric_tracker

from .conftest import MODEL_A, MODEL_B, TASK, UNTIL, Run, as_json, tree

ROOT = Path(__file__).resolve().parents[2]
WHEN = UNTIL.date().isoformat()

# Every command that reads a store, with arguments that are otherwise valid.
STORE_COMMANDS: list[list[str]] = [
    ["stats", "--task", TASK],
    ["stats", "--model", MODEL_A],
    ["cost"],
    ["compare", TASK, MODEL_A, MODEL_B],
    ["ab", "create", "t1", "--task", TASK, "--a", MODEL_A, "--b", MODEL_B],
    ["ab", "assign", "t1"],
    ["ab", "analyze", "t1"],
    ["ab", "stop", "t1"],
    ["ab", "list"],
    ["store", "info"],
    ["store", "compact"],
    ["store", "recover"],
    ["route", TASK],
]


def _all_commands() -> list[list[str]]:
    """Every command path in the parser (group and action), read from the parser itself."""
    import argparse

    out: list[list[str]] = []

    def walk(p: argparse.ArgumentParser, path: list[str]) -> None:
        subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            out.append(path)
            return
        for name, child in subs[0].choices.items():
            walk(child, [*path, name])

    walk(build_parser(), [])
    return out


def test_the_parser_has_every_command_of_the_issue() -> None:
    paths = {" ".join(p) for p in _all_commands()}
    expected = {
        "models list", "models show", "recommend", "campaign run", "local-server", "stats",
        "cost", "compare", "ab create", "ab assign", "ab analyze", "ab stop", "ab list",
        "store info", "store compact", "store recover", "route", "report",
    }  # fmt: skip
    assert expected <= paths


@pytest.mark.parametrize("path", _all_commands(), ids=" ".join)
def test_every_command_has_help_with_examples(run: Run, path: list[str]) -> None:
    code, out, _ = run(*path, "--help")
    assert code == 0 and "examples:\n  aigym " + path[0] in out
    if path not in (["local-server"],):
        data_cmd = path not in (["campaign", "run"],)
        assert "--json" in out or not data_cmd, path


def test_top_level_help_lists_the_exit_codes(run: Run) -> None:
    code, out, _ = run("--help")
    assert code == 0 and "exit codes: 0 done" in out and "4 campaign with no successful" in out


def test_python_dash_m_runs_the_cli() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "aigym.cli", "models", "list", "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.lstrip().startswith("[")


@pytest.mark.parametrize("argv", STORE_COMMANDS, ids=" ".join)
def test_a_missing_store_exits_2_and_creates_nothing(
    run: Run, tmp_path: Path, argv: list[str]
) -> None:
    missing = tmp_path / "no" / "store"
    code, out, err = run(*argv, "--store", str(missing))
    assert code == EXIT_INPUT and out == ""
    assert f"no store at {str(missing)!r}" in err and "--store" in err
    assert not missing.exists() and not missing.parent.exists()


@pytest.mark.parametrize("argv", STORE_COMMANDS, ids=" ".join)
def test_a_store_path_that_is_a_file_exits_2(run: Run, tmp_path: Path, argv: list[str]) -> None:
    f = tmp_path / "file"
    f.write_text("not a store")
    code, _, err = run(*argv, "--store", str(f))
    assert code == EXIT_INPUT and "is a file" in err and f.read_text() == "not a store"


def test_the_default_store_comes_from_the_environment(
    run: Run, store_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AIGYM_STORE", str(store_path))
    code, out, _ = run("store", "info", "--json")
    assert code == 0 and as_json(out)["tables"]["executions"]["rows"] == 120
    monkeypatch.delenv("AIGYM_STORE")
    monkeypatch.chdir(tmp_path)
    code, _, err = run("store", "info")
    assert code == EXIT_INPUT and "'.aigym/store'" in err and not (tmp_path / ".aigym").exists()


BAD_ARGS: list[tuple[list[str], str]] = [
    (["stats", "--task", TASK, "--days", "-1"], "give a number > 0"),
    (["stats", "--task", TASK, "--until", "yesterday"], "is not a date"),
    (["stats"], "give --model MODEL"),
    (["stats", "--task", "  "], "task"),
    (["stats", "--model", " "], "model_id"),
    (["stats", "--task", TASK, "--confidence", "2"], "confidence"),
    (["cost", "--days", "abc"], "give a number > 0"),
    (["cost", "--margin", "-5"], "margin"),
    (["compare", TASK, MODEL_A], "at least two"),
    (["compare", TASK, MODEL_A, "nobody/none"], "nobody/none"),
    (["compare", TASK, MODEL_A, MODEL_B, "--metric", "beauty"], "beauty"),
    (["compare", TASK, MODEL_A, MODEL_B, "--method", "vibes"], "invalid choice"),
    (
        ["ab", "create", "t1", "--task", TASK, "--a", MODEL_A, "--b", MODEL_B, "--split", "1.5"],
        "traffic_split",
    ),
    (["ab", "create", "t1", "--task", TASK, "--a", MODEL_A, "--b", "nobody/none"], "nobody/none"),
    (["ab", "create", "t1", "--task", TASK, "--a", MODEL_A], "--b"),
    (["ab", "assign", "never-made"], "no A/B test named 'never-made'"),
    (["ab", "analyze", "never-made", "--engine", "magic"], "invalid choice"),
    (["ab", "analyze", "never-made", "--until", "soon"], "not a date"),
    (["ab", "stop", "never-made"], "no A/B test named"),
    (["store", "compact", "--table", "nonsense"], "table"),
    (["store", "compact", "--min-files", "1"], "min-files"),
    (["store", "frobnicate"], "invalid choice"),
    (["nonsense"], "invalid choice"),
]


@pytest.mark.parametrize(
    ("argv", "match"), BAD_ARGS, ids=lambda v: " ".join(v)[:60] if isinstance(v, list) else ""
)
def test_bad_arguments_exit_2_with_a_clear_message_and_write_nothing(
    run: Run, store_path: Path, argv: list[str], match: str
) -> None:
    before = tree(store_path)
    code, out, err = run(*argv, "--store", str(store_path))
    assert code == EXIT_INPUT, err
    assert match in err and "Traceback" not in err and out == ""
    assert tree(store_path) == before


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["models", "show", "gpt-4q"], "Did you mean"),
        (["models", "list", "--provider", "nobody"], "known providers"),
        (["recommend", " "], "task"),
        (["recommend", TASK, "--strategy", "cheapest"], "invalid choice"),
        (["campaign", "run", "/no/such/file.toml"], "no such file"),
        (["local-server", "restart"], "invalid choice"),
    ],
)
def test_bad_arguments_of_storeless_commands_exit_2(run: Run, argv: list[str], match: str) -> None:
    code, out, err = run(*argv)
    assert code == EXIT_INPUT and match in err and out == ""


# ---------------------------------------------------------------- --json matches the library


def test_models_list_and_show_json(run: Run) -> None:
    reg = get_model_registry()
    code, out, _ = run("models", "list", "--json")
    rows = as_json(out)
    specs = reg.get_all_models()
    assert code == 0 and [r["id"] for r in rows] == [s.id for s in specs]
    for r, s in zip(rows, specs, strict=True):
        assert Decimal(r["input_price_per_mtok"]) == s.input_price_per_mtok
        assert Decimal(r["output_price_per_mtok"]) == s.output_price_per_mtok
        assert r["context_window"] == s.context_window
    code, out, _ = run("models", "list", "--provider", "local", "--json")
    assert {r["id"] for r in as_json(out)} == {
        s.id for s in reg.get_all_models() if s.provider == "local"
    }
    code, out, _ = run("models", "show", "gpt-4o-mini", "--json")
    one = as_json(out)
    spec = reg.get("gpt-4o-mini")
    assert one["id"] == spec.id and one["capabilities"] == spec.to_dict()["capabilities"]
    assert Decimal(one["output_price_per_mtok"]) == spec.output_price_per_mtok


@pytest.mark.parametrize("strategy", ["balanced", "best_cost", "best_quality", "fastest"])
def test_recommend_json(run: Run, strategy: str) -> None:
    code, out, _ = run("recommend", "code_generation", "--strategy", strategy, "--json")
    expected = get_model_registry().recommend_models_for_task("code_generation", strategy)
    assert code == 0 and [r["id"] for r in as_json(out)] == [s.id for s in expected]
    code, out, _ = run("recommend", TASK, "--limit", "2", "--no-local", "--json")
    expected = get_model_registry().recommend_models_for_task(TASK, limit=2, include_local=False)
    assert [r["id"] for r in as_json(out)] == [s.id for s in expected]


def test_stats_json_matches_the_tracker(run: Run, store_path: Path) -> None:
    tracker = get_metric_tracker()
    code, out, _ = run(
        "stats", "--store", str(store_path), "--model", MODEL_A, "--until", WHEN, "--json"
    )
    got = as_json(out)
    with ParquetStore(store_path) as st:
        lib = tracker.get_model_stats(st, MODEL_A, until=UNTIL)
        cmp = tracker.get_task_comparison(st, TASK, until=UNTIL)
    assert code == 0 and got["n_executions"] == lib.n_executions == 60
    assert got["avg_quality_score"] == pytest.approx(lib.avg_quality_score)
    assert got["quality_interval"] == pytest.approx(list(lib.quality_interval))
    assert got["total_cost_usd"] == pytest.approx(lib.total_cost_usd)
    assert dt.datetime.fromisoformat(got["until"]) == lib.until
    code, out, _ = run(
        "stats", "--store", str(store_path), "--task", TASK, "--until", WHEN, "--json"
    )
    rows = as_json(out)
    assert [r["model_id"] for r in rows] == [s.model_id for s in cmp] == [MODEL_A, MODEL_B]
    for r, s in zip(rows, cmp, strict=True):
        assert r["avg_quality_score"] == pytest.approx(s.avg_quality_score)
        assert r["rank"] == s.rank
    code, out, _ = run("stats", "--store", str(store_path), "--task", TASK, "--until", WHEN)
    assert code == 0 and MODEL_A in out and MODEL_B in out


def test_a_window_with_no_rows_is_an_answer_not_an_error(run: Run, store_path: Path) -> None:
    code, out, _ = run(
        "stats", "--store", str(store_path), "--model", MODEL_A, "--until", "2020-01-01", "--json"
    )
    assert code == 0 and as_json(out)["n_executions"] == 0
    code, out, err = run("stats", "--store", str(store_path), "--model", "openai/gpt-4q")
    assert code == 0 and "the registry does not know it" in err and "Did you mean" in err


def test_cost_json_matches_the_tracker(run: Run, store_path: Path) -> None:
    code, out, _ = run(
        "cost", "--store", str(store_path), "--until", WHEN, "--budget", "5", "--json"
    )
    got = as_json(out)
    with ParquetStore(store_path) as st:
        lib = get_metric_tracker().get_cost_analysis(st, until=UNTIL, budget_usd=5)
    assert code == 0 and got["n_executions"] == lib.n_executions == 120
    assert got["total_cost_usd"] == pytest.approx(lib.total_cost_usd)
    assert [m["model_id"] for m in got["cost_by_model"]] == [m.model_id for m in lib.cost_by_model]
    assert len(got["daily"]) == len(lib.daily)
    code, out, _ = run("cost", "--store", str(store_path), "--until", WHEN)
    assert code == 0 and "CostAnalysis" in out


def test_compare_json_matches_compare_models(run: Run, store_path: Path) -> None:
    code, out, err = run(
        "compare", TASK, MODEL_A, MODEL_B, "--store", str(store_path),
        "--until", "2026-12-01", "--campaign", "cli-test", "--json",
    )  # fmt: skip
    assert code == 0, err
    got = as_json(out)
    with ParquetStore(store_path) as st:
        lib = compare_models(
            st, TASK, [MODEL_A, MODEL_B], until=dt.date(2026, 12, 1), campaign="cli-test"
        )
    assert got["baseline"] == lib.baseline == MODEL_A and got["paired"] == lib.paired
    (row,) = got["rows"]
    r = lib[MODEL_B]
    assert row["model"] == MODEL_B and row["effect"] == pytest.approx(r.result.effect)
    assert [row["ci_low"], row["ci_high"]] == pytest.approx(list(r.result.interval))
    assert row["adjusted_p_value"] == pytest.approx(r.adjusted_p_value)
    assert row["significant"] == r.significant
    code, out, _ = run(
        "compare", TASK, MODEL_A, MODEL_B, "--store", str(store_path), "--campaign", "other"
    )
    assert code == EXIT_INPUT  # no rows of that campaign: the library's clear error
    code, out, _ = run("compare", TASK, MODEL_A, MODEL_B, "--store", str(store_path))
    assert code == 0 and "baseline " + MODEL_A in out and MODEL_B in out


def test_ab_lifecycle_json_matches_the_manager(run: Run, store_path: Path) -> None:
    s = ["--store", str(store_path), "--json"]
    code, out, err = run(
        "ab", "create", "qa", "--task", TASK, "--a", MODEL_A, "--b", MODEL_B, "--split", "0.3",
        "--min-sample-size", "10", *s,
    )  # fmt: skip
    assert code == 0, err
    created = as_json(out)
    manager = ABTestManager()
    with ParquetStore(store_path) as st:
        info = manager.get_test(st, "qa")
    assert created["test_id"] == info.test_id and created["traffic_split"] == 0.3
    assert created["variant_b_model"] == info.config.variant_b_model == MODEL_B
    code, _, err = run("ab", "create", "qa", "--task", TASK, "--a", MODEL_A, "--b", MODEL_B, *s)
    assert code == EXIT_INPUT and "already exists" in err

    code, out, _ = run("ab", "assign", "qa", "--unit", "user-1", *s)
    got = as_json(out)
    with ParquetStore(store_path) as st:
        again = manager.assign_variant(st, "qa", unit_id="user-1")
    assert code == 0 and (got["variant"], got["model_id"]) == again  # sticky per unit

    with ParquetStore(store_path) as st:
        for i in range(30):
            v, _ = manager.assign_variant(st, "qa", unit_id=f"u{i}")
            manager.record_variant_result(
                st, "qa", v, quality_score=70.0 + (i % 7) + (5 if v == "b" else 0),
                cost_usd=0.001, latency_ms=500.0, unit_id=f"u{i}",
            )  # fmt: skip
    code, out, err = run("ab", "analyze", "qa", "--engine", "frequentist", *s)
    assert code == 0, err
    got = as_json(out)
    with ParquetStore(store_path) as st:
        lib = manager.analyze_test(st, "qa", "frequentist")
    assert got["winner"] == lib.winner and got["effect"] == pytest.approx(lib.effect)
    assert got["interval"] == pytest.approx(list(lib.interval))
    assert got["variant_b"]["sample_size"] == lib.variant_b["sample_size"]
    assert got["recommendation"] == lib.recommendation
    code, out, _ = run("ab", "analyze", "qa", "--store", str(store_path))
    assert code == 0 and "effect B - A" in out
    code, out, err = run("ab", "analyze", "qa", *s)  # the library's default engine
    got = as_json(out)
    with ParquetStore(store_path) as st:
        lib = manager.analyze_test(st, "qa")
    assert code == 0 and got["engine"] == lib.engine == "sequential", err
    assert got["effect"] == pytest.approx(lib.effect) and got["rule"] == lib.rule
    code, out, err = run("ab", "analyze", "qa", "--until", "2000-01-01", *s)
    assert code != 0 and "pass a later until" in err  # the test did not exist yet
    code, out, err = run("ab", "analyze", "qa", "--until", "2999-01-01T00:00:00Z", *s)
    assert code == 0 and as_json(out)["effect"] == pytest.approx(lib.effect), err

    code, out, _ = run("ab", "list", *s)
    assert code == 0 and [t["test_name"] for t in as_json(out)] == ["qa"]
    code, out, _ = run("ab", "stop", "qa", "--reason", "done", *s)
    got = as_json(out)
    assert code == 0 and got["status"] == "stopped" and got["stop_reason"] == "done"
    code, out, _ = run("ab", "list", *s)
    assert as_json(out) == []
    code, out, _ = run("ab", "list", "--all", *s)
    with ParquetStore(store_path) as st:
        every = manager.list_tests(st, active_only=False)
    assert [t["test_id"] for t in as_json(out)] == [t.test_id for t in every]
    before = tree(store_path)
    code, _, err = run("ab", "assign", "qa", *s)
    assert code == EXIT_INPUT and "was stopped" in err and tree(store_path) == before


def test_store_info_compact_recover_json(run: Run, store_path: Path) -> None:
    s = ["--store", str(store_path), "--json"]
    code, out, _ = run("store", "info", *s)
    with ParquetStore(store_path) as st:
        lib = st.verify()
    got = as_json(out)
    assert code == 0 and got["tables"] == lib and got["tables"]["executions"]["rows"] == 120
    files_before = lib["executions"]["files"]
    code, out, _ = run("store", "compact", "--table", "executions", *s)
    report = as_json(out)
    assert code == 0 and report["files_before"] == files_before and report["rows"] == 120
    with ParquetStore(store_path) as st:
        after = st.verify()
    assert report["files_after"] == after["executions"]["files"] < files_before
    assert after["executions"]["rows"] == 120
    code, out, _ = run("store", "recover", *s)
    assert code == 0 and as_json(out)["compactions_rolled_back"] == 0
    code, out, _ = run("store", "info", "--store", str(store_path))
    assert code == 0 and "executions" in out and "120" in out


def test_local_server_status_json(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIGYM_STATE_DIR", str(tmp_path / "state"))
    code, out, _ = run("local-server", "status", "--json")
    assert code == 1 and as_json(out)["running"] is False


def test_campaign_run_json_matches_the_stored_summary(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json as _json

    from aigym.campaign import summarize
    from aigym.providers.testing import FaultServer
    from aigym.registry import ModelRegistry
    from aigym.registry._registry import _replace_default

    old = get_model_registry()
    _replace_default(ModelRegistry.from_bundled())  # the spec's prices go to a private registry
    try:
        with FaultServer(cost_per_token=2e-6) as srv:
            rows = [{"prompt_id": f"p{i}", "prompt": f"say {i}"} for i in range(5)]
            (tmp_path / "p.jsonl").write_text("".join(_json.dumps(r) + "\n" for r in rows))
            spec = tmp_path / "c.toml"
            spec.write_text(
                'name = "cli-json"\nprompts = "p.jsonl"\nmodels = ["fault/fault-model"]\n'
                f'store = "store"\n[sampling]\nmax_tokens = 8\n[providers.fault]\n'
                f'base_url = "{srv.base_url}"\ntrust_env = false\n'
                '[prices."fault/fault-model"]\ninput = 2\noutput = 2\n'
            )
            code, out, _ = run("campaign", "run", str(spec), "--dry-run", "--json")
            plan = as_json(out)
            assert code == 0 and plan["status"] == "dry_run" and srv.request_count == 0
            code, out, err = run("campaign", "run", str(spec), "--json")
            assert code == 0, err
    finally:
        _replace_default(old)
    got = as_json(out)
    assert got["status"] == "completed" and got["successes"] == 5 and got["calls_made"] == 5
    with ParquetStore(tmp_path / "store") as st:
        lib = summarize(st, "cli-json")
    assert got["summary"] == [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
        for r in lib.to_dicts()
    ]
    assert Decimal(got["spent_usd"]) > 0


@pytest.mark.parametrize("strategy", ["balanced", "best_cost", "best_quality", "fastest"])
def test_route_json_matches_the_router(run: Run, store_path: Path, strategy: str) -> None:
    from aigym.router import get_model_router

    code, out, _ = run("route", TASK, "--strategy", strategy, "--store", str(store_path), "--json")
    with ParquetStore(store_path) as st:
        lib = get_model_router().route(TASK, strategy, store=st)
    got = as_json(out)
    want = _plain(lib.to_dict())
    assert isinstance(want, dict) and code == 0 and got["model_id"] == lib.id
    assert set(got) == {*want, "reasoning"}
    for key in ("quality", "cost_per_request", "latency_ms"):
        for field, value in want[key].items():
            assert got[key][field] == pytest.approx(value, rel=1e-9), (key, field)
    assert got["reasoning"] == lib.reasoning


def _plain(obj: object) -> object:
    from aigym.cli._common import jsonable

    return jsonable(obj)


def test_route_constraints_fallback_and_council(run: Run) -> None:
    code, out, err = run("route", "factual_qa", "--max-cost", "1e-12", "--json")
    assert code == EXIT_INPUT and "max_cost_per_request" in err and out == ""
    code, out, _ = run("route", "factual_qa", "--max-cost", "1e-12", "--fallback", "best_cost")
    assert code == 0 and out.strip()
    code, out, _ = run("route", "email_writing", "--council", "3", "--json")
    council = as_json(out)
    providers = [m["model_id"].split("/")[0] for m in council["members"]]
    assert code == 0 and len(providers) == 3 == len(set(providers))


def test_report_list_json_matches_the_library(run: Run) -> None:
    from aigym.reports import list_reports

    code, out, _ = run("report", "--list", "--json")
    assert code == 0 and as_json(out) == _plain([r.to_dict() for r in list_reports()])


def test_report_bad_parameters_exit_2_and_write_nothing(run: Run, tmp_path: Path) -> None:
    out_dir = tmp_path / "reports"
    for argv, match in [
        (["report", "cost_quality_report", "-p", "stor", "x"], "did you mean 'store'"),
        (["report", "nope"], "reports:"),
        (["report"], "--list"),
        (["report", "cost_quality_report", "-p", "days", "soon"], "days"),
        (["report", "cost_quality_report", "-p", "days", "1", "-p", "days", "2"], "twice"),
    ]:
        code, _, err = run(*argv, "--output", str(out_dir))
        assert code == EXIT_INPUT and match in err, (argv, err)
    assert not out_dir.exists()


def test_report_renders_html_and_json(run: Run, store_path: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "reports"
    code, out, _ = run(
        "report", "cost_quality_report", "-p", "store", str(store_path), "-p", "until", WHEN,
        "--output", str(out_dir), "--json",
    )  # fmt: skip
    got = as_json(out)
    assert code == 0 and Path(got["html"]).is_file() and Path(got["notebook"]).is_file()
    assert got["parameters"]["until"].startswith(WHEN) and got["tables"]
    assert all(Path(p).is_file() for p in got["tables"].values())


def test_ab_engine_choices_are_the_librarys() -> None:
    from aigym.abtest import DEFAULT_ENGINE, ENGINES
    from aigym.cli._ab import ENGINE_CHOICES

    assert set(ENGINE_CHOICES) == set(ENGINES) and ENGINE_CHOICES[0] == DEFAULT_ENGINE

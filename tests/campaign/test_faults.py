"""The runner against a real loopback server that injects faults and keeps a billing ledger."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from aigym.campaign import CampaignResult, CampaignSpec, Sampling, latest_per_key, run_campaign
from aigym.errors import BudgetExceededError
from aigym.providers import ProviderRegistry
from aigym.providers.testing import Fault, FaultServer
from aigym.registry import ModelRegistry

from .helpers import (
    MODEL,
    billed_per_identity,
    billed_usd,
    fault_providers,
    first_attempt_faults,
    prompts,
    rows,
)

RETRIABLE = {
    "rate_limit": Fault.rate_limit(retry_after=0.01),
    "http_500": Fault.server_error(500),
    "http_503": Fault.server_error(503),
    "timeout": Fault.hang(1.0),
    "reset": Fault.reset(billed=True),
    "truncated": Fault.truncated(),
}
FINAL = {  # not worth retrying: they end as error rows
    "html": (Fault.html(), "malformed_response", 200),
    "missing_usage": (Fault.missing_usage(), "malformed_response", 200),
}
KINDS = ["ok", *RETRIABLE, *FINAL]


def _spec(store: Path, n: int, **kw: Any) -> CampaignSpec:
    kw.setdefault("repeats", 2)
    kw.setdefault("sampling", Sampling(max_tokens=8, seed=100))
    kw.setdefault("concurrency", 8)
    return CampaignSpec(
        name=str(kw.pop("name", "faults")),
        prompts=prompts(n),
        models=[MODEL],
        store=store,
        **kw,
    )


def _run(spec: CampaignSpec, reg: ProviderRegistry, models: ModelRegistry) -> CampaignResult:
    return run_campaign(
        spec, provider_registry=reg, model_registry=models, progress=False, verbose=False
    )


def test_every_fault_ends_in_one_latest_row_and_retriable_ones_succeed(
    priced_server: FaultServer, models: ModelRegistry, store_dir: Path
) -> None:
    n = 3 * len(KINDS)
    plan = {}
    kind_of = {}
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        kind_of[f"p{i:03d}"] = kind
        if kind in RETRIABLE:
            plan[f"p{i:03d}"] = RETRIABLE[kind]
        elif kind in FINAL:
            plan[f"p{i:03d}"] = FINAL[kind][0]
    priced_server.policy = first_attempt_faults(plan)
    reg = fault_providers(priced_server, timeout=0.3)
    spec = _spec(store_dir, n, budget_usd=1)
    result = run_campaign(
        spec, provider_registry=reg, model_registry=models, progress=False, verbose=False
    )
    assert result.status == "completed"
    df = rows(store_dir)
    assert df.height == n * 2  # one row per key: nothing lost, nothing doubled
    latest = latest_per_key(df.lazy()).collect()
    assert latest.height == df["request_key"].n_unique() == n * 2
    by_prompt = {r["prompt_id"] + f"/{r['metadata']}": r for r in latest.iter_rows(named=True)}
    assert len(by_prompt) == n * 2
    for r in latest.iter_rows(named=True):
        kind = kind_of[r["prompt_id"]]
        if kind in FINAL:
            _, etype, status = FINAL[kind]
            assert r["status"] == "error", kind
            assert (r["error_type"], r["http_status"]) == (etype, status), kind
            assert r["attempts"] == 1 and r["response"] is None
            assert "Next:" in r["error_message"]
        else:
            assert r["status"] == "success", (kind, r["error_message"])
            assert r["completion_tokens"] == 8 and r["prompt_tokens"] > 0
            assert r["attempts"] == (1 if kind == "ok" else 2), kind
            assert r["latency_ms"] > 0
    # The first attempt of both repeats of each faulted prompt was faulted, then retried once.
    retried = sum(1 for k in kind_of.values() if k in RETRIABLE) * 2
    assert result.calls_made == n * 2
    assert priced_server.request_count == n * 2 + retried
    assert billed_usd(priced_server) <= result.spent_usd <= 1
    # A second run retries exactly the error keys, against a healthy server, and skips the rest.
    priced_server.policy = None
    before = priced_server.request_count
    again = run_campaign(
        spec, provider_registry=reg, model_registry=models, progress=False, verbose=False
    )
    errors = sum(1 for k in kind_of.values() if k in FINAL) * 2
    assert again.plan.retrying == errors and again.plan.done == n * 2 - errors
    assert priced_server.request_count - before == errors == again.calls_made
    final = latest_per_key(rows(store_dir).lazy()).collect()
    assert final.height == n * 2 and (final["status"] == "success").all()
    per_key = rows(store_dir).group_by("request_key").agg((pl.col("status") == "success").sum())
    assert per_key["status"].max() == 1  # at most one success row per key
    assert again.summary.row(0, named=True)["errors"] == 0


def test_errors_are_kept_when_retry_errors_is_off(
    priced_server: FaultServer, models: ModelRegistry, store_dir: Path
) -> None:
    priced_server.policy = lambda info: Fault.server_error(500, should_retry=False)
    reg = fault_providers(priced_server)
    spec = _spec(store_dir, 4, repeats=1, retry_errors=False)
    first = _run(spec, reg, models)
    assert first.errors == 4
    priced_server.policy = None
    before = priced_server.request_count
    second = _run(spec, reg, models)
    assert second.calls_made == 0 and second.plan.skipped_errors == 4
    assert priced_server.request_count == before


def test_a_failing_model_never_costs_another_models_results(
    priced_server: FaultServer, models: ModelRegistry, store_dir: Path
) -> None:
    reg = fault_providers(priced_server)
    reg.register_endpoint("dead", "http://127.0.0.1:9/v1", trust_env=False, retry=None)
    spec = CampaignSpec(
        name="mixed",
        prompts=prompts(12),
        models=[MODEL, "dead/dead-model"],
        sampling=Sampling(max_tokens=8),
        store=store_dir,
    )
    result = _run(spec, reg, models)
    s = {r["model_id"]: r for r in result.summary.iter_rows(named=True)}
    assert (s[MODEL]["n"], s[MODEL]["successes"]) == (12, 12)
    assert (s["dead/dead-model"]["n"], s["dead/dead-model"]["errors"]) == (12, 12)
    dead = rows(store_dir).filter(pl.col("model_id") == "dead/dead-model")
    assert set(dead["error_type"]) == {"connection_error"}
    assert (dead["attempts"] == 3).all()  # the default policy: two retries


def test_the_budget_caps_what_the_server_bills(
    priced_server: FaultServer, models: ModelRegistry, store_dir: Path
) -> None:
    # Faults the server bills but the client never sees usage for: settled at the bound.
    faults = [Fault.ok(), Fault.hang(1.0), Fault.truncated(), Fault.reset(billed=True), Fault.ok()]
    plan = {f"p{i:03d}": faults[i % len(faults)] for i in range(80)}
    priced_server.policy = first_attempt_faults(plan)
    reg = fault_providers(priced_server, timeout=0.3)
    spec = _spec(store_dir, 80, repeats=1, budget_usd=0.006, concurrency=6)
    result = _run(spec, reg, models)
    assert result.status == "budget_exhausted"
    assert 0 < result.calls_made < 80 and result.not_run == 80 - result.calls_made
    assert "budget" in result.message.lower() and "resume" in result.message
    with pytest.raises(BudgetExceededError, match="Raise budget_usd"):
        result.raise_for_status()
    cap = spec.budget
    assert cap is not None
    billed = billed_usd(priced_server)
    assert billed <= result.spent_usd <= cap
    # Resuming under the same cap spends at most what is left, across runs.
    again = _run(spec, reg, models)
    assert again.status == "budget_exhausted"
    assert billed_usd(priced_server) <= cap
    assert max(billed_per_identity(priced_server).values()) <= 2  # a faulted attempt + retry


def test_overruns_book_what_the_server_billed(
    store_dir: Path, models: ModelRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    """The server bills 50x the registry price: each call costs more than its reservation.
    Spent and total must equal the server's bill (not the reserved worst cases)."""
    with FaultServer(cost_per_token=1e-4, reply_tokens=8) as srv:
        spec = _spec(store_dir, 5, repeats=1)
        result = _run(spec, fault_providers(srv), models)
        billed = billed_usd(srv)
        bound = sum((j.attempt_bound for j in result.plan.jobs), Decimal(0))
    assert result.successes == 5 and billed > bound  # a real overrun of every reservation
    assert result.spent_usd == billed
    stored = rows(store_dir)["cost_usd"].sum()
    assert abs(stored - float(billed)) < 1e-12
    assert "more than its reserved worst case" in caplog.text
    again = _run(spec, fault_providers(srv), models)  # resume: total = this bill, nothing new
    assert again.calls_made == 0 and abs(again.plan.spent_before - billed) < Decimal("1e-12")


def test_cache_hits_are_marked_free_and_repeat_aware(
    priced_server: FaultServer, models: ModelRegistry, store_dir: Path
) -> None:
    reg = fault_providers(priced_server)
    base = _spec(store_dir, 10, name="first", repeats=1)
    first = _run(base, reg, models)
    assert first.calls_made == 10
    # Another campaign, same request content, two repeats: repeat 0 is served from the store.
    second_spec = _spec(store_dir, 10, name="second", repeats=2)
    before = priced_server.request_count
    second = _run(second_spec, reg, models)
    assert second.cache_hits == 10 and second.calls_made == 10
    assert priced_server.request_count - before == 10
    df = rows(store_dir, "second")
    hits = df.filter(pl.col("cache_hit"))
    orig = rows(store_dir, "first")
    assert hits.height == 10 and (hits["cost_usd"] == 0).all() and (hits["attempts"] == 0).all()
    assert hits["uncached_cost_usd"].sum() == pytest.approx(orig["cost_usd"].sum())
    assert sorted(hits["response"]) == sorted(orig["response"])
    reps = hits["metadata"].str.json_path_match("$.repeat").cast(pl.Int64)
    assert (reps == 0).all()
    src = set(hits["metadata"].str.json_path_match("$.cached_from"))
    assert src == set(orig["execution_id"])
    s = second.summary.row(0, named=True)
    assert s["cache_hits"] == 10 and s["uncached_cost_usd"] > s["cost_usd"]
    # Opting out sends every call.
    third = _run(_spec(store_dir, 10, name="third", repeats=2, cache=False), reg, models)
    assert third.calls_made == 20 and third.cache_hits == 0


def test_dry_run_prints_the_plan_and_sends_nothing(
    priced_server: FaultServer,
    models: ModelRegistry,
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reg = fault_providers(priced_server)
    spec = _spec(store_dir, 5, budget_usd="0.01")
    result = run_campaign(
        spec, provider_registry=reg, model_registry=models, dry_run=True, progress=False
    )
    err = capsys.readouterr().err
    assert result.status == "dry_run" and priced_server.request_count == 0
    assert "estimated cost $" in err and "worst case $" in err and "budget $0.0100" in err
    assert result.summary["calls"].to_list() == [10]
    assert result.plan.worst_case_with_retries_usd == 3 * result.plan.worst_case_usd
    assert not store_dir.exists()  # a dry run writes nothing


def test_latest_per_key_keeps_the_newest_row_and_unkeyed_rows() -> None:
    import datetime as dt

    t = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    df = pl.DataFrame(
        {
            "execution_id": ["a", "b", "c", "d"],
            "timestamp": [t, t + dt.timedelta(seconds=1), t, t],
            "request_key": ["k1", "k1", "k2", None],
            "status": ["error", "success", "success", "success"],
        }
    )
    out = latest_per_key(df.lazy()).collect().sort("execution_id")
    assert out["execution_id"].to_list() == ["b", "c", "d"]

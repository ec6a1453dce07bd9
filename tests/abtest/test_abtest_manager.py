"""The manager's lifecycle: create, assign, record, analyse, stop, and read back after restart."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from aigym.abtest import ENGINES, ABTestManager, get_ab_test_manager
from aigym.errors import ABTestError, ValidationError
from aigym.registry import ModelRegistry
from aigym.store import ParquetStore

from .conftest import MODEL_A, MODEL_B, Clock, config, traffic


def test_round_trip_survives_a_restart(
    tmp_path: Path, registry: ModelRegistry, clock: Clock, rng: np.random.Generator
) -> None:
    root = tmp_path / "store"
    store = ParquetStore(root)
    manager = ABTestManager(registry=registry, clock=clock)
    test_id = manager.create_test(store, config(traffic_split=0.3, min_sample_size=500))
    clock.advance(1)

    def draw(variant: str) -> float:
        return float(np.clip(rng.normal(72.0 if variant == "b" else 70.0, 12.0), 0, 100))

    counts = traffic(manager, store, "claude_vs_gpt4_emails", 10_000, draw)
    # the split is honoured: 30% to B, within 4 binomial standard deviations
    assert abs(counts["b"] - 3000) < 4 * math.sqrt(10_000 * 0.3 * 0.7)
    # sticky: the same unit always gets the same variant (re-assignments are logged too)
    again = [manager.assign_variant(store, "claude_vs_gpt4_emails", unit_id=f"user-{i}")
             for i in range(0, 10_000, 10)]  # fmt: skip
    first = [manager.assign_variant(store, "claude_vs_gpt4_emails", unit_id=f"user-{i}")
             for i in range(0, 10_000, 10)]  # fmt: skip
    assert again == first
    assert {m for _, m in first} == {MODEL_A, MODEL_B}

    before = {e: manager.analyze_test(store, "claude_vs_gpt4_emails", e) for e in ENGINES}
    for result in before.values():
        assert result.winner == "b"
        assert result.flags == ()
        assert result.variant_a["sample_size"] == counts["a"]
        assert result.variant_b["sample_size"] == counts["b"]
        assert result.variant_b["assigned_units"] == counts["b"]  # distinct units, not calls
        assert result.variant_b["model_id"] == MODEL_B
        assert not result.srm.mismatch
    assert before["frequentist"].p_value is not None and before["frequentist"].p_value < 0.05
    assert before["bayesian"].chance_to_win is not None and before["bayesian"].chance_to_win > 0.95

    stopped = manager.stop_test(store, "claude_vs_gpt4_emails", reason="B wins")
    assert stopped.status == "stopped" and stopped.stop_reason == "B wins"
    store.close()

    store2 = ParquetStore(root)  # a new process: new store object, new manager
    manager2 = ABTestManager(registry=registry, clock=clock)
    (info,) = manager2.list_tests(store2, active_only=False)
    assert info.test_id == test_id and info.status == "stopped"
    assert info.config == manager.get_test(store, "claude_vs_gpt4_emails").config
    assert manager2.list_tests(store2) == []  # active only
    for engine, old in before.items():
        new = manager2.analyze_test(store2, "claude_vs_gpt4_emails", engine)
        assert new.winner == old.winner and new.flags == old.flags
        assert new.variant_a["sample_size"] == old.variant_a["sample_size"]
        assert new.srm.observed == old.srm.observed
        assert new.effect == pytest.approx(old.effect, rel=1e-9)
        assert new.confidence_level == pytest.approx(old.confidence_level, rel=1e-9)
        assert new.interval == pytest.approx(old.interval, rel=1e-9)
    store2.close()


def test_assignment_is_logged_before_the_call(manager: ABTestManager, store: ParquetStore) -> None:
    manager.create_test(store, config())
    variant, model = manager.assign_variant(store, "claude_vs_gpt4_emails", unit_id="user-42")
    store.flush()  # acknowledged at the writer's flush, like any store write
    log = store.scan("ab_assignments").collect()
    assert log.select("test_name", "variant", "unit_id", "model_id").row(0) == (
        "claude_vs_gpt4_emails", variant, "user-42", model,
    )  # fmt: skip


def test_calls_without_unit_id_are_their_own_units(
    manager: ABTestManager, store: ParquetStore
) -> None:
    manager.create_test(store, config())
    variants = [manager.assign_variant(store, "claude_vs_gpt4_emails")[0] for _ in range(400)]
    assert 120 < variants.count("b") < 280
    store.flush()
    log = store.scan("ab_assignments").collect()
    assert log["unit_id"].n_unique() == 400 and log["unit_hash"].n_unique() == 400
    assert log["fresh"].all()
    res = manager.analyze_test(store, "claude_vs_gpt4_emails")
    assert res.variant_a["assigned_units"] + res.variant_b["assigned_units"] == 400
    assert res.variant_b["assigned_units"] == variants.count("b")


def test_results_are_tagged_executions(manager: ABTestManager, store: ParquetStore) -> None:
    manager.create_test(store, config())
    eid = manager.record_variant_result(
        store, "claude_vs_gpt4_emails", "b", quality_score=89.5, cost_usd=0.0234,
        prompt_tokens=1200, completion_tokens=800, unit_id="user-1",
    )  # fmt: skip
    row = store.get_execution(eid)
    assert row["model_id"] == MODEL_B and row["task_type"] == "email_writing"
    assert (row["ab_test"], row["ab_variant"]) == ("claude_vs_gpt4_emails", "b")
    assert (row["ab_unit_id"], row["request_key"]) == ("user-1", None)
    assert row["latency_ms"] is None  # not measured: null, never 0
    # without cost_usd the registry prices the tokens
    eid2 = manager.record_variant_result(
        store, "claude_vs_gpt4_emails", "a", quality_score=80.0, prompt_tokens=1200,
        completion_tokens=800,
    )  # fmt: skip
    price = manager.registry.get(MODEL_A).calculate_cost(1200, 800)
    assert store.get_execution(eid2)["cost_usd"] == pytest.approx(float(price))


def test_duplicate_name_is_refused_even_after_stop(
    manager: ABTestManager, store: ParquetStore
) -> None:
    manager.create_test(store, config())
    with pytest.raises(ABTestError, match=r"already exists.*claude_vs_gpt4_emails_v2") as err:
        manager.create_test(store, config(min_sample_size=300))
    assert "min_sample_size: stored 100, given 300" in str(err.value)
    manager.stop_test(store, "claude_vs_gpt4_emails")
    with pytest.raises(ABTestError, match=r"already exists.*traffic_split"):
        ABTestManager(registry=manager.registry).create_test(store, config(traffic_split=0.2))


def test_rerunning_a_cell_with_the_same_config_returns_the_test(
    manager: ABTestManager, store: ParquetStore
) -> None:
    first = manager.create_test(store, config())
    rows = store.scan("ab_tests").collect().height
    again = manager.create_test(store, config())  # a notebook cell run twice
    fresh = ABTestManager(registry=manager.registry).create_test(store, config())  # restarted
    assert first == again == fresh
    assert store.scan("ab_tests").collect().height == rows  # nothing written
    # aliases resolve to the same ids, so the stored config matches
    assert manager.get_test(store, "claude_vs_gpt4_emails").test_id == first


def test_unknown_test_says_how_to_fix(manager: ABTestManager, store: ParquetStore) -> None:
    manager.create_test(store, config("other_test"))
    for call in (
        lambda: manager.analyze_test(store, "nope"),
        lambda: manager.assign_variant(store, "nope"),
        lambda: manager.record_variant_result(store, "nope", "a", quality_score=1.0),
        lambda: manager.stop_test(store, "nope"),
    ):
        with pytest.raises(ABTestError) as info:
            call()
        message = str(info.value)
        assert "'nope'" in message and "create_test" in message and "other_test" in message


def test_a_stopped_test_takes_no_more_traffic(manager: ABTestManager, store: ParquetStore) -> None:
    manager.create_test(store, config())
    manager.stop_test(store, "claude_vs_gpt4_emails")
    with pytest.raises(ABTestError, match="was stopped"):
        manager.assign_variant(store, "claude_vs_gpt4_emails")
    with pytest.raises(ABTestError, match="was stopped"):
        manager.record_variant_result(store, "claude_vs_gpt4_emails", "a", quality_score=1.0)
    with pytest.raises(ABTestError, match="was stopped"):
        manager.stop_test(store, "claude_vs_gpt4_emails")
    assert manager.analyze_test(store, "claude_vs_gpt4_emails").status == "stopped"


def test_input_errors_name_the_field(manager: ABTestManager, store: ParquetStore) -> None:
    manager.create_test(store, config(target_metric="cost"))
    name = "claude_vs_gpt4_emails"
    cases: list[tuple[str, Callable[[], object]]] = [
        ("task_type", lambda: manager.assign_variant(store, name, task_type="code_generation")),
        ("unit_id", lambda: manager.assign_variant(store, name, unit_id="")),
        ("variant_name", lambda: manager.record_variant_result(store, name, "c", cost_usd=1.0)),
        ("cost_usd", lambda: manager.record_variant_result(store, name, "a", latency_ms=5.0)),
        ("engine", lambda: manager.analyze_test(store, name, "magic")),  # type: ignore[arg-type]
        ("confidence", lambda: manager.analyze_test(store, name, confidence=95)),
    ]
    for field, call in cases:
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.field == field
    assert manager.assign_variant(store, name, task_type="Email Writing")[0] in ("a", "b")


def test_another_manager_sees_new_tests_and_stops(
    store: ParquetStore, registry: ModelRegistry
) -> None:
    one = ABTestManager(registry=registry, refresh_seconds=0.0)
    two = ABTestManager(registry=registry, refresh_seconds=0.0)
    one.create_test(store, config())
    assert two.assign_variant(store, "claude_vs_gpt4_emails", unit_id="u")[0] in ("a", "b")
    one.stop_test(store, "claude_vs_gpt4_emails")
    with pytest.raises(ABTestError, match="was stopped"):
        two.assign_variant(store, "claude_vs_gpt4_emails", unit_id="u")


def test_events_table_holds_created_and_stopped(
    manager: ABTestManager, store: ParquetStore, clock: Clock
) -> None:
    manager.create_test(store, config())
    clock.advance(0.5)
    manager.stop_test(store, "claude_vs_gpt4_emails")
    events = store.scan("ab_tests").sort("timestamp", "event_id").collect()
    assert events["event"].to_list() == ["created", "stopped"]
    assert events["test_id"].n_unique() == 1
    assert events.filter(pl.col("event") == "stopped")["target_metric"].item() == "quality"


def test_get_ab_test_manager_is_shared() -> None:
    assert get_ab_test_manager() is get_ab_test_manager()

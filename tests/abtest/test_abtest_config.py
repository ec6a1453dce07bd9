"""ABTestConfig validation: every bad field is named, with its value and the fix."""

from __future__ import annotations

from typing import Any

import pytest

from aigym.abtest import METRICS, ABTestConfig, ABTestManager, get_metric
from aigym.errors import UnknownModelError, ValidationError
from aigym.records import TaskType
from aigym.store import ParquetStore

from .conftest import config


def test_spec_example_builds_with_defaults() -> None:
    c = ABTestConfig(
        test_name="claude_vs_gpt4_emails",
        task_type=TaskType.EMAIL_WRITING,
        variant_a_model="anthropic/claude-3.5-sonnet",
        variant_b_model="openai/gpt-4-turbo-preview",
        traffic_split=0.5,
        min_sample_size=100,
        target_metric="quality",
    )
    assert c.task_type == "email_writing" and type(c.task_type) is str
    assert c.max_duration_days == 14
    assert c.weights == (0.5, 0.5)
    assert c.metric.column == "quality_score"
    assert c.model_of("a") == "anthropic/claude-3.5-sonnet"


@pytest.mark.parametrize(
    ("field", "value", "hint"),
    [
        ("test_name", "", "letters, digits"),
        ("test_name", "has space", "letters, digits"),
        ("test_name", 7, "letters, digits"),
        ("task_type", "", "task name"),
        ("variant_a_model", "", "model id"),
        ("variant_b_model", None, "model id"),
        ("traffic_split", 0.0, "share of units sent to variant B"),
        ("traffic_split", 1.0, "share of units sent to variant B"),
        ("traffic_split", 50, "share of units sent to variant B"),
        ("traffic_split", True, "share of units sent to variant B"),
        ("min_sample_size", 1, "at least 2"),
        ("min_sample_size", 10.5, "at least 2"),
        ("max_duration_days", 0, "positive number of days"),
        ("max_duration_days", float("inf"), "positive number of days"),
        ("target_metric", "accuracy", "'quality', 'cost', 'latency' or 'approval'"),
    ],
)
def test_bad_fields_are_named_with_the_fix(field: str, value: object, hint: str) -> None:
    kwargs: dict[str, Any] = {field: value}
    with pytest.raises(ValidationError) as info:
        config(**kwargs)
    assert info.value.field == field
    assert hint in info.value.fix


def test_metrics_directions() -> None:
    assert get_metric("cost").lower_is_better
    assert get_metric("Latency").lower_is_better
    assert not get_metric("quality").lower_is_better
    assert get_metric("approval").kind == "proportion"
    assert get_metric("completion_tokens").column == "completion_tokens"
    assert set(METRICS) >= {"quality", "cost", "latency", "approval"}


def test_unknown_model_is_refused_by_the_registry_at_creation(
    manager: ABTestManager, store: ParquetStore
) -> None:
    with pytest.raises(UnknownModelError) as info:
        manager.create_test(store, config(variant_b_model="openai/gpt-4o-typo"))
    assert "openai/gpt-4o" in info.value.suggestions
    assert manager.list_tests(store, active_only=False) == []


def test_aliases_are_resolved_to_canonical_ids(manager: ABTestManager, store: ParquetStore) -> None:
    manager.create_test(store, config(variant_b_model="gpt-4o"))
    info = manager.get_test(store, "claude_vs_gpt4_emails")
    assert info.config.variant_b_model == "openai/gpt-4o"

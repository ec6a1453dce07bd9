"""What an A/B test is: its config (the spec's `ABTestConfig`) and the metrics it can target.

A config is pure data, checked on construction; model ids are resolved against the registry
only when the test is created (`create_test`), so a config can be built and inspected offline.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from typing import Final, Literal

from aigym.errors import ValidationError
from aigym.records import TaskType
from aigym.stats import Direction

MetricKind = Literal["mean", "proportion"]

_NAME_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$")


@dataclass(frozen=True, slots=True)
class Metric:
    """A comparable metric: the executions column it reads, its kind and its good direction."""

    name: str
    column: str
    kind: MetricKind
    direction: Direction
    label: str
    unit: str = ""

    @property
    def lower_is_better(self) -> bool:
        """True for cost, latency and token counts: a negative B - A is an improvement."""
        return self.direction == "lower_is_better"


_QUALITY = Metric("quality", "quality_score", "mean", "higher_is_better", "mean quality score")
_COST = Metric("cost", "cost_usd", "mean", "lower_is_better", "mean cost per result", "USD")
_LATENCY = Metric("latency", "latency_ms", "mean", "lower_is_better", "mean latency", "ms")
_APPROVAL = Metric("approval", "approved", "proportion", "higher_is_better", "approval rate")

METRICS: Final[dict[str, Metric]] = {
    m.name: m
    for m in (
        _QUALITY,
        _COST,
        _LATENCY,
        _APPROVAL,
        Metric("quality_score", "quality_score", "mean", "higher_is_better", "mean quality score"),
        Metric("cost_usd", "cost_usd", "mean", "lower_is_better", "mean cost per result", "USD"),
        Metric("latency_ms", "latency_ms", "mean", "lower_is_better", "mean latency", "ms"),
        Metric("approved", "approved", "proportion", "higher_is_better", "approval rate"),
        Metric("user_approved", "approved", "proportion", "higher_is_better", "approval rate"),
        Metric("prompt_tokens", "prompt_tokens", "mean", "lower_is_better",
               "mean prompt tokens", "tokens"),
        Metric("completion_tokens", "completion_tokens", "mean", "lower_is_better",
               "mean completion tokens", "tokens"),
        Metric("attempts", "attempts", "mean", "lower_is_better", "mean attempts per call"),
        Metric("uncached_cost_usd", "uncached_cost_usd", "mean", "lower_is_better",
               "mean uncached cost per result", "USD"),
    )
}  # fmt: skip
"""Metric names a test or a comparison can target: the spec's four, and named columns."""


def get_metric(name: object, field: str = "target_metric") -> Metric:
    """The `Metric` for a name such as "quality", "cost" or a column such as "latency_ms"."""
    if isinstance(name, Metric):
        return name
    key = name.strip().lower() if isinstance(name, str) else None
    if key is None or key not in METRICS:
        raise ValidationError(
            field,
            name,
            f"use 'quality', 'cost', 'latency' or 'approval', or one of {sorted(METRICS)}",
        )
    return METRICS[key]


def check_test_name(value: object, field: str = "test_name") -> str:
    """A test name: 1-128 letters, digits and `_ . : / -`, starting with a letter or digit."""
    if not isinstance(value, str) or not _NAME_RE.match(value):
        raise ValidationError(
            field,
            value,
            "use 1-128 letters, digits, '_', '.', ':', '/' or '-', starting with a letter or "
            "digit, e.g. 'claude_vs_gpt4_emails'",
        )
    return value


#: An arm starting with this is a routing policy (``router:balanced``): an opaque id that the
#: layer running the test resolves per unit; the A/B layer never resolves or imports it.
POLICY_PREFIX: Final = "router:"


def is_policy_arm(arm: str) -> bool:
    """True for a routing-policy arm such as ``router:balanced`` (not a registry model)."""
    return arm.startswith(POLICY_PREFIX)


def _model(field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            field, value, "give a model id such as 'openai/gpt-4o' or a policy 'router:balanced'"
        )
    arm = value.strip()
    if is_policy_arm(arm) and not arm[len(POLICY_PREFIX) :].strip():
        raise ValidationError(field, value, "name the policy's strategy, e.g. 'router:balanced'")
    return arm


@dataclass(frozen=True, slots=True)
class ABTestConfig:
    """One A/B test: variant A is the control, B the challenger.

    `traffic_split` is the share of units sent to B (0.1 sends 10% to the new model).
    An arm is a model id or a routing policy ``router:<strategy>`` (kept as an opaque id: the
    campaign layer resolves it per unit through the router).
    `min_sample_size` is the number of units with a result each variant needs before a winner
    can be called; `max_duration_days` is when the test should end, winner or not (fractions
    allowed). `target_metric` is "quality", "cost", "latency", "approval" or a numeric
    executions column (see `METRICS`); cost, latency and token counts are lower-is-better.
    """

    test_name: str
    task_type: str
    variant_a_model: str
    variant_b_model: str
    traffic_split: float = 0.5
    min_sample_size: int = 100
    max_duration_days: float = 14
    target_metric: str = "quality"

    def __post_init__(self) -> None:
        check_test_name(self.test_name)
        object.__setattr__(self, "task_type", str(TaskType(self.task_type)))
        object.__setattr__(self, "variant_a_model", _model("variant_a_model", self.variant_a_model))
        object.__setattr__(self, "variant_b_model", _model("variant_b_model", self.variant_b_model))
        split = self.traffic_split
        if (
            isinstance(split, bool)
            or not isinstance(split, numbers.Real)
            or not 0.0 < float(split) < 1.0
        ):
            raise ValidationError(
                "traffic_split", split, "give the share of units sent to variant B, e.g. 0.5 or "
                "0.1 (strictly between 0 and 1)",
            )  # fmt: skip
        object.__setattr__(self, "traffic_split", float(split))
        size = self.min_sample_size
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 2:
            raise ValidationError(
                "min_sample_size", size, "give a whole number of units per variant, at least 2 "
                "(e.g. 100); use aigym.stats.sample_size_means to plan it",
            )  # fmt: skip
        object.__setattr__(self, "min_sample_size", int(size))
        days = self.max_duration_days
        if (
            isinstance(days, bool)
            or not isinstance(days, numbers.Real)
            or not math.isfinite(float(days))
            or float(days) <= 0
        ):
            raise ValidationError(
                "max_duration_days", days, "give a positive number of days, e.g. 7 or 14"
            )
        object.__setattr__(self, "max_duration_days", float(days))
        object.__setattr__(self, "target_metric", get_metric(self.target_metric).name)

    @property
    def metric(self) -> Metric:
        """The target metric's column, kind and direction."""
        return METRICS[self.target_metric]

    @property
    def weights(self) -> tuple[float, float]:
        """Intended shares of A and B (what the sample-ratio check compares against)."""
        return (1.0 - self.traffic_split, self.traffic_split)

    def model_of(self, variant: str) -> str:
        """The model id serving `variant` ("a" or "b")."""
        if variant == "a":
            return self.variant_a_model
        if variant == "b":
            return self.variant_b_model
        raise ValidationError("variant_name", variant, "use 'a' (control) or 'b' (challenger)")

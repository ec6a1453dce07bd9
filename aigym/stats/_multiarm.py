"""More than two arms: every variant against one control, with multiplicity control.

Adjusted p-values (Holm by default: no false winner; "bh" for exploration) decide; the
per-variant results are computed at the Bonferroni level 1 - alpha / m, so their intervals
hold simultaneously and `result.significant` is the (stricter) Bonferroni call.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

from aigym.errors import ValidationError
from aigym.stats._guards import Correction, adjust_p_values
from aigym.stats._means import welch_t
from aigym.stats._proportions import fisher_exact, two_proportion_z
from aigym.stats._ratio import ratio_delta
from aigym.stats._records import DEFAULT_CONFIG, FrequentistResult, StatsConfig
from aigym.stats._sufficient import ProportionStats, RatioStats, SampleStats

ArmStats = SampleStats | ProportionStats | RatioStats
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class ArmComparison:
    """One variant against the control, with its family-adjusted p-value."""

    variant: str
    result: FrequentistResult
    adjusted_p_value: float
    alpha: float

    @property
    def significant(self) -> bool:
        """Adjusted p < alpha."""
        return not math.isnan(self.adjusted_p_value) and self.adjusted_p_value < self.alpha

    @property
    def better(self) -> bool:
        """Significant after adjustment and in the metric's good direction."""
        return self.significant and self.result.favours_b


@dataclass(frozen=True, slots=True)
class MultiArmResult:
    """All variants against `control`, in the order the arms were given."""

    control: str
    correction: Correction
    comparisons: tuple[ArmComparison, ...]

    def __getitem__(self, variant: str) -> ArmComparison:
        for c in self.comparisons:
            if c.variant == variant:
                return c
        raise KeyError(variant)


def _compare(a: ArmStats, b: ArmStats, config: StatsConfig, exact: bool) -> FrequentistResult:
    if isinstance(a, SampleStats) and isinstance(b, SampleStats):
        return welch_t(a, b, config)
    if isinstance(a, ProportionStats) and isinstance(b, ProportionStats):
        return fisher_exact(a, b, config) if exact else two_proportion_z(a, b, config)
    if isinstance(a, RatioStats) and isinstance(b, RatioStats):
        return ratio_delta(a, b, config)
    raise ValidationError(
        "arms", (type(a).__name__, type(b).__name__), "give every arm the same kind of stats"
    )


def compare_arms(
    arms: Mapping[str, ArmStats],
    control: str,
    config: StatsConfig = DEFAULT_CONFIG,
    *,
    correction: Correction = "holm",
    exact: bool = False,
) -> MultiArmResult:
    """Compare each arm with `control` (Welch / z or Fisher if `exact` / ratio delta method)."""
    if control not in arms:
        raise ValidationError("control", control, f"name one of the arms: {sorted(arms)}")
    variants = [name for name in arms if name != control]
    if not variants:
        raise ValidationError("arms", list(arms), "pass the control and at least one variant")
    level = replace(config, confidence=1.0 - config.alpha / len(variants))
    results = [_compare(arms[control], arms[v], level, exact) for v in variants]
    adjusted = adjust_p_values([r.p_value for r in results], correction)
    return MultiArmResult(
        control,
        correction,
        tuple(
            ArmComparison(v, r, p, config.alpha)
            for v, r, p in zip(variants, results, adjusted, strict=True)
        ),
    )


def adjust_results(
    results: Mapping[K, FrequentistResult], method: Correction = "holm"
) -> dict[K, float]:
    """Adjusted p-values for a family of results (e.g. keyed by (metric, variant))."""
    keys = list(results)
    adjusted = adjust_p_values([results[k].p_value for k in keys], method)
    return dict(zip(keys, adjusted, strict=True))

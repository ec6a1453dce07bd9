"""The config object and the typed result records every analysis returns.

Effects are always B - A (or (B - A) / |A| on the relative scale), whatever the metric's
direction; `direction` only decides what "better" and "chance to win" mean. Degenerate data
yields a `status` other than "ok" and NaN where a number does not exist, never an exception.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from aigym.errors import ValidationError
from aigym.stats._checks import Alternative, check_alternative, check_finite, check_probability

Status = Literal[
    "ok",
    "insufficient_data",
    "zero_variance",
    "zero_baseline",
    "small_sample",
    "non_positive_values",
]
"""Why a result is (or is not) trustworthy.

- ok: computed and the method's assumptions are reasonable.
- insufficient_data: too few units for the method (e.g. n < 2 for a t-test); numbers are NaN.
- zero_variance: no variation to compare (e.g. identical constant arms); p-value is NaN.
- zero_baseline: a relative effect was asked for but A's mean is 0.
- small_sample: computed, but a normal approximation is doubtful (fewer than 5 successes or
  failures in an arm); prefer fisher_exact, newcomb_interval or bayes_proportions.
- non_positive_values: a log-scale comparison met values <= 0.
"""

Direction = Literal["higher_is_better", "lower_is_better"]
DifferenceType = Literal["absolute", "relative"]


@dataclass(frozen=True, slots=True)
class NormalPrior:
    """Informative normal prior on the effect, on the scale being analysed."""

    mean: float = 0.0
    sd: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", check_finite("prior.mean", self.mean))
        sd = check_finite("prior.sd", self.sd)
        if sd <= 0:
            raise ValidationError("prior.sd", sd, "pass a positive prior standard deviation")
        object.__setattr__(self, "sd", sd)


@dataclass(frozen=True, slots=True)
class StatsConfig:
    """How to analyse one metric: confidence, sidedness, scale, direction and prior.

    `alternative` is about B - A ("greater": B - A > 0), independent of `direction`.
    `prior=None` is a flat prior, so the posterior mean equals the frequentist estimate.
    """

    confidence: float = 0.95
    alternative: Alternative = "two-sided"
    difference_type: DifferenceType = "absolute"
    direction: Direction = "higher_is_better"
    prior: NormalPrior | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "confidence", check_probability("confidence", self.confidence))
        object.__setattr__(self, "alternative", check_alternative(self.alternative))
        if self.difference_type not in ("absolute", "relative"):
            raise ValidationError(
                "difference_type", self.difference_type, "use 'absolute' or 'relative'"
            )
        if self.direction not in ("higher_is_better", "lower_is_better"):
            raise ValidationError(
                "direction", self.direction, "use 'higher_is_better' or 'lower_is_better'"
            )
        if self.prior is not None and not isinstance(self.prior, NormalPrior):
            raise ValidationError("prior", self.prior, "pass a NormalPrior or None")

    @property
    def alpha(self) -> float:
        """1 - confidence."""
        return 1.0 - self.confidence


DEFAULT_CONFIG = StatsConfig()

NAN_INTERVAL = (math.nan, math.nan)


@dataclass(frozen=True, slots=True)
class FrequentistResult:
    """A two-arm comparison: estimate, interval and p-value for B against A.

    `effect` is B - A in the metric's units (scale "absolute") or (B - A) / |A| (scale
    "relative"); rank tests report the Hodges-Lehmann shift and log-scale comparisons the
    geometric-mean ratio minus 1. `interval` is on the same scale; one-sided alternatives give
    a one-sided interval with an infinite end. `df` is inf for normal (z) methods.
    """

    method: str
    status: Status
    baseline: float
    treatment: float
    effect: float
    interval: tuple[float, float]
    p_value: float
    statistic: float
    standard_error: float
    df: float
    scale: DifferenceType
    confidence: float
    alternative: Alternative
    direction: Direction

    @property
    def significant(self) -> bool:
        """p < 1 - confidence on a computed result."""
        return not math.isnan(self.p_value) and self.p_value < 1.0 - self.confidence

    @property
    def favours_b(self) -> bool:
        """The effect points the metric's good way (B - A > 0, or < 0 for cost and latency)."""
        return self.effect > 0 if self.direction == "higher_is_better" else self.effect < 0

    @property
    def b_is_better(self) -> bool:
        """Significant and in the good direction for this metric (lower cost, higher quality)."""
        return self.significant and self.favours_b


@dataclass(frozen=True, slots=True)
class NonInferiorityResult:
    """One-sided test that B is no worse than A by more than `margin`.

    H0: B is worse by at least the margin; a small p-value (equivalently the one-sided bound
    of `interval` beating -margin, or +margin for lower-is-better) shows non-inferiority.
    """

    method: str
    status: Status
    baseline: float
    treatment: float
    effect: float
    margin: float
    interval: tuple[float, float]
    p_value: float
    statistic: float
    standard_error: float
    df: float
    scale: DifferenceType
    confidence: float
    direction: Direction

    @property
    def non_inferior(self) -> bool:
        """B is shown to be no worse than A by more than the margin."""
        return not math.isnan(self.p_value) and self.p_value < 1.0 - self.confidence


@dataclass(frozen=True, slots=True)
class IntervalEstimate:
    """A single estimate with its interval (a mean, a rate, a difference of rates)."""

    method: str
    status: Status
    estimate: float
    interval: tuple[float, float]
    standard_error: float
    n: int
    confidence: float


@dataclass(frozen=True, slots=True)
class BayesianResult:
    """Posterior summary of B against A.

    `chance_to_win` is P(B better than A) for this metric's direction; `risk_a` / `risk_b` are
    the expected loss (in effect units) of shipping A / B if the other is in fact better.
    `interval` is the central credible interval.
    """

    method: str
    status: Status
    baseline: float
    treatment: float
    effect: float
    interval: tuple[float, float]
    posterior_sd: float
    chance_to_win: float
    risk_a: float
    risk_b: float
    scale: DifferenceType
    confidence: float
    direction: Direction

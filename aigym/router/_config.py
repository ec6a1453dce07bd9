"""The router's stated assumptions: prior strengths, recency half-life, cool-down, exploration.

Every number the router's estimates rest on is here, with its default and why, so a decision
can be reproduced and questioned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from aigym.errors import ValidationError

__all__ = ["TRANSIENT_ERRORS", "RouterConfig"]

#: Error types (the store's `error_type`) that say "this endpoint is struggling right now":
#: they trigger a cool-down. A bad request or a missing key is the caller's fault and does not.
TRANSIENT_ERRORS: Final = frozenset({"rate_limit", "server_error", "timeout", "connection_error"})


def _positive(name: str, v: float, *, allow_zero: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValidationError(name, v, "give a finite number")
    if v < 0 or (v == 0 and not allow_zero):
        raise ValidationError(name, v, "must be > 0" if not allow_zero else "must be >= 0")
    return float(v)


@dataclass(frozen=True, slots=True)
class RouterConfig:
    """How the router turns priors and history into estimates.

    - `prior_strength`: the registry's quality prior counts as this many observations
      (normal-normal shrinkage: posterior mean ``(n0 * prior + sum(w * x)) / (n0 + sum(w))``).
      20 means three measured calls move a model a seventh of the way from its prior to its
      data, three thousand nearly all the way.
    - `cost_prior_strength`, `latency_prior_strength`: the same for cost and latency. They are
      smaller because a price times a token count is a measurement, not a noisy judgement.
    - `quality_sd`: the spread of one quality score (0-100) assumed before data shows its own.
    - `half_life_days`: a call this old counts half as much as one made now (None: all equal).
    - `feedback_weight`: one user verdict (approval 100/0, rating 1-5 as 0-100) counts as this
      many scored calls.
    - `allowed_fails`, `failure_window_s`, `cooldown_s`: `allowed_fails` transient failures
      (rate limit, 5xx, timeout, connection) within `failure_window_s`, with no success after
      the last of them, cool a model down for `cooldown_s` after that failure (LiteLLM's
      defaults are 3 failures per minute).
    - `explore_share`: the most traffic Thompson sampling may send away from the greedy choice.
    - `typical_prompt_tokens`, `typical_completion_tokens`: the token mix that prices a model
      with no history for a task whose other models have none either (the spec's 1200/800).
    - `max_staleness_s`: `route()` refreshes the store's statistics when they are older.
    """

    prior_strength: float = 20.0
    cost_prior_strength: float = 5.0
    latency_prior_strength: float = 5.0
    quality_sd: float = 15.0
    half_life_days: float | None = 30.0
    feedback_weight: float = 1.0
    allowed_fails: int = 3
    failure_window_s: float = 60.0
    cooldown_s: float = 300.0
    explore_share: float = 0.1
    typical_prompt_tokens: int = 1200
    typical_completion_tokens: int = 800
    max_staleness_s: float = 5.0

    def __post_init__(self) -> None:
        _positive("prior_strength", self.prior_strength, allow_zero=True)
        _positive("cost_prior_strength", self.cost_prior_strength, allow_zero=True)
        _positive("latency_prior_strength", self.latency_prior_strength, allow_zero=True)
        _positive("quality_sd", self.quality_sd)
        if self.half_life_days is not None:
            _positive("half_life_days", self.half_life_days)
        _positive("feedback_weight", self.feedback_weight, allow_zero=True)
        if isinstance(self.allowed_fails, bool) or not isinstance(self.allowed_fails, int):
            raise ValidationError("allowed_fails", self.allowed_fails, "give a whole number >= 1")
        if self.allowed_fails < 1:
            raise ValidationError("allowed_fails", self.allowed_fails, "must be >= 1")
        _positive("failure_window_s", self.failure_window_s)
        _positive("cooldown_s", self.cooldown_s, allow_zero=True)
        share = _positive("explore_share", self.explore_share, allow_zero=True)
        if share > 1:
            raise ValidationError("explore_share", share, "give a share between 0 and 1")
        for name in ("typical_prompt_tokens", "typical_completion_tokens"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValidationError(name, v, "give a whole number >= 0")
        _positive("max_staleness_s", self.max_staleness_s, allow_zero=True)

    @property
    def half_life_us(self) -> float | None:
        return None if self.half_life_days is None else self.half_life_days * 86_400e6

"""Decision rules of the three engines, and the skew-robust scale for cost and latency.

- "sequential" (the default): a winner when a 95% interval that holds at every look excludes 0.
  The error budget alpha = 1 - confidence is split: 20% goes to an always-valid mSPRT interval
  on all the data (tuned to the planned total, valid however often the test is looked at,
  so it may stop a test early), 80% to one fixed-horizon test (Welch t, two-proportion z or
  Fisher, delta method for units) on the first `min_sample_size` units of each variant, a
  data set that no longer changes once reached. By the union bound the chance of a false
  winner over any number of looks is at most alpha, and the reported interval (the
  intersection of the two) covers the true effect at every look with chance >= confidence.
  The fixed-horizon part keeps almost all of Welch's power at the planned size.
- "frequentist": one fixed-horizon test on all the data; alpha holds at one look only.
- "bayesian": flat-prior posterior; a winner when P(B better) >= 1 - alpha/2 or <= alpha/2
  (one-sided 97.5% per direction at confidence 0.95: 5% false winners at one look, more
  when looked at repeatedly).

Cost and latency (lower-is-better money and time) are compared on the log scale when every
value is positive: the ratio of geometric means (a typical request), whose interval keeps
its coverage for right-skewed data under unequal splits where Welch on means does not.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from aigym.abtest._data import ArmData, ArmStats
from aigym.errors import ValidationError
from aigym.stats import (
    BayesianResult,
    FrequentistResult,
    ProportionStats,
    RatioStats,
    SampleStats,
    StatsConfig,
    bayes_means,
    bayes_proportions,
    fisher_exact,
    gaussian_posterior,
    ratio_delta,
    sequential_ratio,
    sequential_test,
    two_proportion_z,
    welch_t,
)

Engine = Literal["sequential", "bayesian", "frequentist"]
Winner = Literal["a", "b", "inconclusive"]
ENGINES: tuple[Engine, ...] = ("sequential", "bayesian", "frequentist")
DEFAULT_ENGINE: Engine = "sequential"
ALWAYS_VALID_SHARE = 0.2
"""Share of alpha spent on the always-valid (mSPRT) interval; the rest on the planned sample."""
MIN_EARLY_UNITS = 30
"""Units per variant before the always-valid interval may stop a test early."""
SKEW_METRICS = frozenset({"cost", "cost_usd", "uncached_cost_usd", "latency", "latency_ms"})
_EXACT_BELOW = 10_000  # Beta-Binomial below this many successes/failures; Gaussian above
Result = FrequentistResult | BayesianResult


def check_engine(engine: object) -> Engine:
    """ "sequential", "bayesian" or "frequentist"."""
    for e in ENGINES:
        if engine == e:
            return e
    raise ValidationError("engine", engine, "use 'sequential', 'bayesian' or 'frequentist'")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a rule concluded: the result read downstream, the leader and which rule decided."""

    result: Result | None
    leader: Winner
    level: float
    rule: str
    early: bool = False


def fixed_test(a: ArmStats, b: ArmStats, cfg: StatsConfig) -> FrequentistResult:
    """The fixed-horizon test for these statistics (Fisher for small or degenerate rates)."""
    if isinstance(a, ProportionStats) and isinstance(b, ProportionStats):
        z = two_proportion_z(a, b, cfg)
        return fisher_exact(a, b, cfg) if z.status in ("small_sample", "zero_variance") else z
    if isinstance(a, RatioStats) and isinstance(b, RatioStats):
        return ratio_delta(a, b, cfg)
    assert isinstance(a, SampleStats) and isinstance(b, SampleStats)
    return welch_t(a, b, cfg)


def bayes_test(a: ArmStats, b: ArmStats, cfg: StatsConfig) -> BayesianResult:
    """Flat-prior posterior of B - A (Beta-Binomial for rates, Gaussian otherwise)."""
    if isinstance(a, ProportionStats) and isinstance(b, ProportionStats):
        if min(a.successes, a.failures, b.successes, b.failures) >= _EXACT_BELOW:
            return bayes_means(a.to_sample_stats(), b.to_sample_stats(), cfg)
        return bayes_proportions(a, b, cfg)
    if isinstance(a, RatioStats) and isinstance(b, RatioStats):
        freq = ratio_delta(a, b, cfg)
        if freq.status != "ok":
            nan = math.nan
            return BayesianResult(
                "gaussian", freq.status, freq.baseline, freq.treatment, nan, (nan, nan), nan,
                nan, nan, nan, "absolute", cfg.confidence, cfg.direction,
            )  # fmt: skip
        return gaussian_posterior(
            freq.effect, freq.standard_error, cfg, baseline=freq.baseline, treatment=freq.treatment
        )
    assert isinstance(a, SampleStats) and isinstance(b, SampleStats)
    return bayes_means(a, b, cfg)


def msprt_test(a: ArmStats, b: ArmStats, cfg: StatsConfig, tuning_n: float) -> FrequentistResult:
    """The always-valid mSPRT interval for these statistics."""
    if isinstance(a, RatioStats) and isinstance(b, RatioStats):
        return sequential_ratio(a, b, cfg, tuning_n=tuning_n)
    assert not isinstance(a, RatioStats) and not isinstance(b, RatioStats)
    return sequential_test(a, b, cfg, tuning_n=tuning_n)


def from_log(res: Result) -> Result:
    """A log-scale comparison as the ratio of geometric means minus 1 (GM(B) / GM(A) - 1).

    p-values and chance to win are unchanged (a monotone map); a Bayesian result's risks stay
    in log units (the expected loss in log of the geometric-mean ratio).
    """

    def ex(x: float) -> float:
        return math.expm1(x) if math.isfinite(x) else (x if x != math.inf else math.inf)

    return replace(
        res,
        method=f"log_{res.method}",
        baseline=math.exp(res.baseline) if math.isfinite(res.baseline) else math.nan,
        treatment=math.exp(res.treatment) if math.isfinite(res.treatment) else math.nan,
        effect=ex(res.effect),
        interval=(ex(res.interval[0]), ex(res.interval[1])),
        scale="relative",
    )


def _favours_b(effect: float, cfg: StatsConfig) -> bool:
    return effect > 0 if cfg.direction == "higher_is_better" else effect < 0


def _frequentist_leader(res: FrequentistResult, cfg: StatsConfig) -> tuple[Winner, float]:
    p = res.p_value
    if math.isnan(p):
        return "inconclusive", math.nan
    level = 100.0 * (1.0 - p)
    if p >= cfg.alpha or res.effect == 0:
        return "inconclusive", level
    return ("b" if _favours_b(res.effect, cfg) else "a"), level


def _intersect(x: tuple[float, float], y: tuple[float, float]) -> tuple[float, float]:
    low, high = max(x[0], y[0]), min(x[1], y[1])
    return (low, high) if low <= high else x


def _sequential(
    stats: Mapping[str, ArmStats],
    horizon: Mapping[str, ArmStats] | None,
    cfg: StatsConfig,
    tuning_n: float,
    planned: int,
) -> Outcome:
    alpha = cfg.alpha
    a_seq, a_fix = ALWAYS_VALID_SHARE * alpha, (1.0 - ALWAYS_VALID_SHARE) * alpha
    full = msprt_test(stats["a"], stats["b"], replace(cfg, confidence=1.0 - a_seq), tuning_n)
    fix = None
    if horizon is not None and "a" in horizon and "b" in horizon:
        fix = fixed_test(horizon["a"], horizon["b"], replace(cfg, confidence=1.0 - a_fix))
    p_seq = full.p_value * alpha / a_seq if not math.isnan(full.p_value) else math.nan
    p_fix = (
        fix.p_value * alpha / a_fix if fix is not None and not math.isnan(fix.p_value) else math.nan
    )
    known = [p for p in (p_seq, p_fix) if not math.isnan(p)]
    p = min(1.0, *known) if known else math.nan
    interval = full.interval
    if fix is not None and not any(math.isnan(x) for x in fix.interval):
        interval = _intersect(full.interval, fix.interval)
    by_fix = fix is not None and not math.isnan(p_fix) and p_fix < alpha
    by_seq = not math.isnan(p_seq) and p_seq < alpha
    deciding = fix if by_fix and fix is not None else full
    n_a, n_b = stats["a"].n, stats["b"].n
    early = by_seq and not by_fix
    if early and min(n_a, n_b) < MIN_EARLY_UNITS:
        by_seq = early = False
        p = max(p, alpha)  # too few units for the normal approximation to stop early
    res = replace(
        full,
        method=f"sequential({deciding.method})",
        effect=deciding.effect,
        interval=interval,
        p_value=p,
        confidence=cfg.confidence,
        status=deciding.status if fix is not None else full.status,
    )
    leader, level = _frequentist_leader(res, cfg)
    if by_fix and fix is not None:
        rule = (
            f"fixed horizon: {fix.method} on the units up to {planned:,} per variant at "
            f"alpha = {a_fix:.3g} (its share of {alpha:g})"
        )
    elif by_seq:
        rule = (
            f"always-valid: {full.method} interval at alpha = {a_seq:.3g} (its share of "
            f"{alpha:g}), tuned to {tuning_n:,.0f} units"
        )
    else:
        rule = (
            f"none yet: neither the always-valid interval (alpha = {a_seq:.3g}) nor the "
            f"planned-sample test (alpha = {a_fix:.3g}, at {planned:,} units per variant) "
            "excludes 0"
        )
    return Outcome(res, leader, level, rule, early)


def decide(
    arms: ArmData,
    engine: Engine,
    cfg: StatsConfig,
    *,
    planned: int,
    traffic_split: float,
) -> Outcome:
    """Run `engine`'s rule on the arms (log scale for cost and latency when prepared)."""
    stats, horizon = arms.stats, arms.horizon
    log = arms.log_stats is not None
    if arms.log_stats is not None:
        stats, horizon = arms.log_stats, arms.log_horizon
    a, b = stats.get("a"), stats.get("b")
    if a is None or b is None or a.n < 2 or b.n < 2:
        return Outcome(None, "inconclusive", math.nan, "none: too few units")
    if engine == "sequential":
        tuning_n = planned / min(traffic_split, 1.0 - traffic_split)
        out = _sequential({"a": a, "b": b}, horizon, cfg, tuning_n, planned)
    elif engine == "frequentist":
        res = fixed_test(a, b, cfg)
        leader, level = _frequentist_leader(res, cfg)
        out = Outcome(res, leader, level, f"fixed horizon: {res.method} on all data at "
                      f"alpha = {cfg.alpha:g} (valid at one look)")  # fmt: skip
    else:
        bay = bayes_test(a, b, cfg)
        c, bar = bay.chance_to_win, 1.0 - cfg.alpha / 2.0
        if math.isnan(c):
            leader, level = "inconclusive", math.nan
        else:
            level = 100.0 * max(c, 1.0 - c)
            leader = "b" if c >= bar else "a" if c <= 1.0 - bar else "inconclusive"
        out = Outcome(bay, leader, level, f"bayesian: chance to win >= {bar:g} for either "
                      f"variant ({bay.method}, flat prior; valid at one look)")  # fmt: skip
    if log and out.result is not None:
        out = replace(out, result=from_log(out.result))
    return out

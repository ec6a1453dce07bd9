"""From per-variant statistics to a winner, a confidence level and a plain-language advice.

A winner is called only when the sample-ratio check passes and neither variant lost results
more often than the other, and (except for an early stop by the always-valid interval of the
sequential engine) when each variant has `min_sample_size` units with a result. The engines'
decision rules are in `aigym.abtest._rules`:

- "sequential" (default): holds the false-winner rate at 1 - confidence however often the test
  is looked at; `confidence_level` = 100 * (1 - p) with p the rule's always-valid p-value.
- "frequentist": fixed-horizon test on all data, valid at one look; `confidence_level` =
  100 * (1 - p).
- "bayesian": chance to win at least 1 - alpha/2 for either variant, valid at one look;
  `confidence_level` = 100 * max(P(B better), P(A better)), the posterior chance that the
  variant ahead is the better one.

"Better" follows the metric: lower is better for cost, latency and token counts, and effects
are always B - A. Cost and latency are compared as the ratio of geometric means (log scale)
when every value is positive: effect and interval are then GM(B) / GM(A) - 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from aigym._html import card, table
from aigym.abtest._config import ABTestConfig, Metric, get_metric
from aigym.abtest._data import ArmData
from aigym.abtest._rules import SKEW_METRICS, Engine, Outcome, Winner, decide
from aigym.abtest._state import ABTestInfo
from aigym.errors import ValidationError
from aigym.stats import (
    BayesianResult,
    Direction,
    FrequentistResult,
    ProportionStats,
    RatioStats,
    SampleStats,
    SrmResult,
    StatsConfig,
    fisher_exact,
    format_interval,
    format_p_value,
    gaussian_posterior,
    mean_interval,
    sample_ratio_mismatch,
    sample_size_means,
    sample_size_proportions,
    two_proportion_z,
    wilson_interval,
)


@dataclass(frozen=True, slots=True)
class ABTestResult:
    """The analysis of one test: winner, confidence, effect B - A and advice.

    `winner` is "a", "b" or "inconclusive". `confidence_level` is in percent: 100 * (1 - p)
    for the sequential and frequentist engines (p the rule's p-value), 100 * P(the variant
    ahead is better) for the Bayesian one (NaN when nothing could be computed). `p_value` is
    set by the sequential and frequentist engines and `chance_to_win` (P(B better than A))
    by the Bayesian one. `effect` and `interval` are
    B - A in the metric's units (the interval is a confidence or credible interval at
    `confidence`); `lift` is (B - A) / |A|. `variant_a` / `variant_b` hold `model_id`,
    `sample_size` (units with a result), `results`, `assigned_units`, `mean` and `interval`.
    `srm` tests assigned units against the intended split; `missing_results` tests whether
    the share of assigned units that came back with a result differs between variants (one
    model failing or timing out more often). Either at p < 0.001 blocks a winner.
    `flags` lists what held a decision back or needs action: "no_data", "srm",
    "missing_results", "min_sample_size", "max_duration", and "guardrail_<metric>" when the
    winner is significantly worse on a guardrail (cost, latency).
    `rule` says which rule decided (or that none did yet); `analysis` is "log" when cost or
    latency were compared as the ratio of geometric means (then `effect`, `interval` and
    `lift` are GM(B) / GM(A) - 1), else "mean". `guardrails` holds the same analysis of
    cost and latency for a test that targets another metric.
    """

    test_name: str
    status: Literal["active", "stopped"]
    engine: Engine
    metric: str
    direction: Direction
    winner: Winner
    confidence_level: float
    p_value: float | None
    chance_to_win: float | None
    effect: float
    interval: tuple[float, float]
    lift: float
    confidence: float
    method: str
    variant_a: dict[str, Any]
    variant_b: dict[str, Any]
    srm: SrmResult
    missing_results: FrequentistResult | None
    days_running: float
    unit_level: bool
    flags: tuple[str, ...]
    recommendation: str
    details: FrequentistResult | BayesianResult | None = None
    rule: str = ""
    analysis: Literal["mean", "log"] = "mean"
    guardrails: Mapping[str, ABTestResult] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        lo, hi = self.interval
        effect = "ratio of geometric means - 1" if self.analysis == "log" else "B - A"
        verdict = (
            f"winner: {self.winner}; {effect} {self.effect:+.4g} [{lo:.4g}, {hi:.4g}] "
            f"({self.confidence:.0%}), lift {self.lift:+.1%}; rule: {self.rule or 'none yet'}"
            f"{'; flags: ' + ', '.join(self.flags) if self.flags else ''}\n{self.recommendation}"
        )
        arms = pl.DataFrame(
            [
                {
                    **{k: v for k, v in arm.items() if k != "interval"},
                    "ci_low": arm["interval"][0],
                    "ci_high": arm["interval"][1],
                }
                for arm in (self.variant_a, self.variant_b)
            ]
        )
        tables = [table(arms, caption=f"{self.metric} by variant")]
        if self.guardrails:
            guards = pl.DataFrame(
                [
                    {"metric": m, "winner": g.winner, "effect": g.effect,
                     "ci_low": g.interval[0], "ci_high": g.interval[1], "p_value": g.p_value}
                    for m, g in self.guardrails.items()
                ]
            )  # fmt: skip
            tables.append(table(guards, caption="guardrails (B - A)"))
        title = f"ABTestResult {self.test_name} ({self.status}, {self.engine}, {self.metric})"
        return card(title, verdict, tables)


def _arm_summary(config: ABTestConfig, arms: ArmData, variant: str, conf: float) -> dict[str, Any]:
    stats = arms.stats.get(variant)
    mean, interval = math.nan, (math.nan, math.nan)
    if isinstance(stats, ProportionStats):
        est = wilson_interval(stats, conf)
        mean, interval = est.estimate, est.interval
    elif isinstance(stats, SampleStats):
        est = mean_interval(stats, conf)
        mean, interval = est.estimate, est.interval
    elif isinstance(stats, RatioStats):
        mean = stats.mean
        if stats.standard_error > 0:  # flat-prior normal interval = delta-method Wald interval
            interval = gaussian_posterior(mean, stats.standard_error, StatsConfig(conf)).interval
    return {
        "variant": variant,
        "model_id": config.model_of(variant),
        "sample_size": arms.units[variant],
        "results": arms.results[variant],
        "assigned_units": arms.assigned[variant],
        "mean": mean,
        "interval": interval,
    }


def _amount(metric: Metric, x: float) -> str:
    if metric.kind == "proportion":
        return f"{100 * abs(x):.3g} percentage points"
    if metric.unit == "USD":
        return f"${abs(x):.4g}"
    return f"{abs(x):.4g}" + (f" {metric.unit}" if metric.unit else "")


def _interval(metric: Metric, interval: tuple[float, float]) -> str:
    scale = 100.0 if metric.kind == "proportion" else 1.0
    text = format_interval((interval[0] * scale, interval[1] * scale))
    return text + (" pp" if metric.kind == "proportion" else "")


def _pct(x: float) -> str:
    """A percentage that never rounds a near-certainty up to 100% (or down to 0%)."""
    if x > 99.9:
        return "> 99.9%"
    if x < 0.1:
        return "< 0.1%"
    return f"{x:.1f}%"


def _p(p: float) -> str:
    text = format_p_value(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def _evidence(res: FrequentistResult | BayesianResult, level: float) -> str:
    if isinstance(res, BayesianResult):
        return f"chance B is better {_pct(100 * res.chance_to_win)}, confidence {_pct(level)}"
    return f"{_p(res.p_value)}, confidence {_pct(level)}"


def _extra_units(config: ABTestConfig, arms: ArmData) -> str:
    need = {v: max(0, config.min_sample_size - arms.units[v]) for v in ("a", "b")}
    share = {"a": 1.0 - config.traffic_split, "b": config.traffic_split}
    total = max(math.ceil(need[v] / share[v]) for v in ("a", "b"))
    return (
        f"Collect more data: A has {arms.units['a']:,} and B {arms.units['b']:,} units with a "
        f"result, and min_sample_size is {config.min_sample_size:,} per variant, so "
        f"{need['a']:,} more are needed for A and {need['b']:,} more for B (about {total:,} "
        f"more assignments at the {100 * config.traffic_split:g}% split to B)."
    )


def _units_for_power(config: ABTestConfig, arms: ArmData, res: Any, conf: float) -> str:
    """How many units per variant would detect the observed difference (80% power)."""
    a, b = arms.stats.get("a"), arms.stats.get("b")
    ratio = config.traffic_split / (1.0 - config.traffic_split)
    try:
        if isinstance(a, ProportionStats) and isinstance(b, ProportionStats):
            if a.mean == b.mean:
                return ""
            plan = sample_size_proportions(a.mean, b.mean, ratio=ratio, alpha=1.0 - conf)
        elif isinstance(a, SampleStats) and isinstance(b, SampleStats):
            sd = math.sqrt((a.variance + b.variance) / 2.0)
            if not res.effect or not sd > 0:
                return ""
            plan = sample_size_means(res.effect, sd, ratio=ratio, alpha=1.0 - conf)
        else:
            return ""
    except ValidationError:
        return ""
    if not math.isfinite(plan.n_a) or plan.n_a > 1e9:
        return " A difference this small would need more than a billion units per variant."
    return (
        f" To detect a difference this size with 80% power would take about "
        f"{plan.n_a_required:,} units for A and {plan.n_b_required:,} for B."
    )


def _srm_text(srm: SrmResult, config: ABTestConfig, counted: str) -> str:
    a, b = srm.observed
    return (
        f"Do not trust this test: sample ratio mismatch (A {a:,} vs B {b:,} {counted} "
        f"against an intended {100 * (1 - config.traffic_split):g}/"
        f"{100 * config.traffic_split:g} split, {_p(srm.p_value)}). Usually one "
        "model failed or timed out more often, or assignments were not logged before the call; "
        "fix the cause and run a new test under a new name."
    )


def _missing_text(check: FrequentistResult) -> str:
    return (
        f"Do not trust this test yet: A returned a result for {_pct(100 * check.baseline)} of "
        f"its assigned units and B for {_pct(100 * check.treatment)} ({_p(check.p_value)}). "
        "Usually one model fails or times out more often, so the units with results are no "
        "longer comparable; compare error rates, fix the failing side, then re-analyse."
    )


def _missing_results(arms: ArmData, cfg: StatsConfig) -> FrequentistResult | None:
    """Does the share of assigned units with a result differ between variants?"""
    got, sent = arms.units, arms.assigned
    if not all(0 < got[v] <= sent[v] for v in ("a", "b")):
        return None  # no assignment log, or results from units that were never logged
    a, b = ProportionStats(sent["a"], got["a"]), ProportionStats(sent["b"], got["b"])
    z = two_proportion_z(a, b, cfg)
    return fisher_exact(a, b, cfg) if z.status == "small_sample" else z


def _optimises(metric: Metric, log: bool) -> str:
    if log:
        return (
            " This compares a typical request (the ratio of geometric means, robust to the "
            "skew of cost and latency); for total spend read the variants' means."
        )
    if metric.lower_is_better and metric.name in SKEW_METRICS:
        what = "total spend" if metric.column.endswith("cost_usd") else "average wait"
        return (
            f" This optimises the mean ({what}); for a typical request compare medians with "
            "compare_models(..., method='rank')."
        )
    return ""


def _size(metric: Metric, res: Any) -> str:
    """How big an effect is, in the metric's units or as a % of A's geometric mean."""
    if res.scale == "relative":
        return f"{100 * abs(res.effect):.3g}%"
    return _amount(metric, res.effect)


def _span(metric: Metric, res: Any) -> str:
    if res.scale == "relative":
        low, high = res.interval
        return format_interval((100 * low, 100 * high)) + " %"
    return _interval(metric, res.interval)


def _verdict(
    config: ABTestConfig,
    metric: Metric,
    winner: Winner,
    res: Any,
    level: float,
    conf: float,
    arms: ArmData,
) -> str:
    if winner in ("a", "b"):
        up = "higher" if res.effect > 0 else "lower"
        model = config.model_of(winner)
        verb = "Roll out B" if winner == "b" else "Keep A"
        log = res.scale == "relative"
        what = f"typical {metric.name} (geometric mean)" if log else metric.label
        return (
            f"{verb} ({model}): B's {what} is {_size(metric, res)} {up} than A's "
            f"({'GM(B) / GM(A) - 1' if log else 'B - A'}, {100 * conf:g}% interval "
            f"{_span(metric, res)}; {_evidence(res, level)})." + _optimises(metric, log)
        )
    if res is not None and res.status == "zero_variance":
        if res.baseline == res.treatment:
            return (
                f"No difference: both variants gave the same {metric.label} on every result. "
                "Keep A (the control) unless B is better on something else."
            )
        return (
            f"No test applies: every result within a variant has the same value (A "
            f"{res.baseline:.4g}, B {res.treatment:.4g}); check that the metric is recorded."
        )
    if res is None or math.isnan(res.effect):
        return (
            f"No difference can be estimated from these results ({getattr(res, 'status', '')}): "
            "both variants need at least two units with varying values."
        )
    if res.scale == "relative":
        return (
            f"Inconclusive: no clear difference in the typical {metric.name} (GM(B) / GM(A) - 1 "
            f"= {'-' if res.effect < 0 else ''}{_size(metric, res)}, {100 * conf:g}% interval "
            f"{_span(metric, res)}; {_evidence(res, level)}). Keep A (the control) unless B "
            "is better on something else."
        )
    return (
        f"Inconclusive: no clear difference in {metric.label} (B - A = "
        f"{'-' if res.effect < 0 else ''}{_amount(metric, res.effect)}, {100 * conf:g}% interval "
        f"{_interval(metric, res.interval)}; {_evidence(res, level)}). Keep A (the "
        "control) unless B is better on something else." + _units_for_power(config, arms, res, conf)
    )


def _guardrail_text(winner: Winner, guards: Mapping[str, ABTestResult]) -> tuple[list[str], str]:
    """Flags and a warning for guardrails on which the winner is significantly worse."""
    if winner not in ("a", "b"):
        return [], ""
    loser = "a" if winner == "b" else "b"
    worse = [g for g in guards.values() if g.winner == loser]
    if not worse:
        return [], ""
    parts = []
    for g in worse:
        res = g.details
        size = _size(get_metric(g.metric), res) if res is not None else "?"
        parts.append(f"{g.metric} ({size} {'higher' if g.effect > 0 else 'lower'}, {g.rule})")
    text = (
        f" Guardrail warning: {winner.upper()} is significantly worse on "
        + "; ".join(parts)
        + ". Weigh that cost before acting on this winner."
    )
    return [f"guardrail_{g.metric}" for g in worse], text


def analyze(
    info: ABTestInfo,
    arms: ArmData,
    engine: Engine,
    confidence: float,
    days_running: float,
    metric: Metric | None = None,
    guardrails: Mapping[str, ABTestResult] | None = None,
) -> ABTestResult:
    """Decide, and explain the decision, from a test's per-variant statistics.

    `metric` defaults to the test's target; another metric (a guardrail such as cost on a
    quality test) is analysed with the same guards. `guardrails` (analyses of other metrics
    of the same test) flag a winner that is significantly worse on one of them.
    """
    config = info.config
    metric = config.metric if metric is None else metric
    cfg = StatsConfig(confidence=confidence, direction=metric.direction)
    observed, counted = [arms.assigned["a"], arms.assigned["b"]], "assigned units"
    if sum(observed) == 0:  # no assignment log (results recorded directly): check results
        observed = [arms.units["a"], arms.units["b"]]
        counted = "units with results, no assignments logged,"
    srm = sample_ratio_mismatch(observed, config.weights)
    missing = _missing_results(arms, StatsConfig(confidence=1.0 - srm.threshold))
    a, b = arms.stats.get("a"), arms.stats.get("b")
    enough = a is not None and b is not None and a.n >= 2 and b.n >= 2
    out: Outcome = decide(
        arms, engine, cfg, planned=config.min_sample_size, traffic_split=config.traffic_split
    )
    res, leader, level = out.result, out.leader, out.level
    flags: list[str] = []
    if not enough:
        flags.append("no_data")
    if srm.mismatch:
        flags.append("srm")
    if missing is not None and missing.significant:
        flags.append("missing_results")
    short = min(arms.units.values()) < config.min_sample_size
    if short:
        flags.append("min_sample_size")
    over = days_running > config.max_duration_days
    if over:
        flags.append("max_duration")
    blocked = {"no_data", "srm", "missing_results"} & set(flags)
    if short and not (out.early and leader != "inconclusive"):
        blocked.add("min_sample_size")
    winner: Winner = "inconclusive" if blocked else leader
    guards = dict(guardrails or {})
    guard_flags, guard_text = _guardrail_text(winner, guards)
    flags.extend(guard_flags)
    if srm.mismatch:
        text = _srm_text(srm, config, counted)
    elif missing is not None and missing.significant:
        text = _missing_text(missing)
    elif "min_sample_size" in blocked:
        text = _extra_units(config, arms)
    else:
        text = _verdict(config, metric, winner, res, level, confidence, arms) + guard_text
    if winner != "inconclusive" and out.early:
        text += (
            " Decided early by the always-valid interval, before min_sample_size units per "
            "variant: it holds however often the test is looked at."
        )
    if over:
        then = {
            "b": " and roll out B.",
            "a": " and keep A.",
            "inconclusive": "; more time is unlikely to settle it, so keep A (the control) or "
            "rethink the comparison.",
        }[winner]
        text += (
            f" The test has run {days_running:.1f} days, past max_duration_days="
            f"{config.max_duration_days:g}: stop it with stop_test(){then}"
        )
    effect = res.effect if res is not None else math.nan
    base = res.baseline if res is not None else math.nan
    log = res is not None and res.scale == "relative" and arms.log_stats is not None
    lift = effect if log else effect / abs(base) if base and math.isfinite(base) else math.nan
    return ABTestResult(
        test_name=config.test_name,
        status=info.status,
        engine=engine,
        metric=metric.name,
        direction=metric.direction,
        winner=winner,
        confidence_level=level,
        p_value=res.p_value if isinstance(res, FrequentistResult) else None,
        chance_to_win=res.chance_to_win if isinstance(res, BayesianResult) else None,
        effect=effect,
        interval=res.interval if res is not None else (math.nan, math.nan),
        lift=lift,
        confidence=confidence,
        method=res.method if res is not None else "none",
        variant_a=_arm_summary(config, arms, "a", confidence),
        variant_b=_arm_summary(config, arms, "b", confidence),
        srm=srm,
        missing_results=missing,
        days_running=days_running,
        unit_level=arms.unit_level,
        flags=tuple(flags),
        recommendation=text,
        details=res,
        rule=out.rule,
        analysis="log" if log else "mean",
        guardrails=guards,
    )

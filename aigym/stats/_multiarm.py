"""More than two arms: every variant against one control, with multiplicity control; and a
Bayesian ranking of all arms by the chance of being best (`rank_arms`).

Adjusted p-values (Holm by default: no false winner; "bh" for exploration) decide; the
per-variant results are computed at the Bonferroni level 1 - alpha / m, so their intervals
hold simultaneously and `result.significant` is the (stricter) Bonferroni call.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from aigym.errors import ValidationError
from aigym.stats._checks import check_probability
from aigym.stats._guards import Correction, adjust_p_values
from aigym.stats._means import welch_t
from aigym.stats._proportions import fisher_exact, two_proportion_z
from aigym.stats._ratio import ratio_delta
from aigym.stats._records import DEFAULT_CONFIG, Direction, FrequentistResult, StatsConfig
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


# --------------------------------------------------------------------------- Bayesian ranking


@dataclass(frozen=True, slots=True)
class ArmPosterior:
    """One arm's posterior: mean, credible interval, chance of being best, expected loss.

    `expected_loss` is E[best arm's mean - this arm's mean] (lower-is-better metrics: E[this
    arm's mean - best arm's mean]): what picking this arm costs, in the metric's units.
    """

    arm: str
    mean: float
    ci_low: float
    ci_high: float
    p_best: float
    expected_loss: float
    n_units: int


@dataclass(frozen=True, slots=True)
class ArmRanking:
    """Arms ranked by chance of being best (then expected loss), and how it was computed."""

    arms: tuple[ArmPosterior, ...]
    paired: bool
    direction: Direction
    confidence: float
    df: float
    draws: int
    method: str

    @property
    def best(self) -> ArmPosterior:
        return self.arms[0]

    def __getitem__(self, arm: str) -> ArmPosterior:
        for a in self.arms:
            if a.arm == arm:
                return a
        raise KeyError(arm)


def _t_scale_draws(rng: np.random.Generator, draws: int, df: float) -> npt.NDArray[np.float64]:
    """sqrt(df / chi2_df) per draw (the multivariate t's common scale); 1 when df is inf."""
    if math.isinf(df):
        return np.ones(draws)
    out: npt.NDArray[np.float64] = np.sqrt(df / rng.chisquare(df, draws))
    return out


def rank_arms(
    values: Mapping[str, npt.ArrayLike],
    *,
    paired: bool,
    direction: Direction = "higher_is_better",
    confidence: float = 0.95,
    draws: int = 40_000,
    seed: int = 0,
) -> ArmRanking:
    """Rank arms by the posterior chance that each has the best mean, and its expected loss.

    `values` holds one number per unit and arm: per-prompt means (repeats averaged). Flat
    prior, normal model:

    - `paired=True` (the same units, in the same order, in every arm: a bake-off on shared
      prompts): the arms' means are jointly multivariate t with n - 1 df, location the arm
      means and scale S / n (S the arms' sample covariance over units). Every difference of
      two arms then has exactly the paired-t posterior, so shared prompt difficulty cancels
      as in the paired tests; independent per-arm posteriors would ignore that and spread
      P(best) out.
    - `paired=False`: independent t posteriors per arm (n_k - 1 df, scale s_k^2 / n_k).

    P(best) and expected loss are Monte Carlo over `draws` seeded draws (P(best) sums to 1);
    credible intervals are the exact marginal t quantiles.
    """
    from scipy import special

    names = list(values)
    if len(names) < 2:
        raise ValidationError("values", names, "pass at least two arms")
    check_probability("confidence", confidence)
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1000:
        raise ValidationError("draws", draws, "pass a whole number of draws, at least 1000")
    arrays = [np.asarray(values[k], dtype=np.float64).ravel() for k in names]
    if any(a.size < 2 for a in arrays):
        raise ValidationError("values", [a.size for a in arrays], "give every arm >= 2 units")
    if any(not np.all(np.isfinite(a)) for a in arrays):
        raise ValidationError("values", "non-finite", "drop NaN/inf values first")
    rng = np.random.default_rng(seed)
    k = len(names)
    if paired:
        n = arrays[0].size
        if any(a.size != n for a in arrays):
            raise ValidationError(
                "values", [a.size for a in arrays], "paired arms need the same units in each arm"
            )
        y = np.column_stack(arrays)
        mean = y.mean(axis=0)
        cov = np.cov(y, rowvar=False, ddof=1) / n
        df = float(n - 1)
        # eigh copes with singular covariances (e.g. two identical arms), unlike Cholesky
        w, v = np.linalg.eigh(cov)
        root = v * np.sqrt(np.clip(w, 0.0, None))
        z = rng.standard_normal((draws, k)) @ root.T
        sample = mean + z * _t_scale_draws(rng, draws, df)[:, None]
        scales = np.sqrt(np.diag(cov))
        dfs = np.full(k, df)
        units = [n] * k
    else:
        mean = np.array([a.mean() for a in arrays])
        scales = np.array([a.std(ddof=1) / math.sqrt(a.size) for a in arrays])
        dfs = np.array([a.size - 1.0 for a in arrays])
        sample = np.column_stack(
            [
                m + s * rng.standard_normal(draws) * _t_scale_draws(rng, draws, d)
                for m, s, d in zip(mean, scales, dfs, strict=True)
            ]
        )
        df = float(dfs.min())
        units = [a.size for a in arrays]
    higher = direction == "higher_is_better"
    best_value = sample.max(axis=1) if higher else sample.min(axis=1)
    winner = sample.argmax(axis=1) if higher else sample.argmin(axis=1)
    p_best = np.bincount(winner, minlength=k) / draws
    loss = (best_value[:, None] - sample) if higher else (sample - best_value[:, None])
    expected_loss = loss.mean(axis=0)
    q = 0.5 + confidence / 2.0
    half = np.array([special.stdtrit(d, q) for d in dfs]) * scales
    arms = [
        ArmPosterior(
            names[i],
            float(mean[i]),
            float(mean[i] - half[i]),
            float(mean[i] + half[i]),
            float(p_best[i]),
            float(expected_loss[i]),
            units[i],
        )
        for i in range(k)
    ]
    arms.sort(key=lambda a: (-a.p_best, a.expected_loss))
    method = "paired_multivariate_t" if paired else "independent_t"
    return ArmRanking(tuple(arms), paired, direction, confidence, df, draws, method)

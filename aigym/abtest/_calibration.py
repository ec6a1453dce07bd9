"""A/A and power simulations of the engines' decision rules on the store-free path.

`analyze_test` loads per-variant sufficient statistics from the store and hands them to
`analyze`; these simulations draw the same statistics (seeded) and call the same `analyze`,
so thousands of tests per cell take seconds. Cells:

- quality, 50/50, one look at the planned size (normal scores, mean 80, sd 16);
- the same test looked at 10 times, at 20%, 40%, ... 200% of the planned size (monitored
  before and after the planned size, as a dashboard is);
- a 10% approval rate, 50/50, 1,000 units per variant planned, one look and 10 looks;
- log-normal cost (sigma 1), 90/10 split, one look and the same 10 looks;
- power: a true 3% lift in quality, planned for 80% power, the rule checked at 10 looks,
  against Welch's fixed-horizon test at the final look.

A false winner is any look naming a winner in an A/A test; coverage is the share of tests
whose interval holds the true effect (0) at every look.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from aigym.abtest._analysis import ABTestResult, analyze
from aigym.abtest._config import ABTestConfig, get_metric
from aigym.abtest._data import ArmData, ArmStats
from aigym.abtest._rules import ENGINES, Engine
from aigym.abtest._state import ABTestInfo
from aigym.stats import ProportionStats, SampleStats, sample_size_means, welch_t

QUALITY_MEAN, QUALITY_SD, LIFT = 80.0, 16.0, 0.03
COST_SIGMA, COST_MEDIAN = 1.0, 0.002
LOOKS = 10
_T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def planned_size() -> int:
    """Units per variant for 80% power to detect a 3% quality lift (two-sided 5% Welch)."""
    return sample_size_means(LIFT * QUALITY_MEAN, QUALITY_SD).n_a_required


@dataclass(frozen=True, slots=True)
class Cell:
    """Rates over `n` simulated tests of one engine in one scenario."""

    scenario: str
    engine: str
    n: int
    winners: float
    coverage: float

    @property
    def mc_error(self) -> float:
        """Monte Carlo standard error of a 5% rate over n tests."""
        return math.sqrt(0.05 * 0.95 / self.n)


def _info(metric: str, split: float, planned: int) -> ABTestInfo:
    config = ABTestConfig("calibration", "general", "local/a", "local/b", split, planned,
                          365, metric)  # fmt: skip
    return ABTestInfo("sim", config, _T0)


def _arm_data(
    stats: Mapping[str, ArmStats],
    horizon: Mapping[str, ArmStats] | None,
    log: Mapping[str, ArmStats] | None = None,
    log_horizon: Mapping[str, ArmStats] | None = None,
) -> ArmData:
    units = {v: s.n for v, s in stats.items()}
    return ArmData(units, units, stats, units, False, horizon, log, log_horizon)


def _normal_paths(
    rng: np.random.Generator, n_tests: int, sizes: list[int], mean: float, sd: float
) -> list[list[SampleStats]]:
    """Cumulative exact sufficient statistics of normal data at each look (per test)."""
    out: list[list[SampleStats]] = []
    steps = np.diff([0, *sizes])
    means = rng.normal(mean, sd / np.sqrt(steps), (n_tests, len(steps)))
    chi = rng.chisquare(np.maximum(steps - 1, 1), (n_tests, len(steps))) * sd * sd
    chi[:, steps == 1] = 0.0
    for t in range(n_tests):
        total = sq = 0.0
        path = []
        for k, m in enumerate(steps):
            total += m * means[t, k]
            sq += m * means[t, k] ** 2 + chi[t, k]
            path.append(SampleStats(int(sizes[k]), total, sq))
        out.append(path)
    return out


def _looks(planned: int, looks: int, span: float) -> list[int]:
    """Units per variant at each look: `looks` equal steps up to `span` x the planned size."""
    if looks == 1:
        return [planned]
    return [max(2, round(planned * span * (k + 1) / looks)) for k in range(looks)]


def _span(looks: int) -> float:
    return 1.0 if looks == 1 else 2.0


def _score(res_list: list[ABTestResult], truth: float) -> tuple[bool, bool]:
    """(some look named a winner, every interval held the truth)."""
    won, covered = False, True
    for res in res_list:
        won = won or res.winner != "inconclusive"
        low, high = res.interval
        if not (low <= truth <= high):
            covered = False
    return won, covered


def quality_aa(engine: Engine, n_tests: int, looks: int, seed: int = 1) -> Cell:
    """A/A on normal quality scores, 50/50, at `looks` equally spaced looks."""
    planned = planned_size()
    sizes = _looks(planned, looks, _span(looks))
    at = sizes.index(planned)
    rng = np.random.default_rng(seed)
    pa = _normal_paths(rng, n_tests, sizes, QUALITY_MEAN, QUALITY_SD)
    pb = _normal_paths(rng, n_tests, sizes, QUALITY_MEAN, QUALITY_SD)
    info, metric = _info("quality", 0.5, planned), get_metric("quality")
    wins = cover = 0
    for t in range(n_tests):
        results = []
        for k in range(looks):
            stats = {"a": pa[t][k], "b": pb[t][k]}
            horizon = {"a": pa[t][at], "b": pb[t][at]} if k >= at else None
            results.append(analyze(info, _arm_data(stats, horizon), engine, 0.95, 1.0, metric))
        w, c = _score(results, 0.0)
        wins += w
        cover += c
    name = f"quality A/A, {looks} look{'s' if looks > 1 else ''}"
    return Cell(name, engine, n_tests, wins / n_tests, cover / n_tests)


def approval_aa(engine: Engine, n_tests: int, looks: int, seed: int = 4) -> Cell:
    """A/A on a 10% approval rate (proportions: z / Fisher, mSPRT with p(1-p))."""
    planned, rate = 1000, 0.10
    sizes = _looks(planned, looks, _span(looks))
    at = sizes.index(planned)
    steps = np.diff([0, *sizes])
    rng = np.random.default_rng(seed)
    hits = {v: np.cumsum(rng.binomial(steps, rate, (n_tests, len(steps))), axis=1) for v in "ab"}
    info, metric = _info("approval", 0.5, planned), get_metric("approval")
    wins = cover = 0
    for t in range(n_tests):
        results = []
        for k in range(looks):
            stats: dict[str, ArmStats] = {
                v: ProportionStats(sizes[k], int(hits[v][t, k])) for v in "ab"
            }
            horizon: dict[str, ArmStats] | None = None
            if k >= at:
                horizon = {v: ProportionStats(planned, int(hits[v][t, at])) for v in "ab"}
            results.append(analyze(info, _arm_data(stats, horizon), engine, 0.95, 1.0, metric))
        w, c = _score(results, 0.0)
        wins += w
        cover += c
    name = f"approval 10% A/A, {looks} look{'s' if looks > 1 else ''}"
    return Cell(name, engine, n_tests, wins / n_tests, cover / n_tests)


def _stats(x: np.ndarray, k: int) -> SampleStats:
    return SampleStats(k, float(x[:k].sum()), float((x[:k] ** 2).sum()))


def cost_aa(
    engine: Engine, n_tests: int, looks: int, split: float = 0.1, seed: int = 2, log: bool = True
) -> Cell:
    """A/A on log-normal cost at a 90/10 split: B (the small arm) reaches the planned size.

    `log=False` withholds the log-scale statistics, so the engine compares means (the
    analysis `analyze_test` used for cost before, kept to show why it was replaced).
    """
    planned = 200
    sizes_b = _looks(planned, looks, _span(looks))
    sizes_a = [round(s * (1 - split) / split) for s in sizes_b]
    plan_a = round(planned * (1 - split) / split)
    rng = np.random.default_rng(seed)
    info, metric = _info("cost", split, planned), get_metric("cost")
    wins = cover = 0
    for _ in range(n_tests):
        xa = rng.lognormal(math.log(COST_MEDIAN), COST_SIGMA, sizes_a[-1])
        xb = rng.lognormal(math.log(COST_MEDIAN), COST_SIGMA, sizes_b[-1])
        la, lb = np.log(xa), np.log(xb)
        first = {"a": _stats(xa, plan_a), "b": _stats(xb, planned)}
        first_log: dict[str, ArmStats] = {"a": _stats(la, plan_a), "b": _stats(lb, planned)}
        results = []
        for ka, kb in zip(sizes_a, sizes_b, strict=True):
            stats = {"a": _stats(xa, ka), "b": _stats(xb, kb)}
            logs: dict[str, ArmStats] = {"a": _stats(la, ka), "b": _stats(lb, kb)}
            done = kb >= planned
            arms = _arm_data(stats, first if done else None, logs, first_log if done else None)
            if not log:
                arms = _arm_data(stats, first if done else None)
            results.append(analyze(info, arms, engine, 0.95, 1.0, metric))
        w, c = _score(results, 0.0)
        wins += w
        cover += c
    name = f"log-normal cost 90/10, {looks} look{'s' if looks > 1 else ''}"
    name += "" if log else " (means)"
    return Cell(name, engine, n_tests, wins / n_tests, cover / n_tests)


def power(engine: Engine, n_tests: int, looks: int = LOOKS, seed: int = 3) -> tuple[float, float]:
    """(share of tests where `engine`, checked at `looks` looks up to the planned size, names
    B; share where Welch's fixed-horizon test at the planned size does)."""
    planned = planned_size()
    sizes = _looks(planned, looks, 1.0)
    rng = np.random.default_rng(seed)
    pa = _normal_paths(rng, n_tests, sizes, QUALITY_MEAN, QUALITY_SD)
    pb = _normal_paths(rng, n_tests, sizes, QUALITY_MEAN * (1 + LIFT), QUALITY_SD)
    info, metric = _info("quality", 0.5, planned), get_metric("quality")
    found = welch = 0
    for t in range(n_tests):
        for k in range(looks):
            stats = {"a": pa[t][k], "b": pb[t][k]}
            horizon = stats if sizes[k] >= planned else None
            res = analyze(info, _arm_data(stats, horizon), engine, 0.95, 1.0, metric)
            if res.winner == "b":
                found += 1
                break
        w = welch_t(pa[t][-1], pb[t][-1])
        welch += w.p_value < 0.05 and w.effect > 0
    return found / n_tests, welch / n_tests


def calibration_table(n_tests: int = 2000, engines: tuple[Engine, ...] = ENGINES) -> list[str]:
    """Rows of the calibration table: false winners and coverage per cell, and power ratio."""
    rows = [f"{'engine':<12} {'scenario':<42} {'tests':>6} {'false winners':>14} {'coverage':>9}"]
    for engine in engines:
        cells = [
            quality_aa(engine, n_tests, 1),
            quality_aa(engine, n_tests, LOOKS),
            cost_aa(engine, n_tests, 1),
            cost_aa(engine, n_tests, LOOKS),
        ]
        if engine != "bayesian":  # its exact Beta-Binomial sums take ~70 ms per analysis here
            cells[2:2] = [approval_aa(engine, n_tests, 1), approval_aa(engine, n_tests, LOOKS)]
        for c in cells:
            rows.append(
                f"{engine:<12} {c.scenario:<42} {c.n:>6} {100 * c.winners:>13.2f}% "
                f"{100 * c.coverage:>8.2f}%"
            )
        if engine == "frequentist":  # Welch on means, the analysis the log scale replaced
            c = cost_aa(engine, n_tests, 1, log=False)
            rows.append(
                f"{engine:<12} {c.scenario:<42} {c.n:>6} {100 * c.winners:>13.2f}% "
                f"{100 * c.coverage:>8.2f}%"
            )
        found, welch = power(engine, n_tests)
        rows.append(
            f"{engine:<12} {'power, 3% lift, 10 looks':<42} {n_tests:>6} {100 * found:>13.2f}% "
            f"   (Welch at the final look {100 * welch:.2f}%, ratio {found / welch:.3f})"
        )
    mc = math.sqrt(0.05 * 0.95 / n_tests)
    rows.append(f"Monte Carlo error of a 5% rate over {n_tests} tests: {100 * mc:.2f} points")
    return rows

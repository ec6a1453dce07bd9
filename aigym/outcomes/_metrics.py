"""Router metrics as pure functions of (cost, quality) points and per-item outcomes.

Definitions follow the papers (see ``notes/router-evaluation.md``):

* the **hull**: the non-decreasing upper convex hull of a router's (cost, quality) sweep; mixing
  two operating points at random reaches any point on the segment between them (RouterBench);
* **AIQ**: area under the hull over a fixed cost range, divided by the range (RouterBench);
* **cost saved at equal quality**: the hull's cost at a reference quality, interpolated, as a cut
  relative to the reference cost (LLMRouterBench "CostSave");
* **APGR / CPT(x)**: area under, and crossing point of, the performance-gap-recovered curve over
  the share of strong-model calls (RouteLLM);
* **arena score**: ``S = (1 + b) A C / (b A + C)``, ``b = 0.1``, ``C`` the log cost score
  (RouterArena, arXiv 2510.00202).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = [
    "aiq",
    "apgr",
    "arena_score",
    "bootstrap_weights",
    "cost_at_quality",
    "cpt",
    "pgr_curve",
    "quality_at_cost",
    "upper_hull",
]

FloatArray = npt.NDArray[np.float64]

ARENA_BETA = 0.1
ARENA_MAX_COST = 200.0  # dollars per 1,000 queries scoring C = 0
ARENA_MIN_COST = 0.0044  # dollars per 1,000 queries scoring C = 1


def upper_hull(cost: npt.ArrayLike, quality: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Vertices of the non-decreasing upper convex hull of (cost, quality) points, by cost.

    Points that cost more without scoring higher are dominated and dropped; of the rest, the
    upper convex hull (Andrew's monotone chain) is what random mixing of operating points reaches.
    """
    c = np.asarray(cost, dtype=np.float64).ravel()
    q = np.asarray(quality, dtype=np.float64).ravel()
    if c.size == 0:
        raise ValueError("upper_hull needs at least one point")
    order = np.lexsort((-q, c))
    c, q = c[order], q[order]
    keep_c: list[float] = []
    keep_q: list[float] = []
    for ci, qi in zip(c.tolist(), q.tolist(), strict=True):
        if keep_q and qi <= keep_q[-1]:
            continue  # dominated: costs at least as much, scores no higher
        while len(keep_c) >= 2:
            # pop the middle point if it lies on or below the chord from its left to this point
            c1, q1, c2, q2 = keep_c[-2], keep_q[-2], keep_c[-1], keep_q[-1]
            if (c2 - c1) * (qi - q1) - (q2 - q1) * (ci - c1) >= 0:
                keep_c.pop()
                keep_q.pop()
            else:
                break
        keep_c.append(ci)
        keep_q.append(qi)
    return np.asarray(keep_c), np.asarray(keep_q)


def quality_at_cost(hull_cost: FloatArray, hull_quality: FloatArray, budget: float) -> float:
    """Hull quality at a cost budget: interpolated; flat beyond the dearest vertex; NaN below
    the cheapest (no mix of the router's operating points is that cheap)."""
    if budget < hull_cost[0]:
        return math.nan
    return float(np.interp(budget, hull_cost, hull_quality))


def cost_at_quality(hull_cost: FloatArray, hull_quality: FloatArray, target: float) -> float:
    """Least cost at which the hull reaches `target` quality (interpolated); NaN if never."""
    if target > hull_quality[-1]:
        return math.nan
    if target <= hull_quality[0]:
        return float(hull_cost[0])
    # hull quality is strictly increasing, so interpolate cost as a function of quality
    return float(np.interp(target, hull_quality, hull_cost))


def aiq(hull_cost: FloatArray, hull_quality: FloatArray, lo: float, hi: float) -> float:
    """Mean hull quality over the cost range [lo, hi] (RouterBench's AIQ).

    Beyond the dearest vertex the hull is flat (spending less than allowed); below the cheapest
    vertex it takes that vertex's quality (a router whose sweep includes "always the cheapest
    model" starts at the range's lower end, so this only matters for partial sweeps).
    """
    if not hi > lo:
        raise ValueError(f"aiq needs hi > lo, got [{lo}, {hi}]")
    grid_c = np.concatenate([[lo], hull_cost[(hull_cost > lo) & (hull_cost < hi)], [hi]])
    grid_q = np.interp(grid_c, hull_cost, hull_quality)  # flat extension on both sides
    area = float(np.sum(np.diff(grid_c) * (grid_q[1:] + grid_q[:-1]) / 2.0))
    return area / (hi - lo)


def pgr_curve(
    advantage: npt.ArrayLike,
    strong: npt.ArrayLike,
    weak: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray]:
    """(share of strong calls, performance gap recovered) as the threshold sweeps down.

    Prompts go to the strong model in decreasing order of predicted `advantage`; prompts with
    equal advantage move together (a threshold cannot split them), and the curve is linear
    between those steps, which is the expectation over random tie-breaking. PGR is quality
    normalised so that all-weak is 0 and all-strong is 1. `weights` (bootstrap counts) weight items.
    """
    adv = np.asarray(advantage, dtype=np.float64)
    s = np.asarray(strong, dtype=np.float64)
    w_ = np.asarray(weak, dtype=np.float64)
    wt = np.ones_like(adv) if weights is None else np.asarray(weights, dtype=np.float64)
    order = np.argsort(-adv, kind="stable")
    adv, s, w_, wt = adv[order], s[order], w_[order], wt[order]
    total = wt.sum()
    gain = np.cumsum(wt * (s - w_))
    share = np.cumsum(wt) / total
    # keep only the last index of each run of equal advantage
    last = np.r_[adv[1:] != adv[:-1], True]
    gain, share = gain[last], share[last]
    q_weak = float(wt @ w_) / total
    q_strong = float(wt @ s) / total
    span = q_strong - q_weak
    if span <= 0:
        raise ValueError("the strong model does not score above the weak one on these items")
    pgr = (gain / total) / span
    return np.r_[0.0, share], np.r_[0.0, pgr]


def apgr(share: FloatArray, pgr: FloatArray) -> float:
    """Area under the PGR curve over the share of strong calls in [0, 1]; random is 0.5."""
    return float(np.sum(np.diff(share) * (pgr[1:] + pgr[:-1]) / 2.0))


def cpt(share: FloatArray, pgr: FloatArray, target: float) -> float:
    """Least share of strong calls recovering `target` of the gap (0.5: CPT(50%)), interpolated."""
    hit = np.flatnonzero(pgr >= target)
    if hit.size == 0:
        return math.nan
    j = int(hit[0])
    if j == 0:
        return float(share[0])
    s0, s1, p0, p1 = share[j - 1], share[j], pgr[j - 1], pgr[j]
    return float(s0 + (s1 - s0) * (target - p0) / (p1 - p0))


def arena_score(accuracy: float, cost_per_query: float, beta: float = ARENA_BETA) -> float:
    """RouterArena's score of accuracy in [0, 1] and mean US dollars per query.

    ``C = (log2 200 - log2 c) / (log2 200 - log2 0.0044)`` with ``c`` dollars per 1,000 queries,
    clipped to [0, 1] (cheaper than $0.0044 per 1,000 scores as $0.0044).
    """
    c = max(cost_per_query * 1000.0, 1e-300)
    span = math.log2(ARENA_MAX_COST) - math.log2(ARENA_MIN_COST)
    cost_score = min(max((math.log2(ARENA_MAX_COST) - math.log2(c)) / span, 0.0), 1.0)
    denom = beta * accuracy + cost_score
    return 0.0 if denom == 0 else (1.0 + beta) * accuracy * cost_score / denom


def bootstrap_weights(n: int, resamples: int, seed: int) -> npt.NDArray[np.float32]:
    """Resample counts (resamples x n): row b says how often each item appears in resample b.

    Every statistic of one evaluation uses the same rows, so differences are paired.
    """
    rng = np.random.default_rng(seed)
    out = np.empty((resamples, n), dtype=np.float32)
    for b in range(resamples):
        out[b] = np.bincount(rng.integers(0, n, size=n), minlength=n)
    return out

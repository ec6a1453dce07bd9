"""Thompson-sampling exploration with a hard bound on the share of explored decisions.

Each candidate's quality, cost and latency are drawn from their posteriors (normal, the
estimates' 95% intervals give the spread) and the strategy's score picks the best draw. A
draw that differs from the greedy choice is taken only while explored decisions stay at or
under `share` of the task's decisions, so the bound holds at every step, not on average.
Draws come from one seeded generator: the same calls give the same choices.
"""

from __future__ import annotations

import threading

import numpy as np

from aigym.router._candidates import Candidate
from aigym.router._estimates import strategy_score

__all__ = ["Thompson"]


class Thompson:
    """The exploration state of one router: a seeded generator and per-task counts."""

    def __init__(self, share: float, seed: int | None) -> None:
        self.share = share
        self._rng = np.random.default_rng(seed)
        self._counts: dict[str, list[int]] = {}  # task -> [decisions, explored]
        self._lock = threading.Lock()

    def counts(self, task: str) -> tuple[int, int]:
        """(decisions, explored decisions) so far for `task`."""
        c = self._counts.get(task, [0, 0])
        return c[0], c[1]

    def count(self, task: str, *, explored: bool) -> None:
        """Record one decision for `task`."""
        with self._lock:
            c = self._counts.setdefault(task, [0, 0])
            c[0] += 1
            c[1] += int(explored)

    def choose(self, task: str, strategy: str, ok: list[Candidate]) -> tuple[int, str]:
        """Index of the Thompson-sampled candidate, within the exploration budget."""
        with self._lock:
            counts = self._counts.setdefault(task, [0, 0])
            budget_ok = counts[1] + 1 <= self.share * (counts[0] + 1)
            q = np.array([c.est.quality.mean for c in ok])
            q_sd = np.array([c.est.quality.se for c in ok])
            cost = np.array([c.est.cost_per_request.mean for c in ok])
            c_sd = np.array([c.est.cost_per_request.se for c in ok])
            lat = np.array([c.est.latency_ms.mean for c in ok])
            l_sd = np.array([c.est.latency_ms.se for c in ok])
            qs = np.clip(self._rng.normal(q, q_sd), 0.0, 100.0)
            cs = np.maximum(self._rng.normal(cost, c_sd), 0.0)
            ls = np.maximum(self._rng.normal(lat, l_sd), 1.0)
            scores = [
                strategy_score(strategy, float(a), float(b), float(d))
                for a, b, d in zip(qs, cs, ls, strict=True)
            ]
            pick = int(np.argmax(scores))
            explored = pick != 0 and budget_ok
            counts[0] += 1
            counts[1] += int(explored)
            n, x = counts
        if pick == 0:
            return 0, f"Thompson sampling agreed with the greedy choice ({x} of {n} explored)."
        c, g = ok[pick].est, ok[0].est
        if not explored:
            return 0, (
                f"Thompson sampling drew {c.model_id}, but the exploration budget "
                f"({self.share:.0%} of decisions) is spent: {x} of {n} explored."
            )
        return pick, (
            f"Explored: Thompson sampling chose {c.model_id} (quality sample {qs[pick]:.1f}, "
            f"{c.quality.n_history} scored calls) over the greedy choice {g.model_id} "
            f"(quality {g.quality.mean:.1f}, {g.quality.n_history} calls); "
            f"{x} of {n} decisions for {task} explored (bound "
            f"{self.share:.0%})."
        )

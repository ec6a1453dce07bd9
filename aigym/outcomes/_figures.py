"""The cost-quality picture of a router evaluation, for the README and the reports.

Matplotlib object-oriented style: pass ``ax`` to draw into a report's grid, or get a new figure.
Each router's sweep over the trade-off knob is drawn as points with its convex hull (what mixing
operating points reaches); baselines are single markers. Colours are Okabe-Ito (colour-blind
safe) and every series also differs in marker shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from aigym.outcomes._metrics import upper_hull

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from aigym.outcomes._evaluate import RouterEvaluation

__all__ = ["OKABE_ITO", "cost_quality_figure"]

OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",
)
_BASELINES = (
    ("best_single", "*", "best single model"),
    ("cheapest", "v", "cheapest model"),
    ("random", "X", "random"),
    ("per_task_oracle", "s", "per-task oracle"),
    ("oracle", "D", "per-prompt oracle"),
)
_PER_1000 = 1000.0


def cost_quality_figure(
    evaluation: RouterEvaluation, ax: Axes | None = None, *, title: str | None = None
) -> Figure:
    """Quality against cost per 1,000 calls: router sweeps, their hulls, the baselines."""
    if ax is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(7.5, 5.0), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    summary = evaluation.summary
    curve = evaluation.curve
    routers = summary.filter(pl.col("kind") == "router")["policy"].to_list()
    for i, name in enumerate(routers):
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        pts = curve.filter(pl.col("policy") == name)
        cost = pts["cost_usd"].to_numpy() * _PER_1000
        quality = pts["quality"].to_numpy()
        ax.scatter(cost, quality, s=12, color=colour, alpha=0.35, linewidths=0)
        hc, hq = upper_hull(cost, quality)
        ax.plot(hc, hq, color=colour, lw=2, label=f"{name} (knob sweep, hull)")
        row = summary.filter(pl.col("policy") == name).row(0, named=True)
        ax.scatter(
            [row["cost_usd"] * _PER_1000],
            [row["quality"]],
            s=70,
            marker="o",
            color=colour,
            edgecolors="black",
            zorder=5,
            label=f"{name}, knob tuned in training folds",
        )
    singles = summary.filter(pl.col("kind") == "single")
    ax.scatter(
        singles["cost_usd"].to_numpy() * _PER_1000,
        singles["quality"].to_numpy(),
        s=22,
        marker="o",
        facecolors="none",
        edgecolors="#777777",
        label="each single model",
    )
    offset = len(routers)
    for j, (policy, marker, label) in enumerate(_BASELINES):
        rows = summary.filter(pl.col("policy") == policy)
        if rows.height == 0:
            continue
        row = rows.row(0, named=True)
        ax.scatter(
            [row["cost_usd"] * _PER_1000],
            [row["quality"]],
            s=80,
            marker=marker,
            color=OKABE_ITO[(offset + j) % len(OKABE_ITO)],
            edgecolors="black",
            linewidths=0.5,
            zorder=6,
            label=label,
        )
    _limits(ax, summary, curve)
    ax.set_xlabel("cost per 1,000 calls (US$, estimated where the table says so)")
    ax.set_ylabel("mean quality (score, 0-1)")
    ax.set_title(title or f"{evaluation.router}: cost vs quality ({evaluation.scheme})")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, frameon=True)
    return fig


def _limits(ax: Any, summary: pl.DataFrame, curve: pl.DataFrame) -> None:
    costs = np.r_[summary["cost_usd"].to_numpy(), curve["cost_usd"].to_numpy()] * _PER_1000
    ax.set_xlim(0, float(costs.max()) * 1.08)

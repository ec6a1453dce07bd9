"""Regenerate the README's report pictures from the `make demo` store (real data).

    make demo && PYTHONPATH=. .venv/bin/python docs/img/make_report_pngs.py demo_store [NAME ...]

NAMEs (e.g. report_router_evaluation) redraw only those pictures.

Every picture is drawn by an `aigym.reports` function; the captions printed here are the
ones the README quotes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
from matplotlib.figure import Figure

from aigym import open_store
from aigym.abtest import get_ab_test_manager
from aigym.reports import (
    caption_of,
    compare_runs,
    load_executions,
    pin_until,
    plot_ab_posterior,
    plot_latency_ecdf,
    plot_model_intervals,
    plot_quality_cost,
    plot_regression,
    plot_router_evaluation,
    plot_spend_forecast,
)
from aigym.tracking import get_cost_analysis

OUT = Path(__file__).resolve().parent


def router_figure() -> Figure:
    """The demo's router evaluation: the learned router on RouteLLM's GSM8K outcomes."""
    from aigym.demo import ROUTER, ROUTER_TABLE
    from aigym.outcomes import evaluate_router, make_router, open_outcomes

    table = open_outcomes(ROUTER_TABLE)
    ev = evaluate_router(make_router(ROUTER), table, resamples=1000, name=ROUTER)
    return plot_router_evaluation(ev)


def main(store_dir: str, only: list[str]) -> None:
    with open_store(store_dir) as db:
        until = pin_until("2026-11-09T00:00:00Z")
        replay = load_executions(db, until=until, campaign="routellm-replay")
        gsm8k = replay.filter(pl.col("task_type") == "gsm8k")
        figures = {
            "report_model_intervals": plot_model_intervals(gsm8k),
            "report_quality_cost": plot_quality_cost(replay.filter(pl.col("task_type") == "mmlu")),
            "report_spend_forecast": plot_spend_forecast(
                get_cost_analysis(db, days=10, until=until, budget_usd=100.0)
            ),
            "report_ab_posterior": plot_ab_posterior(
                get_ab_test_manager().analyze_test(db, "gsm8k_mixtral_vs_gpt4")
            ),
        }
        live = load_executions(db, campaign="demo-local-models", scorer="latest")
        if live.height:
            figures["report_latency_ecdf"] = plot_latency_ecdf(live)
            short = load_executions(db, campaign="demo-local-models-4tok", scorer="latest")
            figures["report_regression"] = plot_regression(compare_runs(short, live))
    if not only or "report_router_evaluation" in only:
        figures["report_router_evaluation"] = router_figure()
    for name, fig in figures.items():
        if only and name not in only:
            continue
        fig.savefig(OUT / f"{name}.png", dpi=90)
        print(f"docs/img/{name}.png: {caption_of(fig)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "demo_store", sys.argv[2:])

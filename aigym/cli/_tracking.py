"""`aigym stats`, `aigym cost`, `aigym compare`: answers from the store's executions."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from aigym.cli._common import (
    CLIError,
    Commands,
    add_command,
    add_json,
    add_store,
    add_window,
    emit,
    open_existing_store,
    parse_when,
)

if TYPE_CHECKING:
    from aigym.abtest import ModelComparison

__all__ = ["register"]


def register(commands: Commands) -> None:
    from aigym.abtest import METRICS

    stats = add_command(
        commands,
        "stats",
        "one model's figures, or every model on a task",
        "With --model: one model's quality, cost, latency and approval over the window (on "
        "one task with --task). With only --task: every model on that task, ranked.",
        "aigym stats --store runs/ --model local/smollm2-135m\n"
        "aigym stats --store runs/ --task factual_qa --rank-by cost --days 7\n"
        "aigym stats --store runs/ --task factual_qa --until 2026-12-01 --json",
    )
    stats.add_argument("--model", help="one model (id or alias)")
    stats.add_argument("--task", help="a task type, e.g. factual_qa")
    stats.add_argument(
        "--rank-by", default="quality", choices=("quality", "cost", "approval", "latency")
    )
    stats.add_argument("--scorer", help="the quality scorer (default: each task's primary)")
    stats.add_argument("--confidence", type=float, default=0.95, help="interval level")
    add_window(stats)
    add_store(stats)
    add_json(stats)
    stats.set_defaults(func=_stats)

    cost = add_command(
        commands,
        "cost",
        "spend by model and task, savings, forecast",
        "Spend over the window by model and task, the cheaper models shown to match quality "
        "(tested, not guessed), and the spend forecast against an optional budget.",
        "aigym cost --store runs/ --days 30\naigym cost --store runs/ --budget 50 --json",
    )
    cost.add_argument("--scorer", help="the quality scorer for the savings tests")
    cost.add_argument("--budget", type=float, metavar="USD", help="a budget for the forecast")
    cost.add_argument("--horizon-days", type=int, default=30, help="forecast horizon")
    cost.add_argument(
        "--margin", type=float, default=None, help="quality points a cheaper model may lose"
    )
    add_window(cost)
    add_store(cost)
    add_json(cost)
    cost.set_defaults(func=_cost)

    cmp = add_command(
        commands,
        "compare",
        "models against a baseline on a task, with tests",
        "Compare MODELs on TASK from stored executions: effect of each against the baseline "
        "(the first model unless --baseline), interval, and Holm-adjusted verdicts. Quality "
        "is the record-time quality score of successful calls.",
        "aigym compare factual_qa local/smollm2-135m local/gemma3-270m --store runs/\n"
        "aigym compare factual_qa a/m1 b/m2 c/m3 --metric cost --campaign bakeoff --json",
    )
    cmp.add_argument("task", help="a task type")
    cmp.add_argument("models", nargs="+", metavar="MODEL", help="two or more models")
    cmp.add_argument("--metric", default="quality", help=f"one of {', '.join(sorted(METRICS))}")
    cmp.add_argument("--baseline", help="the model the others are compared with")
    cmp.add_argument("--method", default="t", choices=("t", "rank"), help="means or medians")
    pairing = cmp.add_mutually_exclusive_group()
    pairing.add_argument("--paired", dest="paired", action="store_true", default=None)
    pairing.add_argument("--unpaired", dest="paired", action="store_false")
    cmp.add_argument("--confidence", type=float, default=0.95, help="interval level")
    cmp.add_argument("--correction", default="holm", choices=("holm", "bh"))
    cmp.add_argument("--since", type=parse_when, metavar="WHEN", help="window start (UTC)")
    cmp.add_argument("--until", type=parse_when, metavar="WHEN", help="window end (UTC)")
    cmp.add_argument("--campaign", help="only rows of this campaign")
    add_store(cmp)
    add_json(cmp)
    cmp.set_defaults(func=_compare)


def _stats(args: argparse.Namespace) -> int:
    from aigym.tracking import get_metric_tracker

    if not args.model and not args.task:
        raise CLIError("give --model MODEL (one model) or --task TASK (every model on a task)")
    tracker = get_metric_tracker()
    with open_existing_store(args.store) as store:
        if args.model:
            result = tracker.get_model_stats(
                store,
                args.model,
                args.task,
                args.days,
                args.until,
                args.scorer,
                confidence=args.confidence,
            )
            if result.n_executions == 0:
                _hint_unknown(args.model)
            return emit(args, result.to_dict(), repr(result))
        comparison = tracker.get_task_comparison(
            store,
            args.task,
            args.days,
            args.until,
            args.scorer,
            rank_by=args.rank_by,
            confidence=args.confidence,
        )
        return emit(args, [s.to_dict() for s in comparison], repr(comparison))


def _hint_unknown(model: str) -> None:
    """No rows for a model id the registry does not know: most likely a typo, say so."""
    import sys

    from aigym.errors import UnknownModelError
    from aigym.registry import get_model_registry

    try:
        get_model_registry().get(model)
    except UnknownModelError as e:
        hint = f" Did you mean: {', '.join(e.suggestions)}?" if e.suggestions else ""
        print(
            f"aigym: no executions of {model!r} in the window, and the registry does not know "
            f"it.{hint}",
            file=sys.stderr,
        )


def _cost(args: argparse.Namespace) -> int:
    from aigym.tracking import DEFAULT_MARGIN, get_metric_tracker

    with open_existing_store(args.store) as store:
        analysis = get_metric_tracker().get_cost_analysis(
            store,
            args.days,
            args.until,
            args.scorer,
            margin=DEFAULT_MARGIN if args.margin is None else args.margin,
            horizon_days=args.horizon_days,
            budget_usd=args.budget,
        )
    return emit(args, analysis.to_dict(), repr(analysis))


def _compare(args: argparse.Namespace) -> int:
    from aigym.abtest import compare_models

    if len(set(args.models) | ({args.baseline} if args.baseline else set())) < 2:
        raise CLIError("give at least two different models to compare")
    with open_existing_store(args.store) as store:
        result = compare_models(
            store,
            args.task,
            args.models,
            args.metric,
            baseline=args.baseline,
            paired=args.paired,
            method=args.method,
            confidence=args.confidence,
            correction=args.correction,
            since=args.since,
            until=args.until,
            campaign=args.campaign,
        )
    data = {
        "task_type": result.task_type,
        "metric": result.metric,
        "baseline": result.baseline,
        "paired": result.paired,
        "correction": result.correction,
        "confidence": result.confidence,
        "rows": result.to_polars(),
    }
    return emit(args, data, _comparison_text(result))


def _comparison_text(result: ModelComparison) -> str:
    import polars as pl

    head = (
        f"{result.task_type}, {result.metric} ({result.direction.replace('_', ' ')}), "
        f"baseline {result.baseline}, {'paired' if result.paired else 'unpaired'}, "
        f"{result.correction}-adjusted at {result.confidence:.0%}:"
    )
    table = result.to_polars().select(
        "model",
        "n_model",
        "model_estimate",
        "effect",
        "ci_low",
        "ci_high",
        "adjusted_p_value",
        "significant",
        "better",
    )
    with pl.Config(
        tbl_cols=-1, tbl_width_chars=200, tbl_hide_dataframe_shape=True, float_precision=4
    ):
        return f"{head}\n{table}"

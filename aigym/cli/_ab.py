"""`aigym ab create|assign|analyze|stop|list`: A/B tests kept in the store."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from aigym.cli._common import (
    Commands,
    Formatter,
    add_command,
    add_json,
    add_store,
    emit,
    open_existing_store,
    parse_when,
)

if TYPE_CHECKING:
    from aigym.abtest import ABTestInfo, ABTestResult

__all__ = ["ENGINE_CHOICES", "info_dict", "register"]

#: `aigym.abtest.ENGINES`, spelled out so `--help` does not import the statistics (tested).
ENGINE_CHOICES = ("sequential", "bayesian", "frequentist")


def _action(actions: Commands, name: str, summary: str, examples: str) -> argparse.ArgumentParser:
    p = actions.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog="examples:\n" + "\n".join(f"  {x}" for x in examples.strip().splitlines()),
        formatter_class=Formatter,
    )
    add_store(p)
    add_json(p)
    return p


def register(commands: Commands) -> None:
    ab = add_command(
        commands,
        "ab",
        "A/B tests: create, assign traffic, analyze, stop",
        "A/B tests between two models on one task, kept in the store (see the README's A/B "
        "section). Results are recorded from Python (record_variant_result).",
        "aigym ab create qa-mini --task factual_qa --a gpt-4o --b gpt-4o-mini --store runs/\n"
        "aigym ab assign qa-mini --unit user-42 --store runs/\n"
        "aigym ab analyze qa-mini --engine frequentist --store runs/ --json",
    )
    actions = ab.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = _action(
        actions,
        "create",
        "create a test (the store must exist)",
        "aigym ab create qa-mini --task factual_qa --a gpt-4o --b gpt-4o-mini --store runs/\n"
        "aigym ab create qa-cost --task factual_qa --a m1 --b m2 --split 0.1 --metric cost",
    )
    create.add_argument("name", help="the test's name (names stay reserved in a store)")
    create.add_argument("--task", required=True, help="the task type it runs on")
    create.add_argument("--a", required=True, metavar="MODEL", help="variant A (control)")
    create.add_argument("--b", required=True, metavar="MODEL", help="variant B (challenger)")
    create.add_argument("--split", type=float, default=0.5, help="share of units sent to B")
    create.add_argument("--min-sample-size", type=int, default=100, help="units per variant")
    create.add_argument("--max-days", type=float, default=14, help="when it should end")
    create.add_argument("--metric", default="quality", help="the target metric")
    create.set_defaults(func=_create)

    assign = _action(
        actions,
        "assign",
        "assign a unit to a variant (sticky per unit; logged)",
        "aigym ab assign qa-mini --unit user-42 --store runs/",
    )
    assign.add_argument("name")
    assign.add_argument("--unit", help="the unit (user, session); default: a fresh one")
    assign.add_argument("--task", help="checked against the test's task")
    assign.set_defaults(func=_assign)

    analyze = _action(
        actions,
        "analyze",
        "winner, effect B - A with its interval, and a recommendation",
        "aigym ab analyze qa-mini --store runs/\n"
        "aigym ab analyze qa-mini --engine frequentist --metric cost --json\n"
        "aigym ab analyze qa-mini --until 2026-12-01T00:00:00Z",
    )
    analyze.add_argument("name")
    analyze.add_argument(
        "--engine",
        default="sequential",
        choices=ENGINE_CHOICES,
        help="sequential (the default: valid however often you look), bayesian or frequentist",
    )
    analyze.add_argument("--metric", help="another metric of the same test (a guardrail)")
    analyze.add_argument("--confidence", type=float, default=0.95, help="interval level")
    analyze.add_argument(
        "--until",
        type=parse_when,
        metavar="WHEN",
        help="the test as it stood then (YYYY-MM-DD or ISO time, UTC): pin it to reproduce",
    )
    analyze.set_defaults(func=_analyze)

    stop = _action(
        actions,
        "stop",
        "stop a running test (no more assignments or results)",
        'aigym ab stop qa-mini --reason "B wins on quality" --store runs/',
    )
    stop.add_argument("name")
    stop.add_argument("--reason", help="why, kept with the test")
    stop.set_defaults(func=_stop)

    ls = _action(
        actions,
        "list",
        "the tests in the store",
        "aigym ab list --store runs/\naigym ab list --all --json",
    )
    ls.add_argument("--all", action="store_true", help="include stopped tests")
    ls.set_defaults(func=_list)


def info_dict(info: ABTestInfo) -> dict[str, Any]:
    c = info.config
    return {
        "test_id": info.test_id,
        "test_name": c.test_name,
        "status": info.status,
        "task_type": c.task_type,
        "variant_a_model": c.variant_a_model,
        "variant_b_model": c.variant_b_model,
        "traffic_split": c.traffic_split,
        "min_sample_size": c.min_sample_size,
        "max_duration_days": c.max_duration_days,
        "target_metric": c.target_metric,
        "created_at": info.created_at,
        "stopped_at": info.stopped_at,
        "stop_reason": info.stop_reason,
    }


def _info_text(info: ABTestInfo) -> str:
    c = info.config
    return (
        f"{c.test_name} [{info.status}] {c.task_type}: A {c.variant_a_model} vs "
        f"B {c.variant_b_model} ({c.traffic_split:.0%} to B), {c.target_metric}, "
        f"created {info.created_at:%Y-%m-%d %H:%M} UTC"
        + (f", stopped {info.stopped_at:%Y-%m-%d %H:%M}" if info.stopped_at else "")
    )


def _create(args: argparse.Namespace) -> int:
    from aigym.abtest import ABTestConfig, ABTestManager

    config = ABTestConfig(  # validated before the store is touched
        test_name=args.name,
        task_type=args.task,
        variant_a_model=args.a,
        variant_b_model=args.b,
        traffic_split=args.split,
        min_sample_size=args.min_sample_size,
        max_duration_days=args.max_days,
        target_metric=args.metric,
    )
    manager = ABTestManager()
    manager.registry.resolve(config.variant_a_model)  # unknown models: refused before writing
    manager.registry.resolve(config.variant_b_model)
    with open_existing_store(args.store) as store:
        manager.create_test(store, config)
        info = manager.get_test(store, args.name)
    return emit(args, info_dict(info), "created " + _info_text(info))


def _assign(args: argparse.Namespace) -> int:
    from aigym.abtest import ABTestManager

    with open_existing_store(args.store) as store:
        variant, model = ABTestManager().assign_variant(store, args.name, args.task, args.unit)
    data = {"test_name": args.name, "unit_id": args.unit, "variant": variant, "model_id": model}
    return emit(args, data, f"{variant} {model}")


def _analyze(args: argparse.Namespace) -> int:
    from aigym.abtest import ABTestManager

    with open_existing_store(args.store) as store:
        result = ABTestManager().analyze_test(
            store,
            args.name,
            args.engine,
            confidence=args.confidence,
            metric=args.metric,
            until=args.until,
        )
    return emit(args, result, _result_text(result))


def _result_text(r: ABTestResult) -> str:
    lo, hi = r.interval
    a, b = r.variant_a, r.variant_b
    lines = [
        f"{r.test_name} [{r.status}] {r.metric}, {r.engine} ({r.method}), "
        f"{r.days_running:.1f} days",
        f"  A {a['model_id']}: n={a['sample_size']}, mean {a['mean']:.4g}",
        f"  B {b['model_id']}: n={b['sample_size']}, mean {b['mean']:.4g}",
        f"  effect B - A {r.effect:.4g}, {r.confidence:.0%} interval [{lo:.4g}, {hi:.4g}]; "
        f"winner {r.winner}, confidence {r.confidence_level:.1f}%",
        *([f"  flags: {', '.join(r.flags)}"] if r.flags else []),
        f"  {r.recommendation}",
    ]
    return "\n".join(lines)


def _stop(args: argparse.Namespace) -> int:
    from aigym.abtest import ABTestManager

    with open_existing_store(args.store) as store:
        info = ABTestManager().stop_test(store, args.name, args.reason)
    return emit(args, info_dict(info), "stopped " + _info_text(info))


def _list(args: argparse.Namespace) -> int:
    from aigym.abtest import ABTestManager

    with open_existing_store(args.store) as store:
        tests = ABTestManager().list_tests(store, active_only=not args.all)
    text = "\n".join(_info_text(t) for t in tests) or "no A/B tests in this store" + (
        "" if args.all else " (running; --all lists stopped ones too)"
    )
    return emit(args, [info_dict(t) for t in tests], text)

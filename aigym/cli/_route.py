"""`aigym route TASK`: which model the router picks, and why."""

from __future__ import annotations

import argparse

from aigym.cli._common import Commands, add_command, add_json, emit, open_existing_store

__all__ = ["register"]


def register(commands: Commands) -> None:
    p = add_command(
        commands,
        "route",
        "the model the router picks for a task",
        "The model for TASK under STRATEGY and the constraints: registry priors shrunk toward "
        "the store's history (quality, cost, latency, feedback), failing models cooled down. "
        "Without --store the priors alone decide.",
        "aigym route code_generation --strategy best_quality\n"
        "aigym route factual_qa --store runs/ --min-quality 60 --max-cost 0.002 --json\n"
        "aigym route email_writing --council 3",
    )
    p.add_argument("task", help="a task type, e.g. factual_qa, code_generation")
    p.add_argument(
        "--strategy",
        default="balanced",
        choices=("balanced", "best_quality", "best_cost", "fastest"),
    )
    p.add_argument("--store", metavar="PATH", help="a store whose history the router learns from")
    p.add_argument("--min-quality", type=float, metavar="Q", help="minimum quality (0-100)")
    p.add_argument("--max-cost", type=float, metavar="USD", help="maximum cost per request")
    p.add_argument("--max-latency", type=float, metavar="MS", help="maximum latency in ms")
    p.add_argument("--require", action="append", default=[], metavar="CAP", help="a capability")
    p.add_argument("--exclude", action="append", default=[], metavar="MODEL", help="leave out")
    p.add_argument(
        "--fallback",
        choices=("balanced", "best_quality", "best_cost", "fastest"),
        help="when nothing meets the constraints, route with this strategy instead",
    )
    p.add_argument("--council", type=int, metavar="N", help="N diverse models instead of one")
    add_json(p)
    p.set_defaults(func=_route)


def _route(args: argparse.Namespace) -> int:
    from aigym.router import get_model_router

    store = open_existing_store(args.store) if args.store else None
    router = get_model_router()
    common = {
        "store": store,
        "min_quality_score": args.min_quality,
        "max_cost_per_request": args.max_cost,
        "max_latency_ms": args.max_latency,
        "required_capabilities": tuple(args.require),
        "exclude": tuple(args.exclude),
    }
    if args.council:
        council = router.route_council(
            args.task, num_models=args.council, strategy=args.strategy, **common
        )
        summary = {
            "task_type": council.task_type,
            "diversity": council.diversity,
            "reasoning": council.reasoning,
            "members": [{**m.to_dict(), "reasoning": m.reasoning} for m in council.members],
        }
        text = "\n".join([*(f"{m.id} ({m.provider})" for m in council), council.reasoning])
        return emit(args, summary, text)
    if args.fallback:
        decision = router.route_with_fallback(args.task, args.strategy, args.fallback, **common)
    else:
        decision = router.route(args.task, args.strategy, **common)
    data: dict[str, object] = {**decision.to_dict(), "reasoning": decision.reasoning}
    return emit(args, data, f"{decision.id}\n{decision.reasoning}")

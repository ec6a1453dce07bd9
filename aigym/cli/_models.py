"""`aigym models list|show` and `aigym recommend`: the model registry."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from aigym.cli._common import CLIError, Commands, Formatter, add_command, add_json, emit

if TYPE_CHECKING:
    from aigym.registry import ModelSpec

__all__ = ["model_row", "register"]


def register(commands: Commands) -> None:
    models = add_command(
        commands,
        "models",
        "the model registry: ids, prices, context",
        "List the models aigym knows, or show one (prices in USD per million tokens).",
        "aigym models list\naigym models list --provider local --json\n"
        "aigym models show gpt-4o-mini",
    )
    actions = models.add_subparsers(dest="action", required=True, metavar="ACTION")
    ls = actions.add_parser(
        "list",
        help="ids, prices (USD per million tokens), context",
        description="Every model in the registry, one per line.",
        epilog="examples:\n  aigym models list --all\n  aigym models list --provider openai --json",
        formatter_class=Formatter,
    )
    ls.add_argument("--all", action="store_true", help="include deprecated models")
    ls.add_argument("--provider", help="only this provider, e.g. openai or local")
    add_json(ls)
    ls.set_defaults(func=_list)
    show = actions.add_parser(
        "show",
        help="one model's full spec",
        description="One model by id or alias (any case); an unknown id lists the closest.",
        epilog="examples:\n  aigym models show local/smollm2-135m\n"
        "  aigym models show gpt-4o --json",
        formatter_class=Formatter,
    )
    show.add_argument("model", help="a registry id or alias")
    add_json(show)
    show.set_defaults(func=_show)

    from aigym.registry import STRATEGIES

    rec = add_command(
        commands,
        "recommend",
        "models ranked for a task",
        "Models able to do TASK, ranked by STRATEGY on the registry's priors (quality tier, "
        "price, latency). Measure before you decide: `aigym compare` on your own prompts.",
        "aigym recommend code_generation\n"
        "aigym recommend email_writing --strategy best_cost --limit 3 --json",
    )
    rec.add_argument("task", help="a task type, e.g. factual_qa, code_generation")
    rec.add_argument("--strategy", default="balanced", choices=STRATEGIES)
    rec.add_argument("--limit", type=int, help="at most this many models")
    rec.add_argument("--all", action="store_true", help="include deprecated models")
    rec.add_argument("--no-local", action="store_true", help="leave out local models")
    add_json(rec)
    rec.set_defaults(func=_recommend)


def model_row(s: ModelSpec) -> dict[str, Any]:
    """A model as JSON: the registry's `/models` object plus exact prices (strings)."""
    return {
        **s.to_dict(),
        "input_price_per_mtok": str(s.input_price_per_mtok),
        "output_price_per_mtok": str(s.output_price_per_mtok),
        "context_window": s.context_window,
        "max_output_tokens": s.max_output_tokens,
        "quality_tier": s.quality_tier,
        "aliases": list(s.aliases),
        "deprecated": s.deprecated,
        "price_source": s.price_source,
    }


def _table(specs: list[ModelSpec]) -> str:
    w = max(len(s.id) for s in specs)
    lines = [f"{'id':<{w}}  {'in $/Mtok':>9}  {'out $/Mtok':>10}  {'context':>8}  price source"]
    lines += [
        f"{s.id:<{w}}  {float(s.input_price_per_mtok):>9.4g}  "
        f"{float(s.output_price_per_mtok):>10.4g}  {s.context_window:>8}  {s.price_source}"
        for s in specs
    ]
    return "\n".join(lines)


def _list(args: argparse.Namespace) -> int:
    from aigym.registry import get_model_registry

    specs = get_model_registry().get_all_models(include_deprecated=args.all)
    if args.provider:
        known = sorted({s.provider for s in specs})
        specs = [s for s in specs if s.provider == args.provider]
        if not specs:
            raise CLIError(f"no models for provider {args.provider!r}: known providers {known}")
    return emit(args, [model_row(s) for s in specs], _table(specs))


def _show(args: argparse.Namespace) -> int:
    from aigym.registry import get_model_registry

    s = get_model_registry().get(args.model)
    caps = ", ".join(c.value for c in s.sorted_capabilities())
    text = "\n".join(
        [
            f"{s.id} ({s.name}, provider {s.provider})",
            f"  price: ${s.input_price_per_mtok} in / ${s.output_price_per_mtok} out per Mtok "
            f"({s.price_source}{', ' + str(s.price_date) if s.price_date else ''})",
            f"  context {s.context_window:,} tokens, output up to {s.max_output_tokens:,}",
            f"  quality tier {s.quality_tier}, typical latency {s.avg_latency_ms} ms",
            f"  capabilities: {caps}",
            *([f"  aliases: {', '.join(s.aliases)}"] if s.aliases else []),
            *(["  DEPRECATED"] if s.deprecated else []),
        ]
    )
    return emit(args, model_row(s), text)


def _recommend(args: argparse.Namespace) -> int:
    from aigym.registry import get_model_registry

    ranked = get_model_registry().recommend_models_for_task(
        args.task,
        args.strategy,
        limit=args.limit,
        include_deprecated=args.all,
        include_local=not args.no_local,
    )
    if not ranked:
        text = f"no model in the registry has what {args.task!r} needs"
    else:
        text = f"{args.task}, strategy {args.strategy}:\n" + _table(ranked)
    return emit(args, [model_row(s) for s in ranked], text)

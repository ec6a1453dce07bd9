"""The `aigym` command: campaigns, the local model server, the model list.

::

    aigym campaign run FILE [--dry-run] [--no-progress]
    aigym local-server start [--model M ...] [--parallel N]   # foreground; Ctrl-C stops it
    aigym local-server stop | status
    aigym models list [--all] [--provider NAME]

Exit codes: 0 done, 1 unexpected failure, 2 bad input (the message says what to fix),
3 stopped by the campaign budget, 4 failed (calls were made and none succeeded: the message
says how many and why), 130 interrupted (finished rows are stored; run again).
SIGTERM stops a campaign like Ctrl-C, so a scheduler's timeout keeps what was done.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

__all__ = ["main"]

EXIT_INPUT = 2
EXIT_BUDGET = 3
EXIT_FAILED = 4
EXIT_INTERRUPTED = 130


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aigym", description="LLM bake-offs with real numbers.")
    sub = p.add_subparsers(dest="command", required=True)

    camp = sub.add_parser("campaign", help="run prompt sets against models").add_subparsers(
        dest="action", required=True
    )
    run = camp.add_parser("run", help="run (or resume) the campaign in FILE (.toml/.yaml/.json)")
    run.add_argument("file")
    run.add_argument("--dry-run", action="store_true", help="print the plan and costs only")
    run.add_argument("--no-progress", action="store_true", help="no progress bar (cron, CI)")

    local = sub.add_parser("local-server", help="the embedded llama.cpp server")
    local.add_argument("action", choices=("start", "stop", "status"))
    local.add_argument(
        "--model", action="append", help="start only these (smollm2-135m, gemma3-270m)"
    )
    local.add_argument("--parallel", type=int, default=2, help="concurrent slots per model")

    models = sub.add_parser("models", help="the model registry").add_subparsers(
        dest="action", required=True
    )
    ls = models.add_parser("list", help="ids, prices (USD per million tokens), context")
    ls.add_argument("--all", action="store_true", help="include deprecated models")
    ls.add_argument("--provider", help="only this provider, e.g. openai or local")
    return p


def _campaign_run(args: argparse.Namespace) -> int:
    import polars as pl

    from aigym.campaign import run_campaign

    def stop_like_ctrl_c(signum: int, frame: FrameType | None) -> None:
        os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGTERM, stop_like_ctrl_c)
    try:
        result = run_campaign(args.file, dry_run=args.dry_run, progress=not args.no_progress)
    except (KeyboardInterrupt, asyncio.CancelledError):
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
    if not args.dry_run and result.summary.height:
        shown = result.summary.select(
            "model_id",
            "provider",
            "n",
            "errors",
            "cache_hits",
            "prompt_tokens",
            "completion_tokens",
            pl.col("cost_usd").round(6),
            pl.col("latency_p50_ms", "latency_p90_ms", "latency_p99_ms").round(0),
        )
        with pl.Config(tbl_cols=-1, tbl_width_chars=200, tbl_hide_dataframe_shape=True):
            print(shown)
    if result.status == "failed":
        return EXIT_FAILED
    return EXIT_BUDGET if result.status == "budget_exhausted" else 0


def _local_server(args: argparse.Namespace) -> int:
    from aigym.campaign import (
        LocalServerStatus,
        local_server_status,
        serve_local_models,
        stop_local_server,
    )

    if args.action == "status":
        st = local_server_status()
        print(st.message)
        return 0 if st.running else 1
    if args.action == "stop":
        print(stop_local_server().message)
        return 0

    def ready(st: LocalServerStatus) -> None:
        for model, url in st.base_urls.items():
            print(f"{model}: {url}")
        print("ready: campaigns use this server; stop with Ctrl-C or `aigym local-server stop`")
        sys.stdout.flush()

    models = [m if m.startswith("local/") else f"local/{m}" for m in args.model or ()]
    if models:
        serve_local_models(models, n_parallel=args.parallel, on_ready=ready)
    else:
        serve_local_models(n_parallel=args.parallel, on_ready=ready)
    print("local model server stopped")
    return 0


def _models_list(args: argparse.Namespace) -> int:
    from aigym.registry import get_model_registry

    specs = get_model_registry().get_all_models(include_deprecated=args.all)
    if args.provider:
        specs = [s for s in specs if s.provider == args.provider]
    if not specs:
        print(f"no models for provider {args.provider!r}", file=sys.stderr)
        return 1
    w = max(len(s.id) for s in specs)
    print(f"{'id':<{w}}  {'in $/Mtok':>9}  {'out $/Mtok':>10}  {'context':>8}  price source")
    for s in specs:
        print(
            f"{s.id:<{w}}  {float(s.input_price_per_mtok):>9.4g}  "
            f"{float(s.output_price_per_mtok):>10.4g}  {s.context_window:>8}  {s.price_source}"
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `aigym` script; returns the exit code."""
    from aigym.errors import AigymError

    args = _parser().parse_args(argv)
    try:
        if args.command == "campaign":
            return _campaign_run(args)
        if args.command == "local-server":
            return _local_server(args)
        return _models_list(args)
    except AigymError as e:
        print(f"aigym: {e}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())

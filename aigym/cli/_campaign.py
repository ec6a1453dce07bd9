"""`aigym campaign run`: run (or resume, or plan) a campaign file."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from types import FrameType
from typing import TYPE_CHECKING, Any

from aigym.cli._common import (
    EXIT_BUDGET,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    Commands,
    Formatter,
    add_command,
    add_json,
    emit,
)

if TYPE_CHECKING:
    from aigym.campaign import CampaignResult

__all__ = ["register", "result_dict"]


def register(commands: Commands) -> None:
    camp = add_command(
        commands,
        "campaign",
        "run prompt sets against models",
        "Campaigns: a prompt set x models x repeats, into the store. See the README's "
        "campaign section for the file format.",
        "aigym campaign run campaign.toml --dry-run\naigym campaign run campaign.toml",
    )
    actions = camp.add_subparsers(dest="action", required=True, metavar="ACTION")
    run = actions.add_parser(
        "run",
        help="run (or resume) the campaign in FILE (.toml/.yaml/.json)",
        description=(
            "Run the campaign in FILE; run it again to resume (finished calls are not paid "
            "twice, errors are retried). Relative paths in FILE are relative to its folder. "
            "SIGTERM stops it like Ctrl-C: finished rows are kept."
        ),
        epilog=(
            "examples:\n"
            "  aigym campaign run bakeoff.toml --dry-run     # the plan and worst-case cost\n"
            "  aigym campaign run bakeoff.toml --no-progress # from cron or CI\n"
            "  aigym campaign run bakeoff.toml --json | jq .summary\n\n"
            "exit codes: 0 done, 2 bad spec (nothing written), 3 stopped by the budget,\n"
            "4 no call succeeded, 130 interrupted (run again to resume)"
        ),
        formatter_class=Formatter,
    )
    run.add_argument("file", help="the campaign file")
    run.add_argument("--dry-run", action="store_true", help="print the plan and costs only")
    run.add_argument("--no-progress", action="store_true", help="no progress bar (cron, CI)")
    add_json(run)
    run.set_defaults(func=_run)


def result_dict(result: CampaignResult) -> dict[str, Any]:
    """What `--json` prints: the result's status, counts, money and per-model summary."""
    return {
        "campaign": result.campaign,
        "run_id": result.run_id,
        "status": result.status,
        "message": result.message,
        "calls_made": result.calls_made,
        "successes": result.successes,
        "errors": result.errors,
        "cache_hits": result.cache_hits,
        "not_run": result.not_run,
        "spent_usd": result.spent_usd,
        "budget_usd": result.budget_usd,
        "elapsed_s": result.elapsed_s,
        "store": result.store,
        "error_types": result.error_types,
        "summary": result.summary,
    }


def _run(args: argparse.Namespace) -> int:
    import polars as pl

    from aigym.campaign import run_campaign

    def stop_like_ctrl_c(signum: int, frame: FrameType | None) -> None:
        os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGTERM, stop_like_ctrl_c)
    try:
        result = run_campaign(
            args.file, dry_run=args.dry_run, progress=not (args.no_progress or args.json)
        )
    except (KeyboardInterrupt, asyncio.CancelledError):
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
    text = ""
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
            text = str(shown)
    if text or args.json:
        emit(args, result_dict(result), text)
    if result.status == "failed":
        return EXIT_FAILED
    return EXIT_BUDGET if result.status == "budget_exhausted" else EXIT_OK

"""The `aigym` command: a thin shell over the library (every command is one library call).

::

    aigym models list [--all] [--provider NAME] [--json]
    aigym models show MODEL [--json]
    aigym recommend TASK [--strategy balanced|best_quality|best_cost|fastest] [--json]
    aigym campaign run FILE [--dry-run] [--no-progress] [--json]
    aigym local-server start [--model M ...] [--parallel N] | stop | status
    aigym stats --store PATH (--model M [--task T] | --task T) [--days D] [--json]
    aigym cost --store PATH [--days D] [--budget USD] [--json]
    aigym compare TASK MODEL MODEL... --store PATH [--metric M] [--campaign C] [--json]
    aigym ab create|assign|analyze|stop|list ... --store PATH [--json]
    aigym store info|compact|recover --store PATH [--json]
    aigym route TASK [--strategy S] [--store PATH] [--min-quality Q] [--max-cost USD] [--json]
    aigym report NAME -p KEY VALUE ... [--output DIR] [--json] | report --list

`aigym COMMAND --help` shows each command's options and examples. `--store` defaults to
`$AIGYM_STORE`, else `.aigym/store` (a campaign's default store). Data goes to stdout
(`--json`: one JSON document, nothing else); messages go to stderr.

Exit codes (the one place they are defined; `aigym.cli.EXIT_*`):

    0    done
    1    unexpected failure (a bug: the traceback is printed), or `local-server status`
         when no server is running
    2    bad input: a bad argument, an unknown model, a missing store (nothing is written;
         the message says what to fix)
    3    a campaign stopped by its budget (finished rows are stored; raise it, run again)
    4    a campaign in which no call succeeded (the message says how many and why)
    130  interrupted (Ctrl-C or SIGTERM; finished rows are stored; run again to resume)

Adding a command group is one new module with `register(commands)` plus its name in
`_COMMAND_MODULES` below.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Final

from aigym.cli._common import (
    EXIT_BUDGET,
    EXIT_FAILED,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNEXPECTED,
    CLIError,
    Formatter,
)

__all__ = [
    "EXIT_BUDGET",
    "EXIT_FAILED",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_UNEXPECTED",
    "build_parser",
    "main",
]

#: Command-group modules (in `aigym.cli`), in `--help` order. Each has `register(commands)`,
#: which adds its sub-parsers and sets `func` (args -> exit code) on each.
_COMMAND_MODULES: Final = (
    "_models",
    "_campaign",
    "_local_server",
    "_tracking",
    "_ab",
    "_store",
    "_route",
    "_report",
)

_EPILOG = """examples:
  aigym models list --provider local
  aigym recommend code_generation --strategy best_cost
  aigym campaign run campaign.toml --dry-run
  aigym stats --store runs/ --task factual_qa --days 7
  aigym compare factual_qa local/smollm2-135m local/gemma3-270m --store runs/ --json
  aigym route code_generation --strategy best_quality --store runs/
  aigym report cost_quality_report -p store runs/ --output reports/

exit codes: 0 done, 1 unexpected failure, 2 bad input or missing store (nothing written),
3 campaign stopped by its budget, 4 campaign with no successful call, 130 interrupted
"""


def build_parser() -> argparse.ArgumentParser:
    """The full `aigym` parser (every registered command group)."""
    p = argparse.ArgumentParser(
        prog="aigym",
        description="LLM bake-offs with real numbers: run campaigns, read the store, decide.",
        epilog=_EPILOG,
        formatter_class=Formatter,
    )
    commands = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _COMMAND_MODULES:
        importlib.import_module(f"aigym.cli.{name}").register(commands)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `aigym` script; returns the exit code."""
    from aigym.errors import AigymError

    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2, message printed)
        return e.code if isinstance(e.code, int) else EXIT_INPUT
    try:
        code: int = args.func(args)
        return code
    except CLIError as e:
        print(f"aigym: {e}", file=sys.stderr)
        return e.code
    except AigymError as e:
        print(f"aigym: {e}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED

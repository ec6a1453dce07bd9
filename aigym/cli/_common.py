"""What every command shares: exit codes, `--store` and `--json`, parsers with examples."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import enum
import json
import math
import os
import sys
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from aigym.store import ParquetStore

__all__ = [
    "EXIT_BUDGET",
    "EXIT_FAILED",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_UNEXPECTED",
    "CLIError",
    "Commands",
    "Formatter",
    "add_command",
    "add_json",
    "add_store",
    "add_window",
    "emit",
    "jsonable",
    "open_existing_store",
    "parse_when",
]

EXIT_OK: Final = 0
EXIT_UNEXPECTED: Final = 1
EXIT_INPUT: Final = 2
EXIT_BUDGET: Final = 3
EXIT_FAILED: Final = 4
EXIT_INTERRUPTED: Final = 130

DEFAULT_STORE: Final = ".aigym/store"

if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Commands = argparse._SubParsersAction


class CLIError(Exception):
    """A message for the user and the exit code that goes with it."""

    def __init__(self, message: str, code: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.code = code


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions wrapped, examples (text with line breaks) kept as written; an option's
    default shown when it has a real one."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return super()._fill_text(text, width, indent)
        return argparse.HelpFormatter._fill_text(self, text, width, indent)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            default in (None, False, argparse.SUPPRESS)
            or "default" in text
            or action.option_strings == []
        ):
            return text
        return f"{text} (default: {default})" if text else f"default: {default}"


def add_command(
    commands: Commands, name: str, summary: str, description: str, examples: str
) -> argparse.ArgumentParser:
    """A sub-command with its description and an `examples:` epilog."""
    return commands.add_parser(
        name,
        help=summary,
        description=description,
        epilog="examples:\n" + "\n".join(f"  {line}" for line in examples.strip().splitlines()),
        formatter_class=Formatter,
    )


def add_json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON document (for scripts)")


def add_store(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--store",
        default=os.environ.get("AIGYM_STORE") or DEFAULT_STORE,
        metavar="PATH",
        help="the store to read (a folder or s3:// URL; default $AIGYM_STORE or .aigym/store)",
    )


def parse_when(text: str) -> dt.datetime:
    """A date (`2026-12-01`: its midnight) or an ISO datetime; naive means UTC."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: give YYYY-MM-DD or an ISO datetime"
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number > 0")
    return v


def add_window(p: argparse.ArgumentParser, *, days: float | None = 30) -> None:
    p.add_argument("--days", type=positive, default=days, help="window length in days")
    p.add_argument(
        "--until",
        type=parse_when,
        metavar="WHEN",
        help="window end (YYYY-MM-DD or ISO time, UTC; default now): pin it to reproduce",
    )


def open_existing_store(path: str) -> ParquetStore:
    """The store at `path`, refusing (exit 2, nothing created) when there is none."""
    from aigym import open_store

    if "://" not in path:
        p = Path(path).expanduser()
        if not p.exists():
            raise CLIError(
                f"no store at {path!r}: check --store (or $AIGYM_STORE). A store is created by "
                "`aigym campaign run` or by the first write through aigym.open_store(PATH)."
            )
        if not p.is_dir():
            raise CLIError(f"--store {path!r} is a file, not a store folder: give the folder")
    return open_store(path)


def jsonable(obj: Any) -> Any:
    """Plain JSON values: exact Decimals as strings, times in ISO, NaN as null."""
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, enum.Enum):
        return jsonable(obj.value)
    if isinstance(obj, (dt.datetime, dt.date)):
        return obj.isoformat()
    if isinstance(obj, dt.timedelta):
        return obj.total_seconds()
    if hasattr(obj, "to_dicts") and hasattr(obj, "schema"):  # a polars DataFrame
        return jsonable(obj.to_dicts())
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return jsonable(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (set, frozenset)):
        return sorted(jsonable(v) for v in obj)
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    return str(obj)


def emit(args: argparse.Namespace, data: Any, text: str) -> int:
    """Print `data` as JSON with `--json`, else `text`; returns exit code 0."""
    if getattr(args, "json", False):
        json.dump(jsonable(data), sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(text)
    return EXIT_OK

"""`aigym store info|compact|recover`: look after a store."""

from __future__ import annotations

import argparse
import dataclasses

from aigym.cli._common import (
    Commands,
    Formatter,
    add_command,
    add_json,
    add_store,
    emit,
    open_existing_store,
)

__all__ = ["register"]


def register(commands: Commands) -> None:
    store = add_command(
        commands,
        "store",
        "look after a store: info, compact, recover",
        "Per-table files and rows; merge small files (safe to kill at any point); clean up "
        "after crashed writers and compactions.",
        "aigym store info --store runs/\naigym store compact --store runs/ --table executions\n"
        "aigym store recover --store runs/ --json",
    )
    actions = store.add_subparsers(dest="action", required=True, metavar="ACTION")
    specs = (
        ("info", "live files, rows and superseded files per table", _info),
        ("compact", "merge each partition's small files into one", _compact),
        ("recover", "clean up after dead writers and crashed compactions", _recover),
    )
    for name, summary, func in specs:
        p = actions.add_parser(
            name,
            help=summary,
            description=summary[0].upper() + summary[1:] + ".",
            epilog=f"examples:\n  aigym store {name} --store runs/\n"
            f"  aigym store {name} --store runs/ --json",
            formatter_class=Formatter,
        )
        if name == "compact":
            p.add_argument("--table", help="only this table (default: every table)")
            p.add_argument(
                "--min-files", type=int, default=2, help="compact partitions with this many files"
            )
        add_store(p)
        add_json(p)
        p.set_defaults(func=func)


def _info(args: argparse.Namespace) -> int:
    with open_existing_store(args.store) as store:
        tables = store.verify()
        root = store.root
    width = max(len(t) for t in tables)
    lines = [f"store {root}", f"  {'table':<{width}}  {'files':>7}  {'rows':>12}  superseded"]
    lines += [
        f"  {t:<{width}}  {v['files']:>7,}  {v['rows']:>12,}  {v['superseded_files']:>10,}"
        for t, v in tables.items()
    ]
    return emit(args, {"root": root, "tables": tables}, "\n".join(lines))


def _compact(args: argparse.Namespace) -> int:
    from aigym.errors import ValidationError

    if isinstance(args.min_files, int) and args.min_files < 2:
        raise ValidationError("--min-files", args.min_files, "give a whole number >= 2")
    with open_existing_store(args.store) as store:
        report = store.compact(args.table, min_files=args.min_files)
    data = dataclasses.asdict(report)
    text = (
        f"compacted {report.partitions} partitions: {report.files_before} files -> "
        f"{report.files_after} ({report.rows:,} rows); "
        f"{report.superseded_removed} superseded files removed"
    )
    return emit(args, data, text)


def _recover(args: argparse.Namespace) -> int:
    with open_existing_store(args.store) as store:
        report = store.recover()
    data = dataclasses.asdict(report)
    text = (
        f"recovered: {report.dead_writers} dead writers cleaned, "
        f"{report.compactions_finished} compactions finished, "
        f"{report.compactions_rolled_back} rolled back, "
        f"{report.superseded_removed} superseded files removed"
        + (f"; live writers: {', '.join(report.live_writers)}" if report.live_writers else "")
    )
    return emit(args, data, text)

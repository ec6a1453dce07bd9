"""`aigym report NAME -p KEY VALUE ... [--output DIR]` and `aigym report --list`."""

from __future__ import annotations

import argparse

from aigym.cli._common import CLIError, Commands, add_command, add_json, emit

__all__ = ["register"]


def register(commands: Commands) -> None:
    p = add_command(
        commands,
        "report",
        "render a report notebook to self-contained HTML",
        "Run the report notebook NAME with papermill and write the executed notebook, one "
        "self-contained HTML file (no request to any host when opened) and the tidy table "
        "behind every figure. Parameters are checked against the notebook before anything "
        "runs. `--list` shows every report with its parameters and defaults.",
        "aigym report --list\n"
        "aigym report cost_quality_report -p store runs/ -p days 7 --output reports/\n"
        "aigym report ab_test_report -p store runs/ -p test_name emails_v2 --json\n"
        "aigym report router_evaluation -p table llmrouter -p router ridge_knn",
    )
    p.add_argument("name", nargs="?", help="a report name (see --list)")
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("KEY", "VALUE"),
        help="a notebook parameter (repeatable); the value is converted to the declared type",
    )
    p.add_argument("--output", default="reports", metavar="DIR", help="where to write")
    p.add_argument("--list", action="store_true", help="list the reports and their parameters")
    add_json(p)
    p.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    from aigym.reports import list_reports, render_report

    if args.list:
        infos = list_reports()
        lines = []
        for info in infos:
            lines.append(f"{info.name}: {info.description}")
            lines += [
                f"    {q.name} ({q.type}, default {q.default!r}): {q.help}" for q in info.parameters
            ]
        return emit(args, [i.to_dict() for i in infos], "\n".join(lines))
    if not args.name:
        raise CLIError("give a report NAME, or --list to see them")
    params: dict[str, str] = {}
    for key, value in args.parameter:
        if key in params:
            raise CLIError(f"parameter {key!r} given twice: give it once")
        params[key] = value
    done = render_report(args.name, params, args.output)
    data = {
        "name": done.name,
        "html": str(done.html),
        "notebook": str(done.notebook),
        "tables": {k: str(v) for k, v in done.tables.items()},
        "parameters": done.parameters,
        "aigym_version": done.aigym_version,
    }
    return emit(args, data, f"{done.html}\n  notebook {done.notebook}; {len(done.tables)} tables")

"""`aigym local-server start|stop|status`: the embedded llama.cpp server campaigns find."""

from __future__ import annotations

import argparse
import sys

from aigym.cli._common import EXIT_OK, EXIT_UNEXPECTED, Commands, add_command, add_json, emit

__all__ = ["register"]


def register(commands: Commands) -> None:
    local = add_command(
        commands,
        "local-server",
        "the embedded llama.cpp server",
        "Start the local models in the foreground (Ctrl-C stops them); campaigns that use "
        "local models find a running server and share it. `status` exits 1 when none runs.",
        "aigym local-server start --model smollm2-135m\n"
        "aigym local-server status --json\naigym local-server stop",
    )
    local.add_argument("action", choices=("start", "stop", "status"))
    local.add_argument(
        "--model", action="append", help="start only these (smollm2-135m, gemma3-270m)"
    )
    local.add_argument("--parallel", type=int, default=2, help="concurrent slots per model")
    add_json(local)
    local.set_defaults(func=_local_server)


def _local_server(args: argparse.Namespace) -> int:
    from aigym.campaign import (
        LocalServerStatus,
        local_server_status,
        serve_local_models,
        stop_local_server,
    )

    if args.action == "status":
        st = local_server_status()
        data = {"running": st.running, "message": st.message, "base_urls": st.base_urls}
        emit(args, data, st.message)
        return EXIT_OK if st.running else EXIT_UNEXPECTED
    if args.action == "stop":
        st = stop_local_server()
        return emit(args, {"running": st.running, "message": st.message}, st.message)

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
    return EXIT_OK

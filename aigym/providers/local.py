"""Launcher for the embedded llama.cpp server, run as a subprocess::

    python -m aigym.providers.local serve --model smollm2-135m --port 0 \\
        [--model gemma3-270m --port 0] [--n-ctx 1024] [--parallel 2] [--threads 2] \\
        [--cache-dir DIR] [--ready-file FILE] [--log FILE] [--watch-parent PID]
    python -m aigym.providers.local check     # exit 0 when the packages are installed

Each model gets its own `xllamacpp.Server` (one port each) in this one process; port 0 lets
the OS pick a free port, and the bound URLs are written to `--ready-file` as JSON
(`{"smollm2-135m": "http://127.0.0.1:PORT"}`) and printed as `AIGYM_READY {...}`. The process
then blocks until signalled. Use `aigym.providers.LocalModelServer` rather than calling this by
hand: it picks the ports, polls readiness and guarantees teardown.

This module is separate from `_local` so that `python -m` does not import it twice.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from aigym.providers._local import (
    INSTALL_HINT,
    default_cache_dir,
    missing_local_packages,
    model_path,
)

__all__ = ["main", "serve"]


def serve(
    models: list[tuple[str, int]],
    *,
    n_ctx: int = 1024,
    n_parallel: int = 2,
    threads: int = 2,
    cache_dir: Path | None = None,
    ready_file: Path | None = None,
) -> dict[str, str]:
    """Start one llama.cpp server per (model, port); return {model: url}. Does not block."""
    import xllamacpp

    urls: dict[str, str] = {}
    servers: list[Any] = []
    for name, port in models:
        params = xllamacpp.CommonParams()
        params.model.path = str(model_path(name, cache_dir))
        params.model_alias = {name}
        params.n_parallel = n_parallel
        params.n_ctx = n_ctx * n_parallel  # llama.cpp splits n_ctx across the slots
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.hostnames = ["127.0.0.1"]
        params.port = port
        server = xllamacpp.Server(params)
        servers.append(server)
        urls[name] = str(server.listening_address).rstrip("/")
    _SERVERS.extend(servers)  # keep them alive
    if ready_file is not None:
        tmp = ready_file.with_name(ready_file.name + ".tmp")
        tmp.write_text(json.dumps(urls))
        os.replace(tmp, ready_file)
    print("AIGYM_READY " + json.dumps(urls), flush=True)
    return urls


_SERVERS: list[Any] = []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aigym.providers.local")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="serve local models until SIGTERM")
    s.add_argument("--model", action="append", required=True, help="smollm2-135m, gemma3-270m")
    s.add_argument("--port", action="append", type=int, help="one per --model; 0 = any free")
    s.add_argument("--n-ctx", type=int, default=1024, help="context tokens per slot")
    s.add_argument("--parallel", type=int, default=2, help="concurrent slots per model")
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--cache-dir", type=Path, default=None)
    s.add_argument("--ready-file", type=Path, default=None)
    s.add_argument("--log", type=Path, default=None, help="append all output to this file")
    s.add_argument("--watch-parent", type=int, default=None, help="exit when this pid is gone")
    sub.add_parser("check", help="exit 0 if the local model packages are installed")
    args = parser.parse_args(argv)

    if args.command == "check":
        missing = missing_local_packages()
        if missing:
            print(f"missing: {', '.join(missing)}\ninstall: {INSTALL_HINT}", file=sys.stderr)
            return 1
        print("local models available")
        return 0

    ports = args.port or [0] * len(args.model)
    if len(ports) != len(args.model):
        parser.error("give one --port per --model (or none for automatic ports)")
    if args.log is not None:
        fd = os.open(args.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)  # llama.cpp logs from C++ straight to fd 2
        os.close(fd)
    missing = missing_local_packages(args.model)
    if missing:
        print(f"missing: {', '.join(missing)}; install: {INSTALL_HINT}", file=sys.stderr)
        return 2
    serve(
        list(zip(args.model, ports, strict=True)),
        n_ctx=args.n_ctx,
        n_parallel=args.parallel,
        threads=args.threads,
        cache_dir=args.cache_dir or default_cache_dir(),
        ready_file=args.ready_file,
    )
    if args.watch_parent is None:
        threading.Event().wait()  # until SIGTERM/SIGINT (default handlers end the process)
    # Orphaned (the parent was SIGKILLed, so its atexit never ran): we are re-parented and
    # our parent pid changes. Exit rather than hold a port and two cores' worth of threads.
    while os.getppid() == args.watch_parent:
        time.sleep(0.5)
    os._exit(0)  # no interpreter shutdown: the servers' C++ threads must not block it


if __name__ == "__main__":
    sys.exit(main())

"""`aigym local-server start|stop|status`: one embedded llama.cpp server per user, findable.

`serve_local_models` runs in the foreground (until Ctrl-C or SIGTERM) and writes a state
file (`$AIGYM_STATE_DIR/local-server.json`, default `~/.cache/aigym/`) with its own pid, the
server's pid and the base URLs. Campaigns use a running server found there instead of
starting their own. `stop_local_server` signals the foreground process, which stops the
server as it exits; if that process is gone, it stops the server's process group itself
(the server also exits by itself when its parent dies). Signals go only to processes whose
command line names aigym, so a stale file never hits a recycled pid.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from aigym.providers import LOCAL_MODELS, LocalModelServer, LocalServerError

__all__ = [
    "LocalServerStatus",
    "local_server_status",
    "serve_local_models",
    "state_path",
    "stop_local_server",
]


_ALL_LOCAL = tuple(f"local/{name}" for name in LOCAL_MODELS)


def state_path() -> Path:
    """Where the running server's state is kept."""
    base = os.environ.get("AIGYM_STATE_DIR")
    return (Path(base) if base else Path.home() / ".cache" / "aigym") / "local-server.json"


@dataclass(frozen=True, slots=True)
class LocalServerStatus:
    """What `aigym local-server status` reports."""

    running: bool
    message: str
    pid: int | None = None  # the foreground `aigym local-server start` process
    server_pid: int | None = None
    base_urls: dict[str, str] = field(default_factory=dict)
    n_parallel: int = 2


def _alive(pid: int | None) -> bool:
    if pid is None or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped by its parent) is gone for our purposes
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def _is_aigym(pid: int) -> bool:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return _alive(pid) and not Path("/proc").is_dir()  # no /proc (macOS): trust the pid
    return b"aigym" in cmd


def _read() -> dict[str, Any] | None:
    try:
        data = json.loads(state_path().read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def local_server_status(*, check: bool = True) -> LocalServerStatus:
    """Whether an `aigym local-server start` is running, and its URLs (`check`: they answer)."""
    data = _read()
    if data is None:
        return LocalServerStatus(False, "no local model server is running")
    pid, spid = data.get("pid"), data.get("server_pid")
    urls = {str(k): str(v) for k, v in dict(data.get("base_urls") or {}).items()}
    slots = int(data.get("n_parallel") or 2)
    if not (_alive(pid) and _is_aigym(int(pid or 0))):
        return LocalServerStatus(
            False, f"stale state file {state_path()} (pid {pid} is gone)", pid, spid, urls, slots
        )
    if check:
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            for model, url in urls.items():
                try:
                    ok = client.get(f"{url}/models").status_code == 200
                except httpx.HTTPError:
                    ok = False
                if not ok:
                    return LocalServerStatus(
                        False, f"pid {pid} runs but {model} does not answer at {url}", pid, spid
                    )
    shown = ", ".join(f"{m} at {u}" for m, u in urls.items())
    return LocalServerStatus(True, f"running (pid {pid}): {shown}", pid, spid, urls, slots)


def serve_local_models(
    models: Sequence[str] = _ALL_LOCAL,
    *,
    n_parallel: int = 2,
    on_ready: Callable[[LocalServerStatus], None] | None = None,
) -> None:
    """Run the local models in the foreground until Ctrl-C or SIGTERM (main thread only)."""
    current = local_server_status(check=False)
    if current.running:
        raise LocalServerError(
            f"a local model server is already {current.message}: use it, or stop it with "
            "`aigym local-server stop`"
        )
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    path = state_path()
    try:
        with LocalModelServer(models, n_parallel=n_parallel) as server:
            state = {
                "pid": os.getpid(),
                "server_pid": server.pid,
                "base_urls": server.base_urls,
                "n_parallel": n_parallel,
                "started": dt.datetime.now(dt.UTC).isoformat(),
            }
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}")
            tmp.write_text(json.dumps(state))
            os.replace(tmp, path)
            if on_ready is not None:
                on_ready(local_server_status(check=False))
            with contextlib.suppress(KeyboardInterrupt):
                while not stop.wait(0.5):
                    if not server.running:
                        raise LocalServerError(
                            "the local model server exited by itself; start it again "
                            f"(log: {server.log_path})"
                        )
    finally:
        signal.signal(signal.SIGTERM, previous)
        data = _read()
        if data is not None and data.get("pid") == os.getpid():
            path.unlink(missing_ok=True)


def stop_local_server(timeout: float = 20.0) -> LocalServerStatus:
    """Stop the server started by `aigym local-server start`; returns what was done."""
    data = _read()
    if data is None:
        return LocalServerStatus(False, "no local model server is running")
    pid, spid = data.get("pid"), data.get("server_pid")
    deadline = time.monotonic() + timeout
    if isinstance(pid, int) and _alive(pid) and _is_aigym(pid):
        os.kill(pid, signal.SIGTERM)
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    if isinstance(spid, int) and _alive(spid) and _is_aigym(spid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(spid, signal.SIGTERM)  # the server leads its own process group
        while _alive(spid) and time.monotonic() < deadline + 5:
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if _alive(spid):
                os.killpg(spid, signal.SIGKILL)
    state_path().unlink(missing_ok=True)
    return LocalServerStatus(False, f"stopped the local model server (pid {pid})", pid, spid)

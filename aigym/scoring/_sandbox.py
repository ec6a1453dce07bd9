"""Run untrusted Python against unit tests inside bubblewrap, with rlimits and a wall clock.

Isolation: bubblewrap (`bwrap`) gives the code its own mount, pid, network, ipc and uts
namespaces: a read-only view of /usr and the Python install, the solution and tests
read-only under /box, a size-capped tmpfs /tmp as the only writable place, a private /proc
and a minimal /dev, no network but its own loopback, and death with its parent.

Why not `bwrap --unshare-user --uid 65534` everywhere: run as root (tests and CI are), bwrap
maps the sandbox uid to host uid 0, and the kernel never applies RLIMIT_NPROC to host uid 0
(measured here: 200 forks under a limit of 20), so a fork bomb would fill the host's pid
table. So there are two modes:

* ``bwrap-setuid`` (caller is root): every namespace except the user namespace, all
  capabilities dropped but CAP_SETUID/CAP_SETGID, and the harness switches to a fresh
  unprivileged host uid (random per run, from 1_900_000_000) before setting rlimits. That
  switch clears every capability; bwrap's no_new_privs and nosuid mounts keep them cleared,
  and the harness refuses to run if any survived. RLIMIT_NPROC then counts this run only.
* ``bwrap-userns`` (caller is not root): `--unshare-all --unshare-user --disable-userns
  --uid 65534 --gid 65534 --cap-drop ALL`; the host uid is the caller's, which the kernel
  does limit, and the harness only sets rlimits.

Limits: RLIMIT_AS, RLIMIT_CPU, RLIMIT_NPROC, RLIMIT_FSIZE (which also caps the captured
output file), RLIMIT_NOFILE, no core files, and a wall clock. The harness runs as the
namespace's pid 1 (`--as-pid-1`) and runs the tests in a forked child (pid 1 ignores
SIGXCPU); on a timeout pid 1 is killed, the kernel kills the rest of the namespace, and bwrap
returns only when it is empty, so a returned call leaves no process behind.

Without a usable bwrap the runner refuses (ScoringError naming the install command) unless
`allow_unsandboxed=True`, which keeps rlimits and the wall clock but isolates nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from aigym.errors import ScoringError, ValidationError
from aigym.scoring._harness import plan

__all__ = [
    "BWRAP_INSTALL_COMMAND",
    "ExecutionResult",
    "SandboxLimits",
    "SandboxMode",
    "TestOutcome",
    "check_sandbox",
    "run_python_tests",
]

BWRAP_INSTALL_COMMAND: Final = "apt-get install -y --no-install-recommends bubblewrap"
SandboxMode = Literal["bwrap-setuid", "bwrap-userns", "unsandboxed"]

_HARNESS: Final = Path(__file__).with_name("_harness.py")
_UID_BASE: Final = 1_900_000_000
_KIB: Final = 1024
_MIB: Final = 1024 * 1024


@dataclass(frozen=True, slots=True)
class SandboxLimits:
    """Per-run limits. The defaults suit small HumanEval/MBPP-sized problems."""

    wall_seconds: float = 10.0
    cpu_seconds: int = 10
    memory_bytes: int = 512 * _MIB
    max_processes: int = 32
    max_file_bytes: int = 1 * _MIB
    max_output_bytes: int = 64 * _KIB
    tmpfs_bytes: int = 16 * _MIB
    max_open_files: int = 64

    def __post_init__(self) -> None:
        if not 0 < self.wall_seconds <= 3600:
            raise ValidationError("wall_seconds", self.wall_seconds, "give 0 < seconds <= 3600")
        for name in ("cpu_seconds", "max_processes", "max_open_files"):
            if getattr(self, name) < 1:
                raise ValidationError(name, getattr(self, name), "must be >= 1")
        if self.memory_bytes < 64 * _MIB:
            raise ValidationError(
                "memory_bytes", self.memory_bytes, "Python needs >= 64 MiB of address space"
            )
        for name in ("max_file_bytes", "max_output_bytes", "tmpfs_bytes"):
            if getattr(self, name) < _KIB:
                raise ValidationError(name, getattr(self, name), "must be >= 1024 bytes")


@dataclass(frozen=True, slots=True)
class TestOutcome:
    name: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    """What one sandboxed test run did. Tests that never reported count as failed."""

    outcomes: tuple[TestOutcome, ...]
    timed_out: bool
    exit_code: int | None
    output: str
    output_truncated: bool
    elapsed_seconds: float
    mode: SandboxMode
    error: str | None = None

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def passed(self) -> int:
        return sum(o.passed for o in self.outcomes)

    @property
    def all_passed(self) -> bool:
        return bool(self.outcomes) and self.passed == self.total


# --------------------------------------------------------------------------- bwrap command


def _python() -> tuple[str, str]:
    """(real interpreter path, real install prefix) of the running Python."""
    return os.path.realpath(sys.executable), os.path.realpath(sys.base_prefix)


def _root_binds(prefix: str, exe: str) -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    exe_dir = os.path.dirname(exe)
    paths = [prefix] if exe_dir.startswith(prefix.rstrip("/") + "/") else [prefix, exe_dir]
    for path in paths:
        if path == "/usr" or path.startswith("/usr/"):
            continue
        parents = list(reversed(Path(path).parents))[1:]  # without "/"
        for parent in parents:  # bwrap would copy a 0700 mode (/root) and lock the uid out
            args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind", path, path]
    return args


def _bwrap_argv(
    bwrap: str, mode: SandboxMode, box: str, limits: SandboxLimits, info_fd: int
) -> list[str]:
    if mode == "bwrap-setuid":
        ns = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
              "--unshare-cgroup-try", "--cap-drop", "ALL", "--cap-add", "CAP_SETUID",
              "--cap-add", "CAP_SETGID"]  # fmt: skip
    else:
        ns = ["--unshare-all", "--unshare-user", "--disable-userns", "--uid", "65534",
              "--gid", "65534", "--cap-drop", "ALL"]  # fmt: skip
    exe, prefix = _python()
    return [
        bwrap,
        *ns,
        "--die-with-parent",
        "--new-session",
        "--as-pid-1",  # the harness is pid 1: bwrap returns only once the namespace is gone
        "--info-fd", str(info_fd),
        "--hostname", "sandbox",
        "--clearenv",
        "--setenv", "PATH", "/usr/bin:/bin",
        "--setenv", "HOME", "/tmp",
        "--setenv", "TMPDIR", "/tmp",
        "--setenv", "LANG", "C.UTF-8",
        "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
        *_root_binds(prefix, exe),
        "--ro-bind", box, "/box",
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", str(limits.tmpfs_bytes), "--perms", "1777", "--tmpfs", "/tmp",
        "--remount-ro", "/",
        "--chdir", "/tmp",
        exe,
    ]  # fmt: skip


_probe_lock = threading.Lock()
_probe_cache: dict[tuple[str, int], tuple[SandboxMode | None, str]] = {}


def check_sandbox(bwrap: str = "bwrap") -> SandboxMode:
    """The sandbox mode usable here, after one real probe run (cached per process).

    Raises ScoringError, naming the install command, when bubblewrap is missing or cannot
    create its namespaces.
    """
    key = (bwrap, os.geteuid())
    with _probe_lock:
        if key not in _probe_cache:
            _probe_cache[key] = _probe(bwrap)
        mode, why = _probe_cache[key]
    if mode is None:
        raise ScoringError(
            f"code execution needs a sandbox and bubblewrap is not usable here ({why}). "
            f"Install it with `{BWRAP_INSTALL_COMMAND}` (Debian/Ubuntu; as root or via sudo); "
            "when not root, unprivileged user namespaces must be enabled "
            "(sysctl kernel.unprivileged_userns_clone=1). Only for code you trust: pass "
            "allow_unsandboxed=True to run it without isolation."
        )
    return mode


def _probe(bwrap: str) -> tuple[SandboxMode | None, str]:
    path = shutil.which(bwrap)
    if path is None:
        return None, f"{bwrap!r} not found on PATH"
    mode: SandboxMode = "bwrap-setuid" if os.geteuid() == 0 else "bwrap-userns"
    with tempfile.TemporaryDirectory(prefix="aigym-probe-") as box:
        os.chmod(box, 0o755)
        r, w = os.pipe()
        try:
            argv = [*_bwrap_argv(path, mode, box, SandboxLimits(), w), "-I", "-c", "pass"]
            done = subprocess.run(argv, pass_fds=(w,), capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, f"{path} failed to start: {e}"
        finally:
            os.close(r)
            os.close(w)
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace").strip()[:300]
        return None, f"{path} exited {done.returncode}: {err}"
    return mode, ""


# --------------------------------------------------------------------------- running


def _namespace_init(info_r: int, monitor: int, timeout: float) -> int | None:
    """A pidfd for the sandbox's pid 1 (the harness), from bwrap's --info-fd, or None.

    On a timeout this pid 1 is what gets killed: the kernel then kills everything in its pid
    namespace, and bwrap (which waits for it under --as-pid-1) reaps it, so no zombie is
    left to the host's init. The pidfd is checked to be a child of our bwrap, so a reused
    pid is never signalled.
    """
    buf = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([info_r], [], [], left)[0]:
            return None
        try:
            chunk = os.read(info_r, 4096)
        except BlockingIOError:
            continue
        if not chunk:
            return None
        buf += chunk
        try:
            pid = int(json.loads(buf)["child-pid"])
            break
        except (ValueError, KeyError, TypeError):
            continue
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        return None
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        ppid = -1
    if ppid != monitor:
        os.close(pidfd)
        return None
    return pidfd


def _killpg(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _finish(proc: subprocess.Popen[bytes], pidfd: int | None, kill: bool) -> None:
    """Reap bwrap once the sandbox's pid namespace is gone, killing it first if `kill`.

    Killing pid 1 (not bwrap) lets bwrap reap it, so no zombie is left to the host's init;
    bwrap's process group is killed only when pid 1 is unknown or bwrap lingers.
    """
    if kill:
        sent = False
        if pidfd is not None:
            with contextlib.suppress(OSError):
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                sent = True
        if not sent:
            _killpg(proc.pid)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - the kernel did not kill in 5 s
        _killpg(proc.pid)
        proc.wait()
    if pidfd is not None:
        os.close(pidfd)


def _parse_results(raw: bytes, names: list[str]) -> tuple[dict[str, TestOutcome], str | None]:
    expected = set(names)
    seen: dict[str, TestOutcome] = {}
    error = None
    for line in raw.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if not isinstance(item, dict):
            continue
        if "error" in item and error is None:
            error = str(item["error"])[:500]
        name = item.get("test")
        if name in expected and name not in seen:
            seen[name] = TestOutcome(
                name, item.get("ok") is True, str(item.get("detail", ""))[:300]
            )
    return seen, error


def run_python_tests(
    code: str,
    tests: str,
    *,
    limits: SandboxLimits | None = None,
    entry_point: str | None = None,
    allow_unsandboxed: bool = False,
    bwrap: str = "bwrap",
) -> ExecutionResult:
    """Run `tests` against `code` (importable as module `solution`) in the sandbox.

    `tests` is assert statements, pytest-style `test_*` functions without fixtures, or a
    HumanEval `check(candidate)` (give `entry_point`). Only the standard library is there.
    """
    limits = limits or SandboxLimits()
    try:
        mode_names = plan(tests, entry_point)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        raise ValidationError("tests", tests, f"tests must be valid Python ({e})") from None
    names = mode_names[1]
    if allow_unsandboxed and shutil.which(bwrap) is None:
        mode: SandboxMode = "unsandboxed"
    else:
        try:
            mode = check_sandbox(bwrap)
        except ScoringError:
            if not allow_unsandboxed:
                raise
            mode = "unsandboxed"
    box = tempfile.mkdtemp(prefix="aigym-box-")
    try:
        os.chmod(box, 0o755)
        for fname, text in (("solution.py", code), ("tests.py", tests)):
            Path(box, fname).write_text(text, encoding="utf-8")
        shutil.copyfile(_HARNESS, Path(box, "_harness.py"))
        for fname in ("solution.py", "tests.py", "_harness.py"):
            os.chmod(Path(box, fname), 0o644)
        return _execute(mode, box, names, limits, entry_point, bwrap)
    finally:
        shutil.rmtree(box, ignore_errors=True)


def _execute(
    mode: SandboxMode,
    box: str,
    names: list[str],
    limits: SandboxLimits,
    entry_point: str | None,
    bwrap: str,
) -> ExecutionResult:
    cfg: dict[str, object] = {
        "cpu_seconds": limits.cpu_seconds,
        "memory_bytes": limits.memory_bytes,
        "max_file_bytes": limits.max_file_bytes,
        "max_open_files": limits.max_open_files,
        "max_processes": limits.max_processes,
        "entry_point": entry_point,
        "box": "/box" if mode != "unsandboxed" else box,
    }
    if mode == "bwrap-setuid":
        uid = _UID_BASE + random.randrange(1 << 20)
        cfg["uid"] = cfg["gid"] = uid
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as results:
        res_fd = results.fileno()
        info_r: int | None = None
        fds: tuple[int, ...] = (res_fd,)
        if mode == "unsandboxed":
            exe = sys.executable
            argv = [exe, "-I", "-B", str(Path(box, "_harness.py"))]
            env = {"PATH": "/usr/bin:/bin", "HOME": box, "LANG": "C.UTF-8"}
        else:
            info_r, info_w = os.pipe()
            os.set_blocking(info_r, False)
            fds = (res_fd, info_w)
            argv = [*_bwrap_argv(bwrap, mode, box, limits, info_w), "-I", "-B", "/box/_harness.py"]
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        argv += [str(res_fd), json.dumps(cfg)]
        start = time.monotonic()
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                pass_fds=fds,
                start_new_session=True,
                cwd=box if mode == "unsandboxed" else None,
                env=env,
            )
        finally:
            if info_r is not None:
                os.close(fds[1])
        pidfd = None
        timed_out = False
        try:
            if info_r is not None:
                pidfd = _namespace_init(info_r, proc.pid, limits.wall_seconds)
            proc.wait(timeout=max(0.0, limits.wall_seconds - (time.monotonic() - start)))
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            _finish(proc, pidfd, kill=timed_out)
            if info_r is not None:
                os.close(info_r)
        if mode == "unsandboxed":  # no pid namespace: kill strays left in the group
            _killpg(proc.pid)
        elapsed = time.monotonic() - start
        results.seek(0)
        seen, error = _parse_results(results.read(4 * _MIB), names)
        size = out.seek(0, os.SEEK_END)
        out.seek(0)
        text = out.read(limits.max_output_bytes).decode("utf-8", errors="replace")
    if timed_out:
        error = error or f"timed out after {limits.wall_seconds:g} s"
    missing = "did not report (timeout, crash or limit)"
    outcomes = tuple(seen.get(n) or TestOutcome(n, False, missing) for n in names)
    return ExecutionResult(
        outcomes=outcomes,
        timed_out=timed_out,
        exit_code=None if timed_out else proc.returncode,
        output=text,
        output_truncated=size > limits.max_output_bytes,
        elapsed_seconds=elapsed,
        mode=mode,
        error=error,
    )

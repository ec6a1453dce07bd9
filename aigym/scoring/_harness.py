"""The test runner that executes untrusted code; it runs inside the sandbox.

Standalone on purpose (stdlib only, no aigym imports): the file is copied into the sandbox
and run as `python -I -B _harness.py RESULT_FD CONFIG_JSON`. In order, it drops to an
unprivileged uid (when started as root inside bwrap), checks no capability survived, sets
rlimits, forks, and the child imports the solution and runs the tests, one JSON line per
test on RESULT_FD, while the parent, the sandbox's pid 1, reaps.

The parent also imports `plan()` from here, so discovery is the same on both sides and the
parent counts only the tests it expected (a solution that prints fake results cannot inflate
its score beyond the planned tests; a sandbox protects the host, not the score's integrity).
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import inspect
import json
import os
import resource
import sys
from typing import Any

__all__ = ["plan"]

_STEP_NAME = "assert line {}"


def plan(tests: str, entry_point: str | None = None) -> tuple[str, list[str]]:
    """(mode, test names) for `tests`: pytest-style `test_*` functions, a HumanEval-style
    `check(candidate)` with an entry point, or top-level assert statements."""
    tree = ast.parse(tests, "tests.py")
    funcs = [
        n.name
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test")
    ]
    if funcs:
        return "functions", list(dict.fromkeys(funcs))
    if entry_point and any(isinstance(n, ast.FunctionDef) and n.name == "check" for n in tree.body):
        return "check", [f"check({entry_point})"]
    return "asserts", [_STEP_NAME.format(n.lineno) for n in tree.body if isinstance(n, ast.Assert)]


def _emit(fd: int, **item: Any) -> None:
    with contextlib.suppress(OSError):
        os.write(fd, (json.dumps(item) + "\n").encode())


def _detail(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"[:300]


def _drop_privileges(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("CapEff:", "CapPrm:")) and int(line.split()[1], 16):
                raise SystemExit("harness: capabilities survived the uid drop; refusing to run")


def _set_limits(cfg: dict[str, int]) -> None:
    cpu = cfg["cpu_seconds"]
    for res, soft, hard in (
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_AS, cfg["memory_bytes"], cfg["memory_bytes"]),
        (resource.RLIMIT_FSIZE, cfg["max_file_bytes"], cfg["max_file_bytes"]),
        (resource.RLIMIT_NOFILE, cfg["max_open_files"], cfg["max_open_files"]),
        (resource.RLIMIT_NPROC, cfg["max_processes"], cfg["max_processes"]),
    ):
        resource.setrlimit(res, (soft, hard))


def _run(fd: int, box: str, entry_point: str | None) -> None:
    with open(os.path.join(box, "tests.py"), encoding="utf-8") as f:
        tests = f.read()
    mode, names = plan(tests, entry_point)
    sys.path.insert(0, box)
    spec = importlib.util.spec_from_file_location("solution", os.path.join(box, "solution.py"))
    assert spec is not None and spec.loader is not None
    solution = importlib.util.module_from_spec(spec)
    sys.modules["solution"] = solution
    try:
        spec.loader.exec_module(solution)
    except BaseException as e:  # any failure of untrusted code is a result
        _emit(fd, error=f"solution failed to load: {_detail(e)}")
        return
    ns: dict[str, Any] = dict(vars(solution))
    ns["__name__"] = "tests"
    tree = ast.parse(tests, "tests.py")
    if mode == "asserts":
        for stmt in tree.body:
            code = compile(ast.Module(body=[stmt], type_ignores=[]), "tests.py", "exec")
            try:
                exec(code, ns)
                ok, detail = True, ""
            except BaseException as e:
                ok, detail = False, _detail(e)
            if isinstance(stmt, ast.Assert):
                _emit(fd, test=_STEP_NAME.format(stmt.lineno), ok=ok, detail=detail)
        return
    try:
        exec(compile(tree, "tests.py", "exec"), ns)
    except BaseException as e:
        _emit(fd, error=f"test module failed to load: {_detail(e)}")
        return
    for name in names:
        try:
            if mode == "check":
                ns["check"](ns[entry_point or ""])
            else:
                fn = ns[name]
                required = [
                    p
                    for p in inspect.signature(fn).parameters.values()
                    if p.default is p.empty
                    and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                ]
                if required:
                    raise TypeError("pytest fixtures are not supported; use plain test functions")
                fn()
            _emit(fd, test=name, ok=True, detail="")
        except BaseException as e:
            _emit(fd, test=name, ok=False, detail=_detail(e))


def _reap_until(child: int) -> int:
    """Act as the namespace's init: reap every orphan until `child` exits; its exit code."""
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            return 1
        if pid == child:
            return (
                os.waitstatus_to_exitcode(status) % 256
                if os.WIFEXITED(status)
                else (128 + os.WTERMSIG(status))
            )


def main() -> None:
    fd = int(sys.argv[1])
    cfg = json.loads(sys.argv[2])
    os.set_inheritable(fd, False)
    if cfg.get("uid") is not None:
        _drop_privileges(int(cfg["uid"]), int(cfg["gid"]))
    _set_limits(cfg)
    # bwrap runs this as pid 1 (--as-pid-1) so that it waits for the whole namespace; pid 1
    # ignores signals such as SIGXCPU, so the tests run in a child and this process reaps.
    child = os.fork()
    if child:
        os._exit(_reap_until(child))
    _run(fd, cfg["box"], cfg.get("entry_point"))
    _emit(fd, done=True)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # output cap hit, or stream closed
            stream.flush()
    os._exit(0)  # skip atexit hooks the solution may have registered


if __name__ == "__main__":
    main()

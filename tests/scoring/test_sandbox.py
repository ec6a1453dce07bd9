"""The sandbox holds against hostile code, and the host is left as it was."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aigym.errors import ScoringError, ValidationError
from aigym.scoring import (
    BWRAP_INSTALL_COMMAND,
    ExecutionResult,
    SandboxLimits,
    SandboxMode,
    run_python_tests,
)
from aigym.scoring._sandbox import _UID_BASE

FAST = SandboxLimits(wall_seconds=1.5, cpu_seconds=1)
MARGIN = 1.0  # seconds past the wall limit for kill, namespace teardown and reaping


def _processes() -> dict[int, tuple[int, str, str, int]]:
    """User-space host processes: pid -> (ppid, command, state, uid).

    Kernel threads (kthreadd, pid 2, and its children) are left out: the kernel starts
    workers to tear network namespaces down, which is not something the sandbox left behind.
    """
    out: dict[int, tuple[int, str, str, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or entry == "2":
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                raw = f.read()
            comm = raw[raw.index(b"(") + 1 : raw.rindex(b")")].decode(errors="replace")
            state, ppid = raw.rsplit(b")", 1)[1].split()[:2]
            if int(ppid) == 2:
                continue
            with open(f"/proc/{entry}/status") as f:
                uid = next(int(line.split()[1]) for line in f if line.startswith("Uid:"))
            out[int(entry)] = (int(ppid), comm, state.decode(), uid)
        except (OSError, ValueError, IndexError, StopIteration):
            pass
    return out


def _left_behind(before: dict[int, tuple[int, str, str, int]]) -> list[str]:
    """New processes the sandbox could have left: our descendants, a sandbox uid, or bwrap
    (alive or a zombie handed to the host's init)."""
    after = _processes()
    mine = {os.getpid()}
    grew = True
    while grew:  # descendants of this test process
        grew = False
        for pid, (ppid, *_rest) in after.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                grew = True
    suspects = []
    for pid, (_ppid, comm, state, uid) in after.items():
        if pid in before or pid == os.getpid():
            continue
        if pid in mine or uid >= _UID_BASE or comm == "bwrap":
            suspects.append(f"{pid} {comm} state={state} uid={uid}")
    return suspects


@pytest.fixture
def host_unchanged(sandbox_mode: SandboxMode, tmp_path: Path) -> Iterator[Path]:
    """A canary outside the sandbox; afterwards: canary intact, no process left behind.

    The process count is compared too, but other people's work shares this machine, so a
    rise is only a failure if the new processes are ones the sandbox could have left.
    """
    canary = tmp_path / "canary.txt"
    canary.write_text("intact")
    before = _processes()
    yield canary
    assert canary.read_text() == "intact"
    after = _processes()
    suspects = _left_behind(before)
    assert not suspects, (len(before), len(after), suspects)
    assert not any(uid >= _UID_BASE for *_x, uid in after.values())


def run(code: str, tests: str = "assert True\n", limits: SandboxLimits = FAST) -> ExecutionResult:
    start = time.monotonic()
    result = run_python_tests(code, tests, limits=limits)
    assert time.monotonic() - start <= limits.wall_seconds + MARGIN
    return result


def test_tests_run_in_all_three_styles(sandbox_mode: SandboxMode) -> None:
    code = "def add(a, b):\n    return a + b\n"
    r = run(code, "assert add(1, 2) == 3\nx = 5\nassert add(x, 1) == 7\n")
    assert [o.passed for o in r.outcomes] == [True, False] and r.mode == sandbox_mode
    r = run(code, "from solution import add\n\ndef test_ok():\n    assert add(2, 2) == 4\n\n"
               "def test_fixture(tmp_path):\n    pass\n")  # fmt: skip
    assert [o.passed for o in r.outcomes] == [True, False]
    assert "fixtures" in r.outcomes[1].detail
    r = run_python_tests(code, "def check(candidate):\n    assert candidate(1, 1) == 2\n",
                         entry_point="add")  # fmt: skip
    assert r.all_passed and r.total == 1


def test_broken_solution_fails_every_test(sandbox_mode: SandboxMode) -> None:
    r = run("def add(a, b) return a + b", "assert add(1, 2) == 3\nassert add(0, 0) == 0\n")
    assert r.passed == 0 and r.total == 2 and "SyntaxError" in (r.error or "")
    with pytest.raises(ValidationError, match="valid Python"):
        run_python_tests("x = 1", "assert (")


def test_infinite_loop_is_stopped(host_unchanged: Path) -> None:
    r = run("while True:\n    pass\n")
    assert r.passed == 0
    assert r.timed_out or r.exit_code != 0


def test_fork_bomb_is_contained(host_unchanged: Path) -> None:
    bomb = (
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    )
    r = run(bomb)
    assert r.passed == 0


def test_process_limit_applies(host_unchanged: Path) -> None:
    code = (
        "import os, time\nkids = 0\nfor _ in range(500):\n    try:\n        pid = os.fork()\n"
        "    except OSError:\n        break\n    if pid == 0:\n        time.sleep(60)\n"
        "        os._exit(0)\n    kids += 1\n"
    )
    r = run(code, "assert kids < 32\n")
    assert r.all_passed, r.outcomes


def test_files_outside_the_sandbox_are_out_of_reach(host_unchanged: Path) -> None:
    canary = host_unchanged
    code = f"""
import os, shutil
errors = []
for attempt in (lambda: os.remove({str(canary)!r}),
                lambda: shutil.rmtree({str(canary.parent)!r}),
                lambda: open({str(canary)!r}, "w").write("pwned"),
                lambda: os.remove("/usr/bin/env"),
                lambda: open("/box/solution.py", "w").write("x")):
    try:
        attempt()
    except OSError as e:
        errors.append(type(e).__name__)
"""
    r = run(code, "assert len(errors) == 5, errors\n")
    assert r.all_passed, r.outcomes
    assert Path("/usr/bin/env").exists()


def test_output_is_capped(host_unchanged: Path) -> None:
    limits = SandboxLimits(wall_seconds=3, cpu_seconds=2, max_output_bytes=4096)
    r = run("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n", limits=limits)
    assert r.output_truncated and len(r.output) <= 4096
    assert r.passed == 0


def test_memory_hog_is_refused(host_unchanged: Path) -> None:
    limits = SandboxLimits(wall_seconds=5, cpu_seconds=4, memory_bytes=128 * 1024 * 1024)
    r = run("blob = bytearray(4 * 1024 ** 3)\n", limits=limits)
    assert r.passed == 0 and "MemoryError" in (r.error or "")
    r = run(
        "chunks = []\nwhile True:\n    chunks.append(bytearray(8 * 1024 ** 2))\n", limits=limits
    )
    assert r.passed == 0


def test_no_network_even_to_host_loopback(host_unchanged: Path) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.setblocking(False)
    port = server.getsockname()[1]
    try:
        code = (
            "import socket\ns = socket.socket()\ns.settimeout(1)\ntry:\n"
            f"    s.connect(('127.0.0.1', {port}))\n    connected = True\n"
            "except OSError:\n    connected = False\n"
        )
        r = run(code, "assert not connected\n")
        assert r.all_passed, r.outcomes
        with pytest.raises(BlockingIOError):
            server.accept()
    finally:
        server.close()


def test_runs_unprivileged_without_capabilities(sandbox_mode: SandboxMode) -> None:
    code = (
        "import os\nuid = os.getuid()\ncaps = [l.split()[1] for l in open('/proc/self/status')\n"
        "        if l.startswith(('CapEff', 'CapPrm'))]\nnnp = [l.split()[1] for l in\n"
        "       open('/proc/self/status') if l.startswith('NoNewPrivs')]\n"
    )
    r = run(code, "assert uid != 0\nassert caps == ['0000000000000000'] * 2\nassert nnp == ['1']\n")
    assert r.all_passed, r.outcomes


def test_refuses_to_run_unsandboxed_unless_allowed(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-bwrap")
    with pytest.raises(ScoringError) as e:
        run_python_tests("x = 1", "assert x == 1\n", bwrap=missing)
    assert BWRAP_INSTALL_COMMAND in str(e.value) and "allow_unsandboxed" in str(e.value)
    r = run_python_tests("x = 1", "assert x == 1\n", bwrap=missing, allow_unsandboxed=True)
    assert r.all_passed and r.mode == "unsandboxed"
    r = run_python_tests("while True: pass", "assert True\n", limits=FAST, bwrap=missing,
                         allow_unsandboxed=True)  # fmt: skip
    assert r.passed == 0

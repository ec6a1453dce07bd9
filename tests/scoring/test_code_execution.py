"""The code_execution scorer, pass@k, and the code heuristic's tests dimension."""

from __future__ import annotations

import math

import pytest

from aigym.errors import ValidationError
from aigym.records import TaskType
from aigym.scoring import (
    CodeExecutionScorer,
    SandboxLimits,
    SandboxMode,
    get_quality_scorer,
    get_scorer,
    pass_at_k,
)

TESTS = "assert fib(0) == 0\nassert fib(1) == 1\nassert fib(10) == 55\nassert fib(20) == 6765\n"
GOOD = """```python
def fib(n: int) -> int:
    \"\"\"n-th Fibonacci number.\"\"\"
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
```"""
OFF_BY_ONE = """def fib(n):
    a, b = 0, 1
    for _ in range(n - 1):
        a, b = b, a + b
    return a
"""
SLOW = "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(40)\n"


@pytest.mark.parametrize(
    ("n", "c", "k"),
    [(10, 3, 1), (10, 3, 5), (20, 0, 5), (5, 5, 5), (200, 13, 10), (7, 6, 2), (1, 1, 1),
     (100, 1, 100)],
)  # fmt: skip
def test_pass_at_k_equals_the_combinatorial_formula(n: int, c: int, k: int) -> None:
    exact = 1.0 - math.comb(n - c, k) / math.comb(n, k)
    assert pass_at_k(n, c, k) == pytest.approx(exact, rel=1e-12, abs=1e-15)


def test_pass_at_k_edge_cases() -> None:
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(10, 0, 10) == 0.0 and pass_at_k(10, 10, 1) == 1.0
    for args in [(5, 1, 0), (5, 1, 6), (5, 6, 1), (5, -1, 1), (5.0, 1, 1)]:
        with pytest.raises(ValidationError):
            pass_at_k(*args)  # type: ignore[arg-type]


def test_scorer_value_is_share_of_tests_passed(sandbox_mode: SandboxMode) -> None:
    ex = get_scorer("code_execution")
    good = ex(GOOD, {"tests": TESTS})
    assert good.value == 100.0 and good.scorer == "code_execution"
    bad = ex(OFF_BY_ONE, {"tests": TESTS})
    assert bad.value == 25.0  # only fib(1) == 1 holds
    assert "1/4 tests passed" in (bad.explanation or "")
    assert ex(GOOD, {}).value is None
    assert ex(GOOD, {"tests": "x = 1\n"}).value is None  # no assert, no test_*


def test_slow_solution_times_out(sandbox_mode: SandboxMode) -> None:
    ex = CodeExecutionScorer(SandboxLimits(wall_seconds=1.0, cpu_seconds=1))
    s = ex(SLOW, {"tests": TESTS})
    assert s.value == 0.0


def test_pass_at_k_over_samples(sandbox_mode: SandboxMode) -> None:
    ex = CodeExecutionScorer()
    samples = [GOOD, OFF_BY_ONE, GOOD]
    assert ex.pass_at_k(samples, {"tests": TESTS}, k=1) == pytest.approx(2 / 3)
    assert ex.pass_at_k(samples, {"tests": TESTS}, k=2) == 1.0


def test_code_generation_includes_tests_when_given(sandbox_mode: SandboxMode) -> None:
    q = get_quality_scorer()
    with_tests = q.score_with_dimensions(TaskType.CODE_GENERATION, OFF_BY_ONE, {"tests": TESTS})
    assert with_tests.dimensions["tests"] == 25.0
    good = q.score_with_dimensions(TaskType.CODE_GENERATION, GOOD, {"tests": TESTS})
    assert good.value == 100.0
    assert with_tests.value < good.value  # type: ignore[operator]

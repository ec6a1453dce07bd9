"""Code-execution scorer: the share of unit tests a generated solution passes, and pass@k."""

from __future__ import annotations

import math
from collections.abc import Sequence

from aigym.errors import ValidationError
from aigym.scoring._registry import Context, scorer
from aigym.scoring._sandbox import ExecutionResult, SandboxLimits, run_python_tests
from aigym.scoring._score import Score
from aigym.scoring._text import extract_code

__all__ = ["CodeExecutionScorer", "pass_at_k"]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from n samples of which c are correct (Chen et al. 2021, Codex).

    1 - C(n-c, k) / C(n, k), computed as a product so that large n neither overflows nor
    loses precision.
    """
    for name, v in (("n", n), ("c", c), ("k", k)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValidationError(name, v, "give a whole number")
    if not 1 <= k <= n:
        raise ValidationError("k", k, f"need 1 <= k <= n (n={n}); draw at least k samples")
    if not 0 <= c <= n:
        raise ValidationError("c", c, f"need 0 <= c <= n (n={n})")
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


@scorer("code_execution", "1")
class CodeExecutionScorer:
    """Runs the output (fenced ```python blocks, or the whole text) against
    `context['tests']` in the bubblewrap sandbox; value = 100 x passed / tests.

    `context['entry_point']` names the function for HumanEval-style `check(candidate)` tests.
    Unscored when the context has no tests. Raises ScoringError (with the install command)
    when bubblewrap is unusable, unless `allow_unsandboxed=True` (trusted code only).
    """

    name: str
    version: str

    def __init__(
        self,
        limits: SandboxLimits | None = None,
        *,
        allow_unsandboxed: bool = False,
        bwrap: str = "bwrap",
    ) -> None:
        self.limits = limits or SandboxLimits()
        self.allow_unsandboxed = allow_unsandboxed
        self.bwrap = bwrap

    def run(self, output: str, tests: str, entry_point: str | None = None) -> ExecutionResult:
        """The full sandbox result for one output (outcomes, captured output, timing)."""
        return run_python_tests(
            extract_code(output),
            tests,
            limits=self.limits,
            entry_point=entry_point,
            allow_unsandboxed=self.allow_unsandboxed,
            bwrap=self.bwrap,
        )

    def __call__(self, output: str, context: Context | None = None) -> Score:
        ctx = context or {}
        tests = ctx.get("tests")
        if not isinstance(tests, str) or not tests.strip():
            return Score.unscored("no unit tests in context['tests']")
        result = self.run(output, tests, ctx.get("entry_point"))
        if result.total == 0:
            return Score.unscored("context['tests'] holds no asserts or test_* functions")
        value = 100.0 * result.passed / result.total
        failed = [o for o in result.outcomes if not o.passed]
        note = f"{result.passed}/{result.total} tests passed"
        if result.error:
            note += f"; {result.error}"
        if failed:
            note += "; first failure: " + f"{failed[0].name}: {failed[0].detail}"[:200]
        return Score(value, {"tests_passed": value}, note)

    def pass_at_k(self, outputs: Sequence[str], context: Context, k: int) -> float:
        """pass@k over `outputs`, n samples for one problem; a sample counts if all tests pass."""
        tests = context.get("tests")
        if not isinstance(tests, str) or not tests.strip():
            raise ValidationError("context['tests']", tests, "give the unit tests as a string")
        n = len(outputs)
        c = sum(self.run(o, tests, context.get("entry_point")).all_passed for o in outputs)
        return pass_at_k(n, c, k)

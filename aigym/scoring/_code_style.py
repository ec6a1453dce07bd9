"""Code-generation heuristic: does it parse, is it documented, does it avoid known traps?"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from aigym.scoring import _execution  # noqa: F401 - registers "code_execution"
from aigym.scoring._registry import Context, get_scorer, scorer
from aigym.scoring._score import Score, weighted_score
from aigym.scoring._text import extract_code

__all__ = ["CODE_WEIGHTS", "code_generation", "find_anti_patterns"]

CODE_WEIGHTS: Final[Mapping[str, float]] = MappingProxyType(
    {"syntax": 0.20, "documentation": 0.125, "best_practices": 0.175, "tests": 0.50}
)
"""syntax 0.20, documentation 0.125, best_practices 0.175, tests 0.50; without tests the
first three renormalise to 0.40 / 0.25 / 0.35."""

_MUTABLE_DEFAULTS: Final = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
_MUTABLE_CALLS: Final = frozenset({"list", "dict", "set", "defaultdict", "bytearray"})
_DANGEROUS_CALLS: Final = frozenset({"eval", "exec"})
_SHELL_CALLS: Final = frozenset({"run", "call", "check_call", "check_output", "Popen"})
_ANTI_PATTERN_PENALTY: Final = 20.0
_SCOPES: Final = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _call_name(node: ast.Call) -> str:
    f = node.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return ""


def find_anti_patterns(tree: ast.AST) -> list[str]:
    """Known traps in `tree`, one entry per occurrence, e.g. 'bare except (line 4)'."""
    return _analyse(tree)[0]


_Def = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _analyse(tree: ast.AST) -> tuple[list[str], list[_Def]]:
    """(anti-patterns, function and class definitions) in one walk over the tree."""
    found: list[str] = []
    defs: list[_Def] = []
    for node in ast.walk(tree):
        kind = type(node)
        if kind is ast.Call:
            assert isinstance(node, ast.Call)
            name = _call_name(node)
            if name in _DANGEROUS_CALLS and isinstance(node.func, ast.Name):
                found.append(f"{name}() (line {node.lineno})")
            elif name == "system" and isinstance(node.func, ast.Attribute):
                found.append(f"os.system() (line {node.lineno})")
            elif name in _SHELL_CALLS and any(
                k.arg == "shell" and isinstance(k.value, ast.Constant) and k.value.value is True
                for k in node.keywords
            ):
                found.append(f"shell=True (line {node.lineno})")
        elif kind is ast.Compare:
            assert isinstance(node, ast.Compare)
            for op, right in zip(node.ops, node.comparators, strict=False):
                if (
                    isinstance(op, (ast.Eq, ast.NotEq))
                    and isinstance(right, ast.Constant)
                    and right.value is None
                ):
                    found.append(f"== None instead of 'is None' (line {node.lineno})")
        elif kind in _SCOPES:  # a tuple of exact node types
            assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if not isinstance(node, ast.Lambda):
                defs.append(node)
            for d in [*node.args.defaults, *node.args.kw_defaults]:
                if isinstance(d, _MUTABLE_DEFAULTS) or (
                    isinstance(d, ast.Call) and _call_name(d) in _MUTABLE_CALLS
                ):
                    found.append(f"mutable default argument (line {node.lineno})")
        elif kind is ast.ClassDef:
            assert isinstance(node, ast.ClassDef)
            defs.append(node)
        elif kind is ast.ExceptHandler:
            assert isinstance(node, ast.ExceptHandler)
            if node.type is None:
                found.append(f"bare except (line {node.lineno})")
            elif (
                isinstance(node.type, ast.Name)
                and node.type.id in ("Exception", "BaseException")
                and all(isinstance(s, ast.Pass) for s in node.body)
            ):
                found.append(f"swallowed {node.type.id} (line {node.lineno})")
        elif kind is ast.ImportFrom:
            assert isinstance(node, ast.ImportFrom)
            if any(a.name == "*" for a in node.names):
                found.append(f"wildcard import (line {node.lineno})")
        elif kind is ast.Global:
            assert isinstance(node, ast.Global)
            found.append(f"global statement (line {node.lineno})")
    return found, defs


def _documentation(tree: ast.Module, code: str, defs: list[_Def]) -> float:
    if not defs:
        return 100.0 if ast.get_docstring(tree) or "#" in code else 50.0
    documented = sum(ast.get_docstring(n) is not None for n in defs)
    funcs = [n for n in defs if not isinstance(n, ast.ClassDef)]
    if funcs:
        annotated = sum(
            n.returns is not None
            or any(a.annotation is not None for a in n.args.args if a.arg not in ("self", "cls"))
            for n in funcs
        )
        return 70.0 * documented / len(defs) + 30.0 * annotated / len(funcs)
    return 100.0 * documented / len(defs)


@scorer("code_generation", "1")
def code_generation(output: str, context: Context | None) -> Score:
    """Static quality of generated Python, plus its unit tests when the context has them.

    Weights (`CODE_WEIGHTS`): syntax 0.20, documentation 0.125, best_practices 0.175,
    tests 0.50; without `context['tests']` the first three renormalise to 0.40/0.25/0.35.
    Code inside ```python fences is scored, else the whole output. syntax is 100 if `ast`
    parses it; a syntax error zeroes every dimension. documentation is 70% docstrings on
    functions and classes, 30% annotated functions. best_practices loses 20 per anti-pattern
    (`find_anti_patterns`). tests runs the `code_execution` scorer (the sandbox).
    Unscored when `context['language']` names a language other than Python.
    """
    ctx = context or {}
    language = str(ctx.get("language", "python")).lower()
    if language not in ("python", "py", "python3"):
        return Score.unscored(f"code heuristics only read Python, not {language!r}")
    code = extract_code(output)
    if not code.strip():
        return Score(0.0, dict.fromkeys(("syntax", "documentation", "best_practices"), 0.0),
                     "empty output")  # fmt: skip
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        zero = dict.fromkeys(("syntax", "documentation", "best_practices"), 0.0)
        return Score(0.0, zero, f"does not parse: {e}"[:200])
    issues, defs = _analyse(tree)
    dims = {
        "syntax": 100.0,
        "documentation": _documentation(tree, code, defs),
        "best_practices": max(0.0, 100.0 - _ANTI_PATTERN_PENALTY * len(issues)),
    }
    notes = [f"anti-patterns: {', '.join(issues[:5])}"] if issues else []
    tests = ctx.get("tests")
    if isinstance(tests, str) and tests.strip():
        result = get_scorer("code_execution")(output, ctx)
        if result.value is not None:
            dims["tests"] = result.value
        notes.append(result.explanation or result.unscored_reason or "")
    return weighted_score(dims, CODE_WEIGHTS, explanation="; ".join(notes) or "clean")

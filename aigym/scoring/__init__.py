"""Quality scoring: task heuristics, reference scorers and sandboxed code execution.

Every scorer is a registered, versioned callable `(output, context) -> Score`; a `Score`
holds a 0-100 value with named 0-100 dimensions, or says it is unscored (`value is None`),
which aggregations skip. `get_quality_scorer().score(task_type, output, context)` picks a
task's primary scorer (the spec's API, synchronous).

Scorers by name (see `list_scorers()`):

* task heuristics: website_analysis, email_writing, code_generation, conversation,
  lead_scoring, generic (the fallback for any other task type);
* reference-based (answer in `context['reference']`): exact_match, normalized_match,
  numeric_match, multiple_choice, token_f1, regex_match (`context['pattern']`),
  json_schema (`context['schema']`);
* code_execution: runs `context['tests']` against the output in a bubblewrap sandbox.
"""

from aigym.scoring._code_style import CODE_WEIGHTS, find_anti_patterns
from aigym.scoring._dialogue import CONVERSATION_WEIGHTS, GENERIC_WEIGHTS
from aigym.scoring._email import EMAIL_WEIGHTS
from aigym.scoring._execution import CodeExecutionScorer, pass_at_k
from aigym.scoring._jsonschema import validate_json_schema
from aigym.scoring._lead import LEAD_WEIGHTS
from aigym.scoring._quality import (
    DEFAULT_PRIMARY_SCORERS,
    QualityScorer,
    get_quality_scorer,
    primary_scorers,
    set_primary_scorer,
)
from aigym.scoring._reference import extract_choice, extract_last_number, normalize_answer
from aigym.scoring._registry import Context, Scorer, get_scorer, list_scorers, scorer
from aigym.scoring._sandbox import (
    BWRAP_INSTALL_COMMAND,
    ExecutionResult,
    SandboxLimits,
    SandboxMode,
    TestOutcome,
    check_sandbox,
    run_python_tests,
)
from aigym.scoring._score import Score, mean_score, weighted_score
from aigym.scoring._website import WEBSITE_INSIGHTS, WEBSITE_WEIGHTS

__all__ = [
    "BWRAP_INSTALL_COMMAND",
    "CODE_WEIGHTS",
    "CONVERSATION_WEIGHTS",
    "DEFAULT_PRIMARY_SCORERS",
    "EMAIL_WEIGHTS",
    "GENERIC_WEIGHTS",
    "LEAD_WEIGHTS",
    "WEBSITE_INSIGHTS",
    "WEBSITE_WEIGHTS",
    "CodeExecutionScorer",
    "Context",
    "ExecutionResult",
    "QualityScorer",
    "SandboxLimits",
    "SandboxMode",
    "Score",
    "Scorer",
    "TestOutcome",
    "check_sandbox",
    "extract_choice",
    "extract_last_number",
    "find_anti_patterns",
    "get_quality_scorer",
    "get_scorer",
    "list_scorers",
    "mean_score",
    "normalize_answer",
    "pass_at_k",
    "primary_scorers",
    "run_python_tests",
    "scorer",
    "set_primary_scorer",
    "validate_json_schema",
    "weighted_score",
]

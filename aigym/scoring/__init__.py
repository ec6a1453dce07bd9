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
* code_execution: runs `context['tests']` against the output in a bubblewrap sandbox;
* LLM judges: llm_judge (1-10 rubric mapped to 0-100) and llm_judge_pairwise (against
  `context['baseline']`, both answer orders), through any provider (`LLMJudge`).

Scores are data: `rescore(store, campaign=...)` appends score rows (never rewriting
executions) and `latest_scores(store, scorer)` reads the latest row per execution.
`calibrate(scores, outcome)` measures whether a score predicts an outcome (correlations with
intervals, AUC, calibration curve, fitted mapping).
"""

from aigym.scoring._calibrate import (
    AUCResult,
    CalibrationBin,
    CalibrationResult,
    Correlation,
    ScoreMapping,
    auc_delong,
    calibrate,
    correlation,
    isotonic_fit,
)
from aigym.scoring._code_style import CODE_WEIGHTS, find_anti_patterns
from aigym.scoring._dialogue import CONVERSATION_WEIGHTS, GENERIC_WEIGHTS
from aigym.scoring._email import EMAIL_WEIGHTS
from aigym.scoring._execution import CodeExecutionScorer, pass_at_k
from aigym.scoring._jsonschema import validate_json_schema
from aigym.scoring._judge import (
    JUDGE_PROMPT_VERSION,
    JUDGE_VERSION,
    LLMJudge,
    PairwiseJudge,
    PairwiseVerdict,
    Verdict,
    combine_orders,
    get_default_judge,
    parse_rating,
    parse_verdict,
    rating_to_score,
    set_default_judge,
    verdict_score,
)
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
from aigym.scoring._rescore import (
    CONTEXT_KEYS,
    LATEST_SCORE_COLUMNS,
    context_from_metadata,
    latest_scores,
    record_scores,
    rescore,
    score_record,
)
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
    "CONTEXT_KEYS",
    "CONVERSATION_WEIGHTS",
    "DEFAULT_PRIMARY_SCORERS",
    "EMAIL_WEIGHTS",
    "GENERIC_WEIGHTS",
    "JUDGE_PROMPT_VERSION",
    "JUDGE_VERSION",
    "LATEST_SCORE_COLUMNS",
    "LEAD_WEIGHTS",
    "WEBSITE_INSIGHTS",
    "WEBSITE_WEIGHTS",
    "AUCResult",
    "CalibrationBin",
    "CalibrationResult",
    "CodeExecutionScorer",
    "Context",
    "Correlation",
    "ExecutionResult",
    "LLMJudge",
    "PairwiseJudge",
    "PairwiseVerdict",
    "QualityScorer",
    "SandboxLimits",
    "SandboxMode",
    "Score",
    "ScoreMapping",
    "Scorer",
    "TestOutcome",
    "Verdict",
    "auc_delong",
    "calibrate",
    "check_sandbox",
    "combine_orders",
    "context_from_metadata",
    "correlation",
    "extract_choice",
    "extract_last_number",
    "find_anti_patterns",
    "get_default_judge",
    "get_quality_scorer",
    "get_scorer",
    "isotonic_fit",
    "latest_scores",
    "list_scorers",
    "mean_score",
    "normalize_answer",
    "parse_rating",
    "parse_verdict",
    "pass_at_k",
    "primary_scorers",
    "rating_to_score",
    "record_scores",
    "rescore",
    "run_python_tests",
    "score_record",
    "scorer",
    "set_default_judge",
    "set_primary_scorer",
    "validate_json_schema",
    "verdict_score",
    "weighted_score",
]

"""`get_quality_scorer()`: the spec's task-aware entry point over the scorer registry.

Each task type has a primary scorer; `set_primary_scorer` changes the mapping, and task
types without one (user-defined tasks) fall back to the `generic` scorer. Synchronous on
purpose: heuristics take microseconds, and a library used from notebooks should not force
an event loop (the spec awaited these calls).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Final

from aigym.errors import ValidationError
from aigym.records import TaskType
from aigym.scoring._registry import Context, Scorer, get_scorer
from aigym.scoring._score import Score

__all__ = [
    "DEFAULT_PRIMARY_SCORERS",
    "QualityScorer",
    "get_quality_scorer",
    "primary_scorers",
    "set_primary_scorer",
]

DEFAULT_PRIMARY_SCORERS: Final[Mapping[str, str]] = {
    TaskType.WEBSITE_ANALYSIS: "website_analysis",
    TaskType.EMAIL_WRITING: "email_writing",
    TaskType.CODE_GENERATION: "code_generation",
    TaskType.CONVERSATION: "conversation",
    TaskType.LEAD_SCORING: "lead_scoring",
    TaskType.GENERIC: "generic",
}
_FALLBACK: Final = "generic"

_lock = threading.Lock()
_primary: dict[str, str] = dict(DEFAULT_PRIMARY_SCORERS)


def set_primary_scorer(task_type: str, name: str | None) -> None:
    """Score `task_type` with the registered scorer `name`; None restores the default."""
    task = TaskType(task_type)
    with _lock:
        if name is None:
            default = DEFAULT_PRIMARY_SCORERS.get(task)
            if default is None:
                _primary.pop(task, None)
            else:
                _primary[task] = default
            return
        get_scorer(name)  # fail now, with suggestions, rather than at the first score()
        _primary[task] = name


def primary_scorers() -> dict[str, str]:
    """Task type -> primary scorer name, as currently configured."""
    return dict(sorted(_primary.items()))


class QualityScorer:
    """Scores an output with the primary scorer of its task type."""

    __slots__ = ()

    def scorer_for(self, task_type: str) -> Scorer:
        """The scorer that `score` uses for `task_type` (the generic one for unknown tasks)."""
        task = TaskType(task_type)
        return get_scorer(_primary.get(task, _FALLBACK))

    def score(self, task_type: str, output: str, context: Context | None = None) -> float | None:
        """The 0-100 quality of `output`, or None when its scorer cannot judge it.

        Record this as `TaskMetrics.quality_score`; None is stored as unscored, never as 0.
        """
        return self.score_with_dimensions(task_type, output, context).value

    def score_with_dimensions(
        self, task_type: str, output: str, context: Context | None = None
    ) -> Score:
        """The full `Score`: value, named dimensions, explanation, scorer name and version."""
        if not isinstance(output, str):
            raise ValidationError("output", output, "pass the model's text output as a str")
        if context is not None and not isinstance(context, Mapping):
            raise ValidationError("context", context, "pass a dict such as {'prompt': ...}")
        return self.scorer_for(task_type)(output, context)


_SCORER: Final = QualityScorer()


def get_quality_scorer() -> QualityScorer:
    """The process-wide quality scorer (the spec's singleton accessor)."""
    return _SCORER

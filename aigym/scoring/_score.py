"""`Score`: one scorer's verdict on one output, or an explicit "unscored".

A scorer that cannot judge an output (no reference given, no tests to run) returns
`Score.unscored(reason)` with `value is None`. Aggregations skip such scores: counting them
as zero would punish a model for the scorer's blind spot.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from aigym.errors import ValidationError
from aigym.records import ScoreRecord

__all__ = ["Score", "mean_score", "weighted_score"]

_NO_DIMS: Mapping[str, float] = MappingProxyType({})


def _check(name: str, v: float) -> float:
    # NaN fails both comparisons, so one test catches NaN, inf and out-of-range values.
    if not 0.0 <= v <= 100.0:
        raise ValidationError(name, v, "scores are on a 0-100 scale; clamp or rescale the value")
    return float(v)


@dataclass(frozen=True, slots=True)
class Score:
    """A 0-100 quality value with named 0-100 dimensions; `value is None` means unscored.

    `judge_model` names the model that judged (LLM judges only); `to_record` stores it.
    """

    value: float | None
    dimensions: Mapping[str, float] = field(default_factory=lambda: _NO_DIMS)
    explanation: str | None = None
    scorer: str = ""
    version: str = ""
    unscored_reason: str | None = None
    judge_model: str | None = None

    def __post_init__(self) -> None:
        if self.value is None:
            if not self.unscored_reason:
                raise ValidationError(
                    "unscored_reason", None, "an unscored result must say why: Score.unscored(why)"
                )
        else:
            object.__setattr__(self, "value", _check("value", self.value))
        dims = self.dimensions
        if dims is not _NO_DIMS:
            checked = {str(k): _check(f"dimensions[{k!r}]", v) for k, v in dims.items()}
            object.__setattr__(self, "dimensions", MappingProxyType(checked))

    @classmethod
    def unscored(
        cls, reason: str, *, scorer: str = "", version: str = "", judge_model: str | None = None
    ) -> Score:
        """A result that says "cannot judge this", which aggregations skip."""
        return cls(
            None, scorer=scorer, version=version, unscored_reason=reason, judge_model=judge_model
        )

    @property
    def is_scored(self) -> bool:
        return self.value is not None

    def to_record(
        self, execution_id: str, *, judge_model: str | None = None, metadata: Any = None
    ) -> ScoreRecord:
        """The append-only `ScoreRecord` row the store keeps for this score (`judge_model`
        defaults to the score's own)."""
        return ScoreRecord.create(
            execution_id,
            self.scorer or "unnamed",
            self.version or "0",
            self.value,
            dimensions=dict(self.dimensions),
            explanation=self.explanation,
            unscored_reason=self.unscored_reason,
            judge_model=self.judge_model if judge_model is None else judge_model,
            metadata=metadata,
        )


def stamped(score: Score, scorer: str, version: str) -> Score:
    """`score` labelled with a scorer's name and version (no re-validation: it was valid)."""
    if score.scorer == scorer and score.version == version:
        return score
    out = object.__new__(Score)
    for name, v in (
        ("value", score.value),
        ("dimensions", score.dimensions),
        ("explanation", score.explanation),
        ("scorer", scorer),
        ("version", version),
        ("unscored_reason", score.unscored_reason),
        ("judge_model", score.judge_model),
    ):
        object.__setattr__(out, name, v)
    return out


def trusted_score(value: float, dimensions: dict[str, float], scorer: str, version: str) -> Score:
    """A stamped Score without re-validation, for hot paths whose values are in range by
    construction (e.g. 100 x an F1). Internal: a wrong value here would bypass the checks."""
    out = object.__new__(Score)
    for name, v in (
        ("value", value),
        ("dimensions", MappingProxyType(dimensions)),
        ("explanation", None),
        ("scorer", scorer),
        ("version", version),
        ("unscored_reason", None),
        ("judge_model", None),
    ):
        object.__setattr__(out, name, v)
    return out


def weighted_score(
    dimensions: Mapping[str, float],
    weights: Mapping[str, float],
    *,
    explanation: str | None = None,
    scorer: str = "",
    version: str = "",
) -> Score:
    """Combine dimensions with weights; weights of absent dimensions are spread over the rest.

    Heuristics leave out a dimension they cannot assess (e.g. relevance without a prompt)
    rather than guessing it, so the remaining weights are renormalised.
    """
    total = 0.0
    wsum = 0.0
    for name, v in dimensions.items():
        w = weights.get(name, 0.0)
        total += w * v
        wsum += w
    if wsum <= 0.0:
        return Score.unscored(
            "no weighted dimension could be assessed", scorer=scorer, version=version
        )
    value = min(100.0, max(0.0, total / wsum))
    return Score(
        round(value, 4),
        {k: round(v, 4) for k, v in dimensions.items()},
        explanation,
        scorer,
        version,
    )


def mean_score(scores: Iterable[Score | float | None]) -> float | None:
    """Mean of the scored values; unscored results are skipped, None if nothing was scored."""
    total = 0.0
    n = 0
    for s in scores:
        v = s.value if isinstance(s, Score) else s
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        total += v
        n += 1
    return total / n if n else None

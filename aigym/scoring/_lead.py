"""Lead-scoring heuristic: a valid score in range, backed by a rationale."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from aigym.scoring._registry import Context, scorer
from aigym.scoring._score import Score, weighted_score
from aigym.scoring._text import Phrases, extract_json, padded, ramp, split_words

__all__ = ["LEAD_WEIGHTS", "lead_scoring"]

LEAD_WEIGHTS: Final[Mapping[str, float]] = MappingProxyType(
    {"valid_score": 0.40, "rationale": 0.35, "accuracy": 0.25}
)
"""valid_score 0.40, rationale 0.35, accuracy 0.25 (accuracy only with an expected score)."""

_SCORE_KEYS: Final = ("score", "lead_score", "rating", "quality_score", "qualification_score")
_RATIONALE_KEYS: Final = ("rationale", "reasoning", "reason", "reasons", "explanation",
                          "justification", "analysis", "notes", "factors")  # fmt: skip
_SCORE_TEXT_RE: Final = re.compile(
    r"\b(?:lead\s+)?(?:score|rating)\b[^0-9\n-]{0,20}(-?\d+(?:\.\d+)?)(?:\s*(?:/|out of)\s*(\d+))?",
    re.I,
)
_FACTORS: Final = Phrases(
    "budget", "revenue", "employee*", "company size", "size", "industry", "engage*", "title",
    "role", "decision maker*", "need*", "pain", "timeline", "timing", "fit", "intent",
    "funding", "growth", "authority", "visit*", "download*", "demo", "pricing page", "icp",
)  # fmt: skip


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, str):
        try:
            f = float(v.strip().rstrip("%"))
        except ValueError:
            return None
        return f if math.isfinite(f) else None
    return None


def _extract(text: str) -> tuple[float | None, str]:
    """(score, rationale text) from a JSON object or from prose such as 'Score: 82/100'."""
    data, ok = extract_json(text)
    if ok and isinstance(data, dict):
        lowered = {str(k).lower(): v for k, v in data.items()}
        value = next((_number(lowered[k]) for k in _SCORE_KEYS if k in lowered), None)
        parts = [lowered[k] for k in _RATIONALE_KEYS if k in lowered]
        rationale = " ".join(
            " ".join(map(str, p)) if isinstance(p, (list, tuple)) else str(p) for p in parts
        )
        return value, rationale
    m = _SCORE_TEXT_RE.search(text)
    if m is None:
        return None, text
    value = float(m.group(1))
    if m.group(2) and float(m.group(2)) not in (0.0, 100.0):
        value = value * 100.0 / float(m.group(2))  # "8/10" -> 80
    return value, text[: m.start()] + text[m.end() :]


@scorer("lead_scoring", "1")
def lead_scoring(output: str, context: Context | None) -> Score:
    """A lead score: present and in range, explained, and (if known) close to the truth.

    Weights (`LEAD_WEIGHTS`): valid_score 0.40, rationale 0.35, accuracy 0.25. The score is
    read from JSON (score, lead_score, rating...) or prose ('Score: 82/100'; 'x/10' is
    rescaled to 100). valid_score is 100 in `context['score_range']` (default 0-100), 20 out
    of range, 0 if absent. rationale ramps with length (full at 25 words) and mentions of
    qualification factors (budget, role, timeline...). accuracy, only when
    `context['expected_score']` is given, loses 2 points per point of error (out of 100).
    """
    ctx = context or {}
    text = output.strip()
    if not text:
        return Score(0.0, {"valid_score": 0.0, "rationale": 0.0}, "empty output")
    lo, hi = 0.0, 100.0
    rng = ctx.get("score_range")
    if isinstance(rng, (list, tuple)) and len(rng) == 2:
        lo, hi = float(rng[0]), float(rng[1])
    value, rationale = _extract(text)
    notes: list[str] = []
    if value is None:
        valid = 0.0
        notes.append("no score found")
    elif lo <= value <= hi:
        valid = 100.0
    else:
        valid = 20.0
        notes.append(f"score {value:g} outside {lo:g}-{hi:g}")
    rationale_words = split_words(rationale)
    n_words = len(rationale_words)
    factors = _FACTORS.found(padded(rationale_words))
    reason = 0.7 * ramp(n_words, 3, 25) + 0.3 * ramp(len(factors), 0, 3)
    if n_words < 5:
        notes.append("no rationale")
    dims = {"valid_score": valid, "rationale": reason}
    expected = _number(ctx.get("expected_score"))
    if expected is not None:
        if value is None:
            dims["accuracy"] = 0.0
        else:
            err = abs(value - expected) * 100.0 / (hi - lo if hi > lo else 100.0)
            dims["accuracy"] = max(0.0, 100.0 - 2.0 * err)
    return weighted_score(dims, LEAD_WEIGHTS, explanation="; ".join(notes) or "valid score")

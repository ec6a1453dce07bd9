"""Input checks shared by the stats modules.

Wrong input (a negative count, a NaN, an impossible sum) raises `ValidationError`; data that
is merely too thin to analyse never does: the analyses report a status code instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from aigym.errors import ValidationError

Alternative = Literal["two-sided", "greater", "less"]
ALTERNATIVES: tuple[Alternative, ...] = ("two-sided", "greater", "less")

FloatArray = npt.NDArray[np.float64]


def check_count(field: str, value: object) -> int:
    """A non-negative integer count (bools and floats with a fraction are refused)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        if isinstance(value, float | np.floating) and float(value).is_integer() and value >= 0:
            return int(value)
        raise ValidationError(field, value, "pass a non-negative whole number of units")
    if value < 0:
        raise ValidationError(field, value, "pass a non-negative whole number of units")
    return int(value)


def check_finite(field: str, value: object) -> float:
    """A finite real number."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValidationError(field, value, "pass a finite real number")
    out = float(value)
    if not math.isfinite(out):
        raise ValidationError(field, value, "pass a finite number; drop or impute NaN/inf first")
    return out


def check_probability(field: str, value: object, *, open_interval: bool = True) -> float:
    """A probability, strictly inside (0, 1) unless `open_interval` is false."""
    out = check_finite(field, value)
    ok = 0.0 < out < 1.0 if open_interval else 0.0 <= out <= 1.0
    if not ok:
        bounds = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        raise ValidationError(field, value, f"pass a value {bounds}, e.g. 0.95")
    return out


def check_alternative(value: object) -> Alternative:
    """One of "two-sided", "greater" (B - A > 0) or "less" (B - A < 0)."""
    for alt in ALTERNATIVES:
        if value == alt:
            return alt
    raise ValidationError("alternative", value, "use 'two-sided', 'greater' or 'less'")


def as_values(field: str, values: npt.ArrayLike | Sequence[float]) -> FloatArray:
    """A finite 1-D float array (empty is allowed: the analyses report insufficient data)."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValidationError(field, values, "pass a 1-D sequence of numbers") from exc
    if arr.ndim != 1:
        raise ValidationError(field, f"array of shape {arr.shape}", "pass a 1-D sequence")
    if not np.all(np.isfinite(arr)):
        raise ValidationError(
            field, "array with NaN or inf", "drop or impute missing values before the analysis"
        )
    return arr

"""Display helpers: never print a p-value as an exact zero."""

from __future__ import annotations

import math

_FLOOR = 1e-4


def format_p_value(p_value: float) -> str:
    """ "< 0.0001" below 1e-4 (tiny p-values underflow to 0.0), else four decimals; "n/a" for NaN.

    A p-value is never exactly 0, and digits past the fourth carry no decision value.
    """
    if math.isnan(p_value):
        return "n/a"
    if p_value < _FLOOR:
        return "< 0.0001"
    return f"{min(p_value, 1.0):.4f}"


def format_interval(interval: tuple[float, float], digits: int = 4) -> str:
    """ "[low, high]" with `digits` significant digits and "-inf" / "inf" for open ends."""

    def one(x: float) -> str:
        if math.isnan(x):
            return "n/a"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return f"{x:.{digits}g}"

    return f"[{one(interval[0])}, {one(interval[1])}]"

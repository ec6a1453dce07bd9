"""Tolerances for comparing our numbers with scipy / statsmodels."""

from __future__ import annotations

import math

RTOL = 1e-6


def close(ours: float, ref: float, rtol: float = RTOL) -> bool:
    """Relative closeness; infinities must match exactly."""
    ours, ref = float(ours), float(ref)
    if math.isinf(ref) or math.isinf(ours):
        return ours == ref
    return math.isclose(ours, ref, rel_tol=rtol, abs_tol=1e-300)


def assert_close(ours: float, ref: float, rtol: float = RTOL) -> None:
    assert close(ours, ref, rtol), f"{ours!r} != {ref!r} (rtol={rtol})"


def assert_p_close(ours: float, ref: float, rtol: float = RTOL) -> None:
    """p-values: relative on the raw scale, and on the log scale when tiny (< 1e-10)."""
    ref = float(ref)
    if 0 < ref < 1e-10:
        assert ours > 0, "a tiny p-value must not underflow to 0 here"
        assert math.isclose(math.log(ours), math.log(ref), rel_tol=rtol), (ours, ref)
    else:
        assert_close(ours, ref, rtol)


def assert_interval_close(ours: tuple[float, float], ref: object, rtol: float = RTOL) -> None:
    low, high = ref  # type: ignore[misc]
    assert_close(ours[0], low, rtol)
    assert_close(ours[1], high, rtol)

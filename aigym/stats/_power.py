"""Power, sample size and minimum detectable effect, fixed before a test starts.

Means use the noncentral t of a two-sample t-test (df = n_a + n_b - 2), as statsmodels'
TTestIndPower does; paired designs the one-sample noncentral t on the differences
(TTestPower); proportions the normal approximation on Cohen's h = 2 asin(sqrt(pB)) -
2 asin(sqrt(pA)), as NormalIndPower with proportion_effectsize. Sample sizes are returned both
exactly (the continuous root) and rounded up. Two-sided power counts both rejection tails.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import optimize, special

from aigym.errors import ValidationError
from aigym.stats._checks import (
    Alternative,
    check_alternative,
    check_finite,
    check_probability,
)

_N_MAX = 1e12


@dataclass(frozen=True, slots=True)
class PowerResult:
    """A power calculation: effect, sizes per arm, level and power (one solved for).

    `n_a` / `n_b` are the continuous solution; use `n_a_required` / `n_b_required` to plan.
    For a paired design `n_a` is the number of pairs and `n_b` equals it.
    """

    method: str
    effect: float
    effect_size: float
    n_a: float
    n_b: float
    alpha: float
    power: float
    alternative: Alternative

    @property
    def n_a_required(self) -> int:
        """Units needed in arm A (rounded up)."""
        return math.ceil(self.n_a - 1e-9)

    @property
    def n_b_required(self) -> int:
        """Units needed in arm B (rounded up)."""
        return math.ceil(self.n_b - 1e-9)


def _nct_cdf(df: float, nc: float, x: float) -> float:
    """Noncentral t CDF; where scipy's nctdtr gives NaN (far tails, |nc| in the tens) the
    normal approximation is used, which is exact to many digits there."""
    out = float(special.nctdtr(df, nc, x))
    if math.isnan(out):
        out = float(special.ndtr(x - nc))
    return out


def _t_power(es: float, nobs: float, df: float, alpha: float, alt: Alternative) -> float:
    tail = alpha / 2.0 if alt == "two-sided" else alpha
    nc = es * math.sqrt(nobs)
    power = 0.0
    if alt in ("two-sided", "greater"):
        power += 1.0 - _nct_cdf(df, nc, float(special.stdtrit(df, 1.0 - tail)))
    if alt in ("two-sided", "less"):
        power += _nct_cdf(df, nc, float(special.stdtrit(df, tail)))
    return power


def _z_power(es: float, nobs: float, alpha: float, alt: Alternative) -> float:
    tail = alpha / 2.0 if alt == "two-sided" else alpha
    crit = float(special.ndtri(1.0 - tail))
    shift = es * math.sqrt(nobs)
    power = 0.0
    if alt in ("two-sided", "greater"):
        power += float(special.ndtr(shift - crit))
    if alt in ("two-sided", "less"):
        power += float(special.ndtr(-crit - shift))
    return power


def _ind_power(kind: str, es: float, n_a: float, ratio: float, alpha: float,
               alt: Alternative) -> float:  # fmt: skip
    n_b = n_a * ratio
    nobs = n_a * n_b / (n_a + n_b)
    if kind == "t":
        return _t_power(es, nobs, n_a + n_b - 2.0, alpha, alt)
    if kind == "paired":
        return _t_power(es, n_a, n_a - 1.0, alpha, alt)
    return _z_power(es, nobs, alpha, alt)


def _common(alpha: float, ratio: float, alternative: str) -> tuple[float, float, Alternative]:
    a = check_probability("alpha", alpha)
    r = check_finite("ratio", ratio)
    if r <= 0:
        raise ValidationError("ratio", ratio, "pass n_b / n_a as a positive number, e.g. 1.0")
    return a, r, check_alternative(alternative)


def _solve_n(kind: str, es: float, power: float, ratio: float, alpha: float,
             alt: Alternative) -> float:  # fmt: skip
    # Search from df = 1: below it the t tails are so heavy that power is not monotone in n.
    low = {"t": 3.0 / (1.0 + ratio), "paired": 2.0}.get(kind, 1e-6)

    def f(n: float) -> float:
        return _ind_power(kind, es, n, ratio, alpha, alt) - power

    if es == 0:
        return math.inf
    if f(low) >= 0:
        return low
    high = 2.0 * low
    while not f(high) >= 0:  # grow the bracket; NaN (nct far out of range) counts as not yet
        high *= 4.0
        if high > _N_MAX:
            return math.inf
    return float(optimize.brentq(f, low, high, xtol=1e-12, rtol=1e-13, maxiter=500))


def _solve_es(kind: str, n_a: float, power: float, ratio: float, alpha: float,
              alt: Alternative, upper: float) -> float:  # fmt: skip
    sign = -1.0 if alt == "less" else 1.0

    def f(es: float) -> float:
        return _ind_power(kind, sign * es, n_a, ratio, alpha, alt) - power

    high = min(upper, 0.5)
    while f(high) < 0:
        if high >= upper:
            return math.nan
        high = min(upper, 2.0 * high)
    return sign * float(optimize.brentq(f, 1e-12, high, xtol=1e-14, rtol=1e-13, maxiter=500))


def _means_kind(paired: bool) -> str:
    return "paired" if paired else "t"


def power_means(
    effect: float, sd: float, n_a: float, *, ratio: float = 1.0, alpha: float = 0.05,
    alternative: Alternative = "two-sided", paired: bool = False,
) -> PowerResult:  # fmt: skip
    """Power of a t-test to detect B - A = `effect` with per-unit `sd` and n_a units in A.

    With `paired=True`, `sd` is the sd of the per-unit differences and n_a the number of pairs.
    """
    al, r, alt = _common(alpha, 1.0 if paired else ratio, alternative)
    es = check_finite("effect", effect) / _positive("sd", sd)
    n = _positive("n_a", n_a)
    kind = _means_kind(paired)
    pw = _ind_power(kind, es, n, r, al, alt)
    return PowerResult(f"{kind}_means", effect, es, n, n * r, al, pw, alt)


def sample_size_means(
    effect: float, sd: float, *, power: float = 0.8, ratio: float = 1.0, alpha: float = 0.05,
    alternative: Alternative = "two-sided", paired: bool = False,
) -> PowerResult:  # fmt: skip
    """Units per arm for a t-test to detect `effect` (B - A) with the given power."""
    al, r, alt = _common(alpha, 1.0 if paired else ratio, alternative)
    pw = check_probability("power", power)
    es = check_finite("effect", effect) / _positive("sd", sd)
    kind = _means_kind(paired)
    n = _solve_n(kind, es, pw, r, al, alt)
    return PowerResult(f"{kind}_means", effect, es, n, n * r, al, pw, alt)


def mde_means(
    sd: float, n_a: float, *, power: float = 0.8, ratio: float = 1.0, alpha: float = 0.05,
    alternative: Alternative = "two-sided", paired: bool = False,
) -> PowerResult:  # fmt: skip
    """Smallest B - A a t-test detects with `power` at n_a units (negative for "less")."""
    al, r, alt = _common(alpha, 1.0 if paired else ratio, alternative)
    pw = check_probability("power", power)
    s, n = _positive("sd", sd), _positive("n_a", n_a)
    kind = _means_kind(paired)
    es = _solve_es(kind, n, pw, r, al, alt, upper=1e6)
    return PowerResult(f"{kind}_means", es * s, es, n, n * r, al, pw, alt)


def _cohens_h(p_a: float, p_b: float) -> float:
    return 2.0 * math.asin(math.sqrt(p_b)) - 2.0 * math.asin(math.sqrt(p_a))


def power_proportions(
    p_a: float, p_b: float, n_a: float, *, ratio: float = 1.0, alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> PowerResult:  # fmt: skip
    """Power of a two-proportion z-test to detect rates p_a -> p_b with n_a units in A."""
    al, r, alt = _common(alpha, ratio, alternative)
    pa = check_probability("p_a", p_a, open_interval=False)
    pb = check_probability("p_b", p_b, open_interval=False)
    n = _positive("n_a", n_a)
    es = _cohens_h(pa, pb)
    return PowerResult("z_proportions", pb - pa, es, n, n * r, al,
                       _ind_power("z", es, n, r, al, alt), alt)  # fmt: skip


def sample_size_proportions(
    p_a: float, p_b: float, *, power: float = 0.8, ratio: float = 1.0, alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> PowerResult:  # fmt: skip
    """Units per arm for a two-proportion z-test to detect p_a -> p_b."""
    al, r, alt = _common(alpha, ratio, alternative)
    pw = check_probability("power", power)
    pa = check_probability("p_a", p_a, open_interval=False)
    pb = check_probability("p_b", p_b, open_interval=False)
    es = _cohens_h(pa, pb)
    n = _solve_n("z", es, pw, r, al, alt)
    return PowerResult("z_proportions", pb - pa, es, n, n * r, al, pw, alt)


def mde_proportions(
    p_a: float, n_a: float, *, power: float = 0.8, ratio: float = 1.0, alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> PowerResult:  # fmt: skip
    """Smallest change in rate from p_a detectable at n_a units (upward unless "less").

    `effect` is pB - pA; NaN when even pB = 1 (or 0 for "less") is not detectable.
    """
    al, r, alt = _common(alpha, ratio, alternative)
    pw = check_probability("power", power)
    pa = check_probability("p_a", p_a, open_interval=False)
    n = _positive("n_a", n_a)
    room = _cohens_h(pa, 0.0 if alt == "less" else 1.0)
    es = _solve_es("z", n, pw, r, al, alt, upper=abs(room))
    if math.isnan(es):
        return PowerResult("z_proportions", math.nan, math.nan, n, n * r, al, pw, alt)
    pb = math.sin(math.asin(math.sqrt(pa)) + es / 2.0) ** 2
    return PowerResult("z_proportions", pb - pa, es, n, n * r, al, pw, alt)


def _positive(field: str, value: float) -> float:
    out = check_finite(field, value)
    if out <= 0:
        raise ValidationError(field, value, "pass a positive number")
    return out

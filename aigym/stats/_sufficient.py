"""Per-arm sufficient statistics: small frozen records that add together.

Each arm of an experiment is summarised by a handful of sums, so a store can aggregate once
(per day, per shard, per prompt set) and the analyses combine the pieces with `+`. Variances
use n - 1 (sample variances), as scipy and statsmodels do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Self

import numpy as np
import numpy.typing as npt

from aigym.errors import ValidationError
from aigym.stats._checks import as_values, check_count, check_finite

_REL_TOL = 1e-9


def _check_sums(prefix: str, n: int, total: float, squares: float) -> None:
    """Refuse sums no real data could produce (negative squares, Cauchy-Schwarz broken)."""
    if squares < 0:
        raise ValidationError(f"{prefix}sum_squares", squares, "a sum of squares is never < 0")
    if n == 0 and (total != 0 or squares != 0):
        raise ValidationError(f"{prefix}n", n, "with n=0 every sum must be 0")
    if total * total > n * squares * (1 + _REL_TOL) + 1e-300:
        raise ValidationError(
            f"{prefix}sum_squares",
            squares,
            "sum**2 must not exceed n * sum_squares; pass the sum of squared values",
        )


def _sample_variance(n: int, total: float, squares: float) -> float:
    if n < 2:
        return math.nan
    return max(0.0, (squares - total * total / n) / (n - 1))


@dataclass(frozen=True, slots=True)
class SampleStats:
    """n, sum and sum of squares of a numeric metric in one arm (for means)."""

    n: int
    sum: float
    sum_squares: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", check_count("n", self.n))
        object.__setattr__(self, "sum", check_finite("sum", self.sum))
        object.__setattr__(self, "sum_squares", check_finite("sum_squares", self.sum_squares))
        _check_sums("", self.n, self.sum, self.sum_squares)

    @classmethod
    def from_values(cls, values: npt.ArrayLike) -> Self:
        """Summarise raw per-unit values (one number per unit of randomisation)."""
        x = as_values("values", values)
        return cls(int(x.size), float(x.sum()), float(x @ x))

    def __add__(self, other: SampleStats) -> SampleStats:
        if not isinstance(other, SampleStats):
            return NotImplemented
        return SampleStats(
            self.n + other.n, self.sum + other.sum, self.sum_squares + other.sum_squares
        )

    @property
    def mean(self) -> float:
        """Arithmetic mean (NaN when n = 0)."""
        return self.sum / self.n if self.n else math.nan

    @property
    def variance(self) -> float:
        """Sample variance with n - 1 (NaN when n < 2)."""
        return _sample_variance(self.n, self.sum, self.sum_squares)

    @property
    def std(self) -> float:
        """Sample standard deviation."""
        return math.sqrt(self.variance)

    @property
    def standard_error(self) -> float:
        """Standard error of the mean, sqrt(variance / n)."""
        return math.sqrt(self.variance / self.n) if self.n >= 2 else math.nan


@dataclass(frozen=True, slots=True)
class ProportionStats:
    """Units and successes (approvals, passes) of a binary metric in one arm."""

    n: int
    successes: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", check_count("n", self.n))
        object.__setattr__(self, "successes", check_count("successes", self.successes))
        if self.successes > self.n:
            raise ValidationError("successes", self.successes, f"must be at most n={self.n}")

    @classmethod
    def from_values(cls, values: npt.ArrayLike) -> Self:
        """Summarise 0/1 (or boolean) outcomes."""
        x = as_values("values", values)
        if not np.all((x == 0) | (x == 1)):
            raise ValidationError("values", "non-binary values", "pass 0/1 or booleans")
        return cls(int(x.size), int(x.sum()))

    def __add__(self, other: ProportionStats) -> ProportionStats:
        if not isinstance(other, ProportionStats):
            return NotImplemented
        return ProportionStats(self.n + other.n, self.successes + other.successes)

    @property
    def failures(self) -> int:
        """Units that did not succeed."""
        return self.n - self.successes

    @property
    def mean(self) -> float:
        """Success rate (NaN when n = 0)."""
        return self.successes / self.n if self.n else math.nan

    @property
    def variance(self) -> float:
        """Bernoulli variance p(1 - p), the per-unit variance the z-test uses."""
        p = self.mean
        return p * (1.0 - p)

    @property
    def standard_error(self) -> float:
        """sqrt(p(1 - p) / n)."""
        return math.sqrt(self.variance / self.n) if self.n else math.nan

    def to_sample_stats(self) -> SampleStats:
        """The same data as a numeric metric (x^2 = x for 0/1 values)."""
        return SampleStats(self.n, float(self.successes), float(self.successes))


@dataclass(frozen=True, slots=True)
class RatioStats:
    """Sums for a ratio metric sum(x) / sum(y), e.g. cost per token, in one arm.

    The unit of randomisation (a request, a user) contributes one (x, y) pair; the ratio is of
    totals, and its variance comes from the delta method.
    """

    n: int
    sum_x: float
    sum_y: float
    sum_x2: float
    sum_y2: float
    sum_xy: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", check_count("n", self.n))
        for name in ("sum_x", "sum_y", "sum_x2", "sum_y2", "sum_xy"):
            object.__setattr__(self, name, check_finite(name, getattr(self, name)))
        _check_sums("x: ", self.n, self.sum_x, self.sum_x2)
        _check_sums("y: ", self.n, self.sum_y, self.sum_y2)

    @classmethod
    def from_values(cls, x: npt.ArrayLike, y: npt.ArrayLike) -> Self:
        """Summarise per-unit numerators x and denominators y."""
        xa, ya = as_values("x", x), as_values("y", y)
        if xa.shape != ya.shape:
            raise ValidationError("y", f"length {ya.size}", f"must match x (length {xa.size})")
        return cls(
            int(xa.size), float(xa.sum()), float(ya.sum()),
            float(xa @ xa), float(ya @ ya), float(xa @ ya),
        )  # fmt: skip

    def __add__(self, other: RatioStats) -> RatioStats:
        if not isinstance(other, RatioStats):
            return NotImplemented
        return RatioStats(
            self.n + other.n,
            self.sum_x + other.sum_x,
            self.sum_y + other.sum_y,
            self.sum_x2 + other.sum_x2,
            self.sum_y2 + other.sum_y2,
            self.sum_xy + other.sum_xy,
        )

    @property
    def mean_x(self) -> float:
        """Mean numerator per unit."""
        return self.sum_x / self.n if self.n else math.nan

    @property
    def mean_y(self) -> float:
        """Mean denominator per unit."""
        return self.sum_y / self.n if self.n else math.nan

    @property
    def variance_x(self) -> float:
        """Sample variance of the numerator."""
        return _sample_variance(self.n, self.sum_x, self.sum_x2)

    @property
    def variance_y(self) -> float:
        """Sample variance of the denominator."""
        return _sample_variance(self.n, self.sum_y, self.sum_y2)

    @property
    def covariance(self) -> float:
        """Sample covariance of numerator and denominator."""
        if self.n < 2:
            return math.nan
        return (self.sum_xy - self.sum_x * self.sum_y / self.n) / (self.n - 1)

    @property
    def mean(self) -> float:
        """The ratio of totals sum_x / sum_y (NaN when sum_y = 0)."""
        return self.sum_x / self.sum_y if self.sum_y != 0 else math.nan

    @property
    def variance(self) -> float:
        """Delta-method variance of the ratio estimator (already divided by n)."""
        if self.n < 2 or self.sum_y == 0:
            return math.nan
        mx, my = self.mean_x, self.mean_y
        v = (
            self.variance_x / my**2
            - 2.0 * mx * self.covariance / my**3
            + mx**2 * self.variance_y / my**4
        ) / self.n
        return max(0.0, v)

    @property
    def standard_error(self) -> float:
        """Delta-method standard error of the ratio."""
        return math.sqrt(self.variance)


@dataclass(frozen=True, slots=True)
class PairedStats:
    """Sums for a paired design: each unit (prompt) measured under A and under B.

    Keeping the sums of products (not just the differences) also gives each arm's mean, the
    correlation, and for 0/1 outcomes the discordant counts McNemar's test needs.
    """

    n: int
    sum_a: float
    sum_b: float
    sum_a2: float
    sum_b2: float
    sum_ab: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", check_count("n", self.n))
        for name in ("sum_a", "sum_b", "sum_a2", "sum_b2", "sum_ab"):
            object.__setattr__(self, name, check_finite(name, getattr(self, name)))
        _check_sums("a: ", self.n, self.sum_a, self.sum_a2)
        _check_sums("b: ", self.n, self.sum_b, self.sum_b2)

    @classmethod
    def from_values(cls, a: npt.ArrayLike, b: npt.ArrayLike) -> Self:
        """Summarise per-unit outcomes under A and under B (same order, same units)."""
        aa, ba = as_values("a", a), as_values("b", b)
        if aa.shape != ba.shape:
            raise ValidationError("b", f"length {ba.size}", f"must match a (length {aa.size})")
        return cls(
            int(aa.size), float(aa.sum()), float(ba.sum()),
            float(aa @ aa), float(ba @ ba), float(aa @ ba),
        )  # fmt: skip

    def __add__(self, other: PairedStats) -> PairedStats:
        if not isinstance(other, PairedStats):
            return NotImplemented
        return PairedStats(
            self.n + other.n,
            self.sum_a + other.sum_a,
            self.sum_b + other.sum_b,
            self.sum_a2 + other.sum_a2,
            self.sum_b2 + other.sum_b2,
            self.sum_ab + other.sum_ab,
        )

    @property
    def a(self) -> SampleStats:
        """Arm A on its own."""
        return SampleStats(self.n, self.sum_a, self.sum_a2)

    @property
    def b(self) -> SampleStats:
        """Arm B on its own."""
        return SampleStats(self.n, self.sum_b, self.sum_b2)

    @property
    def differences(self) -> SampleStats:
        """Sufficient statistics of the per-unit differences B - A."""
        squares = max(0.0, self.sum_b2 - 2.0 * self.sum_ab + self.sum_a2)
        total = self.sum_b - self.sum_a
        if self.n and total * total > self.n * squares:  # rounding only: differences constant
            squares = total * total / self.n
        return SampleStats(self.n, total, squares)

    @property
    def mean(self) -> float:
        """Mean per-unit difference B - A."""
        return self.differences.mean

    @property
    def variance(self) -> float:
        """Sample variance of the per-unit differences."""
        return self.differences.variance

    @property
    def correlation(self) -> float:
        """Pearson correlation of A and B across units (NaN if either is constant)."""
        va, vb = self.a.variance, self.b.variance
        if self.n < 2 or not va > 0 or not vb > 0:
            return math.nan
        cov = (self.sum_ab - self.sum_a * self.sum_b / self.n) / (self.n - 1)
        return cov / math.sqrt(va * vb)

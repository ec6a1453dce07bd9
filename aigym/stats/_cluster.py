"""Cluster-robust means and differences, for evals where a prompt (or unit) repeats.

Five runs of one prompt are not five independent observations: the prompt's own difficulty
is shared, so a per-row standard error is too small (Miller 2024, "Adding Error Bars to
Evals", arXiv 2411.00640; on 100 prompts x 5 repeats per-row Welch names a false winner in
about 36% of A/A tests). With clusters c, n rows and residuals e_i = x_i - mean,

    SE^2 = C / (C - 1) * sum_c (sum_{i in c} e_i)^2 / n^2,

which is statsmodels' OLS-on-a-constant `cov_type="cluster"` SE, and equals the naive s/sqrt(n)
when every cluster has one row. Intervals are Student t with C - 1 degrees of freedom (the
clusters, not the calls, are the sample), as statsmodels' `use_t=True`.

A difference of two arms is paired when they share their clusters (the usual bake-off: the
same prompts through both models): repeats are averaged per cluster and arm, then a paired t
on the per-cluster differences (C - 1 df). Otherwise the arms are independent and the two
cluster-robust SEs add, with Welch-Satterthwaite df on the cluster counts.

Everything works from per-cluster totals (`ClusterTotals`: rows and sum per cluster), so a
polars `group_by(cluster).agg(len, sum)` feeds it without materialising rows; a mean and an
independent difference need only five sums (`ClusterMoments`), which add across groups with
disjoint clusters, so a query can return them per model.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from aigym.errors import ValidationError
from aigym.stats import _dist
from aigym.stats._checks import check_probability

__all__ = [
    "ClusterMoments",
    "ClusterTotals",
    "ClusteredDifference",
    "ClusteredMean",
    "cluster_difference",
    "cluster_mean",
    "clustered_difference",
    "clustered_mean",
]

MIN_SHARED = 0.5
"""Pair automatically when the shared clusters are at least this share of each arm's."""

Pairing = Literal["paired", "independent"]


@dataclass(frozen=True, slots=True, eq=False)
class ClusterTotals:
    """Per cluster: its label, number of rows and sum of values (labels unique)."""

    labels: tuple[Hashable, ...]
    counts: npt.NDArray[np.float64]
    sums: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        if not (len(self.labels) == len(self.counts) == len(self.sums)):
            raise ValidationError(
                "labels", len(self.labels), "give one count and one sum per cluster label"
            )
        if len(set(self.labels)) != len(self.labels):
            raise ValidationError("labels", self.labels, "give each cluster label once")
        if np.any(self.counts <= 0):
            raise ValidationError("counts", self.counts, "every cluster needs at least one row")

    @classmethod
    def from_arrays(
        cls, labels: Sequence[Hashable], counts: Sequence[float], sums: Sequence[float]
    ) -> ClusterTotals:
        """From per-cluster columns (e.g. a polars `group_by(cluster).agg(len, sum)`)."""
        c = np.asarray(counts, dtype=np.float64)
        s = np.asarray(sums, dtype=np.float64)
        if not np.all(np.isfinite(s)):
            raise ValidationError("sums", "non-finite", "drop NaN/inf values before clustering")
        return cls(tuple(labels), c, s)

    @classmethod
    def from_values(cls, values: Sequence[float] | Any, clusters: Sequence[Hashable] | Any) -> (
        ClusterTotals
    ):  # fmt: skip
        """From one value and one cluster label per row."""
        x = np.asarray(values, dtype=np.float64).ravel()
        g = np.asarray(clusters).ravel()
        if x.shape != g.shape:
            raise ValidationError(
                "clusters", g.shape, f"give one cluster label per value ({x.shape[0]} values)"
            )
        if not np.all(np.isfinite(x)):
            raise ValidationError("values", "non-finite", "drop NaN/inf values before clustering")
        labels, inverse = np.unique(g, return_inverse=True)
        counts = np.bincount(inverse, minlength=len(labels)).astype(np.float64)
        sums = np.bincount(inverse, weights=x, minlength=len(labels)).astype(np.float64)
        return cls(tuple(labels.tolist()), counts, sums)

    @property
    def n(self) -> int:
        """Rows (calls)."""
        return int(self.counts.sum())

    @property
    def n_clusters(self) -> int:
        return len(self.labels)

    @property
    def means(self) -> npt.NDArray[np.float64]:
        """Per-cluster means (repeats averaged)."""
        out: npt.NDArray[np.float64] = self.sums / self.counts
        return out

    @property
    def repeated(self) -> bool:
        """Whether any cluster holds more than one row (clustering changes the SE)."""
        return bool(np.any(self.counts > 1))

    def moments(self) -> ClusterMoments:
        """The five sums of a mean (see `ClusterMoments`)."""
        return _moments(self)


@dataclass(frozen=True, slots=True)
class ClusterMoments:
    """The sums a cluster-robust mean needs: rows `n`, their `total`, `n_clusters`, and over
    clusters sum(s_c^2), sum(n_c * s_c), sum(n_c^2) (s_c, n_c: a cluster's sum and rows).

    Moments of groups whose clusters are disjoint add with `+`. `repeated` is whether some
    cluster holds more than one row (else the clustered SE is the naive one).
    """

    n: int
    total: float
    n_clusters: int
    sum_cluster_sq: float
    sum_cluster_cross: float
    sum_cluster_n_sq: float

    def __add__(self, other: ClusterMoments) -> ClusterMoments:
        return ClusterMoments(
            self.n + other.n,
            self.total + other.total,
            self.n_clusters + other.n_clusters,
            self.sum_cluster_sq + other.sum_cluster_sq,
            self.sum_cluster_cross + other.sum_cluster_cross,
            self.sum_cluster_n_sq + other.sum_cluster_n_sq,
        )

    @property
    def repeated(self) -> bool:
        return self.sum_cluster_n_sq > self.n

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else math.nan


def _moments(t: ClusterTotals) -> ClusterMoments:
    return ClusterMoments(
        t.n,
        float(t.sums.sum()),
        t.n_clusters,
        float(np.dot(t.sums, t.sums)),
        float(np.dot(t.counts, t.sums)),
        float(np.dot(t.counts, t.counts)),
    )


@dataclass(frozen=True, slots=True)
class ClusteredMean:
    """A mean with its cluster-robust SE and a t interval on `n_clusters - 1` df."""

    mean: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    n_clusters: int
    confidence: float
    df: float
    method: str = "cluster_robust_t"

    @property
    def interval(self) -> tuple[float, float]:
        return (self.ci_low, self.ci_high)


@dataclass(frozen=True, slots=True)
class ClusteredDifference:
    """B - A with a cluster-aware SE; `paired` says which design was used.

    Paired: `effect` is the mean over shared clusters of (mean B - mean A) per cluster, and
    `n_shared_clusters` of them enter; clusters in one arm only are left out
    (`n_clusters_a + n_clusters_b - 2 * n_shared_clusters` of them).
    """

    effect: float
    se: float
    ci_low: float
    ci_high: float
    df: float
    statistic: float
    p_value: float
    paired: bool
    n_a: int
    n_b: int
    n_clusters_a: int
    n_clusters_b: int
    n_shared_clusters: int
    confidence: float
    method: str

    @property
    def interval(self) -> tuple[float, float]:
        return (self.ci_low, self.ci_high)

    def p_value_above(self, bound: float) -> float:
        """One-sided p-value of H0: B - A <= bound (e.g. bound = -margin: non-inferiority)."""
        if not self.se > 0:
            return math.nan
        return _dist.sf((self.effect - bound) / self.se, self.df)

    def lower_bound(self, confidence: float | None = None) -> float:
        """One-sided lower confidence bound for B - A (at `confidence`, default the result's)."""
        c = self.confidence if confidence is None else confidence
        if not self.se > 0:
            return math.nan
        return self.effect - _dist.ppf(c, self.df) * self.se


def _interval(est: float, se: float, df: float, confidence: float) -> tuple[float, float]:
    if not (se > 0 and df > 0):
        return (est, est) if se == 0 else (math.nan, math.nan)
    return _dist.wald_interval(est, se, df, confidence, "two-sided")


def clustered_mean(
    totals: ClusterTotals | ClusterMoments, confidence: float = 0.95
) -> ClusteredMean:
    """The mean of all rows, with Miller's cluster-robust SE (NaN with fewer than 2 clusters)."""
    check_probability("confidence", confidence)
    m = totals.moments() if isinstance(totals, ClusterTotals) else totals
    n, c = m.n, m.n_clusters
    if n == 0:
        return ClusteredMean(math.nan, math.nan, math.nan, math.nan, 0, 0, confidence, math.nan)
    mean = m.total / n
    if c < 2:
        return ClusteredMean(mean, math.nan, math.nan, math.nan, n, c, confidence, math.nan)
    # sum_c (s_c - n_c * mean)^2, expanded into the moments
    resid_sq = (
        m.sum_cluster_sq - 2.0 * mean * m.sum_cluster_cross + mean * mean * m.sum_cluster_n_sq
    )
    se = math.sqrt(c / (c - 1) * max(resid_sq, 0.0) / (n * n))
    lo, hi = _interval(mean, se, c - 1, confidence)
    return ClusteredMean(mean, se, lo, hi, n, c, confidence, float(c - 1))


def cluster_mean(
    values: Sequence[float] | Any, clusters: Sequence[Hashable] | Any, confidence: float = 0.95
) -> ClusteredMean:
    """The mean of `values` with a cluster-robust SE over `clusters` (one label per value)."""
    return clustered_mean(ClusterTotals.from_values(values, clusters), confidence)


def _shared(a: ClusterTotals, b: ClusterTotals) -> tuple[list[int], list[int]]:
    index_b = {label: i for i, label in enumerate(b.labels)}
    ia, ib = [], []
    for i, label in enumerate(a.labels):
        j = index_b.get(label)
        if j is not None:
            ia.append(i)
            ib.append(j)
    return ia, ib


def clustered_difference(
    a: ClusterTotals | ClusterMoments,
    b: ClusterTotals | ClusterMoments,
    confidence: float = 0.95,
    *,
    paired: bool | None = None,
) -> ClusteredDifference:
    """B - A, paired on shared clusters or independent (see the module docstring).

    `paired=None` pairs when at least 2 clusters are shared and they are at least half of
    each arm's clusters; `paired=True` insists (on the shared ones), `False` never pairs.
    `ClusterMoments` carry no labels, so they are compared as independent arms.
    """
    check_probability("confidence", confidence)
    if isinstance(a, ClusterTotals) and isinstance(b, ClusterTotals):
        ia, ib = _shared(a, b)
    elif paired:
        raise ValidationError("paired", paired, "pairing needs ClusterTotals (cluster labels)")
    else:
        ia, ib = [], []
    k = len(ia)
    if paired is None:
        is_paired = k >= 2 and k >= MIN_SHARED * max(a.n_clusters, b.n_clusters)
    else:
        is_paired = bool(paired)
    if is_paired and isinstance(a, ClusterTotals) and isinstance(b, ClusterTotals):
        d = b.means[ib] - a.means[ia]
        effect = float(d.mean()) if k else math.nan
        se = float(d.std(ddof=1) / math.sqrt(k)) if k >= 2 else math.nan
        df = float(k - 1)
        method = "cluster_paired_t"
    else:
        ma, mb = clustered_mean(a, confidence), clustered_mean(b, confidence)
        effect = mb.mean - ma.mean
        se = math.sqrt(ma.se**2 + mb.se**2)
        ua, ub = ma.se**2, mb.se**2
        denom = (ua * ua / ma.df if ua else 0.0) + (ub * ub / mb.df if ub else 0.0)
        df = (ua + ub) ** 2 / denom if denom > 0 else math.nan
        method = "cluster_robust_welch_t"
    stat = effect / se if se > 0 else math.nan
    p = _dist.p_value(stat, df, "two-sided") if se > 0 else math.nan
    lo, hi = _interval(effect, se, df, confidence)
    return ClusteredDifference(
        effect=effect,
        se=se,
        ci_low=lo,
        ci_high=hi,
        df=df,
        statistic=stat,
        p_value=p,
        paired=is_paired,
        n_a=a.n,
        n_b=b.n,
        n_clusters_a=a.n_clusters,
        n_clusters_b=b.n_clusters,
        n_shared_clusters=k,
        confidence=confidence,
        method=method,
    )


def cluster_difference(
    a_values: Sequence[float] | Any,
    a_clusters: Sequence[Hashable] | Any,
    b_values: Sequence[float] | Any,
    b_clusters: Sequence[Hashable] | Any,
    confidence: float = 0.95,
    *,
    paired: bool | None = None,
) -> ClusteredDifference:
    """B - A from raw values and cluster labels of each arm (see `clustered_difference`)."""
    return clustered_difference(
        ClusterTotals.from_values(a_values, a_clusters),
        ClusterTotals.from_values(b_values, b_clusters),
        confidence,
        paired=paired,
    )

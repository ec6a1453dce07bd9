"""Calibration: does a scorer's 0-100 value predict an outcome it should predict?

`calibrate(scores, outcome)` answers with numbers that carry their uncertainty:

* Pearson r with a Fisher z interval (se = 1/sqrt(n-3)); Spearman rho with Fieller,
  Hartley and Pearson's (1957) Fisher z interval (se = sqrt(1.06/(n-3))). p-values are
  Student t on n-2 degrees of freedom, as in scipy.
* For a binary outcome, the AUC (Mann-Whitney U / (n1 n0), ties count one half) with
  DeLong's variance and a Wald interval clipped to [0, 1].
* A binned calibration curve: per score bin, the mean score and the observed outcome with
  a Wilson interval (binary) or a t interval (continuous).
* A fitted mapping from score to probability (logistic regression via statsmodels, or
  isotonic regression by pool-adjacent-violators) or, for a continuous outcome, to the
  expected outcome (least squares, or isotonic). Logistic fits that separate perfectly fall
  back to isotonic, with a note.

Pairs where either side is missing (an unscored output) are dropped and counted.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from aigym.errors import ValidationError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    Values = npt.ArrayLike | Sequence[float | None]

__all__ = [
    "AUCResult",
    "CalibrationBin",
    "CalibrationResult",
    "Correlation",
    "ScoreMapping",
    "auc_delong",
    "calibrate",
    "correlation",
    "isotonic_fit",
]

Kind = Literal["binary", "continuous"]
_NAN2: Final = (math.nan, math.nan)


def _z(confidence: float) -> float:
    from scipy import stats

    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def _check_confidence(confidence: float) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
        raise ValidationError("confidence", confidence, "give a level such as 0.95")
    if not 0.0 < confidence < 1.0:
        raise ValidationError("confidence", confidence, "give a level between 0 and 1, e.g. 0.95")
    return float(confidence)


def _array(name: str, values: Values) -> FloatArray:
    import numpy as np

    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationError(name, values, "give numbers (None or NaN for missing)") from None
    if arr.ndim != 1:
        raise ValidationError(name, values, "give a one-dimensional sequence")
    return arr


@dataclass(frozen=True, slots=True)
class Correlation:
    """A correlation with its interval; `status` is 'ok', 'insufficient_data' (n < 4) or
    'constant_input' (no variation on one side: the correlation is undefined)."""

    method: str
    estimate: float
    interval: tuple[float, float]
    p_value: float
    n: int
    interval_method: str
    status: str
    confidence: float


@dataclass(frozen=True, slots=True)
class AUCResult:
    """P(score of a positive > score of a negative), ties counting one half."""

    estimate: float
    interval: tuple[float, float]
    standard_error: float
    n_positive: int
    n_negative: int
    method: str
    status: str
    confidence: float


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    """One score bin: [low, high) except the last, which includes `high`."""

    low: float
    high: float
    n: int
    mean_score: float
    mean_outcome: float
    interval: tuple[float, float]
    predicted: float


@dataclass(frozen=True, slots=True)
class ScoreMapping:
    """A fitted map from score to probability (binary) or expected outcome (continuous).

    logistic: p = 1 / (1 + exp(-(intercept + slope x score))); linear: intercept + slope x
    score; isotonic: linear interpolation through (`knots_x`, `knots_y`), flat outside.
    """

    method: str
    intercept: float
    slope: float
    knots_x: tuple[float, ...] = ()
    knots_y: tuple[float, ...] = ()
    note: str | None = None

    def predict(self, scores: Values) -> FloatArray:
        import numpy as np

        x = _array("scores", scores)
        if self.method == "logistic":
            out: FloatArray = 1.0 / (1.0 + np.exp(-(self.intercept + self.slope * x)))
            return out
        if self.method == "linear":
            return np.asarray(self.intercept + self.slope * x, dtype=np.float64)
        return np.asarray(
            np.interp(x, np.asarray(self.knots_x), np.asarray(self.knots_y)), dtype=np.float64
        )


@dataclass(frozen=True, slots=True)
class CalibrationResult:
    """Everything `calibrate` found; `table()` renders it as text."""

    kind: str
    label: str
    n: int
    n_dropped: int
    outcome_mean: float
    pearson: Correlation
    spearman: Correlation
    auc: AUCResult | None
    curve: tuple[CalibrationBin, ...]
    mapping: ScoreMapping
    brier: float | None
    brier_base_rate: float | None
    confidence: float

    def table(self) -> str:
        """A plain-text report: correlations, AUC, mapping and the calibration curve."""
        pct = f"{self.confidence:.0%}"
        lines = [f"{self.label}: n={self.n} (dropped {self.n_dropped} unscored)"]
        rate = "positive rate" if self.kind == "binary" else "outcome mean"
        lines.append(f"  {rate} {self.outcome_mean:.3f}")
        for c in (self.pearson, self.spearman):
            lines.append(
                f"  {c.method:<8} {_fmt_est(c.estimate, c.interval, pct)}  "
                f"p={_fmt_p(c.p_value)}  ({c.interval_method}; {c.status})"
            )
        if self.auc is not None:
            a = self.auc
            lines.append(
                f"  AUC       {_fmt_est(a.estimate, a.interval, pct, '')}  "
                f"({a.n_positive} pos / {a.n_negative} neg; {a.method}; {a.status})"
            )
        m = self.mapping
        if m.method in ("logistic", "linear"):
            fit = f"{m.method}: {m.intercept:+.4f} {m.slope:+.5f} x score"
        else:
            fit = f"isotonic through {len(m.knots_x)} knots"
        lines.append(f"  mapping  {fit}" + (f" ({m.note})" if m.note else ""))
        if self.brier is not None and self.brier_base_rate is not None:
            lines.append(
                f"  Brier    {self.brier:.4f} (base rate alone {self.brier_base_rate:.4f})"
            )
        observed = "observed" if self.kind == "binary" else "mean outcome"
        lines.append(
            f"  {'score bin':<13}{'n':>5}{'mean score':>12}{observed:>14}"
            f"{f'{pct} CI':>18}{'mapped':>9}"
        )
        for b in self.curve:
            ci = f"[{b.interval[0]:.2f}, {b.interval[1]:.2f}]"
            lines.append(
                f"  {f'{b.low:5.1f}-{b.high:5.1f}':<13}{b.n:>5}{b.mean_score:>12.1f}"
                f"{b.mean_outcome:>14.3f}{ci:>18}{b.predicted:>9.3f}"
            )
        return "\n".join(lines)


def _fmt_est(est: float, interval: tuple[float, float], pct: str, sign: str = "+") -> str:
    if math.isnan(est):
        return f"{'n/a':>6} {'':>16}"
    lo, hi = interval
    ci = "[n/a]" if math.isnan(lo) else f"[{lo:{sign}.2f}, {hi:{sign}.2f}]"
    return f"{est:{sign}.3f} {pct} {ci:<16}"


def _fmt_p(p: float) -> str:
    if math.isnan(p):
        return "n/a"
    return f"{p:.2g}" if p >= 1e-4 else "<1e-4"


# --------------------------------------------------------------------------- correlations


def _ranks(x: FloatArray) -> FloatArray:
    import numpy as np
    from scipy import stats

    return np.asarray(stats.rankdata(x), dtype=np.float64)


def correlation(
    x: Values,
    y: Values,
    method: Literal["pearson", "spearman"] = "pearson",
    confidence: float = 0.95,
) -> Correlation:
    """Pearson or Spearman correlation of complete pairs, with a Fisher z interval."""
    import numpy as np
    from scipy import stats

    conf = _check_confidence(confidence)
    if method not in ("pearson", "spearman"):
        raise ValidationError("method", method, "use 'pearson' or 'spearman'")
    a, b = _array("x", x), _array("y", y)
    if a.shape != b.shape:
        raise ValidationError("x/y", (a.size, b.size), "give equally long sequences")
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    n = int(a.size)
    ci_method = "Fisher z" if method == "pearson" else "Fisher z, Fieller se"
    if n < 4:
        return Correlation(
            method, math.nan, _NAN2, math.nan, n, ci_method, "insufficient_data", conf
        )
    if method == "spearman":
        a, b = _ranks(a), _ranks(b)
    da, db = a - a.mean(), b - b.mean()
    denom = math.sqrt(float(da @ da) * float(db @ db))
    if denom == 0.0:
        return Correlation(method, math.nan, _NAN2, math.nan, n, ci_method, "constant_input", conf)
    r = max(-1.0, min(1.0, float(da @ db) / denom))
    if abs(r) == 1.0:
        p = 0.0
    else:
        t = r * math.sqrt((n - 2) / (1.0 - r * r))
        p = float(2.0 * stats.t.sf(abs(t), n - 2))
    se = (1.0 if method == "pearson" else math.sqrt(1.06)) / math.sqrt(n - 3)
    zr = math.atanh(r) if abs(r) < 1.0 else math.copysign(math.inf, r)
    half = _z(conf) * se
    return Correlation(
        method, r, (math.tanh(zr - half), math.tanh(zr + half)), p, n, ci_method, "ok", conf
    )


# --------------------------------------------------------------------------- AUC


def auc_delong(scores: Values, outcome: Values, confidence: float = 0.95) -> AUCResult:
    """AUC of `scores` for a 0/1 `outcome`, with DeLong's (1988) standard error.

    Computed from ranks (Sun and Xu 2014): the placement of each positive among the
    negatives and vice versa, so it costs one sort, not n1 x n0 comparisons.
    """
    import numpy as np

    conf = _check_confidence(confidence)
    s, y = _array("scores", scores), _array("outcome", outcome)
    if s.shape != y.shape:
        raise ValidationError("scores/outcome", (s.size, y.size), "give equally long sequences")
    keep = ~(np.isnan(s) | np.isnan(y))
    s, y = s[keep], y[keep]
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValidationError("outcome", outcome, "a binary outcome holds only 0/1 (or bools)")
    pos, neg = s[y == 1.0], s[y == 0.0]
    m, n = int(pos.size), int(neg.size)
    method = "Mann-Whitney, DeLong se"
    if m == 0 or n == 0:
        return AUCResult(math.nan, _NAN2, math.nan, m, n, method, "one_class", conf)
    r_all = _ranks(np.concatenate([pos, neg]))
    r_pos, r_neg = _ranks(pos), _ranks(neg)
    v10 = (r_all[:m] - r_pos) / n  # share of negatives each positive beats (ties 1/2)
    v01 = 1.0 - (r_all[m:] - r_neg) / m  # share of positives that beat each negative
    auc = float(v10.mean())
    s10 = float(v10.var(ddof=1)) if m > 1 else 0.0
    s01 = float(v01.var(ddof=1)) if n > 1 else 0.0
    se = math.sqrt(s10 / m + s01 / n)
    half = _z(conf) * se
    status = "ok" if m > 1 and n > 1 else "insufficient_data"
    if se == 0.0 and status == "ok":
        status = "perfect_separation" if auc in (0.0, 1.0) else "zero_variance"
    return AUCResult(
        auc, (max(0.0, auc - half), min(1.0, auc + half)), se, m, n, method, status, conf
    )


# --------------------------------------------------------------------------- mappings


def isotonic_fit(x: Values, y: Values) -> tuple[FloatArray, FloatArray]:
    """Non-decreasing least-squares fit of y on x (pool adjacent violators).

    Returns (knots_x, knots_y): the distinct x values and the fitted value at each; predict
    between knots by linear interpolation (what `ScoreMapping.predict` does).
    """
    import numpy as np

    a, b = _array("x", x), _array("y", y)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    if a.size == 0:
        raise ValidationError("x", x, "give at least one complete (x, y) pair")
    ux, inverse = np.unique(a, return_inverse=True)
    weights = np.bincount(inverse).astype(np.float64)
    means = np.bincount(inverse, weights=b) / weights
    # Blocks as a stack of [sum of weighted values, weight, number of knots].
    blocks: list[list[float]] = []
    for v, w in zip(means, weights, strict=True):
        blocks.append([v * w, w, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            top = blocks.pop()
            blocks[-1] = [blocks[-1][0] + top[0], blocks[-1][1] + top[1], blocks[-1][2] + top[2]]
    fitted = np.repeat([s / w for s, w, _ in blocks], [int(k) for _, _, k in blocks])
    return ux.astype(np.float64), fitted.astype(np.float64)


def _isotonic_mapping(x: FloatArray, y: FloatArray, note: str | None = None) -> ScoreMapping:
    kx, ky = isotonic_fit(x, y)
    return ScoreMapping(
        "isotonic", math.nan, math.nan, tuple(kx.tolist()), tuple(ky.tolist()), note
    )


def _logistic_mapping(x: FloatArray, y: FloatArray) -> ScoreMapping:
    import numpy as np
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    if y.min() == y.max():
        return _isotonic_mapping(x, y, "one outcome class only: constant mapping")
    if x.min() == x.max():
        return _isotonic_mapping(x, y, "constant scores: mapping is the base rate")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = sm.Logit(y, sm.add_constant(x, has_constant="add")).fit(disp=0, maxiter=100)
        except (np.linalg.LinAlgError, ValueError) as e:
            return _isotonic_mapping(x, y, f"logistic fit failed ({e}): isotonic instead")
    separated = any(issubclass(w.category, PerfectSeparationWarning) for w in caught)
    if separated or not fit.mle_retvals.get("converged", False):
        return _isotonic_mapping(x, y, "scores separate the outcome perfectly: isotonic instead")
    intercept, slope = (float(v) for v in np.asarray(fit.params))
    return ScoreMapping("logistic", intercept, slope)


def _linear_mapping(x: FloatArray, y: FloatArray) -> ScoreMapping:
    import numpy as np
    import statsmodels.api as sm

    if x.min() == x.max():
        return _isotonic_mapping(x, y, "constant scores: mapping is the outcome mean")
    fit = sm.OLS(y, sm.add_constant(x, has_constant="add")).fit()
    intercept, slope = (float(v) for v in np.asarray(fit.params))
    return ScoreMapping("linear", intercept, slope)


# --------------------------------------------------------------------------- curve


def _edges(x: FloatArray, bins: int, strategy: str) -> FloatArray:
    import numpy as np

    if strategy == "uniform":
        lo = min(0.0, float(x.min()))
        hi = max(100.0, float(x.max()))
        return np.linspace(lo, hi, bins + 1)
    return np.unique(np.quantile(x, np.linspace(0.0, 1.0, bins + 1)))


def _curve(
    x: FloatArray,
    y: FloatArray,
    kind: Kind,
    bins: int,
    strategy: str,
    mapping: ScoreMapping,
    conf: float,
) -> tuple[CalibrationBin, ...]:
    import numpy as np

    from aigym.stats import ProportionStats, SampleStats, mean_interval, wilson_interval

    edges = _edges(x, bins, strategy)
    # Bin i holds edges[i] <= x < edges[i+1]; the last bin also holds its upper edge.
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, max(0, edges.size - 2))
    out: list[CalibrationBin] = []
    for i in range(max(1, edges.size - 1)):
        sel = idx == i
        k = int(sel.sum())
        if k == 0:
            continue
        xs, ys = x[sel], y[sel]
        if kind == "binary":
            est = wilson_interval(ProportionStats(k, int(ys.sum())), conf)
        else:
            est = mean_interval(SampleStats.from_values(ys), conf)
        hi = float(edges[i + 1]) if edges.size > 1 else float(edges[0])
        out.append(
            CalibrationBin(
                float(edges[i]),
                hi,
                k,
                float(xs.mean()),
                float(ys.mean()),
                (float(est.interval[0]), float(est.interval[1])),
                float(mapping.predict(xs).mean()),
            )
        )
    return tuple(out)


# --------------------------------------------------------------------------- entry point


def calibrate(
    scores: Values,
    outcome: Values,
    kind: Kind = "binary",
    *,
    label: str = "calibration",
    method: Literal["auto", "logistic", "linear", "isotonic"] = "auto",
    bins: int = 10,
    strategy: Literal["uniform", "quantile"] = "uniform",
    confidence: float = 0.95,
) -> CalibrationResult:
    """How well 0-100 `scores` predict `outcome` (0/1 for binary, numbers for continuous).

    `method` 'auto' fits logistic regression for a binary outcome and least squares for a
    continuous one; 'isotonic' assumes only that a higher score never means a worse outcome.
    `strategy` 'uniform' makes `bins` equal-width bins over 0-100, 'quantile' equal-count
    bins; empty bins are left out of the curve. The Brier score (binary) is in-sample: it
    flatters the mapping slightly, which matters little with two parameters.
    """
    import numpy as np

    conf = _check_confidence(confidence)
    if kind not in ("binary", "continuous"):
        raise ValidationError("kind", kind, "use 'binary' or 'continuous'")
    if strategy not in ("uniform", "quantile"):
        raise ValidationError("strategy", strategy, "use 'uniform' or 'quantile'")
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValidationError("bins", bins, "give a whole number of bins >= 1")
    if method not in ("auto", "logistic", "linear", "isotonic"):
        raise ValidationError("method", method, "use 'auto', 'logistic', 'linear' or 'isotonic'")
    if (method == "logistic" and kind != "binary") or (method == "linear" and kind == "binary"):
        raise ValidationError(
            "method",
            method,
            "logistic maps to a probability (binary); linear to a continuous outcome",
        )
    x, y = _array("scores", scores), _array("outcome", outcome)
    if x.shape != y.shape:
        raise ValidationError("scores/outcome", (x.size, y.size), "give equally long sequences")
    keep = ~(np.isnan(x) | np.isnan(y))
    dropped = int((~keep).sum())
    x, y = x[keep], y[keep]
    if x.size < 2:
        raise ValidationError("scores", scores, "need at least 2 complete (score, outcome) pairs")
    if kind == "binary" and not np.isin(y, (0.0, 1.0)).all():
        raise ValidationError("outcome", outcome, "a binary outcome holds only 0/1 (or bools)")
    if method == "isotonic":
        mapping = _isotonic_mapping(x, y)
    elif kind == "binary":
        mapping = _logistic_mapping(x, y)
    else:
        mapping = _linear_mapping(x, y)
    brier = base = None
    if kind == "binary":
        brier = float(np.mean((mapping.predict(x) - y) ** 2))
        base = float(y.mean() * (1.0 - y.mean()))
    return CalibrationResult(
        kind=kind,
        label=label,
        n=int(x.size),
        n_dropped=dropped,
        outcome_mean=float(y.mean()),
        pearson=correlation(x, y, "pearson", conf),
        spearman=correlation(x, y, "spearman", conf),
        auc=auc_delong(x, y, conf) if kind == "binary" else None,
        curve=_curve(x, y, kind, bins, strategy, mapping, conf),
        mapping=mapping,
        brier=brier,
        brier_base_rate=base,
        confidence=conf,
    )

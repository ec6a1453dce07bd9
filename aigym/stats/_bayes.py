"""Bayesian summaries: Gaussian posterior on the effect, and Beta-Binomial for rates.

Gaussian (as gbstats): the likelihood is N(effect, se^2) from the same Welch / delta-method
pair the frequentist tests use; the prior is flat unless a `NormalPrior` is given. Chance to
win, expected loss (risk) and the credible interval are closed forms of the posterior normal.

Beta-Binomial: independent Beta posteriors for each arm's rate. P(B > A) is the exact finite
sum of Evan Miller / Chris Stucchio when a shape parameter is a whole number (it is with the
default uniform prior), and an adaptive integral otherwise; the risk follows from the same
probability; the credible interval for pB - pA inverts the exact CDF of the difference.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, optimize, special

from aigym.errors import ValidationError
from aigym.stats._checks import check_finite
from aigym.stats._estimate import welch_estimate
from aigym.stats._records import (
    DEFAULT_CONFIG,
    NAN_INTERVAL,
    BayesianResult,
    DifferenceType,
    StatsConfig,
    Status,
)
from aigym.stats._sufficient import ProportionStats, SampleStats

_MAX_TERMS = 5_000_000


def _nan_result(
    method: str, status: Status, baseline: float, treatment: float, scale: DifferenceType,
    config: StatsConfig,
) -> BayesianResult:  # fmt: skip
    return BayesianResult(
        method=method, status=status, baseline=baseline, treatment=treatment, effect=math.nan,
        interval=NAN_INTERVAL, posterior_sd=math.nan, chance_to_win=math.nan, risk_a=math.nan,
        risk_b=math.nan, scale=scale, confidence=config.confidence, direction=config.direction,
    )  # fmt: skip


def _normal_losses(mean: float, sd: float) -> tuple[float, float]:
    """(E[max(0, X)], E[max(0, -X)]) for X ~ N(mean, sd^2)."""
    z = mean / sd
    pdf = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    gain = sd * pdf + mean * float(special.ndtr(z))
    loss = sd * pdf - mean * float(special.ndtr(-z))
    return max(0.0, gain), max(0.0, loss)


def gaussian_posterior(
    effect: float,
    standard_error: float,
    config: StatsConfig = DEFAULT_CONFIG,
    *,
    baseline: float = math.nan,
    treatment: float = math.nan,
) -> BayesianResult:
    """Posterior for an effect estimated as N(effect, standard_error^2): any two-arm estimate.

    Pass the `effect` / `standard_error` of a FrequentistResult (Welch, ratio, paired) to get
    its Bayesian reading on the same scale (the scale is taken from `config`).
    """
    eff = check_finite("effect", effect)
    se = check_finite("standard_error", standard_error)
    scale = config.difference_type
    if se <= 0:
        return _nan_result("gaussian", "zero_variance", baseline, treatment, scale, config)
    if config.prior is None:
        mean, sd = eff, se
    else:
        precision = 1.0 / se**2 + 1.0 / config.prior.sd**2
        mean = (eff / se**2 + config.prior.mean / config.prior.sd**2) / precision
        sd = math.sqrt(1.0 / precision)
    up = float(special.ndtr(mean / sd))  # P(B - A > 0)
    gain, loss = _normal_losses(mean, sd)
    if config.direction == "higher_is_better":
        chance, risk_a, risk_b = up, gain, loss
    else:
        chance, risk_a, risk_b = float(special.ndtr(-mean / sd)), loss, gain
    half = float(special.ndtri(0.5 + config.confidence / 2.0)) * sd
    return BayesianResult(
        method="gaussian", status="ok", baseline=baseline, treatment=treatment, effect=mean,
        interval=(mean - half, mean + half), posterior_sd=sd, chance_to_win=chance,
        risk_a=risk_a, risk_b=risk_b, scale=scale, confidence=config.confidence,
        direction=config.direction,
    )  # fmt: skip


def bayes_means(
    a: SampleStats, b: SampleStats, config: StatsConfig = DEFAULT_CONFIG
) -> BayesianResult:
    """Gaussian posterior on B - A (or the relative lift) from the Welch estimate."""
    est = welch_estimate(a, b, config.difference_type)
    if est.status != "ok":
        return _nan_result("gaussian", est.status, est.baseline, est.treatment, est.scale, config)
    return gaussian_posterior(
        est.effect, est.standard_error, config, baseline=est.baseline, treatment=est.treatment
    )


def _is_whole(x: float) -> bool:
    return float(x).is_integer() and x >= 1


def _sum_greater(a1: float, b1: float, a2: float, b2: float) -> float:
    """P(X > Y), X ~ Beta(a1, b1), Y ~ Beta(a2, b2), a1 a whole number: a finite sum."""
    i = np.arange(int(a1), dtype=np.float64)
    log_terms = (
        special.betaln(a2 + i, b1 + b2)
        - np.log(b1 + i)
        - special.betaln(1.0 + i, b1)
        - special.betaln(a2, b2)
    )
    return float(np.exp(special.logsumexp(log_terms)))


def _quad_greater(a1: float, b1: float, a2: float, b2: float) -> float:
    """P(X > Y) = integral of f_X(x) F_Y(x) dx, for non-integer shapes."""
    lo, hi = special.betaincinv(a1, b1, 1e-15), special.betaincinv(a1, b1, 1.0 - 1e-15)
    mode = a1 / (a1 + b1)
    val, _ = integrate.quad(
        lambda x: math.exp(
            (a1 - 1) * math.log(x) + (b1 - 1) * math.log1p(-x) - special.betaln(a1, b1)
        )
        * float(special.betainc(a2, b2, x)),
        float(lo), float(hi), points=[mode], limit=200, epsabs=1e-13, epsrel=1e-10,
    )  # fmt: skip
    return min(1.0, max(0.0, float(val)))


def prob_beta_greater(a1: float, b1: float, a2: float, b2: float) -> float:
    """P(X > Y) for independent X ~ Beta(a1, b1), Y ~ Beta(a2, b2)."""
    options: list[tuple[float, bool, tuple[float, float, float, float]]] = []
    if _is_whole(a1):
        options.append((a1, False, (a1, b1, a2, b2)))
    if _is_whole(b2):  # P(1 - Y > 1 - X)
        options.append((b2, False, (b2, a2, b1, a1)))
    if _is_whole(a2):  # 1 - P(Y > X)
        options.append((a2, True, (a2, b2, a1, b1)))
    if _is_whole(b1):  # 1 - P(1 - X > 1 - Y)
        options.append((b1, True, (b1, a1, b2, a2)))
    options = [o for o in options if o[0] <= _MAX_TERMS]
    if not options:
        return _quad_greater(a1, b1, a2, b2)
    _, complement, args = min(options, key=lambda o: (o[0], o[1]))
    p = _sum_greater(*args)
    return min(1.0, max(0.0, 1.0 - p if complement else p))


def _beta_logpdf(x: float, a: float, b: float) -> float:
    if x <= 0.0 or x >= 1.0:
        return -math.inf
    return (a - 1) * math.log(x) + (b - 1) * math.log1p(-x) - float(special.betaln(a, b))


def _diff_quantile(q: float, aa: float, ba: float, ab: float, bb: float) -> float:
    """q-quantile of pB - pA by inverting P(pB - pA <= t), integrated over the narrower arm."""
    var_a = aa * ba / ((aa + ba) ** 2 * (aa + ba + 1))
    var_b = ab * bb / ((ab + bb) ** 2 * (ab + bb + 1))
    if var_b <= var_a:  # P(B - A <= t) = int f_B(y) P(A >= y - t) dy
        s1, s2, sign = (ab, bb), (aa, ba), 1.0
    else:  # P(B - A <= t) = int f_A(x) P(B <= x + t) dx
        s1, s2, sign = (aa, ba), (ab, bb), -1.0
    lo = float(special.betaincinv(s1[0], s1[1], 1e-14))
    hi = float(special.betaincinv(s1[0], s1[1], 1.0 - 1e-14))
    mode = s1[0] / (s1[0] + s1[1])

    def cdf(t: float) -> float:
        def integrand(x: float) -> float:
            other = min(1.0, max(0.0, x - sign * t))
            if sign > 0:  # P(A >= y - t)
                tail = float(special.betaincc(s2[0], s2[1], other))
            else:  # P(B <= x + t)
                tail = float(special.betainc(s2[0], s2[1], other))
            return math.exp(_beta_logpdf(x, *s1)) * tail

        val, _ = integrate.quad(integrand, lo, hi, points=[mode], limit=200, epsabs=1e-12)
        return float(val)

    return float(optimize.brentq(lambda t: cdf(t) - q, -1.0, 1.0, xtol=1e-12, rtol=1e-12))


def bayes_proportions(
    a: ProportionStats,
    b: ProportionStats,
    config: StatsConfig = DEFAULT_CONFIG,
    *,
    prior_successes: float = 1.0,
    prior_failures: float = 1.0,
) -> BayesianResult:
    """Beta-Binomial comparison of two rates; sound at 0/n and n/n and at tiny n.

    The prior Beta(prior_successes, prior_failures) is shared by both arms (uniform by
    default). `effect` is the posterior mean of pB - pA (always the absolute scale);
    `baseline` / `treatment` are the observed rates.
    """
    ps = check_finite("prior_successes", prior_successes)
    pf = check_finite("prior_failures", prior_failures)
    if ps <= 0 or pf <= 0:
        raise ValidationError("prior", (ps, pf), "Beta prior parameters must be > 0, e.g. 1, 1")
    if a.n == 0 or b.n == 0:
        return _nan_result("beta_binomial", "insufficient_data", a.mean, b.mean, "absolute",
                           config)  # fmt: skip
    aa, ba = ps + a.successes, pf + a.failures
    ab, bb = ps + b.successes, pf + b.failures
    mean_a, mean_b = aa / (aa + ba), ab / (ab + bb)
    var_a = mean_a * (1 - mean_a) / (aa + ba + 1)
    var_b = mean_b * (1 - mean_b) / (ab + bb + 1)
    p_b_greater = prob_beta_greater(ab, bb, aa, ba)
    # E[max(0, B - A)] = E[B] P(B' > A) - E[A] P(B > A'), B' ~ Beta(ab + 1, bb), A' likewise.
    gain = mean_b * prob_beta_greater(ab + 1, bb, aa, ba) - mean_a * prob_beta_greater(
        ab, bb, aa + 1, ba
    )
    loss = mean_a * prob_beta_greater(aa + 1, ba, ab, bb) - mean_b * prob_beta_greater(
        aa, ba, ab + 1, bb
    )
    gain, loss = max(0.0, gain), max(0.0, loss)
    if config.direction == "higher_is_better":
        chance, risk_a, risk_b = p_b_greater, gain, loss
    else:
        chance, risk_a, risk_b = 1.0 - p_b_greater, loss, gain
    tail = (1.0 - config.confidence) / 2.0
    interval = (_diff_quantile(tail, aa, ba, ab, bb), _diff_quantile(1 - tail, aa, ba, ab, bb))
    return BayesianResult(
        method="beta_binomial", status="ok", baseline=a.mean, treatment=b.mean,
        effect=mean_b - mean_a, interval=interval, posterior_sd=math.sqrt(var_a + var_b),
        chance_to_win=chance, risk_a=risk_a, risk_b=risk_b, scale="absolute",
        confidence=config.confidence, direction=config.direction,
    )  # fmt: skip

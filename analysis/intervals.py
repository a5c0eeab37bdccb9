"""Confidence intervals with design degrees of freedom, vectorised over estimates.

Shares and indices lie in [0, 1]; their intervals (logit, Wilson, Korn-Graubard) stay in
[0, 1] and keep a positive width at 0 and 1. Means, totals and general ratios get Wald
intervals.

Degenerate cases are defined, never NaN: when :math:`\\hat p` is 0 or 1, or the variance
is 0, the binomial-equivalent sample size :math:`\\hat p(1-\\hat p)/\\hat V` is undefined
or infinite and is replaced by the number of respondents :math:`n` (a design effect of 1,
Korn and Graubard 1998, §2); a logit interval cannot be formed there and becomes the
Korn-Graubard (Clopper-Pearson) interval, which the result's ``method`` records.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import special  # type: ignore[import-untyped, unused-ignore]

__all__ = ["CiMethod", "bounded_interval", "t_quantile", "two_sided_p", "wald_interval"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

CiMethod = Literal["logit", "wilson", "korn-graubard", "wald"]
"""Confidence-interval method: logit (default for shares and indices, R ``svyciprop``
``method = "logit"``), Wilson or Korn-Graubard with the effective sample size, or Wald."""


def t_quantile(level: float, df: FloatArray) -> FloatArray:
    """Return the two-sided Student t quantile :math:`t_{1-\\alpha/2, df}` for each df.

    Parameters
    ----------
    level
        Confidence level in (0, 1).
    df
        Degrees of freedom (>= 1); quantiles are computed once per distinct value.
    """
    # scipy.special rather than scipy.stats: the same functions (stats.t.ppf calls
    # stdtrit) without a second of import time.
    unique, inverse = np.unique(df, return_inverse=True)
    quantile = special.stdtrit(unique, 0.5 + level / 2.0)
    return np.asarray(quantile, dtype=np.float64)[inverse].reshape(np.shape(df))


def two_sided_p(t: FloatArray, df: FloatArray) -> FloatArray:
    """Return :math:`2 P(T_{df} > |t|)`."""
    return np.asarray(2.0 * special.stdtr(df, -np.abs(t)), dtype=np.float64)


def wald_interval(
    estimate: FloatArray, se: FloatArray, t: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Return :math:`\\hat\\theta \\mp t\\, se`."""
    return estimate - t * se, estimate + t * se


def _logit(p: FloatArray, se: FloatArray, t: FloatArray) -> tuple[FloatArray, FloatArray]:
    centre = np.log(p / (1.0 - p))
    half = t * se / (p * (1.0 - p))
    return special.expit(centre - half), special.expit(centre + half)


def _wilson(p: FloatArray, m: FloatArray, t: FloatArray) -> tuple[FloatArray, FloatArray]:
    t2 = t * t
    denominator = 1.0 + t2 / m
    centre = (p + t2 / (2.0 * m)) / denominator
    half = t / denominator * np.sqrt(p * (1.0 - p) / m + t2 / (4.0 * m * m))
    # At p = 0 (p = 1) the lower (upper) limit is exactly 0 (1); rounding would miss it.
    low = np.where(p <= 0.0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(p >= 1.0, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


def _korn_graubard(
    p: FloatArray, m: FloatArray, n: FloatArray, df: FloatArray, level: float
) -> tuple[FloatArray, FloatArray]:
    alpha = 1.0 - level
    # R svyciprop(method = "beta"): scale n* by (t_{n-1} / t_df)^2.
    ratio = t_quantile(level, np.maximum(n - 1.0, 1.0)) / t_quantile(level, df)
    m = m * ratio * ratio
    x = m * p
    low = np.where(p > 0, special.betaincinv(np.maximum(x, 1e-300), m - x + 1.0, alpha / 2), 0.0)
    high = np.where(
        p < 1, special.betaincinv(x + 1.0, np.maximum(m - x, 1e-300), 1.0 - alpha / 2), 1.0
    )
    return low, high


def bounded_interval(
    method: CiMethod,
    estimate: FloatArray,
    se: FloatArray,
    df: FloatArray,
    n: FloatArray,
    level: float,
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Interval for estimates in [0, 1] (shares and indices).

    Parameters
    ----------
    method
        ``"logit"``, ``"wilson"``, ``"korn-graubard"`` or ``"wald"`` (clipped to [0, 1]).
    estimate, se, df, n
        Estimates, standard errors, degrees of freedom (>= 1) and respondents (>= 1).
    level
        Confidence level.

    Returns
    -------
    low, high, switched
        The limits and, per estimate, whether a logit interval fell back to
        Korn-Graubard.

    Notes
    -----
    With :math:`t = t_{1-\\alpha/2,\\,df}` and the binomial-equivalent size
    :math:`m = \\hat p(1-\\hat p)/\\hat V` (or :math:`n`, see the module notes):

    * logit: :math:`\\operatorname{expit}(\\operatorname{logit}\\hat p \\mp
      t\\, se / (\\hat p (1-\\hat p)))`;
    * Wilson: :math:`(\\hat p + t^2/2m \\mp t\\sqrt{\\hat p(1-\\hat p)/m + t^2/4m^2})
      / (1 + t^2/m)`;
    * Korn-Graubard: Clopper-Pearson beta quantiles with
      :math:`m^* = m\\, (t_{n-1}/t_{df})^2` trials and :math:`m^*\\hat p` successes.

    References
    ----------
    .. [1] Korn, E. L. and Graubard, B. I. (1998). Confidence intervals for proportions
       with small expected number of positive counts estimated from survey data.
       *Survey Methodology* 24, 193-201.
    .. [2] Dean, N. and Pagano, M. (2015). Evaluating confidence interval methods for
       binomial proportions in clustered surveys. *J. Survey Statistics and Methodology*
       3, 484-503.
    .. [3] Lumley, T. (2024). R package *survey*, function ``svyciprop``.
    """
    p = np.clip(estimate, 0.0, 1.0)
    variance = se * se
    degenerate = (p <= 0.0) | (p >= 1.0) | (variance <= 0.0)
    safe_var = np.where(degenerate, 1.0, variance)
    m = np.where(degenerate, n, p * (1.0 - p) / safe_var)
    t = t_quantile(level, df)
    switched = np.zeros(p.shape, dtype=bool)
    if method == "wald":
        low, high = wald_interval(p, se, t)
        return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0), switched
    if method == "wilson":
        low, high = _wilson(p, m, t)
        return low, high, switched
    if method == "korn-graubard":
        low, high = _korn_graubard(p, m, n, df, level)
        return low, high, switched
    inner = ~degenerate
    low, high = _logit(np.where(inner, p, 0.5), np.where(inner, se, 0.0), t)
    idx = np.flatnonzero(degenerate)
    if idx.size:
        low[idx], high[idx] = _korn_graubard(p[idx], m[idx], n[idx], df[idx], level)
    return low, high, degenerate

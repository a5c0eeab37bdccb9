"""What to improve first: driver analysis and the importance-performance table.

Overall satisfaction is regressed on the respondents' element (or criterion) scores by
survey-weighted least squares (statsmodels ``WLS``, the point estimates of R ``svyglm``
with a Gaussian family); standard errors are design-based, by linearisation of the
estimating equations over strata and PSUs with the finite-population correction and the
lonely-PSU rule (the sandwich :math:`A^{-1} \\hat V(\\sum_k w_k e_k x_k) A^{-1}`), not the
model-based or frequency-weight ones.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Literal

import msgspec
import numpy as np
from numpy.typing import ArrayLike, NDArray

from analysis.design import Design, LonelyPsuRule
from analysis.errors import DesignError, LonelyPsuError, ModelError
from analysis.indices import IndexTree, ItemScoring, score_items
from analysis.intervals import t_quantile, two_sided_p
from analysis.results import Estimate

__all__ = [
    "DriverAnalysis",
    "DriverCoefficient",
    "ImportancePerformance",
    "Quadrant",
    "driver_analysis",
    "element_scores",
    "importance_performance",
]

FloatArray = NDArray[np.float64]

Quadrant = Literal["concentrate_here", "keep_up", "low_priority", "possible_overkill"]
"""Importance-performance quadrants (Martilla and James 1977)."""


class DriverCoefficient(msgspec.Struct, frozen=True, kw_only=True):
    """One coefficient of the driver model.

    Attributes
    ----------
    term
        Predictor name (``"intercept"`` for the constant).
    coefficient, se
        Estimate and design-based standard error.
    ci_low, ci_high
        Wald interval with t quantiles on the model's degrees of freedom.
    p_value
        Two-sided t test of a zero coefficient.
    standardized
        :math:`\\hat\\beta_j\\, s_{x_j} / s_y` with weighted standard deviations (0 for
        the intercept): the importance of the driver.
    """

    term: str
    coefficient: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    standardized: float


class DriverAnalysis(msgspec.Struct, frozen=True, kw_only=True):
    """A fitted driver model.

    Attributes
    ----------
    outcome
        Name of the outcome.
    coefficients
        Intercept first, then the predictors in the order given.
    n
        Complete respondents with a positive weight.
    df
        Residual degrees of freedom: PSUs minus strata with complete respondents, plus
        one, minus the number of coefficients (as R ``svyglm``).
    r_squared
        Weighted coefficient of determination.
    level
        Level of the intervals.
    """

    outcome: str
    coefficients: tuple[DriverCoefficient, ...]
    n: int
    df: int
    r_squared: float
    level: float


class ImportancePerformance(msgspec.Struct, frozen=True, kw_only=True):
    """One row of the importance-performance table.

    Attributes
    ----------
    term
        Element or criterion.
    importance
        Standardised driver coefficient.
    performance
        Its satisfaction index.
    quadrant
        Quadrant relative to the mean importance and mean performance.
    """

    term: str
    importance: float
    performance: float
    quadrant: Quadrant


def element_scores(
    codes: ArrayLike,
    items: Sequence[ItemScoring],
    tree: IndexTree,
    missing: Collection[int] = (),
) -> dict[str, FloatArray]:
    """Each respondent's share of satisfied answers among the usable items of each node.

    Returns
    -------
    dict
        Node code (element or overall) to per-respondent scores, NaN where the respondent
        has no usable item in the node.
    """
    satisfied, usable = score_items(codes, items, missing)
    position = {item.code: j for j, item in enumerate(items)}
    nodes = {node.code: node for node in tree.nodes}

    def leaves(code: str) -> list[int]:
        if code in position:
            return [position[code]]
        return [j for child in nodes[code].children for j in leaves(child)]

    scores = {}
    for code in nodes:
        rows = leaves(code)
        count = usable[rows].sum(axis=0)
        hits = satisfied[rows].sum(axis=0)
        scores[code] = np.divide(hits, count, out=np.full(count.shape, np.nan), where=count > 0)
    return scores


def _score_covariance(scores: FloatArray, design: Design, rule: LonelyPsuRule) -> FloatArray:
    # Stratified variance of the PSU totals of the score vectors w e x (zero rows for
    # incomplete respondents keep every PSU in its stratum).
    p_count = design.strata.total_psu
    totals = np.column_stack(
        [np.bincount(design.psu, scores[:, j], minlength=p_count) for j in range(scores.shape[1])]
    )
    strata = design.strata
    h = design.psu_stratum
    n_h = strata.n_psu.astype(np.float64)
    means = np.zeros((n_h.size, scores.shape[1]))
    np.add.at(means, h, totals)
    means /= n_h[:, None]
    lonely = (strata.n_psu == 1) & (strata.fpc > 0)
    if lonely.any() and rule == "fail":
        raise LonelyPsuError(strata.labels[int(np.flatnonzero(lonely)[0])])
    centred = np.where(lonely[h][:, None] & (rule == "adjust"), totals, totals - means[h])
    scale = np.where(n_h > 1, strata.fpc * n_h / np.maximum(n_h - 1, 1), strata.fpc)
    if rule in ("certainty", "remove", "average"):
        scale = np.where(lonely, 0.0, scale)
    weighted = centred * np.sqrt(scale[h])[:, None]
    covariance: FloatArray = weighted.T @ weighted
    if rule == "average" and lonely.any():
        covariance *= n_h.size / (n_h.size - lonely.sum())
    return covariance


def _standardized(beta: FloatArray, x: FloatArray, y: FloatArray, w: FloatArray) -> FloatArray:
    mean_x = w @ x / w.sum()
    sd_x = np.sqrt(w @ (x - mean_x) ** 2 / w.sum())
    sd_y = np.sqrt(w @ (y - w @ y / w.sum()) ** 2 / w.sum())
    out: FloatArray = np.where(sd_y > 0, beta * sd_x / max(sd_y, 1e-300), 0.0)
    out[0] = 0.0
    return out


def driver_analysis(
    outcome: ArrayLike,
    predictors: Mapping[str, ArrayLike],
    design: Design,
    *,
    name: str = "overall_satisfaction",
    lonely_psu: LonelyPsuRule = "fail",
    level: float = 0.95,
) -> DriverAnalysis:
    """Regress overall satisfaction on element or criterion scores, design-based SEs.

    Parameters
    ----------
    outcome
        Overall satisfaction per respondent (a rating or 0/1), NaN when missing.
    predictors
        Name to per-respondent score (e.g. from :func:`element_scores`), NaN when missing.
    design
        The design; respondents missing any variable are left out but keep their PSU.
    name
        Outcome name in the result.
    lonely_psu
        Lonely-PSU rule for the variance.
    level
        Level of the coefficient intervals.

    Returns
    -------
    DriverAnalysis

    Notes
    -----
    :math:`\\hat\\beta` solves :math:`\\sum_k w_k x_k (y_k - x_k^\\top\\beta) = 0`;
    :math:`\\hat V(\\hat\\beta) = A^{-1} \\hat V(\\sum_k w_k e_k x_k) A^{-1}` with
    :math:`A = X^\\top W X` and the stratified PSU-total variance of the scores
    (Binder 1983), as R ``svyglm``.

    References
    ----------
    .. [1] Binder, D. A. (1983). On the variances of asymptotically normal estimators from
       complex surveys. *International Statistical Review* 51, 279-292.
    .. [2] Lumley, T. and Scott, A. (2017). Fitting regression models to survey data.
       *Statistical Science* 32, 265-278.
    """
    y = np.asarray(outcome, dtype=np.float64)
    names = list(predictors)
    columns = [np.asarray(predictors[k], dtype=np.float64) for k in names]
    if y.shape != (design.n,) or any(c.shape != (design.n,) for c in columns):
        raise DesignError(f"outcome and predictors need {design.n} values each")
    x = np.column_stack([np.ones(design.n), *columns])
    keep = np.isfinite(y) & np.all(np.isfinite(x), axis=1) & (design.weights > 0)
    if keep.sum() <= x.shape[1]:
        raise ModelError(f"{int(keep.sum())} complete respondents cannot fit {x.shape[1]} terms")
    # Imported here: statsmodels costs about a second of import time that nothing else
    # in the package needs.
    from statsmodels.regression.linear_model import (  # type: ignore[import-untyped, unused-ignore]
        WLS,
    )

    w = design.weights[keep]
    fit = WLS(y[keep], x[keep], weights=w).fit()
    beta = np.asarray(fit.params, dtype=np.float64)
    scores = np.zeros_like(x)
    scores[keep] = x[keep] * (w * (y[keep] - x[keep] @ beta))[:, None]
    bread = np.linalg.pinv(x[keep].T @ (x[keep] * w[:, None]))
    covariance = bread @ _score_covariance(scores, design, lonely_psu) @ bread
    # As svyglm: PSUs minus strata among the complete respondents, plus 1, minus terms.
    psus, strata = np.unique(design.psu[keep]).size, np.unique(design.stratum[keep]).size
    df = max(psus - strata + 1 - x.shape[1], 1)
    standard = _standardized(beta, x[keep], y[keep], w)
    return DriverAnalysis(
        outcome=name,
        coefficients=_coefficients(["intercept", *names], beta, covariance, standard, df, level),
        n=int(keep.sum()),
        df=int(df),
        r_squared=float(fit.rsquared),
        level=level,
    )


def _coefficients(
    terms: list[str],
    beta: FloatArray,
    covariance: FloatArray,
    standard: FloatArray,
    df: int,
    level: float,
) -> tuple[DriverCoefficient, ...]:
    se = np.sqrt(np.maximum(np.diag(covariance), 0.0))
    t = float(t_quantile(level, np.array([float(df)]))[0])
    ratio = np.divide(beta, se, out=np.zeros_like(se), where=se > 0)
    p = np.where(se > 0, two_sided_p(ratio, np.full(se.size, float(df))), 1.0)
    return tuple(
        DriverCoefficient(
            term=term,
            coefficient=float(b),
            se=float(s),
            ci_low=float(b - t * s),
            ci_high=float(b + t * s),
            p_value=float(pv),
            standardized=float(z),
        )
        for term, b, s, pv, z in zip(terms, beta, se, p, standard, strict=True)
    )


def importance_performance(
    drivers: DriverAnalysis, performance: Sequence[Estimate]
) -> list[ImportancePerformance]:
    """Cross the drivers' importance with the elements' performance.

    Parameters
    ----------
    drivers
        A driver model whose predictors are elements (or criteria).
    performance
        Estimates of the same elements (one domain), e.g. from
        :func:`analysis.indices.estimate_indices`.

    Returns
    -------
    list of ImportancePerformance
        Predictors with a performance estimate, most important first.

    Notes
    -----
    Quadrants split at the mean importance and the mean performance: high importance and
    low performance is where to concentrate (Martilla and James 1977).

    References
    ----------
    .. [1] Martilla, J. A. and James, J. C. (1977). Importance-performance analysis.
       *Journal of Marketing* 41, 77-79.
    """
    level = {e.variable: e.estimate for e in performance}
    pairs = [
        (c.term, c.standardized, level[c.term]) for c in drivers.coefficients if c.term in level
    ]
    if not pairs:
        return []
    importance_mean = float(np.mean([p[1] for p in pairs]))
    performance_mean = float(np.mean([p[2] for p in pairs]))
    quadrants: dict[tuple[bool, bool], Quadrant] = {
        (True, False): "concentrate_here",
        (True, True): "keep_up",
        (False, False): "low_priority",
        (False, True): "possible_overkill",
    }
    rows = [
        ImportancePerformance(
            term=term,
            importance=importance,
            performance=value,
            quadrant=quadrants[(importance >= importance_mean, value >= performance_mean)],
        )
        for term, importance, value in pairs
    ]
    return sorted(rows, key=lambda row: -row.importance)

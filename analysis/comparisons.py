"""Comparisons: each unit against the whole population, and period against period.

A unit is part of the city, so its estimate and the city's are correlated: the variance
of their difference is :math:`V_d + V_P - 2 C_{dP}`, with the covariance formed from the
two linearised variables on the same PSUs (:func:`analysis.variance.column_covariance`).
Two periods are independent samples: :math:`V_1 + V_2`, with Satterthwaite degrees of
freedom. p-values are two-sided t tests, adjusted within each variable across domains.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import msgspec
import numpy as np
from numpy.typing import ArrayLike, NDArray

from analysis.cells import sum_by
from analysis.design import Design
from analysis.errors import OptionsError
from analysis.estimation import Prepared, Problem, check_options, complete, prepare
from analysis.estimators import numeric_problem
from analysis.indices import IndexTree, ItemScoring, index_problem, score_items
from analysis.intervals import t_quantile, two_sided_p
from analysis.multiplicity import Adjustment, adjust_p_values
from analysis.options import EstimationOptions
from analysis.results import Estimate
from analysis.variance import column_covariance, group_design

__all__ = [
    "Comparison",
    "compare_indices_with_population",
    "compare_means_with_population",
    "compare_periods",
]

FloatArray = NDArray[np.float64]

_DEFAULT = EstimationOptions()


class Comparison(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """A difference between two estimates of the same variable and domain.

    Attributes
    ----------
    variable, domain
        What is compared.
    reference
        ``"population"`` (the unit against the whole) or ``"previous"`` (the period
        before).
    estimate, reference_estimate
        The two estimates.
    difference, se
        ``estimate - reference_estimate`` and its standard error.
    ci_low, ci_high, level
        Wald interval of the difference, with t quantiles on ``df``.
    df
        Degrees of freedom of the test.
    p_value, p_adjusted, adjustment
        Two-sided p-value, adjusted within the variable, and the adjustment method.
    significant
        Whether ``p_adjusted < 1 - level``.
    n, n_eff
        Respondents and effective sample size behind ``estimate``.

    Notes
    -----
    When the standard error is 0 the p-value is 1 for a zero difference and 0 otherwise.
    """

    variable: str
    domain: str | None
    reference: str
    estimate: float
    reference_estimate: float
    difference: float
    se: float
    ci_low: float
    ci_high: float
    level: float
    df: float
    p_value: float
    p_adjusted: float
    adjustment: Adjustment
    significant: bool
    n: int
    n_eff: float


def _p_values(difference: FloatArray, se: FloatArray, df: FloatArray) -> FloatArray:
    positive = se > 0
    t = np.divide(np.abs(difference), se, out=np.zeros_like(se), where=positive)
    p = two_sided_p(t, np.maximum(df, 1.0))
    return np.where(positive, p, np.where(difference == 0, 1.0, 0.0))


def _adjust_by_variable(p: FloatArray, variables: list[str], adjust: Adjustment) -> FloatArray:
    # Each variable is its own family: its domains are compared together.
    adjusted = np.empty_like(p)
    for name in dict.fromkeys(variables):
        family = np.array([v == name for v in variables])
        adjusted[family] = adjust_p_values(p[family], adjust)
    return adjusted


def _assemble(
    pairs: Sequence[tuple[Estimate, Estimate]],
    variance: FloatArray,
    df: FloatArray,
    reference: str,
    adjust: Adjustment,
) -> list[Comparison]:
    if not pairs:
        return []
    level = pairs[0][0].level
    difference = np.array([a.estimate - b.estimate for a, b in pairs])
    se = np.sqrt(np.maximum(variance, 0.0))
    p = _p_values(difference, se, df)
    adjusted = _adjust_by_variable(p, [a.variable for a, _ in pairs], adjust)
    half = t_quantile(level, np.maximum(df, 1.0)) * se
    return [
        Comparison(
            variable=a.variable,
            domain=a.domain,
            reference=reference,
            estimate=a.estimate,
            reference_estimate=b.estimate,
            difference=float(d),
            se=float(s),
            ci_low=float(d - h),
            ci_high=float(d + h),
            level=level,
            df=float(f),
            p_value=float(pv),
            p_adjusted=float(pa),
            adjustment=adjust,
            significant=bool(pa < 1.0 - level),
            n=a.n,
            n_eff=a.n_eff,
        )
        for (a, b), d, s, h, f, pv, pa in zip(
            pairs, difference, se, half, df, p, adjusted, strict=True
        )
    ]


def compare_periods(
    current: Sequence[Estimate],
    previous: Sequence[Estimate],
    *,
    adjust: Adjustment = "holm",
) -> list[Comparison]:
    """Compare each estimate with the same variable and domain of an independent period.

    Parameters
    ----------
    current, previous
        Estimates of the two periods (from independent samples).
    adjust
        Multiple-comparison adjustment within each variable.

    Returns
    -------
    list of Comparison
        One per (variable, domain) present in both, in the order of ``current``.

    Notes
    -----
    :math:`se = \\sqrt{se_1^2 + se_2^2}`; degrees of freedom by Satterthwaite,
    :math:`(v_1 + v_2)^2 / (v_1^2 / df_1 + v_2^2 / df_2)` (the smaller df when both
    variances are 0).

    References
    ----------
    .. [1] Satterthwaite, F. E. (1946). An approximate distribution of estimates of
       variance components. *Biometrics Bulletin* 2, 110-114.
    """
    before = {(e.variable, e.domain): e for e in previous}
    pairs = [(e, before[e.variable, e.domain]) for e in current if (e.variable, e.domain) in before]
    v1 = np.array([a.se**2 for a, _ in pairs])
    v2 = np.array([b.se**2 for _, b in pairs])
    d1 = np.array([float(a.df) for a, _ in pairs])
    d2 = np.array([float(b.df) for _, b in pairs])
    total = v1 + v2
    denominator = v1 * v1 / d1 + v2 * v2 / d2 if pairs else np.zeros(0)
    df = np.where(
        total > 0,
        np.divide(total * total, denominator, out=np.ones_like(total), where=denominator > 0),
        np.minimum(d1, d2),
    )
    return _assemble(pairs, total, df, "previous", adjust)


def _population_influence(
    problem: Problem, design: Design, options: EstimationOptions
) -> tuple[list[Estimate], Prepared, FloatArray]:
    # The population estimates and their influence per PSU, centred at the stratum mean.
    whole = prepare(problem, design, None)
    centred = np.zeros((len(problem.names), design.strata.total_psu))

    def store(e: int, cells: slice, z: FloatArray) -> None:
        centred[e, whole.layout.psu[cells]] = z

    population, _ = complete(problem, design, whole, options, store)
    # Population groups are the strata.
    centred -= (whole.lin.group_total / design.strata.n_psu)[:, design.psu_stratum]
    return population, whole, centred


def _with_population(
    problem: Problem,
    design: Design,
    domain: ArrayLike,
    options: EstimationOptions,
    adjust: Adjustment,
) -> list[Comparison]:
    check_options(options, design.strata)
    if options.variance != "taylor":
        raise OptionsError("comparisons with the population use Taylor linearisation")
    population, whole, centred = _population_influence(problem, design, options)
    part = prepare(problem, design, domain)
    cross = np.zeros((len(problem.names), part.layout.n_groups))

    def accumulate(e: int, cells: slice, z: FloatArray) -> None:
        psu = part.layout.psu[cells]
        cross[e] += sum_by(part.layout.group_id[cells], z * centred[e, psu], cross.shape[1])

    domains, _ = complete(problem, design, part, options, accumulate)
    groups = group_design(part.layout, design.strata, options.lonely_psu, part.labels)
    at_groups = whole.lin.group_total[:, part.layout.group_stratum]
    covariance = np.array(
        [
            column_covariance(c, total, at, present, groups)
            for c, total, at, present in zip(
                cross, part.lin.group_total, at_groups, part.lin.present, strict=True
            )
        ]
    ).reshape(cross.shape[0], -1)
    return _pair_with_population(domains, population, covariance, part.labels, adjust)


def _pair_with_population(
    domains: list[Estimate],
    population: list[Estimate],
    covariance: FloatArray,
    labels: tuple[str | None, ...],
    adjust: Adjustment,
) -> list[Comparison]:
    whole = {e.variable: e for e in population}
    names = list(dict.fromkeys(e.variable for e in domains))
    code = {label: k for k, label in enumerate(labels)}
    row = {name: k for k, name in enumerate(dict.fromkeys([*names, *whole]))}
    pairs = [(e, whole[e.variable]) for e in domains if e.variable in whole]
    variance = np.array(
        [a.se**2 + b.se**2 - 2.0 * covariance[row[a.variable], code[a.domain]] for a, b in pairs]
    )
    df = np.array([float(a.df) for a, _ in pairs])
    return _assemble(pairs, variance, df, "population", adjust)


def compare_indices_with_population(
    codes: ArrayLike,
    items: Sequence[ItemScoring],
    tree: IndexTree,
    design: Design,
    *,
    domain: ArrayLike,
    missing: Collection[int] = (),
    options: EstimationOptions = _DEFAULT,
    adjust: Adjustment = "holm",
) -> list[Comparison]:
    """Compare every unit's item shares and indices with the whole population's.

    Parameters are those of :func:`analysis.indices.estimate_indices`, plus ``adjust``.

    Returns
    -------
    list of Comparison
        One per estimate defined in a domain and in the population.

    Notes
    -----
    :math:`\\operatorname{Var}(\\hat\\theta_d - \\hat\\theta) = V_d + V - 2C_d`; the
    covariance uses the same strata, PSUs and corrections as the variances, so the
    overlap of the unit with the city is accounted for (a unit that is the whole city has
    difference 0 and variance 0). Degrees of freedom are the unit's.
    """
    satisfied, usable = score_items(codes, items, missing)
    problem = index_problem(satisfied, usable, design.weights, items, tree)
    return _with_population(problem, design, domain, options, adjust)


def compare_means_with_population(
    variables: Mapping[str, ArrayLike],
    design: Design,
    *,
    domain: ArrayLike,
    options: EstimationOptions = _DEFAULT,
    adjust: Adjustment = "holm",
) -> list[Comparison]:
    """Compare every domain mean with the population mean, as
    :func:`compare_indices_with_population`."""
    return _with_population(
        numeric_problem(variables, design, "mean"), design, domain, options, adjust
    )

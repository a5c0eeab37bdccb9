"""Weighted means, totals, ratios and shares of any variables, by domain.

Each function takes named columns, a :class:`~analysis.design.Design` and optional domain
labels, and returns one :class:`~analysis.results.Estimate` per variable and domain
(variables in the order given, domains sorted). Missing values (NaN) are left out of
numerators and denominators, as R ``na.rm = TRUE`` on the domain subset.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from analysis.columns import RowColumns
from analysis.design import Design
from analysis.errors import DesignError
from analysis.estimation import Problem, estimate_problem
from analysis.linearisation import Statistic
from analysis.options import EstimationOptions
from analysis.results import Estimate

__all__ = [
    "estimate_means",
    "estimate_ratios",
    "estimate_shares",
    "estimate_totals",
    "numeric_problem",
]

FloatArray = NDArray[np.float64]

_DEFAULT = EstimationOptions()


def _column(name: str, values: ArrayLike, n: int) -> FloatArray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DesignError(f"{name}: non-numeric values") from exc
    if array.shape != (n,):
        raise DesignError(f"{name}: expected {n} values, got shape {array.shape}")
    if np.any(np.isinf(array)):
        raise DesignError(f"{name}: infinite values")
    return array


def _problem(
    names: list[str],
    statistic: Statistic,
    y: Sequence[NDArray[np.generic]],
    usable: list[NDArray[np.bool_]],
    design: Design,
    x: list[FloatArray] | None = None,
) -> Problem:
    if not names:
        raise DesignError("no variable to estimate")
    share = statistic == "share"
    rows = RowColumns(
        weights=design.weights,
        positive=design.weights > 0,
        usable=np.array(usable).reshape(len(names), design.n),
        support=np.zeros((0, design.n), dtype=bool),
        values=None if share else np.array(y).reshape(len(names), design.n),
        satisfied=np.array(y, dtype=bool).reshape(len(names), design.n) if share else None,
        denominators=None if x is None else np.array(x).reshape(len(names), design.n),
    )
    return Problem(
        names=tuple(names),
        statistics=(statistic,) * len(names),
        rows=rows,
        totals=np.full(len(names), statistic == "total"),
    )


def numeric_problem(
    variables: Mapping[str, ArrayLike], design: Design, statistic: Statistic
) -> Problem:
    columns = {k: _column(k, v, design.n) for k, v in variables.items()}
    return _problem(
        list(columns),
        statistic,
        list(columns.values()),
        [~np.isnan(c) for c in columns.values()],
        design,
    )


def estimate_means(
    variables: Mapping[str, ArrayLike],
    design: Design,
    *,
    domain: ArrayLike | None = None,
    options: EstimationOptions = _DEFAULT,
) -> list[Estimate]:
    """Weighted (Hájek) means by domain.

    Parameters
    ----------
    variables
        Name to values (NaN for missing).
    design
        The design.
    domain
        Domain label per row; ``None`` for the whole population.
    options
        Estimation options.

    Returns
    -------
    list of Estimate

    Notes
    -----
    :math:`\\hat{\\bar y}_d = \\sum_{k \\in d} w_k y_k / \\sum_{k \\in d} w_k`, a ratio of
    two totals, with influence :math:`w_k (y_k - \\hat{\\bar y}_d) / \\hat N_d` in the
    domain and 0 outside it.

    References
    ----------
    .. [1] Särndal, C.-E., Swensson, B. and Wretman, J. (1992). *Model Assisted Survey
       Sampling*. Springer, §5.5-5.8.
    """
    return estimate_problem(numeric_problem(variables, design, "mean"), design, domain, options)


def estimate_totals(
    variables: Mapping[str, ArrayLike],
    design: Design,
    *,
    domain: ArrayLike | None = None,
    options: EstimationOptions = _DEFAULT,
) -> list[Estimate]:
    """Horvitz-Thompson (weighted) totals by domain.

    Notes
    -----
    :math:`\\hat Y_d = \\sum_{k \\in d} w_k y_k`; its influence is :math:`w_k y_k` in the
    domain and 0 outside it. Parameters and returns are those of :func:`estimate_means`.
    """
    return estimate_problem(numeric_problem(variables, design, "total"), design, domain, options)


def estimate_ratios(
    ratios: Mapping[str, tuple[ArrayLike, ArrayLike]],
    design: Design,
    *,
    domain: ArrayLike | None = None,
    options: EstimationOptions = _DEFAULT,
) -> list[Estimate]:
    """Ratios of two totals :math:`\\hat R_d = \\hat Y_d / \\hat X_d` by domain.

    Parameters
    ----------
    ratios
        Name to (numerator variable, denominator variable); a row missing either is left
        out.
    design, domain, options
        As :func:`estimate_means`.

    Notes
    -----
    Influence :math:`w_k (y_k - \\hat R_d x_k) / \\hat X_d` (R ``svyratio``).
    """
    names = list(ratios)
    ys = [_column(k, v[0], design.n) for k, v in ratios.items()]
    xs = [_column(k, v[1], design.n) for k, v in ratios.items()]
    usable = [~np.isnan(y) & ~np.isnan(x) for y, x in zip(ys, xs, strict=True)]
    problem = _problem(names, "ratio", ys, usable, design, x=xs)
    return estimate_problem(problem, design, domain, options)


def estimate_shares(
    variables: Mapping[str, ArrayLike],
    satisfied: Collection[float],
    design: Design,
    *,
    not_applicable: Collection[float] = (),
    domain: ArrayLike | None = None,
    options: EstimationOptions = _DEFAULT,
) -> list[Estimate]:
    """Shares of answers in ``satisfied`` among usable answers, by domain.

    Parameters
    ----------
    variables
        Name to answer codes (NaN for no answer).
    satisfied
        Codes that count as satisfied.
    design
        The design.
    not_applicable
        Codes ("not applicable", "don't know") left out of the denominator.
    domain, options
        As :func:`estimate_means`.

    Notes
    -----
    The share is the mean of the indicator :math:`1[y_k \\in S]` over rows with a usable
    answer; its default interval is logit (R ``svyciprop``).
    """
    good = np.asarray(list(satisfied), dtype=np.float64)
    skip = np.asarray(list(not_applicable), dtype=np.float64)
    columns = {k: _column(k, v, design.n) for k, v in variables.items()}
    usable = [~np.isnan(c) & ~np.isin(c, skip) for c in columns.values()]
    ys = [np.isin(c, good) & u for c, u in zip(columns.values(), usable, strict=True)]
    problem = _problem(list(columns), "share", ys, usable, design)
    return estimate_problem(problem, design, domain, options)

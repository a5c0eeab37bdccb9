"""Calibration of weights to known totals: post-stratification, raking, linear and bounded.

Categorical margins (unit, channel, field) are given as integer codes and handled with
``np.bincount``, so raking a million respondents over thousands of categories needs no
indicator matrix; calibration on numeric auxiliaries takes a dense matrix X.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from msgspec import Struct

from sampling._groups import cell_names
from sampling.errors import CalibrationError, EmptyCellError, WeightingError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CalibrationResult",
    "ConvergenceReport",
    "poststratify",
    "rake",
    "weight_open_link",
]


class ConvergenceReport(Struct, frozen=True):
    """How an iterative calibration went.

    Attributes
    ----------
    converged
        Whether every target was met within the tolerance.
    iterations
        Iterations (raking cycles or Newton steps) used.
    max_relative_error
        max |achieved − target| / max(|target|, 1) at the end.
    history
        The same error after each iteration.
    """

    converged: bool
    iterations: int
    max_relative_error: float
    history: tuple[float, ...]


class CalibrationResult(Struct, frozen=True):
    """Calibrated weights with their provenance.

    Attributes
    ----------
    weights
        Final weights.
    method
        ``"poststratification"``, ``"raking"`` or the distance function of :func:`calibrate`.
    report
        Convergence report.
    nonprobability
        True when the input was not a probability sample (open-link responses): the weights
        rest on the calibration model alone.
    """

    weights: NDArray[np.float64]
    method: str
    report: ConvergenceReport
    nonprobability: bool = False


def _weights(values: ArrayLike) -> NDArray[np.float64]:
    weights = np.asarray(values, dtype=np.float64)
    if weights.ndim != 1 or np.any(~np.isfinite(weights)) or np.any(weights < 0):
        raise WeightingError("weights must be a one-dimensional array of finite values >= 0")
    return weights


def _margin(
    codes: ArrayLike, totals: ArrayLike, size: int, name: str
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    ids = np.asarray(codes, dtype=np.int64)
    target = np.asarray(totals, dtype=np.float64)
    if ids.shape != (size,) or target.ndim != 1:
        raise WeightingError(f"{name}: one code per weight and one total per category needed")
    if ids.size and (ids.min() < 0 or ids.max() >= target.size):
        raise WeightingError(f"{name}: codes must lie in 0 … {target.size - 1}")
    if np.any(~np.isfinite(target)) or np.any(target < 0):
        raise WeightingError(f"{name}: totals must be finite and >= 0")
    return ids, target


def _labels(labels: Sequence[Sequence[str]] | None, k: int) -> list[str] | None:
    return None if labels is None else list(labels[k])


def _error(achieved: NDArray[Any], target: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.abs(achieved - target) / np.maximum(np.abs(target), 1.0)


def poststratify(
    weights: ArrayLike,
    cells: ArrayLike,
    totals: ArrayLike,
    *,
    labels: Sequence[str] | None = None,
) -> CalibrationResult:
    """Post-stratify: scale the weights of each cell to the cell's known total.

    Parameters
    ----------
    weights
        Input weights of the respondents (after nonresponse adjustment).
    cells
        Post-stratum code (0 … C-1) of each respondent.
    totals
        Known population count N_c of each post-stratum.
    labels
        Cell names for error messages.

    Returns
    -------
    CalibrationResult
        :math:`w_i N_c / \\sum_{j \\in c} w_j`.

    Raises
    ------
    EmptyCellError
        Naming the post-strata with a positive total but no respondent.

    References
    ----------
    .. [1] Holt, D. and Smith, T. M. F. (1979). Post stratification. *JRSS A* 142(1), 33–46.
    .. [2] Lumley, T. (2004–). R package ``survey``, ``postStratify``.
    """
    w = _weights(weights)
    ids, target = _margin(cells, totals, w.size, "cells")
    achieved = np.bincount(ids, w, target.size)
    empty = np.flatnonzero((target > 0) & (achieved <= 0))
    if empty.size:
        raise EmptyCellError("post-stratum", cell_names(empty, labels))
    factor = np.divide(target, achieved, out=np.zeros(target.size), where=achieved > 0)
    result = w * factor[ids]
    error = float(_error(np.bincount(ids, result, target.size), target).max(initial=0.0))
    report = ConvergenceReport(True, 1, error, (error,))
    return CalibrationResult(result, "poststratification", report)


def rake(
    weights: ArrayLike,
    margins: Sequence[ArrayLike],
    totals: Sequence[ArrayLike],
    *,
    tol: float = 1e-10,
    max_iter: int = 1000,
    labels: Sequence[Sequence[str]] | None = None,
    nonprobability: bool = False,
    margin_names: Sequence[str] | None = None,
) -> CalibrationResult:
    """Rake (iterative proportional fitting) the weights to several categorical margins.

    Parameters
    ----------
    weights
        Input weights.
    margins
        One array of category codes per margin (e.g. unit, channel, field of each
        respondent).
    totals
        Known population counts of each margin's categories.
    tol
        Convergence tolerance on max |achieved − target| / max(target, 1) over all cells.
    max_iter
        Maximum raking cycles (one cycle adjusts every margin once).
    labels
        Category names per margin, for error messages.
    nonprobability
        Flag the result as weights of a non-probability sample.
    margin_names
        Names of the margins in error messages (default ``margin 0``, ``margin 1``, ...).

    Returns
    -------
    CalibrationResult
        Raked weights and the convergence report.

    Raises
    ------
    EmptyCellError
        Naming categories with a positive total and no respondent.
    CalibrationError
        When the margins disagree on the grand total, or the cycles do not converge (naming
        the cells still off target); the exception carries the report.

    Notes
    -----
    Each cycle applies, margin by margin, :math:`w_i \\leftarrow w_i\\, T_{k,c} /
    \\sum_{j: c_k(j) = c} w_j`. The limit is the calibration estimator with the raking
    (multiplicative) distance, as R ``survey::rake`` and samplics ``SampleWeight.rake``.

    References
    ----------
    .. [1] Deming, W. E. and Stephan, F. F. (1940). On a least squares adjustment of a sampled
       frequency table when the expected marginal totals are known. *Ann. Math. Stat.* 11(4),
       427–444.
    .. [2] Deville, J.-C., Särndal, C.-E. and Sautory, O. (1993). Generalized raking
       procedures in survey sampling. *JASA* 88(423), 1013–1020.
    """
    w = _weights(weights).copy()
    if len(margins) != len(totals) or not margins:
        raise WeightingError("rake needs one totals array per margin, and at least one margin")
    pairs = [
        _margin(c, t, w.size, f"margin {k}")
        for k, (c, t) in enumerate(zip(margins, totals, strict=True))
    ]
    _check_margins(w, pairs, labels, margin_names)
    history: list[float] = []
    for _ in range(max_iter):
        for ids, target in pairs:
            achieved = np.bincount(ids, w, target.size)
            factor = np.divide(target, achieved, out=np.zeros(target.size), where=achieved > 0)
            w *= factor[ids]
        errors = [_error(np.bincount(i, w, t.size), t) for i, t in pairs]
        history.append(float(max(e.max(initial=0.0) for e in errors)))
        if history[-1] <= tol:
            report = ConvergenceReport(True, len(history), history[-1], tuple(history))
            return CalibrationResult(w, "raking", report, nonprobability)
    report = ConvergenceReport(False, len(history), history[-1], tuple(history))
    off = [
        f"{name}={cell}"
        for k, e in enumerate(errors)
        for name in [_margin_name(k, margin_names)]
        for cell in cell_names(np.flatnonzero(e > tol), _labels(labels, k))
    ]
    raise CalibrationError(f"raking did not converge in {max_iter} cycles", off, report)


def _margin_name(k: int, margin_names: Sequence[str] | None) -> str:
    return f"margin {k}" if margin_names is None else str(margin_names[k])


def _check_margins(
    w: NDArray[np.float64],
    pairs: list[tuple[NDArray[np.int64], NDArray[np.float64]]],
    labels: Sequence[Sequence[str]] | None,
    margin_names: Sequence[str] | None = None,
) -> None:
    """Every margin must reach the same grand total, and no target cell may be empty."""
    grand = [float(t.sum()) for _, t in pairs]
    if max(grand) - min(grand) > 1e-9 * max(max(grand), 1.0):
        raise CalibrationError(f"the margins disagree on the population total: {grand}")
    for k, (ids, target) in enumerate(pairs):
        empty = np.flatnonzero((target > 0) & (np.bincount(ids, w, target.size) <= 0))
        if empty.size:
            prefix = _margin_name(k, margin_names)
            names = [f"{prefix}={c}" for c in cell_names(empty, _labels(labels, k))]
            raise EmptyCellError("calibration cell", names)


def weight_open_link(
    margins: Sequence[ArrayLike],
    totals: Sequence[ArrayLike],
    *,
    tol: float = 1e-10,
    max_iter: int = 1000,
    labels: Sequence[Sequence[str]] | None = None,
) -> CalibrationResult:
    """Weight open-link (QR poster) responses by raking equal weights to frame counts.

    Parameters
    ----------
    margins, totals, tol, max_iter, labels
        As in :func:`rake`.

    Returns
    -------
    CalibrationResult
        Raked weights flagged ``nonprobability=True``: they remove the imbalance on the
        margins only, and their precision cannot be stated by design-based theory.

    References
    ----------
    .. [1] Elliott, M. R. and Valliant, R. (2017). Inference for nonprobability samples.
       *Statistical Science* 32(2), 249–264.
    """
    if not margins:
        raise WeightingError("weight_open_link needs at least one margin")
    size = np.asarray(margins[0]).size
    start = np.full(size, float(np.sum(totals[0])) / max(size, 1))
    return rake(
        start, margins, totals, tol=tol, max_iter=max_iter, labels=labels, nonprobability=True
    )

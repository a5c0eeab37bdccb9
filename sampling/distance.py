"""Generalised calibration with a distance function: linear (GREG), truncated, logit, raking.

Solves the calibration equations :math:`\\sum_i d_i F(x_i^\\top\\lambda) x_i = t_x` by
Newton's method for the Lagrange multipliers λ: :func:`calibrate` with numeric or indicator
auxiliaries in a dense matrix X (one row per respondent), :func:`calibrate_margins` with
categorical margins given as integer codes (no indicator matrix is built).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from sampling._groups import cell_names
from sampling.calibration import (
    CalibrationResult,
    ConvergenceReport,
    _check_margins,
    _margin,
    _margin_name,
    _weights,
)
from sampling.errors import CalibrationError, WeightingError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, NDArray

__all__ = ["DistanceFunction", "calibrate", "calibrate_margins"]

DistanceFunction = Literal["linear", "truncated", "logit", "raking"]


def _g(
    method: DistanceFunction, u: NDArray[np.float64], low: float, high: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The calibration function F(u) = g-weight and its derivative F'(u)."""
    if method == "linear":
        return 1.0 + u, np.ones_like(u)
    if method == "truncated":
        g = 1.0 + u
        inside = (g > low) & (g < high)
        return np.clip(g, low, high), inside.astype(np.float64)
    if method == "raking":
        g = np.exp(u)
        return g, g
    a = (high - low) / ((1.0 - low) * (high - 1.0))
    # exp(a u) overflows for large u; the limit of F is then the upper bound.
    e = np.exp(np.clip(a * u, -700.0, 700.0))
    denominator = (high - 1.0) + (1.0 - low) * e
    g = (low * (high - 1.0) + high * (1.0 - low) * e) / denominator
    # F' = A (F - L)(U - F) / (U - L): the same as differentiating the quotient, without
    # squaring a denominator that may be huge.
    slope = a * (g - low) * (high - g) / (high - low)
    return g, slope


def _check(method: DistanceFunction, bounds: tuple[float, float] | None) -> tuple[float, float]:
    if method in ("linear", "raking"):
        if bounds is not None:
            raise WeightingError(f"{method} calibration takes no bounds; use truncated or logit")
        return -np.inf, np.inf
    if method not in ("truncated", "logit"):
        raise WeightingError(f"unknown distance function {method!r}")
    if bounds is None or not bounds[0] < 1.0 < bounds[1]:
        raise WeightingError(f"{method} calibration needs bounds L < 1 < U, got {bounds}")
    return float(bounds[0]), float(bounds[1])


def calibrate(
    weights: ArrayLike,
    x: ArrayLike,
    totals: ArrayLike,
    *,
    method: DistanceFunction = "linear",
    bounds: tuple[float, float] | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
    names: Sequence[str] | None = None,
    nonprobability: bool = False,
) -> CalibrationResult:
    """Calibrate weights to known totals of auxiliary variables.

    Parameters
    ----------
    weights
        Input (design) weights d_i.
    x
        Auxiliary values, shape (n, p): numeric variables and/or category indicators
        (an intercept column calibrates to the population size).
    totals
        Known population totals :math:`t_x` of the p columns.
    method
        Distance function: ``"linear"`` (chi-square distance, the GREG weights),
        ``"truncated"`` (linear with the g-weights clipped to [L, U]), ``"logit"`` (bounded
        logit distance) or ``"raking"`` (multiplicative).
    bounds
        (L, U) with L < 1 < U for the bounded methods: g = w/d stays in [L, U].
    tol
        Convergence tolerance on max |Σ w x − t| / max(|t|, 1).
    max_iter
        Maximum Newton steps.
    names
        Column names for error messages.
    nonprobability
        Flag the result as weights of a non-probability sample.

    Returns
    -------
    CalibrationResult
        :math:`w_i = d_i F(x_i^\\top \\lambda)` and the convergence report.

    Raises
    ------
    CalibrationError
        When the totals cannot be met (bounds too tight, collinear or empty constraints),
        naming the constraints still off target.

    Notes
    -----
    Newton's step is :math:`\\lambda \\leftarrow \\lambda + (X^\\top D F'(X\\lambda) X)^{+}
    (t_x - X^\\top D F(X\\lambda))` from λ = 0 (pseudo-inverse for rank-deficient X). With
    A = (U − L)/((1 − L)(U − 1)) the logit function is

    .. math:: F(u) = \\frac{L(U-1) + U(1-L)e^{Au}}{(U-1) + (1-L)e^{Au}}.

    Linear calibration converges in one step: :math:`w = d(1 + x^\\top\\lambda)`,
    :math:`\\lambda = (X^\\top D X)^{-1}(t_x - \\hat t_x)`. The results match R
    ``survey::calibrate`` with ``calfun`` linear, logit and raking.

    References
    ----------
    .. [1] Deville, J.-C. and Särndal, C.-E. (1992). Calibration estimators in survey
       sampling. *JASA* 87(418), 376–382.
    .. [2] Deville, J.-C., Särndal, C.-E. and Sautory, O. (1993). Generalized raking
       procedures in survey sampling. *JASA* 88(423), 1013–1020.
    .. [3] Lumley, T. (2004–). R package ``survey``, ``calibrate`` and ``grake``.
    """
    d = np.asarray(weights, dtype=np.float64)
    aux = np.asarray(x, dtype=np.float64)
    target = np.asarray(totals, dtype=np.float64)
    if aux.ndim != 2 or aux.shape != (d.size, target.size) or np.any(~np.isfinite(aux)):
        raise WeightingError("x must be finite with shape (len(weights), len(totals))")
    if np.any(~np.isfinite(d)) or np.any(d < 0):
        raise WeightingError("weights must be finite and >= 0")
    low, high = _check(method, bounds)
    lam = np.zeros(target.size)
    history: list[float] = []
    for _ in range(max_iter):
        g, slope = _g(method, aux @ lam, low, high)
        gap = target - aux.T @ (d * g)
        history.append(float((np.abs(gap) / np.maximum(np.abs(target), 1.0)).max(initial=0.0)))
        if history[-1] <= tol:
            report = ConvergenceReport(True, len(history) - 1, history[-1], tuple(history))
            return CalibrationResult(d * g, method, report, nonprobability)
        hessian = aux.T @ ((d * slope)[:, None] * aux)
        lam = lam + np.linalg.pinv(hessian) @ gap
    report = ConvergenceReport(False, len(history), history[-1], tuple(history))
    relative = np.abs(gap) / np.maximum(np.abs(target), 1.0)
    off = [names[j] if names else f"x[{j}]" for j in np.flatnonzero(relative > tol).tolist()]
    raise CalibrationError(
        f"{method} calibration did not converge in {max_iter} steps", off, report
    )


def _cross_products(
    pairs: list[tuple[NDArray[np.int64], NDArray[np.float64]]], weight: NDArray[np.float64]
) -> NDArray[np.float64]:
    """X^T diag(weight) X of the stacked category indicators, from counts of code pairs."""
    sizes = [t.size for _, t in pairs]
    starts = np.cumsum([0, *sizes])
    matrix = np.zeros((starts[-1], starts[-1]))
    for k, (ids_k, _) in enumerate(pairs):
        block = slice(starts[k], starts[k + 1])
        matrix[block, block] = np.diag(np.bincount(ids_k, weight, sizes[k]))
        for m in range(k + 1, len(pairs)):
            ids_m = pairs[m][0]
            cross = np.bincount(ids_k * sizes[m] + ids_m, weight, sizes[k] * sizes[m])
            matrix[block, starts[m] : starts[m + 1]] = cross.reshape(sizes[k], sizes[m])
            matrix[starts[m] : starts[m + 1], block] = cross.reshape(sizes[k], sizes[m]).T
    return matrix


def _newton_step(
    pairs: list[tuple[NDArray[np.int64], NDArray[np.float64]]],
    weight: NDArray[np.float64],
    gap: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Solve (X^T diag(weight) X) step = gap, the largest margin's block eliminated first.

    That margin (the units: thousands of categories) has a diagonal block, so only the
    Schur complement of the other margins (tens of categories) needs a dense least-squares
    solve. A category whose members all have zero slope (all clipped) gets no step.
    """
    sizes = [t.size for _, t in pairs]
    starts = np.cumsum([0, *sizes])
    big = int(np.argmax(sizes))
    ids = pairs[big][0]
    rest = [m for m in range(len(pairs)) if m != big]
    diagonal = np.bincount(ids, weight, sizes[big])
    inverse = np.divide(1.0, diagonal, out=np.zeros(sizes[big]), where=diagonal > 0)
    own = gap[starts[big] : starts[big + 1]]
    step = np.zeros(gap.size)
    if not rest:
        step[:] = inverse * own
        return step
    cross = np.hstack(
        [
            np.bincount(ids * sizes[m] + pairs[m][0], weight, sizes[big] * sizes[m]).reshape(
                sizes[big], sizes[m]
            )
            for m in rest
        ]
    )
    schur = _cross_products([pairs[m] for m in rest], weight) - cross.T @ (inverse[:, None] * cross)
    others = np.concatenate([gap[starts[m] : starts[m + 1]] for m in rest])
    solved = np.linalg.lstsq(schur, others - cross.T @ (inverse * own), rcond=None)[0]
    step[starts[big] : starts[big + 1]] = inverse * (own - cross @ solved)
    positions = np.concatenate([np.arange(starts[m], starts[m + 1]) for m in rest])
    step[positions] = solved
    return step


def _check_bounds(
    d: NDArray[np.float64],
    pairs: list[tuple[NDArray[np.int64], NDArray[np.float64]]],
    bounds: tuple[float, float],
    labels: Sequence[Sequence[str]] | None,
    margin_names: Sequence[str] | None,
) -> None:
    """Each category's total must lie within [L, U] times its input weight total."""
    off = []
    for k, (ids, target) in enumerate(pairs):
        have = np.bincount(ids, d, target.size)
        bad = np.flatnonzero((target < bounds[0] * have) | (target > bounds[1] * have))
        names = None if labels is None else labels[k]
        # Empty cells were refused before, so every cell here has input weight.
        for code, name in zip(bad.tolist(), cell_names(bad, names), strict=True):
            needs = target[code] / have[code]
            off.append(f"{_margin_name(k, margin_names)}={name} (needs g = {needs:.3g})")
    if off:
        raise CalibrationError(
            f"no weights with g-weights in [{bounds[0]:g}, {bounds[1]:g}] reach these totals",
            off,
        )


def calibrate_margins(
    weights: ArrayLike,
    margins: Sequence[ArrayLike],
    totals: Sequence[ArrayLike],
    *,
    method: DistanceFunction = "linear",
    bounds: tuple[float, float] | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
    labels: Sequence[Sequence[str]] | None = None,
    nonprobability: bool = False,
    margin_names: Sequence[str] | None = None,
) -> CalibrationResult:
    """Calibrate weights to the counts of several categorical margins with a distance function.

    Parameters
    ----------
    weights
        Input weights d_i.
    margins
        One array of category codes (0 … C_k - 1) per margin, e.g. unit and channel.
    totals
        Known population counts of each margin's categories.
    method, bounds, tol, max_iter, nonprobability
        As in :func:`calibrate`.
    labels
        Category names per margin, for error messages.
    margin_names
        Names of the margins in error messages (default ``margin 0``, ``margin 1``, ...).

    Returns
    -------
    CalibrationResult
        The calibrated weights :math:`d_i F(\\sum_k \\lambda_{k, c_k(i)})` and the convergence
        report.

    Raises
    ------
    EmptyCellError
        Naming categories with a positive total and no respondent.
    CalibrationError
        When the margins disagree on the grand total, when the bounds cannot reach a
        category's total (naming it, with the g it would need), or when Newton's method does
        not converge (naming the categories still off target).

    Notes
    -----
    This is :func:`calibrate` with X the indicators of every category of every margin.
    X^T D X is formed from counts of pairs of codes; the largest margin's block is diagonal
    and is eliminated first, and the Schur complement of the others is solved by least
    squares because the indicators are collinear (each margin's indicators sum to 1). Every
    solution gives the same step in X λ, hence the same weights.
    A bounded method can only succeed if every category's total lies between L and U times
    its sum of input weights; that necessary condition is checked first.
    """
    d = _weights(weights)
    if len(margins) != len(totals) or not margins:
        raise WeightingError("calibration needs one totals array per margin, and one margin")
    pairs = [
        _margin(c, t, d.size, f"margin {k}")
        for k, (c, t) in enumerate(zip(margins, totals, strict=True))
    ]
    low, high = _check(method, bounds)
    _check_margins(d, pairs, labels, margin_names)
    if bounds is not None:
        _check_bounds(d, pairs, (low, high), labels, margin_names)
    starts = np.cumsum([0, *[t.size for _, t in pairs]])
    target = np.concatenate([t for _, t in pairs])
    lam = np.zeros(target.size)
    history: list[float] = []
    for _ in range(max_iter):
        u = sum((lam[starts[k] + ids] for k, (ids, _) in enumerate(pairs)), np.zeros(d.size))
        g, slope = _g(method, u, low, high)
        achieved = np.concatenate([np.bincount(i, d * g, t.size) for i, t in pairs])
        gap = target - achieved
        relative = np.abs(gap) / np.maximum(np.abs(target), 1.0)
        history.append(float(relative.max(initial=0.0)))
        if history[-1] <= tol:
            report = ConvergenceReport(True, len(history) - 1, history[-1], tuple(history))
            return CalibrationResult(d * g, method, report, nonprobability)
        lam = lam + _newton_step(pairs, d * slope, gap)
    report = ConvergenceReport(False, len(history), history[-1], tuple(history))
    off: list[str] = []
    for k in range(len(pairs)):
        part = np.flatnonzero(relative[starts[k] : starts[k + 1]] > tol)
        names = None if labels is None else labels[k]
        prefix = _margin_name(k, margin_names)
        off.extend(f"{prefix}={name}" for name in cell_names(part, names))
    raise CalibrationError(
        f"{method} calibration did not converge in {max_iter} steps", off, report
    )

"""Generalised calibration with a distance function: linear (GREG), truncated, logit, raking.

Solves the calibration equations :math:`\\sum_i d_i F(x_i^\\top\\lambda) x_i = t_x` by
Newton's method for the Lagrange multipliers λ, with numeric or indicator auxiliaries in a
dense matrix X (one row per respondent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from sampling.calibration import CalibrationResult, ConvergenceReport
from sampling.errors import CalibrationError, WeightingError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, NDArray

__all__ = ["DistanceFunction", "calibrate"]

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
    slope = a * e * (1.0 - low) * (high - 1.0) * (high - low) / denominator**2
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

"""Small-area estimation: the Fay-Herriot area-level model, REML, with its MSE.

Model: :math:`\\hat\\theta_i = x_i^\\top\\beta + v_i + e_i` with area effects
:math:`v_i \\sim N(0, A)` and sampling errors :math:`e_i \\sim N(0, \\psi_i)`, the
:math:`\\psi_i` known (from the design). :math:`A` is fitted by restricted maximum
likelihood with Fisher scoring; the EBLUP
:math:`\\tilde\\theta_i = \\gamma_i \\hat\\theta_i + (1 - \\gamma_i) x_i^\\top\\hat\\beta`,
:math:`\\gamma_i = A / (A + \\psi_i)`, shrinks the direct estimates of small units towards
the synthetic one, and its MSE is estimated by the Prasad-Rao / Datta-Lahiri formula.

Shares are modelled on the arcsine square-root scale :math:`\\arcsin\\sqrt{p}`, whose
sampling variance :math:`1 / (4 n_{eff})` depends only on the effective sample size and
stays positive at 0 % and 100 % (where the direct variance is 0 and would let the model
trust such units completely); the EBLUP is transformed back by :math:`\\sin^2` and its
MSE by the delta method. ``transform="none"`` models the shares themselves with
:math:`\\psi_i = se_i^2`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import msgspec
import numpy as np
from numpy.typing import ArrayLike, NDArray

from analysis.errors import ModelError
from analysis.results import Estimate

__all__ = [
    "FayHerriotFit",
    "SmallAreaEstimate",
    "Transform",
    "fay_herriot",
    "small_area_estimates",
]

FloatArray = NDArray[np.float64]

Transform = Literal["arcsine", "none"]
"""Scale of the area-level model for shares."""


class FayHerriotFit(msgspec.Struct, frozen=True, kw_only=True):
    """A fitted Fay-Herriot model (on the model scale).

    Attributes
    ----------
    model_variance
        REML estimate of :math:`A` (0 when truncated).
    coefficients
        :math:`\\hat\\beta` (intercept first).
    eblup, mse
        EBLUP and its estimated MSE per area.
    shrinkage
        :math:`\\gamma_i = A / (A + \\psi_i)`, the weight of the direct estimate.
    iterations, converged
        Fisher-scoring iterations and whether the tolerance was met.
    """

    model_variance: float
    coefficients: tuple[float, ...]
    eblup: tuple[float, ...]
    mse: tuple[float, ...]
    shrinkage: tuple[float, ...]
    iterations: int
    converged: bool


class SmallAreaEstimate(msgspec.Struct, frozen=True, kw_only=True):
    """The EBLUP of one domain beside its direct estimate.

    Attributes
    ----------
    variable, domain
        What is estimated.
    direct, direct_se
        The design-based estimate and its standard error.
    eblup, rmse
        The Fay-Herriot estimate and the square root of its estimated MSE.
    shrinkage
        Weight of the direct estimate in the EBLUP (model scale).
    model_variance
        Fitted variance of the area effects (model scale).
    transform
        Scale of the model.
    n, n_eff
        Respondents and effective sample size behind the direct estimate.
    """

    variable: str
    domain: str | None
    direct: float
    direct_se: float
    eblup: float
    rmse: float
    shrinkage: float
    model_variance: float
    transform: Transform
    n: int
    n_eff: float


def _gls(y: FloatArray, x: FloatArray, v: FloatArray) -> tuple[FloatArray, FloatArray]:
    xw = x / v[:, None]
    info = x.T @ xw
    try:
        inverse = np.asarray(np.linalg.inv(info), dtype=np.float64)
    except np.linalg.LinAlgError as exc:
        raise ModelError("covariates are collinear: X'V^-1X is singular") from exc
    return inverse @ (xw.T @ y), inverse


def _reml_step(y: FloatArray, x: FloatArray, psi: FloatArray, a: float) -> float:
    # Score and information of the restricted likelihood in A, in O(m p^2):
    # P y = V^-1 (y - X beta); tr P = tr V^-1 - tr(M^-1 X'V^-2 X);
    # tr PP = tr V^-2 - 2 tr(M^-1 X'V^-3 X) + tr((M^-1 X'V^-2 X)^2), M = X'V^-1 X.
    v = a + psi
    beta, inverse = _gls(y, x, v)
    py = (y - x @ beta) / v
    k2 = inverse @ (x.T @ (x / (v * v)[:, None]))
    k3 = inverse @ (x.T @ (x / (v**3)[:, None]))
    trace_p = float(np.sum(1.0 / v) - np.trace(k2))
    trace_pp = float(np.sum(v**-2.0) - 2.0 * np.trace(k3) + np.trace(k2 @ k2))
    score = -0.5 * trace_p + 0.5 * float(py @ py)
    return score / (0.5 * trace_pp)


def fay_herriot(
    direct: ArrayLike,
    variance: ArrayLike,
    covariates: ArrayLike | None = None,
    *,
    tol: float = 1e-12,
    max_iter: int = 500,
) -> FayHerriotFit:
    """Fit the Fay-Herriot model by REML and return EBLUPs with their MSE.

    Parameters
    ----------
    direct
        Direct estimates :math:`\\hat\\theta_i` of ``m`` areas.
    variance
        Their sampling variances :math:`\\psi_i > 0`.
    covariates
        Area-level covariates, shape ``(m, p)``, without the intercept (added).
    tol
        Convergence tolerance on the relative change of :math:`A`.
    max_iter
        Maximum Fisher-scoring iterations.

    Returns
    -------
    FayHerriotFit

    Raises
    ------
    ModelError
        Fewer areas than coefficients plus two, non-positive variances, collinear
        covariates.

    Notes
    -----
    Fisher scoring :math:`A \\leftarrow A + s(A) / I(A)` with the REML score
    :math:`s = -\\tfrac12 \\operatorname{tr} P + \\tfrac12 y^\\top P P y` and information
    :math:`I = \\tfrac12 \\operatorname{tr} PP`, truncated at 0. The MSE is
    :math:`g_1 + g_2 + 2 g_3` with :math:`g_1 = \\gamma_i\\psi_i`,
    :math:`g_2 = (1-\\gamma_i)^2 x_i^\\top (X^\\top V^{-1} X)^{-1} x_i`,
    :math:`g_3 = \\psi_i^2 (A + \\psi_i)^{-3}\\, 2 / \\sum_j (A + \\psi_j)^{-2}`.

    References
    ----------
    .. [1] Fay, R. E. and Herriot, R. A. (1979). Estimates of income for small places.
       *JASA* 74, 269-277.
    .. [2] Prasad, N. G. N. and Rao, J. N. K. (1990). The estimation of the mean squared
       error of small-area estimators. *JASA* 85, 163-171.
    .. [3] Datta, G. S. and Lahiri, P. (2000). A unified measure of uncertainty of estimated
       best linear unbiased predictors in small area estimation problems. *Statistica
       Sinica* 10, 613-627.
    .. [4] Rao, J. N. K. and Molina, I. (2015). *Small Area Estimation*, 2nd ed. Wiley,
       §6.1-6.2.
    """
    y = np.asarray(direct, dtype=np.float64).reshape(-1)
    psi = np.asarray(variance, dtype=np.float64).reshape(-1)
    m = y.size
    extra = np.zeros((m, 0)) if covariates is None else np.asarray(covariates, dtype=np.float64)
    x = np.column_stack([np.ones(m), extra.reshape(m, -1)])
    if psi.shape != y.shape or not np.all(np.isfinite(psi)) or np.any(psi <= 0):
        raise ModelError("sampling variances must be positive and finite, one per area")
    if m < x.shape[1] + 2 or not np.all(np.isfinite(y)):
        raise ModelError(f"{m} areas cannot fit {x.shape[1]} coefficients and a variance")
    a = max(float(np.var(y)) - float(np.mean(psi)), float(np.mean(psi)))
    converged, iterations = False, 0
    while iterations < max_iter and not converged:
        iterations += 1
        step = _reml_step(y, x, psi, a)
        new = max(a + step, 0.0)
        converged = abs(new - a) <= tol * max(a, 1e-300) or (new == 0.0 and a == 0.0)
        a = new
    return _predict(y, x, psi, a, iterations, converged)


def _predict(
    y: FloatArray, x: FloatArray, psi: FloatArray, a: float, iterations: int, converged: bool
) -> FayHerriotFit:
    v = a + psi
    beta, inverse = _gls(y, x, v)
    gamma = a / v
    g1 = gamma * psi
    g2 = (1.0 - gamma) ** 2 * np.einsum("ij,jk,ik->i", x, inverse, x)
    g3 = psi**2 / v**3 * (2.0 / np.sum(v**-2.0))
    eblup = gamma * y + (1.0 - gamma) * (x @ beta)
    return FayHerriotFit(
        model_variance=a,
        coefficients=tuple(beta.tolist()),
        eblup=tuple(eblup.tolist()),
        mse=tuple((g1 + g2 + 2.0 * g3).tolist()),
        shrinkage=tuple(gamma.tolist()),
        iterations=iterations,
        converged=converged,
    )


def small_area_estimates(
    estimates: Sequence[Estimate],
    covariates: ArrayLike | None = None,
    *,
    transform: Transform = "arcsine",
) -> list[SmallAreaEstimate]:
    """Fay-Herriot EBLUPs of one variable across domains (units), beside the direct ones.

    Parameters
    ----------
    estimates
        Direct estimates of one share or index, one per domain.
    covariates
        Area-level covariates aligned with ``estimates``, shape ``(m, p)``.
    transform
        ``"arcsine"`` (default: :math:`\\arcsin\\sqrt p` with
        :math:`\\psi = 1/(4\\max(n_{eff}, 1))`) or ``"none"`` (:math:`\\psi = se^2`).

    Returns
    -------
    list of SmallAreaEstimate

    Raises
    ------
    ModelError
        Several variables, fewer than 3 domains, or a zero standard error with
        ``transform="none"``.
    """
    if len({e.variable for e in estimates}) != 1:
        raise ModelError("small-area estimates need the estimates of exactly one variable")
    p = np.array([e.estimate for e in estimates])
    if transform == "arcsine":
        y = np.arcsin(np.sqrt(np.clip(p, 0.0, 1.0)))
        psi = 1.0 / (4.0 * np.maximum([e.n_eff for e in estimates], 1.0))
    else:
        y, psi = p, np.array([e.se**2 for e in estimates])
        if np.any(psi <= 0):
            bad = next(e.domain for e in estimates if e.se <= 0)
            raise ModelError(f"domain {bad!r} has a zero standard error; use transform='arcsine'")
    fit = fay_herriot(y, psi, covariates)
    theta, mse = np.array(fit.eblup), np.array(fit.mse)
    if transform == "arcsine":
        theta = np.clip(theta, 0.0, np.pi / 2.0)
        theta, mse = np.sin(theta) ** 2, np.sin(2.0 * theta) ** 2 * mse
    return [
        SmallAreaEstimate(
            variable=e.variable,
            domain=e.domain,
            direct=e.estimate,
            direct_se=e.se,
            eblup=float(t),
            rmse=float(np.sqrt(s)),
            shrinkage=g,
            model_variance=fit.model_variance,
            transform=transform,
            n=e.n,
            n_eff=e.n_eff,
        )
        for e, t, s, g in zip(estimates, theta, mse, fit.shrinkage, strict=True)
    ]

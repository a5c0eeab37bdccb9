"""Sample sizes for estimating a proportion, and the margin of error a size gives.

All functions are vectorised over strata or domains: pass arrays of population sizes and get
arrays back.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np

from sampling.errors import DesignError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "expected_margin",
    "margin_sample_size",
    "normal_quantile",
    "stratified_margin",
    "yamane_sample_size",
]


def normal_quantile(confidence: float) -> float:
    """Return the two-sided standard normal quantile z for a confidence level.

    Parameters
    ----------
    confidence
        Confidence level in (0, 1), e.g. 0.95.

    Returns
    -------
    float
        :math:`z_{1-\\alpha/2}` with :math:`\\alpha = 1 - \\text{confidence}` (1.959964 for 0.95).
    """
    if not 0.0 < confidence < 1.0:
        raise DesignError(f"confidence must lie in (0, 1), got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def _population(population: ArrayLike) -> NDArray[np.float64]:
    values = np.asarray(population, dtype=np.float64)
    if np.any(~np.isfinite(values)) or np.any(values < 1):
        raise DesignError("population sizes must be finite and at least 1")
    return values


def _check_unit_interval(name: str, value: float, *, closed_high: bool = False) -> None:
    ok = 0.0 < value <= 1.0 if closed_high else 0.0 < value < 1.0
    if not ok:
        raise DesignError(f"{name} must lie in (0, 1{']' if closed_high else ')'}, got {value}")


def margin_sample_size(
    population: ArrayLike,
    margin: float,
    *,
    confidence: float = 0.95,
    proportion: float = 0.5,
    deff: float = 1.0,
    response_rate: float = 1.0,
) -> NDArray[np.int64]:
    """Return the number of sample members to select for a target margin of error.

    Parameters
    ----------
    population
        Population size N of each stratum or domain.
    margin
        Target half-width e of the confidence interval of the proportion (0.05 for ±5 points).
    confidence
        Confidence level of the interval.
    proportion
        Anticipated proportion P (0.5 is the conservative choice).
    deff
        Anticipated design effect of the estimator (1 for simple random sampling).
    response_rate
        Anticipated share of selected members who respond, in (0, 1].

    Returns
    -------
    NDArray[np.int64]
        Sample size to select, never more than N.

    Notes
    -----
    With :math:`n_0 = z^2\\,\\text{deff}\\,P(1-P)/e^2` the number of respondents needed is
    Cochran's finite-population form

    .. math:: m = \\frac{n_0}{1 + (n_0 - 1)/N} = \\frac{N n_0}{N - 1 + n_0},

    which solves :math:`z^2\\,\\text{deff}\\,(1 - m/N)\\,S^2/m = e^2` exactly for the population
    variance :math:`S^2 = N P(1-P)/(N-1)`. The size to select is
    :math:`n = \\lceil m / \\text{RR} \\rceil`, capped at N. With deff = 1 this is the formula of
    samplics' ``SampleSize(param="proportion", method="wald")``; samplics multiplies by deff
    *after* the finite-population correction, which asks slightly more when the sampling
    fraction is large.

    References
    ----------
    .. [1] Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed., Wiley, §4.4.
    .. [2] Lohr, S. L. (2019). *Sampling: Design and Analysis*, 2nd ed., CRC Press, §2.9.
    """
    size = _population(population)
    _check_unit_interval("margin", margin)
    _check_unit_interval("proportion", proportion)
    _check_unit_interval("response_rate", response_rate, closed_high=True)
    if deff <= 0:
        raise DesignError(f"deff must be positive, got {deff}")
    z = normal_quantile(confidence)
    n0 = z * z * deff * proportion * (1.0 - proportion) / (margin * margin)
    respondents = size * n0 / (size - 1.0 + n0)
    # The 1e-9 guard keeps an exact integer (up to rounding noise) from being pushed up by one.
    selected = np.ceil(respondents / response_rate - 1e-9)
    return np.minimum(selected, size).astype(np.int64)


def yamane_sample_size(population: ArrayLike, error: float = 0.05) -> NDArray[np.int64]:
    """Return the sample size of the n = N / (1 + N e²) rule (Yamane, or Slovin's formula).

    Parameters
    ----------
    population
        Population size N of each stratum or domain.
    error
        Precision e (0.05 in Vietnamese SIPAS practice since 2012).

    Returns
    -------
    NDArray[np.int64]
        :math:`\\lceil N / (1 + N e^2) \\rceil`.

    Notes
    -----
    The rule is Cochran's size for P = 0.5 at about 95 % confidence with the z² = 4 and the
    finite-population correction simplified; it takes neither a design effect nor a response
    rate.

    References
    ----------
    .. [1] Yamane, T. (1967). *Statistics: An Introductory Analysis*, 2nd ed., Harper & Row.
    .. [2] Ministry of Home Affairs (2012). SIPAS method: n = N/(1+N·e²), e = 5 %.
    """
    size = _population(population)
    _check_unit_interval("error", error)
    return np.ceil(size / (1.0 + size * error * error) - 1e-9).astype(np.int64)


def expected_margin(
    respondents: ArrayLike,
    population: ArrayLike,
    *,
    confidence: float = 0.95,
    proportion: float = 0.5,
    deff: float = 1.0,
) -> NDArray[np.float64]:
    """Return the margin of error of a proportion estimated from m respondents out of N.

    Parameters
    ----------
    respondents
        Expected number of respondents m per stratum or domain.
    population
        Population size N.
    confidence, proportion, deff
        As in :func:`margin_sample_size`.

    Returns
    -------
    NDArray[np.float64]
        :math:`e = z\\sqrt{\\text{deff}\\,(1 - m/N)\\,S^2/m}` with
        :math:`S^2 = N P(1-P)/(N-1)`; 0 for a census, ``inf`` without respondents.

    References
    ----------
    .. [1] Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed., Wiley, §4.4.
    """
    size = _population(population)
    m = np.asarray(respondents, dtype=np.float64)
    return _margin(m, size, normal_quantile(confidence), proportion, deff)


def _margin(
    m: NDArray[np.float64], size: NDArray[np.float64], z: float, proportion: float, deff: float
) -> NDArray[np.float64]:
    m_safe = np.where(m > 0, m, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = np.where(size > 1, size / np.maximum(size - 1.0, 1.0), 1.0) * proportion
        s2 = s2 * (1.0 - proportion)
    variance = deff * np.clip(1.0 - m / size, 0.0, 1.0) * s2 / m_safe
    return np.where(m > 0, z * np.sqrt(variance), np.inf)


def stratified_margin(
    domain: ArrayLike,
    population: ArrayLike,
    respondents: ArrayLike,
    *,
    confidence: float = 0.95,
    proportion: float = 0.5,
    deff: float = 1.0,
) -> NDArray[np.float64]:
    """Return the margin of error of each domain's proportion under stratified sampling.

    Parameters
    ----------
    domain
        Domain code (0 … D-1) of each stratum; domains are unions of strata (e.g. a unit's
        channels).
    population, respondents
        N_h and the expected respondents m_h of each stratum.
    confidence, proportion, deff
        As in :func:`margin_sample_size`.

    Returns
    -------
    NDArray[np.float64]
        One margin per domain, ``inf`` when a stratum with members has no respondents.

    Notes
    -----
    .. math::

        V_d = \\text{deff} \\sum_{h \\in d} W_h^2 (1 - m_h/N_h) S_h^2 / m_h,\\quad
        W_h = N_h / N_d,\\quad e_d = z \\sqrt{V_d}.

    References
    ----------
    .. [1] Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed., Wiley, §5.3.
    """
    codes = np.asarray(domain, dtype=np.int64)
    size = _population(population)
    m = np.asarray(respondents, dtype=np.float64)
    z = normal_quantile(confidence)
    count = int(codes.max()) + 1 if codes.size else 0
    domain_size = np.bincount(codes, weights=size, minlength=count)
    per_stratum = (_margin(m, size, z, proportion, deff) / z) ** 2
    share = size / domain_size[codes]
    return z * np.sqrt(np.bincount(codes, weights=share * share * per_stratum, minlength=count))

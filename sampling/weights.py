"""Weights after selection: reserve release, nonresponse adjustment, trimming, diagnostics.

The weighting chain of a probability sample is::

    base weight 1/π ─► adjust_nonresponse ─► poststratify / rake / calibrate ─► trim_weights

and :func:`weight_diagnostics` reports on the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from msgspec import Struct

from sampling._groups import cell_names
from sampling.errors import EmptyCellError, WeightingError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "TrimResult",
    "WeightDiagnostics",
    "adjust_nonresponse",
    "group_medians",
    "release_base_weights",
    "trim_weights",
    "weight_diagnostics",
]


def _codes(values: ArrayLike, size: int, what: str) -> NDArray[np.int64]:
    codes = np.asarray(values, dtype=np.int64)
    if codes.shape != (size,) or (codes.size and codes.min() < 0):
        raise WeightingError(f"{what} must be non-negative integer codes, one per weight")
    return codes


def _weights(values: ArrayLike) -> NDArray[np.float64]:
    weights = np.asarray(values, dtype=np.float64)
    if weights.ndim != 1 or np.any(~np.isfinite(weights)) or np.any(weights < 0):
        raise WeightingError("weights must be a one-dimensional array of finite values >= 0")
    return weights


def release_base_weights(
    strata: ArrayLike, population: ArrayLike, fielded: ArrayLike
) -> NDArray[np.float64]:
    """Return base weights N_h / f_h of an equal-probability sample after releasing reserves.

    Parameters
    ----------
    strata
        Stratum code of each drawn member (main and reserve).
    population
        N_h per stratum.
    fielded
        True for the members actually fielded (the main sample plus released reserves).

    Returns
    -------
    NDArray[np.float64]
        N_h / f_h for fielded members (f_h = fielded count of stratum h), 0 for the rest.

    Notes
    -----
    Reserves are released in their random order, so the fielded set of a systematic or simple
    random stratum sample is itself an equal-probability sample of size f_h.
    """
    ids = np.asarray(strata, dtype=np.int64)
    used = np.asarray(fielded, dtype=np.bool_)
    size = np.asarray(population, dtype=np.float64)
    count = np.bincount(ids[used], minlength=size.size).astype(np.float64)
    with np.errstate(divide="ignore"):
        per_stratum = np.where(count > 0, size / np.maximum(count, 1.0), 0.0)
    return np.where(used, per_stratum[ids], 0.0)


def adjust_nonresponse(
    weights: ArrayLike,
    responded: ArrayLike,
    classes: ArrayLike,
    *,
    labels: Sequence[str] | None = None,
) -> NDArray[np.float64]:
    """Spread nonrespondents' weights over respondents of the same weighting class.

    Parameters
    ----------
    weights
        Base weights of the eligible sample members (respondents and nonrespondents).
    responded
        True for respondents.
    classes
        Weighting-class code (0 … C-1) of each member (e.g. stratum, or unit × channel).
    labels
        Class names used in error messages.

    Returns
    -------
    NDArray[np.float64]
        :math:`w_i \\sum_{c} w / \\sum_{c,\\,resp} w` for respondents, 0 for nonrespondents.

    Raises
    ------
    EmptyCellError
        Naming the classes with weight but no respondent.

    Notes
    -----
    The weighting-class adjustment assumes respondents are missing at random within a
    class: :math:`a_c = \\sum_{i \\in s_c} d_i / \\sum_{i \\in r_c} d_i`.

    References
    ----------
    .. [1] Lohr, S. L. (2019). *Sampling: Design and Analysis*, 2nd ed., CRC Press, §8.5.
    .. [2] Kalton, G. and Flores-Cervantes, I. (2003). Weighting methods. *Journal of
       Official Statistics* 19(2), 81–97.
    """
    w = _weights(weights)
    resp = np.asarray(responded, dtype=np.bool_)
    codes = _codes(classes, w.size, "classes")
    count = int(codes.max(initial=-1)) + 1
    everyone = np.bincount(codes, w, count)
    answered = np.bincount(codes, np.where(resp, w, 0.0), count)
    empty = np.flatnonzero((everyone > 0) & (answered <= 0))
    if empty.size:
        raise EmptyCellError("nonresponse class", cell_names(empty, labels))
    factor = np.divide(everyone, answered, out=np.zeros(count), where=answered > 0)
    return np.where(resp, w * factor[codes], 0.0)


class TrimResult(Struct, frozen=True):
    """Trimmed weights and how the trimming went.

    Attributes
    ----------
    weights
        The trimmed weights; each group's total is unchanged.
    iterations
        Trim-and-redistribute passes.
    trimmed
        Number of weights that ended at a bound.
    """

    weights: NDArray[np.float64]
    iterations: int
    trimmed: int


def group_medians(weights: ArrayLike, groups: ArrayLike) -> NDArray[np.float64]:
    """Median weight of each group code ``0 … max(groups)`` (0 for a code without weights).

    One sort for all groups, so trimming caps such as "3.5 × the unit's median" cost the same
    for 10 units as for 10,000.
    """
    w = _weights(weights)
    codes = _codes(groups, w.size, "groups")
    counts = np.bincount(codes)
    starts = np.cumsum(counts) - counts
    ordered = w[np.lexsort((w, codes))]
    last = max(w.size - 1, 0)
    low = np.minimum(starts + (counts - 1) // 2, last)
    high = np.minimum(starts + counts // 2, last)
    return np.where(counts > 0, (ordered[low] + ordered[high]) / 2.0, 0.0)


def trim_weights(
    weights: ArrayLike,
    upper: ArrayLike,
    *,
    lower: ArrayLike = 0.0,
    groups: ArrayLike | None = None,
    max_iter: int = 100,
    tol: float = 1e-12,
    labels: Sequence[str] | None = None,
) -> TrimResult:
    """Cap weights at bounds and redistribute the excess, keeping each group's total.

    Parameters
    ----------
    weights
        Weights to trim.
    upper, lower
        Bounds per weight (scalars or arrays), e.g. ``3.5 * median``.
    groups
        Codes of the groups whose totals are kept (default: one group).
    max_iter
        Maximum passes.
    tol
        Relative slack allowed on the bounds when checking convergence.
    labels
        Group names for error messages.

    Returns
    -------
    TrimResult
        The trimmed weights.

    Raises
    ------
    WeightingError
        When a group's total cannot fit within its members' bounds or no solution is found.

    Notes
    -----
    Each pass sets :math:`w_i \\leftarrow \\mathrm{clip}(w_i, L_i, U_i)` and multiplies the
    weights strictly inside the bounds by :math:`1 + \\Delta_g / \\sum_{inside} w`, where
    :math:`\\Delta_g` is the weight removed (or added) by clipping in group g, until no weight
    leaves its bounds.

    References
    ----------
    .. [1] Potter, F. J. (1990). A study of procedures to identify and trim extreme sampling
       weights. *Proceedings of the Survey Research Methods Section*, ASA, 225–230.
    .. [2] Valliant, R., Dever, J. A. and Kreuter, F. (2018). *Practical Tools for Designing
       and Weighting Survey Samples*, 2nd ed., Springer, §14.4.
    """
    w = _weights(weights)
    codes = np.zeros(w.size, np.int64) if groups is None else _codes(groups, w.size, "groups")
    high = np.broadcast_to(np.asarray(upper, dtype=np.float64), w.shape)
    low = np.broadcast_to(np.asarray(lower, dtype=np.float64), w.shape)
    count = int(codes.max(initial=-1)) + 1
    target = np.bincount(codes, w, count)
    if np.any(high < low):
        raise WeightingError("an upper bound lies below its lower bound")
    over = np.flatnonzero(target > np.bincount(codes, high, count) * (1 + tol))
    if over.size:
        names = ", ".join(cell_names(over, labels)[:20])
        raise WeightingError(f"the total of group(s) {names} exceeds the sum of its upper bounds")
    for iteration in range(1, max_iter + 1):
        clipped = np.clip(w, low, high)
        inside = (clipped > low) & (clipped < high)
        gap = target - np.bincount(codes, clipped, count)
        room = np.bincount(codes, np.where(inside, clipped, 0.0), count)
        scale = np.divide(gap, room, out=np.zeros(count), where=room > 0)
        w = np.where(inside, clipped * (1.0 + scale[codes]), clipped)
        if np.all(w <= high * (1 + tol)) and np.all(w >= low * (1 - tol)):
            return TrimResult(w, iteration, int(np.count_nonzero(~inside)))
    raise WeightingError(f"trimming did not settle within {max_iter} passes")


class WeightDiagnostics(Struct, frozen=True):
    """Weight summaries per group (one entry per group code).

    Attributes
    ----------
    n
        Number of positive weights.
    total
        Σ w.
    minimum, maximum, mean
        Range and mean of the positive weights.
    cv
        Coefficient of variation of the positive weights (population standard deviation).
    deff
        Kish's design effect due to unequal weighting, 1 + CV².
    n_effective
        Effective sample size (Σ w)² / Σ w² = n / deff.
    """

    n: NDArray[np.int64]
    total: NDArray[np.float64]
    minimum: NDArray[np.float64]
    maximum: NDArray[np.float64]
    mean: NDArray[np.float64]
    cv: NDArray[np.float64]
    deff: NDArray[np.float64]
    n_effective: NDArray[np.float64]


def weight_diagnostics(weights: ArrayLike, groups: ArrayLike | None = None) -> WeightDiagnostics:
    """Summarise weights per group: range, CV, Kish design effect, effective sample size.

    Parameters
    ----------
    weights
        Final weights (zero weights, e.g. of nonrespondents, are left out).
    groups
        Group code of each weight (e.g. the unit); default one group.

    Returns
    -------
    WeightDiagnostics
        One entry per group; NaN where a group has no positive weight.

    Notes
    -----
    .. math::

        \\text{deff}_w = 1 + CV^2 = \\frac{n \\sum w_i^2}{(\\sum w_i)^2},\\qquad
        n_{\\text{eff}} = \\frac{(\\sum w_i)^2}{\\sum w_i^2}.

    References
    ----------
    .. [1] Kish, L. (1992). Weighting for unequal Pi. *Journal of Official Statistics* 8(2),
       183–200.
    """
    w = _weights(weights)
    codes = np.zeros(w.size, np.int64) if groups is None else _codes(groups, w.size, "groups")
    count = int(codes.max(initial=0)) + 1
    used = w > 0
    w, codes = w[used], codes[used]
    n = np.bincount(codes, minlength=count)
    total = np.bincount(codes, w, count).astype(np.float64)
    squares = np.bincount(codes, w * w, count)
    low, high = np.full(count, np.inf), np.full(count, -np.inf)
    np.minimum.at(low, codes, w)
    np.maximum.at(high, codes, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = n * squares / (total * total)
        return WeightDiagnostics(
            n=n.astype(np.int64),
            total=total,
            minimum=np.where(n > 0, low, np.nan),
            maximum=np.where(n > 0, high, np.nan),
            mean=total / n,
            cv=np.sqrt(np.maximum(deff - 1.0, 0.0)),
            deff=deff,
            n_effective=total * total / squares,
        )

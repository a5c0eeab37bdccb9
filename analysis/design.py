"""The sampling design: weights, strata, PSUs and finite-population corrections.

A :class:`Design` is built once from row-level arrays by :func:`make_design`; it holds
integer codes so that every estimator can group rows with ``np.bincount`` and sorting
instead of Python loops. :class:`Strata` is the per-stratum summary that the variance
needs (PSU counts and correction factors); the sufficient-statistics path takes it
directly, so a database can supply it from one ``GROUP BY stratum`` query.
"""

from __future__ import annotations

from typing import Literal

import msgspec
import numpy as np
from numpy.typing import ArrayLike, NDArray

from analysis.errors import DesignError

__all__ = ["Design", "LonelyPsuRule", "Strata", "factorise", "make_design", "make_strata"]

LonelyPsuRule = Literal["fail", "certainty", "remove", "adjust", "average"]
"""How a stratum with a single PSU enters the variance (R ``options(survey.lonely.psu)``)."""

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


class Strata(msgspec.Struct, frozen=True, eq=False):
    """Per-stratum design information.

    Attributes
    ----------
    labels
        Stratum labels, in code order.
    n_psu
        Number of sampled PSUs in each stratum (the whole sample, every domain).
    fpc
        Finite-population correction factor :math:`1 - f_h = 1 - n_h / N_h` (1.0 when
        sampling is with replacement or no population size is known).
    """

    labels: tuple[str, ...]
    n_psu: IntArray
    fpc: FloatArray

    @property
    def total_psu(self) -> int:
        """Total number of PSUs in the sample."""
        return int(self.n_psu.sum())


class Design(msgspec.Struct, frozen=True, eq=False):
    """A stratified cluster design over ``n`` rows, compiled to integer codes.

    Attributes
    ----------
    weights
        Final analysis weights, one per row (non-negative, finite).
    stratum
        Stratum code of each row (index into ``strata.labels``).
    psu
        PSU code of each row, ``0 .. P-1``. PSU labels are read within their stratum
        (like R ``svydesign(nest = TRUE)``).
    psu_stratum
        Stratum code of each PSU.
    strata
        The per-stratum summary.
    """

    weights: FloatArray
    stratum: IntArray
    psu: IntArray
    psu_stratum: IntArray
    strata: Strata

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.weights.shape[0])


def factorise(values: ArrayLike) -> tuple[IntArray, tuple[str, ...]]:
    """Return integer codes ``0 .. K-1`` of ``values`` and the sorted distinct labels.

    Parameters
    ----------
    values
        One-dimensional array of labels (integers or strings).

    Returns
    -------
    codes, labels
        ``labels[codes[i]] == str(values[i])``.

    Notes
    -----
    Small non-negative integers are coded with one ``np.bincount`` pass (linear time);
    anything else goes through ``np.unique``.
    """
    array = np.asarray(values)
    if array.ndim != 1:
        raise DesignError("labels must be one-dimensional")
    if (
        array.dtype.kind in "iu"
        and array.size
        and array.min() >= 0
        and array.max() < 4 * array.size
    ):
        present = np.bincount(array) > 0
        mapping = np.cumsum(present) - 1
        codes = mapping[array].astype(np.int64)
        labels = tuple(str(v) for v in np.flatnonzero(present).tolist())
        return codes, labels
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise DesignError("labels contain missing values")
    if array.dtype == object and any(v is None for v in array.tolist()):
        raise DesignError("labels contain missing values")
    unique, inverse = np.unique(array, return_inverse=True)
    return inverse.astype(np.int64).reshape(-1), tuple(str(v) for v in unique.tolist())


def _check_weights(weights: ArrayLike) -> FloatArray:
    array = np.asarray(weights, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise DesignError("weights: expected a non-empty one-dimensional array")
    if not np.all(np.isfinite(array)):
        raise DesignError("weights: missing or infinite values")
    if np.any(array < 0):
        raise DesignError("weights: negative values")
    return array


def _check_length(name: str, values: ArrayLike, n: int) -> ArrayLike:
    if np.shape(values) != (n,):
        raise DesignError(f"{name}: expected {n} values, got shape {np.shape(values)}")
    return values


def _psu_codes(stratum: IntArray, psu: ArrayLike | None, n: int) -> IntArray:
    if psu is None:
        return np.arange(n, dtype=np.int64)
    label_codes, _ = factorise(psu)
    key = stratum * (int(label_codes.max()) + 1) + label_codes
    codes, _ = factorise(key)
    return codes


def make_strata(labels: tuple[str, ...], n_psu: ArrayLike, fpc: ArrayLike | None = None) -> Strata:
    """Build the per-stratum summary, converting ``fpc`` to correction factors.

    Parameters
    ----------
    labels
        Stratum labels.
    n_psu
        Sampled PSUs per stratum.
    fpc
        Per stratum: population sizes in PSUs (when any value exceeds 1; none may then be
        below 1) or sampling fractions (all values <= 1), as in R ``svydesign(fpc = )``;
        ``None`` for with-replacement.

    Returns
    -------
    Strata

    Notes
    -----
    The correction factor is :math:`1 - n_h / N_h`, with :math:`N_h = n_h / f_h` when a
    fraction is given.
    """
    counts = np.asarray(n_psu, dtype=np.int64)
    if counts.shape != (len(labels),) or np.any(counts < 1):
        raise DesignError("n_psu: expected one positive count per stratum")
    if fpc is None:
        return Strata(labels=labels, n_psu=counts, fpc=np.ones(len(labels)))
    values = np.asarray(fpc, dtype=np.float64)
    if values.shape != counts.shape or not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise DesignError("fpc: expected one positive finite value per stratum")
    # As R as.fpc: any value above 1 makes them all population sizes (then none may be
    # below 1); otherwise they are sampling fractions.
    sizes = bool(np.any(values > 1))
    if sizes and np.any(values < 1):
        raise DesignError("fpc: mixes population sizes (> 1) and sampling fractions (< 1)")
    population = values if sizes else counts / values
    short = np.flatnonzero(population < counts - 1e-9)
    if short.size:
        raise DesignError(f"fpc: stratum {labels[short[0]]!r} has more sampled PSUs than exist")
    factor = np.clip(1.0 - counts / population, 0.0, 1.0)
    return Strata(labels=labels, n_psu=counts, fpc=factor)


def _stratum_fpc(fpc: ArrayLike, stratum: IntArray, n_strata: int) -> FloatArray:
    values = np.asarray(fpc, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise DesignError("fpc: missing or infinite values")
    first = np.full(n_strata, np.nan)
    first[stratum[::-1]] = values[::-1]
    if np.any(values != first[stratum]):
        raise DesignError("fpc: varies within a stratum")
    return first


def make_design(
    weights: ArrayLike,
    *,
    strata: ArrayLike | None = None,
    psu: ArrayLike | None = None,
    fpc: ArrayLike | None = None,
) -> Design:
    """Compile a stratified (cluster) design from row-level arrays.

    Parameters
    ----------
    weights
        Analysis weight of each row (>= 0). Zero-weight rows stay in the design: they
        keep their PSU in the PSU counts but contribute nothing to estimates.
    strata
        Stratum label of each row; ``None`` for an unstratified design.
    psu
        PSU (first-stage cluster) label of each row, read within stratum; ``None`` when
        each row is its own PSU (element sampling).
    fpc
        Per row, constant within stratum: the stratum population size in PSUs (> 1) or the
        sampling fraction (<= 1); ``None`` for with-replacement variance.

    Returns
    -------
    Design

    Raises
    ------
    DesignError
        Wrong lengths, negative or missing weights, missing labels, an ``fpc`` that varies
        within a stratum or implies more PSUs than exist.

    Notes
    -----
    Multi-stage designs are handled with the ultimate-cluster approximation: the variance
    uses first-stage PSU totals (and the first-stage fpc) only, as R does with
    ``options(survey.ultimate.cluster = TRUE)``. Without an fpc this is the usual
    with-replacement estimator (slightly conservative); with a first-stage fpc it leaves
    out the within-PSU stage that R's full multistage formula adds (the API two-stage
    sample: SE 29.89 instead of 30.10) (Wolter 2007, §2.4.1).

    References
    ----------
    .. [1] Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed. Springer.
    .. [2] Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley, ch. 2-3.
    """
    w = _check_weights(weights)
    n = int(w.size)
    labels: tuple[str, ...] = ("1",)
    if strata is None:
        stratum = np.zeros(n, dtype=np.int64)
    else:
        stratum, labels = factorise(_check_length("strata", strata, n))
    psu_codes = _psu_codes(stratum, None if psu is None else _check_length("psu", psu, n), n)
    n_strata = len(labels)
    psu_stratum = np.zeros(int(psu_codes.max()) + 1, dtype=np.int64)
    psu_stratum[psu_codes] = stratum
    n_psu = np.bincount(psu_stratum, minlength=n_strata)
    fpc_h = None
    if fpc is not None:
        fpc_h = _stratum_fpc(_check_length("fpc", fpc, n), stratum, n_strata)
    return Design(
        weights=w,
        stratum=stratum,
        psu=psu_codes,
        psu_stratum=psu_stratum,
        strata=make_strata(labels, n_psu, fpc_h),
    )

"""Multiple-comparison adjustment of p-values (Holm; Benjamini-Hochberg)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from analysis.errors import OptionsError

__all__ = ["Adjustment", "adjust_p_values"]

FloatArray = NDArray[np.float64]

Adjustment = Literal["holm", "bh", "none"]
"""Holm's step-down family-wise control, Benjamini-Hochberg false-discovery-rate control,
or no adjustment."""


def _holm(p: FloatArray) -> FloatArray:
    m = p.size
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


def _benjamini_hochberg(p: FloatArray) -> FloatArray:
    m = p.size
    order = np.argsort(p, kind="stable")[::-1]
    scaled = p[order] * m / np.arange(m, 0, -1)
    out = np.empty(m)
    out[order] = np.minimum(np.minimum.accumulate(scaled), 1.0)
    # p * m / m can round below p; an adjusted p-value is never smaller than its own.
    return np.maximum(out, p)


def adjust_p_values(p_values: ArrayLike, method: Adjustment) -> FloatArray:
    """Adjust a family of p-values for multiple comparisons.

    Parameters
    ----------
    p_values
        Unadjusted p-values in [0, 1].
    method
        ``"holm"``, ``"bh"`` or ``"none"``.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, in the input order.

    Notes
    -----
    With ordered :math:`p_{(1)} \\le \\dots \\le p_{(m)}`, Holm gives
    :math:`\\tilde p_{(i)} = \\max_{j \\le i} \\min(1, (m - j + 1) p_{(j)})` and
    Benjamini-Hochberg :math:`\\tilde p_{(i)} = \\min_{j \\ge i} \\min(1, m p_{(j)} / j)`
    (the same values as R ``p.adjust``).

    References
    ----------
    .. [1] Holm, S. (1979). A simple sequentially rejective multiple test procedure.
       *Scandinavian Journal of Statistics* 6, 65-70.
    .. [2] Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate.
       *Journal of the Royal Statistical Society B* 57, 289-300.
    """
    p = np.asarray(p_values, dtype=np.float64).reshape(-1)
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise OptionsError("p-values must lie in [0, 1]")
    if p.size == 0 or method == "none":
        return p.copy()
    if method == "holm":
        return _holm(p)
    if method == "bh":
        return _benjamini_hochberg(p)
    raise OptionsError(f"unknown adjustment {method!r}; use 'holm', 'bh' or 'none'")

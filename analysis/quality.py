"""Instrument quality: item non-response and Cronbach's alpha per element."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import msgspec
import numpy as np
from numpy.typing import ArrayLike, NDArray

from analysis.errors import DesignError
from analysis.indices import IndexTree, ItemScoring, element_members, score_items

__all__ = ["ElementReliability", "ItemNonresponse", "cronbach_alpha", "item_nonresponse"]

FloatArray = NDArray[np.float64]


class ItemNonresponse(msgspec.Struct, frozen=True, kw_only=True):
    """Answers, non-answers and not-applicable answers to one item.

    Attributes
    ----------
    item
        Item code.
    eligible
        Respondents to whom the item applied (all, unless an eligibility mask is given).
    answered, not_applicable, missing
        Usable answers, not-applicable answers and no answer, among the eligible.
    rate, weighted_rate
        ``missing / eligible``, unweighted and weighted (0 when nobody was eligible).
    """

    item: str
    eligible: int
    answered: int
    not_applicable: int
    missing: int
    rate: float
    weighted_rate: float


class ElementReliability(msgspec.Struct, frozen=True, kw_only=True):
    """Internal consistency of one element's items.

    Attributes
    ----------
    element
        Element code.
    items
        Number of items :math:`k`.
    n
        Respondents with a usable answer to every item of the element.
    alpha
        Cronbach's alpha; ``None`` when it is undefined (fewer than two items, fewer than
        two complete respondents, or no variance of the total).
    """

    element: str
    items: int
    n: int
    alpha: float | None


def _codes(codes: ArrayLike, n_items: int) -> FloatArray:
    array = np.asarray(codes, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != n_items:
        raise DesignError(f"codes: expected shape (n, {n_items}), got {array.shape}")
    return array


def _weights(weights: ArrayLike | None, n: int) -> FloatArray:
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise DesignError(f"weights: expected {n} non-negative values")
    return w


def item_nonresponse(
    codes: ArrayLike,
    items: Sequence[ItemScoring],
    *,
    weights: ArrayLike | None = None,
    missing: Collection[int] = (),
    eligible: ArrayLike | None = None,
) -> list[ItemNonresponse]:
    """Item non-response rates.

    Parameters
    ----------
    codes
        Answer codes, ``(n, J)``; NaN or a code in ``missing`` is no answer.
    items
        Item scoring (for the not-applicable codes).
    weights
        Respondent weights for the weighted rate (default 1).
    missing
        Codes that mean no answer.
    eligible
        ``(n, J)`` mask of respondents the item applied to (skip logic); default all.

    Returns
    -------
    list of ItemNonresponse
    """
    array = _codes(codes, len(items))
    n = array.shape[0]
    w = _weights(weights, n)
    mask = np.ones(array.shape, dtype=bool) if eligible is None else np.asarray(eligible, bool)
    if mask.shape != array.shape:
        raise DesignError(f"eligible: expected shape {array.shape}, got {mask.shape}")
    none = np.isnan(array) | np.isin(np.nan_to_num(array, nan=-1e300), list(missing))
    out = []
    for j, item in enumerate(items):
        base = mask[:, j]
        skipped = base & ~none[:, j] & np.isin(array[:, j], list(item.not_applicable))
        absent = base & none[:, j]
        total, weight = int(base.sum()), float(w[base].sum())
        out.append(
            ItemNonresponse(
                item=item.code,
                eligible=total,
                answered=total - int(skipped.sum()) - int(absent.sum()),
                not_applicable=int(skipped.sum()),
                missing=int(absent.sum()),
                rate=absent.sum() / total if total else 0.0,
                weighted_rate=float(w[absent].sum()) / weight if weight > 0 else 0.0,
            )
        )
    return out


def _alpha(values: FloatArray, w: FloatArray) -> float | None:
    k = values.shape[1]
    if k < 2 or values.shape[0] < 2 or w.sum() <= 0:
        return None
    covariance = np.cov(values, rowvar=False, aweights=w)
    total = float(covariance.sum())
    if total <= 0:
        return None
    return float(k / (k - 1.0) * (1.0 - np.trace(covariance) / total))


def cronbach_alpha(
    codes: ArrayLike,
    items: Sequence[ItemScoring],
    tree: IndexTree,
    *,
    weights: ArrayLike | None = None,
    missing: Collection[int] = (),
) -> list[ElementReliability]:
    """Cronbach's alpha of the answer codes within each element of the tree.

    Parameters
    ----------
    codes
        Answer codes, ``(n, J)``, used as scores (e.g. 1-5).
    items, tree
        Item scoring and index tree; every node whose children are items is an element.
    weights
        Respondent weights (weighted covariances); default unweighted.
    missing
        Codes that mean no answer.

    Returns
    -------
    list of ElementReliability

    Notes
    -----
    On respondents with a usable answer to every item of the element (listwise),
    :math:`\\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\sum_j s_j^2}{s_T^2}\\right)` with
    item variances :math:`s_j^2` and the variance of the total :math:`s_T^2` (the sum of
    the covariance matrix).

    References
    ----------
    .. [1] Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
       *Psychometrika* 16, 297-334.
    """
    array = _codes(codes, len(items))
    w = _weights(weights, array.shape[0])
    _, usable = score_items(codes, items, missing)
    out = []
    for element, members in element_members(items, tree).items():
        complete = usable[members].all(axis=0) & (w > 0)
        values = array[complete][:, members]
        out.append(
            ElementReliability(
                element=element,
                items=len(members),
                n=int(complete.sum()),
                alpha=_alpha(values, w[complete]),
            )
        )
    return out

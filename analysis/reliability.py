"""Reliability flags for published figures, after the NCHS presentation standards.

A figure is ``"ok"``, ``"review"`` (publish with a caution mark) or ``"suppress"``. The
rule for shares and indices follows the NCHS Data Presentation Standards for Proportions
(Parker et al. 2017), applied to the interval the result carries:

1. suppress when the effective sample size :math:`\\min(n, n_{eff})` is below
   ``min_n_eff`` (30);
2. suppress when the interval is at least ``max_ci_width`` wide (0.30);
3. suppress when the width is above ``relative_width_from`` (0.05) and the relative
   width (width / estimate) exceeds ``max_relative_ci_width`` (130 %);
4. review when the complement's relative width (width / (1 - estimate)) exceeds it;
5. review when the degrees of freedom are below ``min_df`` (8);
6. review when the estimate is 0 or 1, or its variance is 0.

Means, totals and ratios follow the older NCHS rule: suppress below ``min_n_eff``
respondents, review when the relative standard error reaches ``max_rse`` (30 %), review
below ``min_df``.
"""

from __future__ import annotations

from typing import Literal

import msgspec
import numpy as np
from numpy.typing import NDArray

__all__ = ["Flag", "Reliability", "reliability_flags"]

Flag = Literal["ok", "review", "suppress"]
"""Reliability of a figure: publish, publish with a caution mark, or do not publish."""

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

REASONS: tuple[str, ...] = (
    "n_eff_below_minimum",
    "ci_too_wide",
    "relative_ci_too_wide",
    "complement_relative_ci_too_wide",
    "df_below_minimum",
    "estimate_at_bound",
    "zero_variance",
    "rse_too_large",
)
"""Reason codes, in bit order of the masks built by :func:`reliability_flags`."""

_SUPPRESSING = 0b111


class Reliability(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Thresholds of the reliability rule (defaults: NCHS standards for proportions).

    Attributes
    ----------
    min_n_eff
        Suppress below this effective sample size.
    max_ci_width
        Suppress a share whose interval is at least this wide.
    relative_width_from
        Apply the relative-width rule only above this absolute width.
    max_relative_ci_width
        Suppress above this relative width; review when the complement exceeds it.
    min_df
        Review below these degrees of freedom.
    max_rse
        Review a mean or total whose relative standard error reaches this.

    References
    ----------
    .. [1] Parker, J. D., Talih, M., Malec, D. J., et al. (2017). National Center for
       Health Statistics data presentation standards for proportions. *Vital and Health
       Statistics* 2(175).
    .. [2] National Center for Health Statistics. NHANES tutorials: reliability of
       estimates.
    """

    min_n_eff: float = 30.0
    max_ci_width: float = 0.30
    relative_width_from: float = 0.05
    max_relative_ci_width: float = 1.30
    min_df: float = 8.0
    max_rse: float = 0.30


def _bits(*masks: BoolArray) -> NDArray[np.int64]:
    out = np.zeros(masks[0].shape, dtype=np.int64)
    for bit, mask in enumerate(masks):
        out |= mask.astype(np.int64) << bit
    return out


def reliability_flags(
    rule: Reliability,
    bounded: BoolArray,
    estimate: FloatArray,
    se: FloatArray,
    ci_low: FloatArray,
    ci_high: FloatArray,
    df: FloatArray,
    n: FloatArray,
    n_eff: FloatArray,
) -> tuple[list[Flag], list[tuple[str, ...]]]:
    """Return the flag and the reasons of each estimate.

    Parameters
    ----------
    rule
        Thresholds.
    bounded
        True for shares and indices (proportion rule), False for means and totals.
    estimate, se, ci_low, ci_high, df, n, n_eff
        The figures of each estimate.

    Returns
    -------
    flags, reasons
        ``"ok"``, ``"review"`` or ``"suppress"``, and the reason codes behind it.
    """
    effective = np.minimum(n, n_eff)
    width = ci_high - ci_low
    mid = bounded & (width > rule.relative_width_from)
    relative = np.divide(width, estimate, out=np.full_like(width, np.inf), where=estimate > 0)
    complement = np.divide(
        width, 1.0 - estimate, out=np.full_like(width, np.inf), where=estimate < 1
    )
    rse = np.divide(se, np.abs(estimate), out=np.full_like(se, np.inf), where=estimate != 0)
    codes = _bits(
        effective < rule.min_n_eff,
        bounded & (width >= rule.max_ci_width),
        mid & (relative > rule.max_relative_ci_width),
        mid & (complement > rule.max_relative_ci_width),
        df < rule.min_df,
        bounded & ((estimate <= 0) | (estimate >= 1)),
        se <= 0,
        ~bounded & (rse >= rule.max_rse),
    )
    table = _reason_table()
    flags = np.where(codes & _SUPPRESSING, 2, np.where(codes > 0, 1, 0))
    names: tuple[Flag, ...] = ("ok", "review", "suppress")
    return [names[f] for f in flags.tolist()], [table[c] for c in codes.tolist()]


_TABLE: dict[int, tuple[str, ...]] = {}


def _reason_table() -> dict[int, tuple[str, ...]]:
    if not _TABLE:
        for code in range(1 << len(REASONS)):
            _TABLE[code] = tuple(r for bit, r in enumerate(REASONS) if code >> bit & 1)
    return _TABLE

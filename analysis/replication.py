"""Delete-one-PSU jackknife variance (JK1, JKn) in closed form from cell sums.

Dropping PSU :math:`i` of stratum :math:`h` and reweighting the other PSUs of the stratum
by :math:`n_h / (n_h - 1)` changes a domain total to
:math:`Y_d^{(hi)} = Y_d + (Y_{dh} - n_h Y_{dhi}) / (n_h - 1)`. Replicates of strata where
the domain has no row leave it unchanged, and every PSU of a stratum without rows of the
domain gives the same replicate, so all replicate estimates follow from the cell sums
without building the ``P`` replicate weight columns.

The conventions are those of R ``as.svrepdesign(type = "JKn")`` / ``"JK1"`` and
``svrVar``: replicate scale :math:`(1-f_h)(n_h-1)/n_h`, deviations taken from the mean of
the replicates (or from the full-sample estimate with ``replicate_mse``), replicates with
an undefined estimate dropped, census strata without replicates, and lonely strata
handled as ``jknweights`` does.
"""

from __future__ import annotations

import msgspec
import numpy as np
from numpy.typing import NDArray

from analysis.cells import Layout, sum_by
from analysis.columns import Columns
from analysis.design import LonelyPsuRule, Strata
from analysis.errors import LonelyPsuError, ReplicationError
from analysis.linearisation import Linearised

__all__ = ["jackknife_variance"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


class _Moments:
    """Running sums over replicates, per estimate and domain."""

    def __init__(self, shape: tuple[int, int]) -> None:
        self.a = np.zeros(shape)  # sum of rscale * delta^2
        self.b = np.zeros(shape)  # sum of rscale * delta
        self.s = np.zeros(shape)  # sum of delta
        self.bad_count = np.zeros(shape)  # replicates dropped (undefined estimate)
        self.bad_scale = np.zeros(shape)  # their rscale sum

    def add(
        self,
        delta: FloatArray,
        valid: BoolArray,
        rscale: FloatArray,
        mult: FloatArray,
        domain: IntArray,
    ) -> None:
        d = self.a.shape[1]
        delta = np.where(valid, delta, 0.0)
        for e in range(delta.shape[0]):
            self.a[e] += sum_by(domain, rscale * mult * delta[e] ** 2, d)
            self.b[e] += sum_by(domain, rscale * mult * delta[e], d)
            self.s[e] += sum_by(domain, mult * delta[e], d)
            bad = ~valid[e]
            self.bad_count[e] += sum_by(domain, mult * bad, d)
            self.bad_scale[e] += sum_by(domain, rscale * mult * bad, d)


def _values(
    y: FloatArray, x: FloatArray, domain: IntArray, lin: Linearised
) -> tuple[FloatArray, BoolArray]:
    totals = lin.totals
    j = totals.size
    e = j + len(lin.coefficients)
    theta = np.zeros((e, y.shape[1]))
    valid = np.ones((e, y.shape[1]), dtype=bool)
    ratio_ok = x > 0
    theta[:j] = np.where(totals[:, None], y, np.divide(y, x, out=np.zeros_like(y), where=ratio_ok))
    valid[:j] = totals[:, None] | ratio_ok
    for k, coef in enumerate(lin.coefficients):
        for t, term in enumerate(lin.terms[k]):
            c = coef[t][domain]
            theta[j + k] += c * theta[term]
            valid[j + k] &= (c == 0) | valid[term]
    return theta - lin.estimate[:, domain], valid


def _check_lonely(strata: Strata, rule: LonelyPsuRule) -> BoolArray:
    lonely: BoolArray = (strata.n_psu == 1) & (strata.fpc > 0)
    if lonely.any() and rule == "fail":
        raise LonelyPsuError(strata.labels[int(np.flatnonzero(lonely)[0])])
    return lonely


class _Cells(msgspec.Struct, frozen=True, eq=False):
    y: FloatArray  # (J, C) cell sums of w y
    x: FloatArray  # (J, C) cell sums of w x
    y_d: FloatArray  # (J, D) domain totals
    x_d: FloatArray


def _regular(
    cells: _Cells, layout: Layout, strata: Strata, lin: Linearised, moments: _Moments
) -> None:
    nh = strata.n_psu[layout.group_stratum].astype(np.float64)
    regular = (nh > 1) & (strata.fpc[layout.group_stratum] > 0)
    rscale = np.where(regular, strata.fpc[layout.group_stratum] * (nh - 1) / np.maximum(nh, 1), 0.0)
    y_g, x_g = lin.numerator_groups, lin.denominator_groups
    y_d, x_d = cells.y_d, cells.x_d
    shrink = np.where(regular, 1.0 / np.maximum(nh - 1, 1), 0.0)
    gid, dom = layout.group_id, layout.domain
    # Dropped PSU i of the group's stratum: Y_d + (Y_dh - n_h y_i) / (n_h - 1).
    y_r = y_d[:, dom] + (y_g[:, gid] - nh[gid] * cells.y) * shrink[gid]
    x_r = x_d[:, dom] + (x_g[:, gid] - nh[gid] * cells.x) * shrink[gid]
    delta, valid = _values(y_r, x_r, dom, lin)
    moments.add(delta, valid, rscale[gid], np.ones(gid.size), dom)
    # Dropped PSU without rows of the domain: Y_d + Y_dh / (n_h - 1), n_h - m times.
    absent = regular & (nh > layout.group_size)
    g = np.flatnonzero(absent)
    gdom = layout.group_domain[g]
    y_a = y_d[:, gdom] + y_g[:, g] * shrink[g]
    x_a = x_d[:, gdom] + x_g[:, g] * shrink[g]
    delta, valid = _values(y_a, x_a, gdom, lin)
    moments.add(delta, valid, rscale[g], nh[g] - layout.group_size[g], gdom)


def _adjust(
    cells: _Cells,
    layout: Layout,
    strata: Strata,
    lin: Linearised,
    moments: _Moments,
    lonely: BoolArray,
) -> None:
    n_strata = len(strata.labels)
    if n_strata < 2:
        raise ReplicationError("lonely_psu='adjust' needs at least two strata for the jackknife")
    c = n_strata / (n_strata - 1.0)
    rscale = 1.0 / c
    g = np.flatnonzero(lonely[layout.group_stratum] & (layout.group_size > 0))
    gdom = layout.group_domain[g]
    y_d, x_d = cells.y_d, cells.x_d
    y_g, x_g = lin.numerator_groups[:, g], lin.denominator_groups[:, g]
    # The lonely stratum is dropped and every other PSU reweighted by H / (H - 1).
    delta, valid = _values(c * (y_d[:, gdom] - y_g), c * (x_d[:, gdom] - x_g), gdom, lin)
    moments.add(delta, valid, np.full(g.size, rscale), np.ones(g.size), gdom)
    d = np.arange(layout.n_domains)
    touching = np.bincount(gdom, minlength=layout.n_domains).astype(np.float64)
    delta, valid = _values(c * y_d, c * x_d, d, lin)
    moments.add(delta, valid, np.full(d.size, rscale), lonely.sum() - touching, d)


def jackknife_variance(
    columns: Columns,
    layout: Layout,
    strata: Strata,
    lin: Linearised,
    *,
    rule: LonelyPsuRule,
    mse: bool,
) -> FloatArray:
    """JKn (or JK1, the one-stratum case) variance of every estimate and domain.

    Parameters
    ----------
    columns, layout, strata, lin
        Cell values, layout, strata and the first pass (estimates, coefficients).
    rule
        Lonely-PSU rule.
    mse
        Centre at the full-sample estimate instead of the replicate mean.

    Returns
    -------
    numpy.ndarray
        Variance, shape ``(E, D)``.

    Notes
    -----
    .. math::

        \\hat V = s \\sum_r c_r (\\hat\\theta_r - \\bar\\theta)^2, \\qquad
        c_r = (1 - f_h)\\frac{n_h - 1}{n_h},

    expanded as :math:`A - 2mB + m^2 C` with :math:`\\delta_r = \\hat\\theta_r -
    \\hat\\theta`, :math:`A = \\sum c_r\\delta_r^2`, :math:`B = \\sum c_r\\delta_r`,
    :math:`C = \\sum c_r`, :math:`m = \\bar\\theta - \\hat\\theta`, so that replicates
    equal to :math:`\\hat\\theta` cost nothing.

    References
    ----------
    .. [1] Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed., ch. 4.
    .. [2] Lumley, T. (2024). R package *survey*: ``jknweights``, ``svrVar``.
    """
    lonely = _check_lonely(strata, rule)
    nh = strata.n_psu.astype(np.float64)
    regular = (nh > 1) & (strata.fpc > 0)
    n_rep = float(nh[regular].sum())
    rscale_total = float((strata.fpc * (nh - 1) / nh * nh)[regular].sum())
    if rule == "adjust" and lonely.any():
        n_rep += float(lonely.sum())
        rscale_total += lonely.sum() * (len(nh) - 1.0) / len(nh)
    if n_rep == 0:
        raise ReplicationError("every stratum is a census or lonely: no jackknife replicate")
    j, d = lin.n_base, layout.n_domains
    cells = _Cells(
        y=np.array([columns.numerator(c, slice(None)) for c in range(j)]).reshape(j, -1),
        x=np.array([columns.denominator(c, slice(None)) for c in range(j)]).reshape(j, -1),
        y_d=np.array([sum_by(layout.group_domain, y, d) for y in lin.numerator_groups]).reshape(
            j, d
        ),
        x_d=lin.denominator,
    )
    moments = _Moments(lin.estimate.shape)
    _regular(cells, layout, strata, lin, moments)
    if rule == "adjust" and lonely.any():
        _adjust(cells, layout, strata, lin, moments, lonely)
    # R jknweights: with "average", scale by all PSUs over the replicates made.
    scale = strata.total_psu / n_rep if rule == "average" and n_rep < strata.total_psu else 1.0
    count = n_rep - moments.bad_count
    weight = rscale_total - moments.bad_scale
    m = np.zeros_like(moments.s) if mse else moments.s / np.maximum(count, 1.0)
    variance = moments.a - 2.0 * m * moments.b + m * m * weight
    return np.maximum(variance * scale, 0.0)

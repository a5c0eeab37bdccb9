"""Taylor-linearisation variance for stratified cluster designs, with lonely-PSU rules.

The estimator's influence (linearised variable) is summed per cell; cells of a domain
that hold no row of the domain are simply absent and count as zeros, so every PSU of a
stratum enters the stratum mean (correct domain estimation). The second pass of
:mod:`analysis.linearisation` supplies the centred sums of squares per group.
"""

from __future__ import annotations

import msgspec
import numpy as np
from numpy.typing import NDArray

from analysis.cells import Layout, sum_by
from analysis.design import LonelyPsuRule, Strata
from analysis.errors import DesignError, LonelyPsuError

__all__ = ["GroupDesign", "column_covariance", "column_variance", "group_design"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

_CENSUS = 1e-7
"""R survey treats a stratum with correction factor below this as fully enumerated."""


class GroupDesign(msgspec.Struct, frozen=True, eq=False):
    """Design quantities of each (domain, stratum) group.

    Attributes
    ----------
    layout
        The cell layout.
    strata
        Stratum labels, PSU counts and corrections.
    rule
        Lonely-PSU rule.
    n_psu
        :math:`n_h` of the group's stratum.
    fpc
        :math:`1 - f_h` of the group's stratum.
    scale
        :math:`(1 - f_h) n_h / (n_h - 1)` (:math:`1 - f_h` when :math:`n_h = 1`; 0 for a
        census stratum).
    lonely
        Whether the group's stratum has one PSU and is not a census.
    padding
        :math:`n_h - m_g`, the PSUs of the stratum without cells in the group.
    domains
        Domain labels, for error messages.
    """

    layout: Layout
    strata: Strata
    rule: LonelyPsuRule
    n_psu: FloatArray
    fpc: FloatArray
    scale: FloatArray
    lonely: BoolArray
    padding: FloatArray
    domains: tuple[str | None, ...]


def group_design(
    layout: Layout, strata: Strata, rule: LonelyPsuRule, domains: tuple[str | None, ...]
) -> GroupDesign:
    """Precompute the per-group design quantities of :func:`column_variance`."""
    nh = strata.n_psu[layout.group_stratum].astype(np.float64)
    fpc = strata.fpc[layout.group_stratum]
    scale = np.where(nh > 1, fpc * nh / np.maximum(nh - 1.0, 1.0), fpc)
    scale[fpc < _CENSUS] = 0.0
    return GroupDesign(
        layout=layout,
        strata=strata,
        rule=rule,
        n_psu=nh,
        fpc=fpc,
        scale=scale,
        lonely=(nh == 1) & (fpc >= _CENSUS),
        padding=nh - layout.group_size,
        domains=domains,
    )


def _deviation(design: GroupDesign, total: FloatArray, lonely: BoolArray) -> FloatArray:
    # The lonely PSU's total about the grand mean of all PSU totals of the estimate (zero
    # for the influence of a mean, ratio or index, whose sum is zero).
    layout = design.layout
    grand = sum_by(layout.group_domain, total, layout.n_domains) / design.strata.total_psu
    deviation: FloatArray = total[lonely] - grand[layout.group_domain[lonely]]
    return deviation


def _average_factor(design: GroupDesign, present: BoolArray, lonely: BoolArray) -> FloatArray:
    layout, d = design.layout, design.layout.n_domains
    n_present = sum_by(layout.group_domain, present, d)
    n_lonely = sum_by(layout.group_domain, lonely, d)
    bad = (n_present > 0) & (n_present == n_lonely)
    if bad.any():
        label = design.domains[int(np.flatnonzero(bad)[0])]
        raise DesignError(
            f"lonely_psu='average': every stratum of domain {label!r} has a single PSU; "
            "use 'adjust' or 'certainty'"
        )
    factor: FloatArray = np.divide(
        n_present, n_present - n_lonely, out=np.ones(d), where=n_present > n_lonely
    )
    return factor


def _lonely(
    design: GroupDesign,
    contrib: FloatArray,
    totals: tuple[FloatArray, FloatArray],
    present: BoolArray,
) -> float | FloatArray:
    layout, lonely = design.layout, design.lonely & present
    if design.rule == "fail":
        raise LonelyPsuError(design.strata.labels[int(layout.group_stratum[lonely][0])])
    if design.rule == "adjust":
        first, second = (_deviation(design, t, lonely) for t in totals)
        contrib[lonely] = design.fpc[lonely] * first * second
    if design.rule == "average":
        return _average_factor(design, present, lonely)
    return 1.0


def column_variance(
    squares: FloatArray, total: FloatArray, present: BoolArray, design: GroupDesign
) -> FloatArray:
    """Variance of one estimate in every domain from its group sums.

    Parameters
    ----------
    squares
        :math:`\\sum_{i \\in g} (z_i - \\bar z_h)^2` over the cells of each group, with
        :math:`\\bar z_h` the group total over :math:`n_h`.
    total
        :math:`\\sum_{i \\in g} z_i`, the group total of the influence values.
    present
        Whether each group has a usable row of the estimate; lonely-PSU rules apply only
        to present groups.
    design
        Per-group design quantities.

    Returns
    -------
    numpy.ndarray
        Variance per domain.

    Notes
    -----
    For stratum :math:`h` with :math:`n_h` PSUs and correction :math:`1 - f_h`,

    .. math::

        \\hat V = \\sum_h (1 - f_h) \\frac{n_h}{n_h - 1}
                 \\sum_{i=1}^{n_h} (z_{hi} - \\bar z_h)^2 ,

    where PSUs of the stratum without rows of the domain have :math:`z_{hi} = 0`; their
    :math:`n_h - m` deviations are added as :math:`(n_h - m)\\bar z_h^2`. A stratum with
    one PSU (and :math:`f_h < 1`) is handled by the rule: ``fail`` raises,
    ``certainty``/``remove`` give it no variance, ``adjust`` centres its PSU at the grand
    mean of PSU totals, ``average`` scales the other strata's sum by :math:`H / (H - L)`
    for the :math:`H` strata of the domain of which :math:`L` are lonely.

    References
    ----------
    .. [1] Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed. Wiley, §5A.
    .. [2] Lumley, T. (2024). *survey: analysis of complex survey samples*, R package,
       functions ``onestrat`` and ``onestage``.
    """
    layout = design.layout
    zbar = total / design.n_psu
    contrib = (squares + design.padding * zbar * zbar) * design.scale
    factor: float | FloatArray = 1.0
    if (design.lonely & present).any():
        factor = _lonely(design, contrib, (total, total), present)
    variance = sum_by(layout.group_domain, contrib, layout.n_domains)
    return np.maximum(variance * factor, 0.0)


def column_covariance(
    cross: FloatArray,
    total: FloatArray,
    population_total: FloatArray,
    present: BoolArray,
    design: GroupDesign,
) -> FloatArray:
    """Covariance of a domain estimate with the population estimate, per domain.

    Parameters
    ----------
    cross
        :math:`\\sum_{i \\in g} z_{di} (z_{Pi} - \\bar z_{Ph})` over the cells of each
        group, with :math:`z_P` the influence of the population estimate at the cell's PSU.
    total
        Group totals of the domain influence.
    population_total
        Stratum total of the population influence at each group's stratum.
    present
        Whether each group has a usable row of the domain estimate.
    design
        Per-group design quantities of the domain layout.

    Returns
    -------
    numpy.ndarray
        Covariance per domain.

    Notes
    -----
    Within stratum :math:`h`, summing over its :math:`n_h` PSUs (domain values zero
    outside the domain),
    :math:`\\sum_i (z_{di} - \\bar z_{dh})(z_{Pi} - \\bar z_{Ph})
    = \\sum_{i \\in d} z_{di} (z_{Pi} - \\bar z_{Ph})`, scaled as the variance; lonely
    PSUs follow the same rule as :func:`column_variance`.
    """
    layout = design.layout
    contrib = cross * design.scale
    factor: float | FloatArray = 1.0
    if (design.lonely & present).any():
        factor = _lonely(design, contrib, (total, population_total), present)
    return sum_by(layout.group_domain, contrib, layout.n_domains) * factor

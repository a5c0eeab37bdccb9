"""Point estimates and their linearised variables (influence values), column by column.

Base columns are Hájek ratios :math:`R_{dj} = Y_{dj} / X_{dj}` (means, shares, general
ratios) or totals :math:`Y_{dj}`. Composites (element and overall indices) are weighted
means of earlier estimates; their influence is the same weighted mean of the terms'
influences, the derivative of a linear function of ratios.

:func:`summarise` makes one pass over the cells for the point estimates, counts and the
group totals of every influence; :func:`second_pass` forms the influence values block by
block and accumulates the centred sums of squares of the variance and the SRS sums of
the design effect, so that no array as large as the answer matrix is ever built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import msgspec
import numpy as np
from numpy.typing import NDArray

from analysis.cells import Layout, blocks, sum_by
from analysis.columns import Columns

__all__ = ["Composite", "Linearised", "SecondPass", "Statistic", "second_pass", "summarise"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

Statistic = Literal["mean", "total", "ratio", "share", "element", "index"]
"""What an estimate is: a mean, a total, a general ratio, a satisfied share of an item,
an element index (mean of item shares) or an overall index (weighted mean of elements)."""


class Composite(msgspec.Struct, frozen=True):
    """A weighted mean of earlier estimates (an index).

    Attributes
    ----------
    name
        Variable name reported in results.
    statistic
        ``"element"`` or ``"index"``.
    terms
        Indices of the terms among the estimates that precede this one (base columns
        first, then composites in order); totals cannot be terms.
    weights
        Relative weight of each term; renormalised over the terms defined in a domain.
    """

    name: str
    statistic: Statistic
    terms: tuple[int, ...]
    weights: tuple[float, ...]


class Linearised(msgspec.Struct, frozen=True, eq=False):
    """Estimates and counts for ``E`` estimates in ``D`` domains.

    Attributes
    ----------
    estimate
        Point estimates, ``(E, D)``; 0 where undefined.
    defined
        Whether each estimate exists (a positive denominator), ``(E, D)``.
    ratio
        :math:`Y/X` of each base column (the mean behind a total), ``(J, D)``.
    denominator
        :math:`X` of each base column, ``(J, D)``.
    totals
        Which base columns are totals, ``(J,)``.
    coefficients
        For each composite, the renormalised term weights per domain, ``(T_k, D)``.
    terms
        For each composite, the indices of its terms.
    n
        Rows behind each estimate, ``(E, D)``.
    weight
        Weight sum of those rows, ``(E, D)``.
    psu_count, strata_count
        PSUs and strata with at least one of those rows, ``(E, D)``.
    present
        Whether each (estimate, group) has a usable row, ``(E, G)``.
    numerator_groups, denominator_groups
        :math:`\\sum w y` and :math:`\\sum w x` per base column and group, ``(J, G)``.
    group_total
        Sum of each estimate's influence values over each group, ``(E, G)``.
    """

    estimate: FloatArray
    defined: BoolArray
    ratio: FloatArray
    denominator: FloatArray
    totals: BoolArray
    coefficients: tuple[FloatArray, ...]
    terms: tuple[tuple[int, ...], ...]
    n: FloatArray
    weight: FloatArray
    psu_count: FloatArray
    strata_count: FloatArray
    present: BoolArray
    numerator_groups: FloatArray
    denominator_groups: FloatArray
    group_total: FloatArray

    @property
    def n_base(self) -> int:
        """Number of base columns."""
        return int(self.totals.shape[0])


class _Counts(msgspec.Struct, eq=False):
    n: FloatArray  # (E, G) rows per group
    psu: FloatArray  # (E, G) cells with rows per group
    weight: FloatArray  # (E, G) weight of those rows


def _count_block(
    counts: _Counts,
    e: int,
    count: FloatArray,
    weight: FloatArray | None,
    gid: IntArray,
    single: bool,
) -> None:
    g = counts.n.shape[1]
    counts.n[e] += sum_by(gid, count, g)
    if not single:
        counts.psu[e] += sum_by(gid, count > 0, g)
    if weight is not None:
        counts.weight[e] += sum_by(gid, weight, g)


def _first_pass(columns: Columns, layout: Layout, e: int) -> tuple[FloatArray, FloatArray, _Counts]:
    j, k, g = columns.n_base, columns.n_support, layout.n_groups
    y_g, x_g = np.zeros((j, g)), np.zeros((j, g))
    counts = _Counts(np.zeros((e, g)), np.zeros((e, g)), np.zeros((e, g)))
    separate = columns.has_base_weight
    for cells in blocks(layout.n_cells):
        gid = layout.group_id[cells]
        for col in range(j):
            y_g[col] += sum_by(gid, columns.numerator(col, cells), g)
            x = columns.denominator(col, cells)
            x_g[col] += sum_by(gid, x, g)
            weight = columns.base_weight(col, cells) if separate else None
            _count_block(counts, col, columns.count(col, cells), weight, gid, columns.single_row)
        for sup in range(k):
            _count_block(
                counts,
                j + sup,
                columns.support_count(sup, cells),
                columns.support_weight(sup, cells),
                gid,
                columns.single_row,
            )
    if not separate:
        counts.weight[:j] = x_g
    if columns.single_row:
        counts.psu = counts.n
    return y_g, x_g, counts


def _combine(
    composite: Composite, estimate: FloatArray, defined: BoolArray, row: int
) -> FloatArray:
    terms = np.asarray(composite.terms, dtype=np.int64)
    weights = np.asarray(composite.weights, dtype=np.float64)
    available = defined[terms].astype(np.float64) * weights[:, None]
    total = available.sum(axis=0)
    coef: FloatArray = np.divide(available, total, out=np.zeros_like(available), where=total > 0)
    estimate[row] = (coef * estimate[terms]).sum(axis=0)
    defined[row] = total > 0
    return coef


def _by_domain(values: FloatArray, layout: Layout) -> FloatArray:
    d = layout.n_domains
    out = np.empty((values.shape[0], d))
    for e in range(values.shape[0]):
        out[e] = sum_by(layout.group_domain, values[e], d)
    return out


def _group_totals(
    lin_parts: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    totals: BoolArray,
    coefficients: tuple[FloatArray, ...],
    composites: tuple[Composite, ...],
    layout: Layout,
) -> FloatArray:
    # Sum of each estimate's influence over each group: known before the second pass,
    # so the group means that centre the sums of squares need no extra pass.
    y_g, x_g, ratio, x_d = lin_parts
    j = totals.size
    gdom = layout.group_domain
    inverse = np.divide(1.0, x_d, out=np.zeros_like(x_d), where=x_d > 0)
    out = np.empty((j + len(composites), layout.n_groups))
    out[:j] = np.where(totals[:, None], y_g, (y_g - ratio[:, gdom] * x_g) * inverse[:, gdom])
    for k, comp in enumerate(composites):
        out[j + k] = (coefficients[k][:, gdom] * out[list(comp.terms)]).sum(axis=0)
    return out


def summarise(
    columns: Columns, layout: Layout, totals: BoolArray, composites: tuple[Composite, ...]
) -> Linearised:
    """First pass: point estimates, composite coefficients and counts.

    Parameters
    ----------
    columns
        Cell values of the base columns and composite supports.
    layout
        Cell layout.
    totals
        Which base columns are totals (the others are ratios), shape ``(J,)``.
    composites
        Composite estimates in dependency order.

    Returns
    -------
    Linearised
    """
    j, d = columns.n_base, layout.n_domains
    e = j + len(composites)
    y_g, x_g, counts = _first_pass(columns, layout, e)
    y_d, x_d = _by_domain(y_g, layout), _by_domain(x_g, layout)
    ratio = np.divide(y_d, x_d, out=np.zeros_like(y_d), where=x_d > 0)
    estimate = np.zeros((e, d))
    estimate[:j] = np.where(totals[:, None], y_d, ratio)
    defined = np.zeros((e, d), dtype=bool)
    defined[:j] = x_d > 0
    coefficients = tuple(
        _combine(comp, estimate, defined, j + k) for k, comp in enumerate(composites)
    )
    present = counts.psu > 0
    return Linearised(
        estimate=estimate,
        defined=defined,
        ratio=ratio,
        denominator=x_d,
        totals=totals,
        coefficients=coefficients,
        terms=tuple(c.terms for c in composites),
        n=_by_domain(counts.n, layout),
        weight=_by_domain(counts.weight, layout),
        psu_count=_by_domain(counts.psu, layout),
        strata_count=_by_domain(present.astype(np.float64), layout),
        present=present,
        numerator_groups=y_g,
        denominator_groups=x_g,
        group_total=_group_totals((y_g, x_g, ratio, x_d), totals, coefficients, composites, layout),
    )


def _parents(lin: Linearised) -> list[list[tuple[int, int]]]:
    # For each estimate, the (composite, term position) pairs it feeds.
    parents: list[list[tuple[int, int]]] = [[] for _ in range(lin.n_base + len(lin.terms))]
    for k, terms in enumerate(lin.terms):
        for t, term in enumerate(terms):
            parents[term].append((k, t))
    return parents


class SecondPass(msgspec.Struct, frozen=True, eq=False):
    """Sums over cells of the influence values, per estimate.

    Attributes
    ----------
    squares
        :math:`\\sum_{i \\in g} (z_i - \\bar z_g)^2` per group, ``(E, G)``, where
        :math:`\\bar z_g` is the group total over the stratum's PSU count; ``None`` when
        not asked for.
    srs
        :math:`Q_d = \\sum_{i \\in d} z^{srs\\,2}_i / w_i` per domain, ``(E, D)``;
        ``None`` when not asked for.
    """

    squares: FloatArray | None
    srs: FloatArray | None


def second_pass(
    columns: Columns,
    domain: IntArray,
    group_id: IntArray | None,
    centre: FloatArray | None,
    lin: Linearised,
    want_srs: bool,
    visit: Callable[[int, slice, FloatArray], None] | None = None,
) -> SecondPass:
    """Second pass over cells (or rows): centred sums of squares and SRS sums.

    Parameters
    ----------
    columns
        Cell (or row) values.
    domain
        Domain code of each cell (or row).
    group_id
        Group of each cell; ``None`` to skip the sums of squares.
    centre
        :math:`\\bar z_g` per estimate and group, ``(E, G)``.
    lin
        The first pass.
    want_srs
        Whether to form the SRS sums (cells must then be single rows).
    visit
        Called as ``visit(e, cells, z)`` with the influence values of estimate ``e`` on a
        block of cells (comparisons use it for covariances).

    Returns
    -------
    SecondPass

    Notes
    -----
    Influence of row :math:`k` of the domain: :math:`w_k (y_k - R x_k) / X` for a ratio
    :math:`R = Y/X`, :math:`w_k y_k` for a total (mean form :math:`w_k (y_k - \\bar y
    x_k)`), :math:`\\sum_t c_t z_t` for a composite :math:`\\sum_t c_t \\theta_t`; zero
    outside the domain (Binder 1983; Deville 1999). Blocks of cells stay in cache; the
    group means come from the first pass, so the squares are centred exactly.

    References
    ----------
    .. [1] Binder, D. A. (1983). On the variances of asymptotically normal estimators from
       complex surveys. *International Statistical Review* 51, 279-292.
    .. [2] Deville, J.-C. (1999). Variance estimation for complex statistics and
       estimators: linearization and residual techniques. *Survey Methodology* 25,
       193-203.
    """
    e_count, d = lin.estimate.shape
    g = 0 if centre is None else int(centre.shape[1])
    squares = None if group_id is None or centre is None else np.zeros((e_count, g))
    srs = np.zeros((e_count, d)) if want_srs else None
    inverse = np.divide(
        1.0, lin.denominator, out=np.zeros_like(lin.denominator), where=lin.denominator > 0
    )
    slope = lin.ratio * inverse
    parents = _parents(lin)
    closed = columns.indicator
    if srs is not None and closed:
        # Indicators y <= x: sum w (y - R x)^2 / X^2 = R (1 - R) / X, no pass needed.
        srs[: lin.n_base] = lin.ratio * (1.0 - lin.ratio) * inverse
    for cells in blocks(domain.shape[0]):
        dom = domain[cells]
        gid = None if group_id is None else group_id[cells]
        w = columns.weight[cells]
        inv_w = np.divide(1.0, w, out=np.zeros_like(w), where=w > 0)
        acc = [np.zeros(dom.shape[0]) for _ in lin.terms]
        for e in range(e_count):
            z, z_srs = _influence(columns, lin, e, cells, dom, inverse, slope, acc)
            for k, t in parents[e]:
                acc[k] += lin.coefficients[k][t][dom] * z
            if visit is not None:
                visit(e, cells, z)
            if squares is not None and centre is not None and gid is not None:
                dev = z - centre[e][gid]
                squares[e] += sum_by(gid, dev * dev, g)
            if srs is not None and not (closed and e < lin.n_base):
                srs[e] += sum_by(dom, z_srs * z_srs * inv_w, d)
    return SecondPass(squares=squares, srs=srs)


def _influence(
    columns: Columns,
    lin: Linearised,
    e: int,
    cells: slice,
    dom: IntArray,
    inverse: FloatArray,
    slope: FloatArray,
    acc: list[FloatArray],
) -> tuple[FloatArray, FloatArray]:
    j = lin.n_base
    if e >= j:
        return acc[e - j], acc[e - j]
    if lin.totals[e]:
        y, x = columns.numerator(e, cells), columns.denominator(e, cells)
        return y, y - lin.ratio[e][dom] * x
    z = columns.ratio_influence(e, cells, inverse[e][dom], slope[e][dom])
    return z, z

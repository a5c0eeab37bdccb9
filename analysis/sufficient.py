"""Estimation from sufficient statistics: the sums a database computes with GROUP BY.

For a Hájek ratio :math:`R_d = Y_d / X_d` the linearised variable summed over a PSU is
:math:`z_{hi} = (Y_{dhi} - R_d X_{dhi}) / X_d`: once :math:`R_d` and :math:`X_d` are known
(themselves sums of the cells), the variance needs only the weighted sums of :math:`y`
and :math:`x` per (stratum, PSU, domain, item). :class:`SufficientStatistics` holds

* per cell (``GROUP BY stratum, psu, domain``): :math:`\\sum w y_j`, :math:`\\sum w x_j`,
  the count of usable answers per item, and for each index node the count and weight of
  rows with at least one usable item;
* per stratum (``GROUP BY stratum``): the number of PSUs and the correction factor;
* per domain (``GROUP BY domain``): the Gram matrix
  :math:`G_d = \\sum_k w_k v_k v_k^\\top` of :math:`v_k = (y_{k1..J}, x_{k1..J})`, which
  gives the simple-random-sampling variance behind the design effect.

:func:`index_statistics` computes them from rows (the reference for the SQL side) and
:func:`estimate_indices_from_sums` estimates from them; both paths agree with
:func:`analysis.indices.estimate_indices` to rounding.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import msgspec
import numpy as np
from numpy.typing import ArrayLike, NDArray

from analysis.cells import cells_of_rows, make_layout, sum_by
from analysis.columns import CellSums, RowColumns, aggregate
from analysis.design import Design, Strata
from analysis.errors import DesignError
from analysis.estimation import check_options, domain_codes, finish, run_passes
from analysis.indices import IndexTree, ItemScoring, index_problem, score_items
from analysis.linearisation import summarise
from analysis.options import EstimationOptions
from analysis.results import Estimate
from analysis.srs import srs_from_gram

__all__ = [
    "SufficientStatistics",
    "estimate_indices_from_sums",
    "gram_matrices",
    "index_statistics",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_DEFAULT = EstimationOptions()


class SufficientStatistics(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """Sums per cell, per stratum and per domain (see the module notes).

    Attributes
    ----------
    items
        Item codes of the base columns, in order.
    strata
        Stratum labels, PSU counts (whole sample) and correction factors.
    domains
        Domain labels (``None`` for the whole population).
    cell_stratum, cell_psu, cell_domain
        Codes of each cell: stratum (into ``strata``), PSU (any id unique within the
        stratum) and domain (into ``domains``).
    numerators, denominators, counts
        :math:`\\sum w y_j`, :math:`\\sum w x_j` and usable answers, shape ``(J, C)``.
    support_counts, support_weights
        Rows with a usable item of each index node and their weight, ``(K, C)``, nodes in
        the post-order of the index tree.
    weight
        :math:`\\sum w` per cell.
    gram
        :math:`G_d`, shape ``(D, 2J, 2J)``.
    """

    items: tuple[str, ...]
    strata: Strata
    domains: tuple[str | None, ...]
    cell_stratum: IntArray
    cell_psu: IntArray
    cell_domain: IntArray
    numerators: FloatArray
    denominators: FloatArray
    counts: FloatArray
    support_counts: FloatArray
    support_weights: FloatArray
    weight: FloatArray
    gram: FloatArray


def gram_matrices(rows: RowColumns, domain: IntArray, n_domains: int) -> FloatArray:
    """Per-domain :math:`G_d = \\sum_k w_k v_k v_k^\\top`, :math:`v = (y_{1..J}, x_{1..J})`.

    Parameters
    ----------
    rows
        Row-level columns.
    domain
        Domain code of each row.
    n_domains
        Number of domain codes.

    Returns
    -------
    numpy.ndarray
        Shape ``(D, 2J, 2J)``.

    Notes
    -----
    One weighted sum per pair of columns, as ``SUM(w * y_a * y_b) GROUP BY domain``.
    """
    every = slice(None)
    j = rows.n_base
    w = rows.weights
    unweighted = [rows.numerator(c, every) for c in range(j)]
    unweighted += [rows.denominator(c, every) for c in range(j)]
    inverse = np.divide(1.0, w, out=np.zeros_like(w), where=w > 0)
    values = [v * inverse for v in unweighted]
    gram = np.empty((n_domains, 2 * j, 2 * j))
    for a in range(2 * j):
        for b in range(a, 2 * j):
            gram[:, a, b] = gram[:, b, a] = sum_by(domain, w * values[a] * values[b], n_domains)
    return gram


def index_statistics(
    codes: ArrayLike,
    items: Sequence[ItemScoring],
    tree: IndexTree,
    design: Design,
    *,
    domain: ArrayLike | None = None,
    missing: Collection[int] = (),
) -> SufficientStatistics:
    """Compute the sufficient statistics of the index estimates from rows.

    This is what the database computes; parameters are those of
    :func:`analysis.indices.estimate_indices`.

    Returns
    -------
    SufficientStatistics
    """
    satisfied, usable = score_items(codes, items, missing)
    problem = index_problem(satisfied, usable, design.weights, items, tree)
    row_domain, labels = domain_codes(domain, design.n)
    cell_of_row, layout = cells_of_rows(
        row_domain, design.psu, design.psu_stratum, len(labels), len(design.strata.labels)
    )
    if cell_of_row is None:
        cell_of_row = np.arange(design.n, dtype=np.int64)
    sums = aggregate(problem.rows, cell_of_row, layout.n_cells)
    return SufficientStatistics(
        items=tuple(item.code for item in items),
        strata=design.strata,
        domains=labels,
        cell_stratum=layout.stratum,
        cell_psu=layout.psu,
        cell_domain=layout.domain,
        numerators=sums.numerators,
        denominators=sums.denominators,
        counts=sums.counts,
        support_counts=sums.support_counts,
        support_weights=sums.support_weights,
        weight=sums.weight,
        gram=gram_matrices(problem.rows, row_domain, len(labels)),
    )


def _check(stats: SufficientStatistics, j: int, k: int) -> None:
    c = stats.cell_domain.shape[0]
    shapes = {
        "numerators": (stats.numerators.shape, (j, c)),
        "denominators": (stats.denominators.shape, (j, c)),
        "counts": (stats.counts.shape, (j, c)),
        "support_counts": (stats.support_counts.shape, (k, c)),
        "support_weights": (stats.support_weights.shape, (k, c)),
        "weight": (stats.weight.shape, (c,)),
        "gram": (stats.gram.shape, (len(stats.domains), 2 * j, 2 * j)),
    }
    for name, (got, want) in shapes.items():
        if got != want:
            raise DesignError(f"sufficient statistics: {name} has shape {got}, expected {want}")


def estimate_indices_from_sums(
    stats: SufficientStatistics,
    items: Sequence[ItemScoring],
    tree: IndexTree,
    *,
    options: EstimationOptions = _DEFAULT,
) -> list[Estimate]:
    """Estimate item shares, element indices and the overall index from sums.

    Parameters
    ----------
    stats
        Sufficient statistics (cells in any order).
    items, tree
        Item scoring (codes must match ``stats.items``) and the index tree.
    options
        Estimation options.

    Returns
    -------
    list of Estimate
        As :func:`analysis.indices.estimate_indices`.
    """
    if tuple(item.code for item in items) != stats.items:
        raise DesignError("sufficient statistics: items differ from the scoring given")
    check_options(options, stats.strata)
    n = stats.weight.shape[0]
    template = index_problem(
        np.zeros((len(items), 1), dtype=bool),
        np.zeros((len(items), 1), dtype=bool),
        np.zeros(1),
        items,
        tree,
    )
    _check(stats, len(items), len(template.composites))
    layout = make_layout(
        stats.cell_domain,
        stats.cell_stratum,
        stats.cell_psu,
        len(stats.domains),
        len(stats.strata.labels),
    )
    columns = CellSums(
        numerators=stats.numerators,
        denominators=stats.denominators,
        counts=stats.counts,
        support_counts=stats.support_counts,
        support_weights=stats.support_weights,
        weight=stats.weight,
        single_row=False,
    )
    assert layout.n_cells == n
    lin = summarise(columns, layout, template.totals, template.composites)
    variance, _ = run_passes(columns, layout, stats.strata, lin, options, stats.domains)
    srs = srs_from_gram(lin, stats.gram)
    return finish(lin, variance, srs, template.names, template.statistics, stats.domains, options)

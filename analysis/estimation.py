"""The estimation pipeline shared by every public estimator.

rows → cells (:mod:`analysis.cells`) → estimates and counts, then influence values
column by column (:mod:`analysis.linearisation`) → variance (:mod:`analysis.variance` or
:mod:`analysis.replication`) and design effect (:mod:`analysis.srs`) → intervals and
flags (:mod:`analysis.results`).
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import numpy as np
from numpy.typing import ArrayLike, NDArray

from analysis.cells import Layout, cells_of_rows
from analysis.columns import Columns, RowColumns, aggregate
from analysis.design import Design, Strata, factorise
from analysis.errors import DesignError, EmptyDomainError, OptionsError, ReplicationError
from analysis.linearisation import Composite, Linearised, Statistic, second_pass, summarise
from analysis.options import EstimationOptions
from analysis.replication import jackknife_variance
from analysis.results import (
    Estimate,
    EstimateArrays,
    build_estimates,
    design_effect,
    snap_variance,
)
from analysis.variance import column_variance, group_design

__all__ = [
    "Prepared",
    "Problem",
    "check_options",
    "complete",
    "domain_codes",
    "estimate_problem",
    "finish",
    "prepare",
    "run_passes",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


class Problem(msgspec.Struct, frozen=True, eq=False):
    """Row-level inputs of one estimation: ``J`` base columns and ``K`` composites.

    Attributes
    ----------
    names, statistics
        Name and statistic of each of the ``J + K`` estimates.
    rows
        Row-level columns.
    totals
        Which base columns are totals, ``(J,)``.
    composites
        Composite estimates.
    """

    names: tuple[str, ...]
    statistics: tuple[Statistic, ...]
    rows: RowColumns
    totals: BoolArray
    composites: tuple[Composite, ...] = ()


def domain_codes(domain: ArrayLike | None, n: int) -> tuple[IntArray, tuple[str | None, ...]]:
    """Code the domain labels of ``n`` rows (``None``: the whole population)."""
    if domain is None:
        return np.zeros(n, dtype=np.int64), (None,)
    if np.shape(domain) != (n,):
        raise DesignError(f"domain: expected {n} values, got shape {np.shape(domain)}")
    codes, labels = factorise(domain)
    return codes, labels


def check_options(options: EstimationOptions, strata: Strata) -> None:
    """Reject options that cannot apply (level outside (0, 1), JK1 with strata)."""
    if not 0.0 < options.level < 1.0:
        raise OptionsError(f"level must lie in (0, 1), got {options.level}")
    if options.variance == "jk1" and len(strata.labels) > 1:
        raise ReplicationError("JK1 is for unstratified designs; use variance='jkn'")


def run_passes(
    columns: Columns,
    layout: Layout,
    strata: Strata,
    lin: Linearised,
    options: EstimationOptions,
    domains: tuple[str | None, ...],
    visit: Callable[[int, slice, FloatArray], None] | None = None,
) -> tuple[FloatArray, FloatArray | None]:
    """Variance of every estimate and, for single-row cells, the SRS sums :math:`Q`.

    ``visit`` is passed to :func:`analysis.linearisation.second_pass`.

    Returns
    -------
    variance, q
        Arrays of shape ``(E, D)``; ``q`` is ``None`` unless cells are single rows.
    """
    taylor = options.variance == "taylor"
    design = group_design(layout, strata, options.lonely_psu, domains)
    passes = second_pass(
        columns,
        layout.domain,
        layout.group_id if taylor else None,
        lin.group_total / design.n_psu,
        lin,
        columns.single_row,
        visit,
    )
    if passes.squares is not None:
        variance = np.array(
            [
                column_variance(squares, total, present, design)
                for squares, total, present in zip(
                    passes.squares, lin.group_total, lin.present, strict=True
                )
            ]
        ).reshape(lin.estimate.shape)
    else:
        variance = jackknife_variance(
            columns, layout, strata, lin, rule=options.lonely_psu, mse=options.replicate_mse
        )
    return variance, passes.srs


def finish(
    lin: Linearised,
    variance: FloatArray,
    srs: FloatArray,
    names: tuple[str, ...],
    statistics: tuple[Statistic, ...],
    domains: tuple[str | None, ...],
    options: EstimationOptions,
) -> list[Estimate]:
    """Add design effects, degrees of freedom, intervals and flags."""
    bounded = np.array([s in ("share", "element", "index") for s in statistics])
    scale = np.where(bounded[:, None], 1.0, lin.estimate * lin.estimate)
    variance = snap_variance(variance, scale, lin.n)
    deff, n_eff = design_effect(variance, lin.weight, lin.n, srs, scale)
    arrays = EstimateArrays(
        names=names,
        statistics=statistics,
        domains=domains,
        estimate=lin.estimate,
        variance=variance,
        n=lin.n,
        df=lin.psu_count - lin.strata_count,
        deff=deff,
        n_eff=n_eff,
        defined=lin.defined & (lin.n > 0),
    )
    results = build_estimates(arrays, options)
    if not results:
        raise EmptyDomainError(
            "nothing to estimate: no respondent has a positive weight and a usable answer"
        )
    return results


def _row_srs(rows: RowColumns, domain: IntArray, lin: Linearised) -> FloatArray:
    srs = second_pass(rows, domain, None, None, lin, want_srs=True).srs
    assert srs is not None
    return srs


class Prepared(msgspec.Struct, frozen=True, eq=False):
    """The first pass of an in-memory estimation.

    Attributes
    ----------
    columns
        Cell values (the rows themselves, or their sums per cell).
    layout
        Cell layout.
    lin
        Estimates, counts and group totals.
    codes, labels
        Domain code of each row and the domain labels.
    """

    columns: Columns
    layout: Layout
    lin: Linearised
    codes: IntArray
    labels: tuple[str | None, ...]


def prepare(problem: Problem, design: Design, domain: ArrayLike | None) -> Prepared:
    """Form the cells and run the first pass."""
    codes, labels = domain_codes(domain, design.n)
    cell_of_row, layout = cells_of_rows(
        codes, design.psu, design.psu_stratum, len(labels), len(design.strata.labels)
    )
    columns: Columns = problem.rows
    if cell_of_row is not None:
        columns = aggregate(problem.rows, cell_of_row, layout.n_cells)
    lin = summarise(columns, layout, problem.totals, problem.composites)
    return Prepared(columns=columns, layout=layout, lin=lin, codes=codes, labels=labels)


def complete(
    problem: Problem,
    design: Design,
    prepared: Prepared,
    options: EstimationOptions,
    visit: Callable[[int, slice, FloatArray], None] | None = None,
) -> tuple[list[Estimate], FloatArray]:
    """Run the second pass and build the results; also return the variance array."""
    p = prepared
    variance, q = run_passes(p.columns, p.layout, design.strata, p.lin, options, p.labels, visit)
    if q is None:
        q = _row_srs(problem.rows, p.codes, p.lin)
    results = finish(p.lin, variance, q, problem.names, problem.statistics, p.labels, options)
    return results, variance


def estimate_problem(
    problem: Problem,
    design: Design,
    domain: ArrayLike | None,
    options: EstimationOptions,
) -> list[Estimate]:
    """Run the in-memory pipeline on row-level columns.

    Parameters
    ----------
    problem
        Row-level columns and composites.
    design
        The compiled design.
    domain
        Domain label per row, or ``None`` for the whole population.
    options
        Estimation options.

    Returns
    -------
    list of Estimate
    """
    check_options(options, design.strata)
    results, _ = complete(problem, design, prepare(problem, design, domain), options)
    return results

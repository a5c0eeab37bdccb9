"""Cells: the (domain, stratum, PSU) sums every estimate and its variance are built from.

A cell is one PSU's part of one domain. Every row falls in exactly one cell, and for a
Hájek ratio :math:`R_d = Y_d / X_d` the linearised variable summed over a PSU is
:math:`z_{hi} = (Y_{dhi} - R_d X_{dhi}) / X_d`, so the weighted sums per cell are all the
variance needs. A *group* is the set of cells of one domain in one stratum, the unit of
the stratified variance formula; all sums over cells, groups and domains are
``np.bincount`` calls on integer codes, never Python loops over units or PSUs.

The values of the cells are read through :mod:`analysis.columns`.
"""

from __future__ import annotations

from typing import cast

import msgspec
import numpy as np
from numpy.typing import NDArray

from analysis.errors import DesignError

__all__ = ["Layout", "blocks", "cells_of_rows", "make_layout", "sum_by"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def sum_by(codes: IntArray, values: NDArray[np.generic] | None, size: int) -> FloatArray:
    """Sum ``values`` (or count, when ``None``) per integer code, ``size`` codes long."""
    return cast(FloatArray, np.bincount(codes, values, minlength=size))


class Layout(msgspec.Struct, frozen=True, eq=False):
    """Cells and their (domain, stratum) groups, as integer codes.

    Attributes
    ----------
    domain, stratum, psu
        Codes of each cell (length ``C``).
    n_domains
        Number of domain codes (some may have no cell).
    group_id
        Group of each cell.
    group_stratum, group_domain
        Stratum and domain of each group (length ``G``).
    group_size
        Number of cells of each group (0 for a stratum code without cells).
    """

    domain: IntArray
    stratum: IntArray
    psu: IntArray
    n_domains: int
    group_id: IntArray
    group_stratum: IntArray
    group_domain: IntArray
    group_size: IntArray

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return int(self.domain.shape[0])

    @property
    def n_groups(self) -> int:
        """Number of groups."""
        return int(self.group_stratum.shape[0])


def blocks(n: int, size: int = 1 << 16) -> list[slice]:
    """Split ``range(n)`` into slices of ``size`` so that passes stay in cache."""
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


def _groups(
    domain: IntArray, stratum: IntArray, n_strata: int
) -> tuple[IntArray, IntArray, IntArray]:
    # Strata nested in domains (the usual unit x channel strata by unit, or one domain)
    # make the stratum code the group code, which avoids a sort of the cells.
    owner = np.full(n_strata, -1, dtype=np.int64)
    owner[stratum] = domain
    if np.array_equal(owner[stratum], domain):
        return stratum, np.arange(n_strata, dtype=np.int64), np.maximum(owner, 0)
    key = domain * np.int64(n_strata) + stratum
    unique, group_id = np.unique(key, return_inverse=True)
    return group_id.reshape(-1), unique % n_strata, unique // n_strata


def make_layout(
    domain: IntArray, stratum: IntArray, psu: IntArray, n_domains: int, n_strata: int
) -> Layout:
    """Build the group structure of distinct cells (in any order).

    Parameters
    ----------
    domain, stratum, psu
        Codes per cell.
    n_domains, n_strata
        Number of domain and stratum codes.

    Returns
    -------
    Layout
    """
    if domain.shape[0] == 0:
        raise DesignError("no data: the design has no rows")
    group_id, group_stratum, group_domain = _groups(domain, stratum, n_strata)
    return Layout(
        domain=domain,
        stratum=stratum,
        psu=psu,
        n_domains=n_domains,
        group_id=group_id,
        group_stratum=group_stratum,
        group_domain=group_domain,
        group_size=np.bincount(group_id, minlength=group_stratum.shape[0]),
    )


def cells_of_rows(
    domain: IntArray,
    psu: IntArray,
    psu_stratum: IntArray,
    n_domains: int,
    n_strata: int,
) -> tuple[IntArray | None, Layout]:
    """Map rows to cells and build the cell layout.

    Parameters
    ----------
    domain, psu
        Domain and PSU code of each row.
    psu_stratum
        Stratum code of each PSU.
    n_domains, n_strata
        Number of domain and stratum codes.

    Returns
    -------
    cell_of_row, layout
        The cell of each row, or ``None`` when every row is its own PSU and hence its own
        cell (cells are then the rows, in row order).
    """
    n_psu = int(psu_stratum.shape[0])
    if n_psu == domain.shape[0]:
        return None, make_layout(domain, psu_stratum[psu], psu, n_domains, n_strata)
    key = domain * np.int64(n_psu) + psu
    unique, cell_of_row = np.unique(key, return_inverse=True)
    cell_psu = unique % n_psu
    layout = make_layout(unique // n_psu, psu_stratum[cell_psu], cell_psu, n_domains, n_strata)
    return cell_of_row.reshape(-1), layout

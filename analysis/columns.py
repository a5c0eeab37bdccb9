"""Cell values, read one column at a time.

The :class:`Columns` protocol lets the passes of :mod:`analysis.linearisation` read the
weighted sums of one base column over a block of cells, so that the in-memory path, where
every row is its own PSU, never materialises a weighted copy of the whole answer matrix:
:class:`RowColumns` forms :math:`w y` of one item and block when asked. The
sufficient-statistics path gives :class:`CellSums` arrays computed by a database, and
:func:`aggregate` sums rows into cells when PSUs hold several rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import msgspec
import numpy as np
from numpy.typing import NDArray

from analysis.cells import sum_by

__all__ = ["CellSums", "Columns", "RowColumns", "aggregate"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


class Columns(Protocol):
    """Cell values of ``J`` base columns and ``K`` composite supports, one at a time."""

    @property
    def n_base(self) -> int:
        """Number of base columns ``J``."""
        ...

    @property
    def n_support(self) -> int:
        """Number of composite supports ``K``."""
        ...

    @property
    def single_row(self) -> bool:
        """Whether every cell is one row."""
        ...

    @property
    def weight(self) -> FloatArray:
        """:math:`\\sum w` per cell."""
        ...

    @property
    def has_base_weight(self) -> bool:
        """Whether :meth:`base_weight` differs from :meth:`denominator`."""
        ...

    @property
    def indicator(self) -> bool:
        """Whether every base column is a satisfied share of single-row cells."""
        ...

    def numerator(self, j: int, cells: slice) -> FloatArray:
        """:math:`\\sum w y` of column ``j`` per cell, for a slice of cells."""
        ...

    def denominator(self, j: int, cells: slice) -> FloatArray:
        """:math:`\\sum w x` of column ``j`` per cell."""
        ...

    def count(self, j: int, cells: slice) -> FloatArray:
        """Rows with a positive weight and a usable value of column ``j`` per cell."""
        ...

    def base_weight(self, j: int, cells: slice) -> FloatArray:
        """Weight of the rows usable for column ``j`` per cell (design-effect base)."""
        ...

    def ratio_influence(
        self, j: int, cells: slice, scale: FloatArray, slope: FloatArray
    ) -> FloatArray:
        """:math:`y s - x b` for column ``j``: the ratio influence given per-cell
        :math:`s = 1/X_d` and :math:`b = R_d / X_d`."""
        ...

    def support_count(self, k: int, cells: slice) -> FloatArray:
        """Rows with a positive weight and a usable item of composite ``k`` per cell."""
        ...

    def support_weight(self, k: int, cells: slice) -> FloatArray:
        """Their weight sum per cell."""
        ...


class CellSums(msgspec.Struct, frozen=True, eq=False):
    """Weighted sums per cell held as arrays (``J`` base columns, ``K`` supports).

    Attributes
    ----------
    numerators, denominators, counts
        :math:`\\sum w y`, :math:`\\sum w x` and usable-row counts, shape ``(J, C)``.
    support_counts, support_weights
        Rows with a usable item of each composite and their weight, ``(K, C)``.
    weight
        :math:`\\sum w` per cell.
    single_row
        True when every cell holds one row (element sampling).
    base_weights
        Weight of the usable rows per column and cell, ``(J, C)``, when it differs from
        the denominator (general ratios); ``None`` otherwise.
    """

    numerators: FloatArray
    denominators: FloatArray
    counts: FloatArray
    support_counts: FloatArray
    support_weights: FloatArray
    weight: FloatArray
    single_row: bool = False
    base_weights: FloatArray | None = None

    @property
    def n_base(self) -> int:
        """Number of base columns."""
        return int(self.numerators.shape[0])

    @property
    def n_support(self) -> int:
        """Number of composite supports."""
        return int(self.support_counts.shape[0])

    @property
    def has_base_weight(self) -> bool:
        """Whether base weights are given."""
        return self.base_weights is not None

    @property
    def indicator(self) -> bool:
        """Cell sums are never treated as single-row indicators."""
        return False

    def numerator(self, j: int, cells: slice) -> FloatArray:
        """Column ``j`` of the numerators."""
        out: FloatArray = self.numerators[j, cells]
        return out

    def denominator(self, j: int, cells: slice) -> FloatArray:
        """Column ``j`` of the denominators."""
        out: FloatArray = self.denominators[j, cells]
        return out

    def count(self, j: int, cells: slice) -> FloatArray:
        """Column ``j`` of the counts."""
        out: FloatArray = self.counts[j, cells]
        return out

    def base_weight(self, j: int, cells: slice) -> FloatArray:
        """Column ``j`` of the base weights (the denominators by default)."""
        source = self.denominators if self.base_weights is None else self.base_weights
        out: FloatArray = source[j, cells]
        return out

    def ratio_influence(
        self, j: int, cells: slice, scale: FloatArray, slope: FloatArray
    ) -> FloatArray:
        """:math:`y s - x b` per cell."""
        out: FloatArray = self.numerators[j, cells] * scale - self.denominators[j, cells] * slope
        return out

    def support_count(self, k: int, cells: slice) -> FloatArray:
        """Support ``k`` counts."""
        out: FloatArray = self.support_counts[k, cells]
        return out

    def support_weight(self, k: int, cells: slice) -> FloatArray:
        """Support ``k`` weights."""
        out: FloatArray = self.support_weights[k, cells]
        return out


class RowColumns(msgspec.Struct, frozen=True, eq=False):
    """Row-level columns; each row is a cell (element sampling or before aggregation).

    Attributes
    ----------
    weights
        Row weights.
    positive
        ``weights > 0``.
    usable
        Whether each row has a usable value of each column, ``(J, n)``.
    support
        Rows with a usable item of each composite, ``(K, n)``.
    values
        Numerator variable, ``(J, n)``; ``None`` with ``satisfied``.
    satisfied
        Numerator indicator (shares), ``(J, n)``; ``None`` with ``values``.
    denominators
        Denominator variable of general ratios, ``(J, n)``; ``None``: the usable
        indicator.
    """

    weights: FloatArray
    positive: BoolArray
    usable: BoolArray
    support: BoolArray
    values: FloatArray | None = None
    satisfied: BoolArray | None = None
    denominators: FloatArray | None = None

    @property
    def n_base(self) -> int:
        """Number of base columns."""
        return int(self.usable.shape[0])

    @property
    def n_support(self) -> int:
        """Number of composite supports."""
        return int(self.support.shape[0])

    @property
    def single_row(self) -> bool:
        """Rows are single-row cells."""
        return True

    @property
    def weight(self) -> FloatArray:
        """Row weights."""
        return self.weights

    @property
    def has_base_weight(self) -> bool:
        """General ratios have a base weight apart from the denominator."""
        return self.denominators is not None

    @property
    def indicator(self) -> bool:
        """Shares of usable answers (numerator and denominator are indicators)."""
        return self.satisfied is not None

    def numerator(self, j: int, cells: slice) -> FloatArray:
        """:math:`w y` of column ``j`` (0 where unusable)."""
        w = self.weights[cells]
        if self.satisfied is not None:
            out: FloatArray = w * self.satisfied[j, cells]
            return out
        assert self.values is not None
        out = np.where(self.usable[j, cells], self.values[j, cells], 0.0) * w
        return out

    def denominator(self, j: int, cells: slice) -> FloatArray:
        """:math:`w x` of column ``j`` (0 where unusable)."""
        w = self.weights[cells]
        if self.denominators is None:
            out: FloatArray = w * self.usable[j, cells]
            return out
        out = np.where(self.usable[j, cells], self.denominators[j, cells], 0.0) * w
        return out

    def count(self, j: int, cells: slice) -> FloatArray:
        """1 where column ``j`` is usable and the weight positive."""
        usable = self.usable[j, cells] & self.positive[cells]
        out: FloatArray = usable.astype(np.float64)
        return out

    def base_weight(self, j: int, cells: slice) -> FloatArray:
        """Weight where column ``j`` is usable."""
        out: FloatArray = self.weights[cells] * self.usable[j, cells]
        return out

    def ratio_influence(
        self, j: int, cells: slice, scale: FloatArray, slope: FloatArray
    ) -> FloatArray:
        """:math:`w (y s - x b)`; for shares the indicators multiply first (one product
        fewer per row than weighting both sides)."""
        if self.satisfied is None:
            out: FloatArray = self.numerator(j, cells) * scale - self.denominator(j, cells) * slope
            return out
        out = self.satisfied[j, cells] * scale
        out -= self.usable[j, cells] * slope
        out *= self.weights[cells]
        return out

    def support_count(self, k: int, cells: slice) -> FloatArray:
        """1 where composite ``k`` has a usable item and the weight is positive."""
        usable = self.support[k, cells] & self.positive[cells]
        out: FloatArray = usable.astype(np.float64)
        return out

    def support_weight(self, k: int, cells: slice) -> FloatArray:
        """Weight where composite ``k`` has a usable item."""
        out: FloatArray = self.weights[cells] * self.support[k, cells]
        return out


def aggregate(rows: RowColumns, cell_of_row: IntArray, n_cells: int) -> CellSums:
    """Sum row-level columns into cells.

    Parameters
    ----------
    rows
        Row-level columns.
    cell_of_row
        Cell of each row.
    n_cells
        Number of cells.

    Returns
    -------
    CellSums
    """
    every = slice(None)

    def stack(get: Callable[[int, slice], FloatArray], count: int) -> FloatArray:
        out = np.empty((count, n_cells))
        for i in range(count):
            out[i] = sum_by(cell_of_row, get(i, every), n_cells)
        return out

    j, k = rows.n_base, rows.n_support
    return CellSums(
        numerators=stack(rows.numerator, j),
        denominators=stack(rows.denominator, j),
        counts=stack(rows.count, j),
        support_counts=stack(rows.support_count, k),
        support_weights=stack(rows.support_weight, k),
        weight=sum_by(cell_of_row, rows.weights, n_cells),
        base_weights=stack(rows.base_weight, j) if rows.has_base_weight else None,
    )

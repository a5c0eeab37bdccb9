"""Array helpers for values grouped by an integer code (strata, units, classes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray


def group_starts(counts: NDArray[np.int64]) -> NDArray[np.int64]:
    """Offset of each group in an array sorted by group, from the group sizes."""
    return np.cumsum(counts) - counts


def rank_within(group: NDArray[np.int64], key: NDArray[np.float64]) -> NDArray[np.int64]:
    """Rank (0, 1, …) of each element inside its group by ascending key, ties by position."""
    order = np.lexsort((key, group))
    sorted_group = group[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, sorted_group.size]))
    rank = np.empty_like(group)
    rank[order] = np.arange(group.size) - first
    return rank


def cell_names(codes: NDArray[np.int64], labels: Sequence[str] | None) -> list[str]:
    """Names of cells for error messages: the caller's labels, else the codes."""
    return [str(labels[c]) if labels is not None else str(c) for c in codes.tolist()]

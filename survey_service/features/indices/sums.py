"""Sufficient statistics of a survey's indices from its PSU records, with unit roll-ups.

The domains are units: the unit each response came from and, rolled up the unit tree, its
parent units up to the whole city. A PSU belongs to one unit, so its cell in every domain
above that unit holds the same sums: the cells of the roll-up are the unit's cells with
the domain relabelled, and the Gram matrix of a domain is the sum of its units'
(:class:`analysis.SufficientStatistics` documents the arrays). Every PSU of a stratum
counts in the stratum's PSU total, inside the domain or not (zeros outside it).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, select

from analysis import IndexTree, ItemScoring, SufficientStatistics
from analysis.indices import index_problem
from survey_service.db.models import Unit
from survey_service.features.indices.records import PsuRecords

__all__ = [
    "Domains",
    "UnitTree",
    "composite_members",
    "load_units",
    "make_domains",
    "sufficient_statistics",
    "unit_grams",
]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


class UnitTree(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """Every unit, sorted by id, with the position of its parent (-1 for a root)."""

    ids: IntArray
    codes: tuple[str, ...]
    kinds: tuple[str, ...]
    names: tuple[str, ...]
    parent: IntArray

    def positions(self, unit_ids: IntArray) -> IntArray:
        """Positions of ``unit_ids`` in the tree (every id must exist)."""
        found: IntArray = np.searchsorted(self.ids, unit_ids).astype(np.int64)
        return found

    def chain(self, position: int) -> list[int]:
        """The unit and its ancestors, nearest first."""
        out = [position]
        while self.parent[out[-1]] >= 0 and len(out) <= len(self.codes):
            out.append(int(self.parent[out[-1]]))
        return out


class Domains(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """Domains (units) and which units' PSUs each contains.

    Attributes
    ----------
    units
        Tree position of each domain's unit; ``labels`` are their codes.
    pair_unit, pair_domain
        (unit, domain) memberships, sorted by unit: unit ``pair_unit[i]`` (a position in
        ``present``) lies in domain ``pair_domain[i]``.
    present
        Tree positions of the units that have PSUs.
    """

    units: IntArray
    labels: tuple[str, ...]
    pair_unit: IntArray
    pair_domain: IntArray
    present: IntArray


def load_units(conn: Connection) -> UnitTree:
    """Read the unit tree."""
    rows = conn.execute(
        select(Unit.id, Unit.code, Unit.kind, Unit.name, Unit.parent_id).order_by(Unit.id)
    ).all()
    ids = np.array([r.id for r in rows], dtype=np.int64)
    parents = np.array([-1 if r.parent_id is None else r.parent_id for r in rows], dtype=np.int64)
    position = np.where(parents >= 0, np.searchsorted(ids, np.maximum(parents, 0)), -1)
    return UnitTree(
        ids=ids,
        codes=tuple(r.code for r in rows),
        kinds=tuple(str(r.kind) for r in rows),
        names=tuple(r.name for r in rows),
        parent=position.astype(np.int64),
    )


def make_domains(tree: UnitTree, present: IntArray, *, rollup: bool = True) -> Domains:
    """The units with PSUs and, with ``rollup``, every unit above them."""
    chains = [tree.chain(int(u)) if rollup else [int(u)] for u in present.tolist()]
    units = np.array(sorted({d for chain in chains for d in chain}), dtype=np.int64)
    index = {int(u): k for k, u in enumerate(units.tolist())}
    pair_unit = np.repeat(np.arange(len(chains)), [len(c) for c in chains]).astype(np.int64)
    pair_domain = np.array([index[d] for chain in chains for d in chain], dtype=np.int64)
    return Domains(
        units=units,
        labels=tuple(tree.codes[u] for u in units.tolist()),
        pair_unit=pair_unit,
        pair_domain=pair_domain,
        present=present,
    )


def composite_members(items: Sequence[ItemScoring], tree: IndexTree) -> list[list[int]]:
    """Item positions under each index node, in the post-order the estimates use."""
    empty = np.zeros((len(items), 1), dtype=bool)
    template = index_problem(empty, empty, np.zeros(1), items, tree)
    j, members = len(items), list[list[int]]()
    for composite in template.composites:
        leaves: set[int] = set()
        for term in composite.terms:
            leaves.update([term] if term < j else members[term - j])
        members.append(sorted(leaves))
    return members


def unit_grams(records: PsuRecords, unit: IntArray, n_units: int) -> FloatArray:
    """Per unit :math:`G_u = \\sum_k w_k v_k v_k^\\top`, :math:`v = (y_{1..J}, x_{1..J})`.

    One matrix product per unit over its PSUs, sorted by unit; the indicators become
    floats a unit at a time, which keeps the work in cache.
    """
    j = records.satisfied.shape[0]
    order = np.argsort(unit, kind="stable")
    bounds = np.searchsorted(unit[order], np.arange(n_units + 1)).tolist()
    values = np.concatenate([records.satisfied, records.usable]).T[order]
    weights = records.weight[order]
    gram = np.zeros((n_units, 2 * j, 2 * j))
    for u in range(n_units):
        part = values[bounds[u] : bounds[u + 1]].astype(np.float64)
        gram[u] = part.T @ (part * weights[bounds[u] : bounds[u + 1], None])
    return gram


def _cells(unit: IntArray, domains: Domains) -> tuple[IntArray, IntArray]:
    """Each PSU once per domain that contains its unit: (PSU of cell, domain of cell)."""
    per_unit = np.bincount(domains.pair_unit, minlength=domains.present.size)
    unit_start = np.cumsum(per_unit) - per_unit
    per_row = per_unit[unit]
    row_start = np.cumsum(per_row) - per_row
    rows = np.repeat(np.arange(unit.size, dtype=np.int64), per_row)
    offset = np.arange(rows.size, dtype=np.int64) - row_start[rows]
    return rows, domains.pair_domain[unit_start[unit[rows]] + offset]


def sufficient_statistics(
    records: PsuRecords,
    units: UnitTree,
    items: Sequence[ItemScoring],
    tree: IndexTree,
    *,
    rollup: bool = True,
) -> tuple[SufficientStatistics, Domains]:
    """Cell sums, stratum table and Gram matrices of every unit domain.

    Parameters
    ----------
    records
        The survey's PSU records.
    units
        The unit tree.
    items, tree
        Scoring and index tree of the instrument.
    rollup
        Also estimate for every unit above the units with PSUs, up to the city.

    Returns
    -------
    stats, domains
    """
    present, unit = np.unique(units.positions(records.unit), return_inverse=True)
    domains = make_domains(units, present.astype(np.int64), rollup=rollup)
    rows, cell_domain = _cells(unit.astype(np.int64), domains)
    # Without roll-up each PSU is one cell, in order: no copies.
    pick = slice(None) if rows.size == records.n else rows
    w = records.weight[pick]
    usable = records.usable[:, pick]
    positive = w > 0
    support = np.array([records.usable[m].any(axis=0) for m in composite_members(items, tree)])
    support = support.reshape(-1, records.n)[:, pick]
    grams = unit_grams(records, unit.astype(np.int64), present.size)
    gram = np.zeros((len(domains.labels), *grams.shape[1:]))
    np.add.at(gram, domains.pair_domain, grams[domains.pair_unit])
    stats = SufficientStatistics(
        items=tuple(item.code for item in items),
        strata=records.strata,
        domains=domains.labels,
        cell_stratum=records.stratum[pick],
        cell_psu=rows,
        cell_domain=cell_domain,
        numerators=np.multiply(records.satisfied[:, pick], w, dtype=np.float64),
        denominators=np.multiply(usable, w, dtype=np.float64),
        counts=np.multiply(usable, positive, dtype=np.float64),
        support_counts=np.multiply(support, positive, dtype=np.float64),
        support_weights=np.multiply(support, w, dtype=np.float64),
        weight=w,
        gram=gram,
    )
    return stats, domains

"""Satisfaction indices: item shares, element indices and the overall index.

The index tree is plain data: nodes that are weighted means of their children (items or
other nodes); :func:`make_index_tree` builds the usual two levels from the items of each
element and the element weights. An item
share is the Hájek ratio of satisfied answers over usable answers (not-applicable and
missing answers are left out of the denominator); an element index is the mean of its
items' shares; the overall index is the weighted mean of the element indices. Nothing is
specific to SIPAS: :func:`tree_from_instrument` reads the tree of any instrument.

Where an item has no usable answer in a domain, the element index is the mean of the
items that have one, and the overall index renormalises the weights of the elements that
exist; the estimate of the missing item itself is left out of the results.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import msgspec
import numpy as np
from numpy.typing import ArrayLike, NDArray

from analysis.columns import RowColumns
from analysis.design import Design
from analysis.errors import DesignError
from analysis.estimation import Problem, estimate_problem
from analysis.linearisation import Composite, Statistic
from analysis.options import EstimationOptions
from analysis.results import Estimate
from instruments.model import Instrument

__all__ = [
    "IndexNode",
    "IndexTree",
    "ItemScoring",
    "element_members",
    "estimate_indices",
    "index_problem",
    "make_index_tree",
    "score_items",
    "tree_from_instrument",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

_DEFAULT = EstimationOptions()


class ItemScoring(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How the answers to one item are scored.

    Attributes
    ----------
    code
        Item code.
    satisfied
        Answer codes that count as satisfied.
    not_applicable
        Answer codes ("not applicable", "don't know") left out of the denominator.
    """

    code: str
    satisfied: tuple[int, ...]
    not_applicable: tuple[int, ...] = ()


class IndexNode(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A node of the index tree: the weighted mean of its children.

    Attributes
    ----------
    code
        Variable name of the node in the results (an element code, the overall index).
    children
        Item codes or codes of other nodes.
    weights
        Relative weight of each child; ``None`` for equal weights.
    """

    code: str
    children: tuple[str, ...]
    weights: tuple[float, ...] | None = None


class IndexTree(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How item shares roll up: element nodes over items, the root over elements.

    Attributes
    ----------
    root
        Code of the overall index node.
    nodes
        Every node; the root's descendants must not form a cycle.
    """

    root: str
    nodes: tuple[IndexNode, ...]


def make_index_tree(
    elements: Mapping[str, Sequence[str]],
    element_weights: Mapping[str, float] | None = None,
    name: str = "overall",
) -> IndexTree:
    """Build the usual two-level tree: items per element, weighted elements.

    Parameters
    ----------
    elements
        Element code to its item codes.
    element_weights
        Element code to its weight; missing elements weigh 1 (equal weights by default).
    name
        Code of the overall index.
    """
    weights = element_weights or {}
    root = IndexNode(
        code=name,
        children=tuple(elements),
        weights=tuple(float(weights.get(e, 1.0)) for e in elements),
    )
    nodes = tuple(IndexNode(code=e, children=tuple(items)) for e, items in elements.items())
    return IndexTree(root=name, nodes=(root, *nodes))


def tree_from_instrument(instrument: Instrument) -> tuple[IndexTree, tuple[ItemScoring, ...]]:
    """Read the index tree and the item scoring of an instrument.

    Returns
    -------
    tree, items
        The tree, and one scoring per scored item in instrument order.
    """
    items = []
    for item in instrument.items():
        scale = instrument.scale(item.scale)
        na = () if scale.not_applicable is None else (scale.not_applicable.value,)
        scoring = ItemScoring(code=item.code, satisfied=tuple(scale.satisfied), not_applicable=na)
        items.append(scoring)
    index = instrument.index_tree()
    nodes = tuple(
        IndexNode(
            code=node.code,
            children=tuple(node.children),
            weights=None if node.weights is None else tuple(node.weights),
        )
        for node in index.nodes
    )
    return IndexTree(root=index.root, nodes=nodes), tuple(items)


def _member(block: NDArray[np.integer], codes: Collection[int]) -> BoolArray:
    # A few equality tests on small integer codes beat np.isin and lookup tables.
    found = np.zeros(block.shape, dtype=bool)
    for code in codes:
        found |= block == code
    return found


def _integer_codes(codes: ArrayLike, n_items: int) -> tuple[NDArray[np.integer], BoolArray | None]:
    array = np.asarray(codes)
    if array.ndim != 2 or array.shape[1] != n_items:
        raise DesignError(f"codes: expected shape (n, {n_items}), got {array.shape}")
    if array.dtype.kind in "iu":
        return np.ascontiguousarray(array.T), None
    if array.dtype.kind != "f":
        raise DesignError("codes: non-numeric answer codes")
    answered = ~np.isnan(array)
    filled = np.where(answered, array, 0.0)
    if np.any(filled != np.round(filled)) or np.any(np.isinf(filled)):
        raise DesignError("codes: answer codes must be whole numbers or NaN")
    return np.ascontiguousarray(filled.T).astype(np.int64), np.ascontiguousarray(answered.T)


def score_items(
    codes: ArrayLike, items: Sequence[ItemScoring], missing: Collection[int] = ()
) -> tuple[BoolArray, BoolArray]:
    """Return the satisfied and usable indicators of every item and row.

    Parameters
    ----------
    codes
        Answer codes, shape ``(n, J)`` in the order of ``items``; NaN (float arrays) or a
        code in ``missing`` means no answer. Small integer types (``int8``) are fastest.
    items
        Scoring of each column.
    missing
        Codes that mean no answer.

    Returns
    -------
    satisfied, usable
        Boolean arrays of shape ``(J, n)``; ``satisfied`` implies ``usable``.
    """
    block, answered = _integer_codes(codes, len(items))
    satisfied = np.empty(block.shape, dtype=bool)
    usable = np.empty(block.shape, dtype=bool)
    groups: dict[tuple[tuple[int, ...], frozenset[int]], list[int]] = {}
    for j, item in enumerate(items):
        skip = frozenset(item.not_applicable) | frozenset(missing)
        groups.setdefault((tuple(sorted(set(item.satisfied) - skip)), skip), []).append(j)
    for (good, skip), rows in groups.items():
        part = block if len(rows) == block.shape[0] else block[rows]
        use = ~_member(part, skip)
        if answered is not None:
            use &= answered if len(rows) == block.shape[0] else answered[rows]
        usable[rows] = use
        satisfied[rows] = _member(part, good) & use
    return satisfied, usable


def element_members(items: Sequence[ItemScoring], tree: IndexTree) -> dict[str, list[int]]:
    """Item positions of every node whose children are all items (the elements)."""
    position = {item.code: j for j, item in enumerate(items)}
    return {
        node.code: [position[child] for child in node.children]
        for node in tree.nodes
        if node.children and all(child in position for child in node.children)
    }


def _post_order(tree: IndexTree, items: set[str]) -> list[IndexNode]:
    nodes = {node.code: node for node in tree.nodes}
    if tree.root not in nodes:
        raise DesignError(f"index tree: no node {tree.root!r} for the root")
    order: list[IndexNode] = []
    state: dict[str, int] = {}

    def visit(code: str) -> None:
        if code in items:
            return
        if code not in nodes:
            raise DesignError(f"index tree: unknown item or node {code!r}")
        if state.get(code) == 1:
            raise DesignError(f"index tree: cycle through {code!r}")
        if state.get(code) == 2:
            return
        state[code] = 1
        for child in nodes[code].children:
            visit(child)
        state[code] = 2
        order.append(nodes[code])

    visit(tree.root)
    return order


def _node_weights(node: IndexNode) -> tuple[float, ...]:
    if not node.children:
        raise DesignError(f"index tree: node {node.code!r} has no child")
    weights = node.weights or (1.0,) * len(node.children)
    if len(weights) != len(node.children):
        raise DesignError(f"index tree: node {node.code!r} has {len(weights)} weights")
    if any(not np.isfinite(w) or w <= 0 for w in weights):
        raise DesignError(f"index tree: node {node.code!r} has a non-positive weight")
    return tuple(float(w) for w in weights)


def _composites(
    items: Sequence[ItemScoring], tree: IndexTree
) -> tuple[tuple[Composite, ...], list[list[int]]]:
    position = {item.code: j for j, item in enumerate(items)}
    order = _post_order(tree, set(position))
    members: list[list[int]] = []
    composites: list[Composite] = []
    for node in order:
        weights = _node_weights(node)
        terms, leaves = [], set()
        for child in node.children:
            if child in position:
                terms.append(position[child])
                leaves.add(position[child])
            else:
                k = next(i for i, c in enumerate(composites) if c.name == child)
                terms.append(len(items) + k)
                leaves.update(members[k])
        statistic: Statistic = "index" if node.code == tree.root else "element"
        composites.append(
            Composite(name=node.code, statistic=statistic, terms=tuple(terms), weights=weights)
        )
        members.append(sorted(leaves))
    return tuple(composites), members


def index_problem(
    satisfied: BoolArray,
    usable: BoolArray,
    weights: FloatArray,
    items: Sequence[ItemScoring],
    tree: IndexTree,
) -> Problem:
    """Build the estimation problem of item shares, element indices and the overall index.

    Parameters
    ----------
    satisfied, usable
        Indicators from :func:`score_items`, shape ``(J, n)``.
    weights
        Row weights.
    items, tree
        Item scoring and index tree.

    Returns
    -------
    Problem
    """
    composites, members = _composites(items, tree)
    support = np.array([usable[m].any(axis=0) for m in members]).reshape(len(members), -1)
    names = tuple(item.code for item in items) + tuple(c.name for c in composites)
    statistics: list[Statistic] = ["share"] * len(items)
    statistics.extend(c.statistic for c in composites)
    rows = RowColumns(
        weights=weights, positive=weights > 0, usable=usable, support=support, satisfied=satisfied
    )
    return Problem(
        names=names,
        statistics=tuple(statistics),
        rows=rows,
        totals=np.zeros(len(items), dtype=bool),
        composites=composites,
    )


def estimate_indices(
    codes: ArrayLike,
    items: Sequence[ItemScoring],
    tree: IndexTree,
    design: Design,
    *,
    domain: ArrayLike | None = None,
    missing: Collection[int] = (),
    options: EstimationOptions = _DEFAULT,
) -> list[Estimate]:
    """Estimate every item share, element index and the overall index, by domain.

    Parameters
    ----------
    codes
        Answer codes, shape ``(n, J)`` in the order of ``items``.
    items
        Scoring of each item.
    tree
        The index tree.
    design
        The design of the ``n`` rows.
    domain
        Domain label per row (e.g. the unit), or ``None`` for the whole population.
    missing
        Codes that mean no answer.
    options
        Estimation options.

    Returns
    -------
    list of Estimate
        Items (``share``), then elements (``element``), then the overall index
        (``index``), each for every domain where it is defined.

    Notes
    -----
    With item shares :math:`\\hat p_{dj} = \\hat Y_{dj} / \\hat X_{dj}`, the element index
    is :math:`\\hat E_{de} = |J_{de}|^{-1} \\sum_{j \\in J_{de}} \\hat p_{dj}` over the
    items :math:`J_{de}` of the element defined in the domain, and the overall index
    :math:`\\hat I_d = \\sum_e a_e \\hat E_{de} / \\sum_e a_e`. Both are linear in the
    ratios, so their linearised variable is the same combination of the items'
    influences :math:`w_k (y_{kj} - \\hat p_{dj} x_{kj}) / \\hat X_{dj}`.

    References
    ----------
    .. [1] Bộ Nội vụ (2017). Đề án "Đo lường sự hài lòng của người dân, tổ chức đối với
       sự phục vụ của cơ quan hành chính nhà nước giai đoạn 2017-2020" (SIPAS method).
    .. [2] Deville, J.-C. (1999). Variance estimation for complex statistics and
       estimators. *Survey Methodology* 25, 193-203.
    """
    satisfied, usable = score_items(codes, items, missing)
    problem = index_problem(satisfied, usable, design.weights, items, tree)
    return estimate_problem(problem, design, domain, options)

"""Element and overall indices from a microdata export: ``survey-service estimate --indices``.

A microdata file holds answer codes; the published indices need the scoring of every
item (satisfied and not-applicable codes) and the index tree, which the export's
``codebook.json`` carries. With them, :func:`analysis.estimate_indices` gives the item
shares, element indices and the overall index of every domain, with the same design,
options and estimators as the dashboards, so a statistician can check every published
figure from the files alone.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import numpy as np

from analysis import (
    AnalysisError,
    IndexNode,
    IndexTree,
    ItemScoring,
    LonelyPsuError,
    estimate_indices,
)
from survey_service.features.exports.codebook import Codebook
from survey_service.features.indices.errors import MicrodataError
from survey_service.features.indices.microdata import (
    Request,
    build_design,
    describe,
    label_column,
    numeric_column,
    read_microdata,
    render_table,
    rows_of,
)

__all__ = ["estimate_indices_file", "read_codebook", "scoring_of"]


def read_codebook(path: Path) -> Codebook:
    """Read a ``codebook.json`` written by ``survey-service export microdata``."""
    try:
        return msgspec.json.decode(path.read_bytes(), type=Codebook)
    except OSError as exc:
        raise MicrodataError(f"{path}: cannot read the codebook ({exc})") from exc
    except msgspec.DecodeError as exc:
        raise MicrodataError(f"{path}: not a codebook of a microdata export ({exc})") from exc


def scoring_of(book: Codebook) -> tuple[IndexTree, tuple[ItemScoring, ...]]:
    """The index tree and each scored item's satisfied and not-applicable codes."""
    items = tuple(
        ItemScoring(
            code=v.name,
            satisfied=tuple(v.satisfied),
            not_applicable=tuple(int(m.value) for m in v.missing),
        )
        for v in book.variables
        if v.role == "item" and v.satisfied is not None
    )
    nodes = tuple(
        IndexNode(
            code=node.code,
            children=tuple(node.children),
            weights=None if node.weights is None else tuple(node.weights),
        )
        for node in book.index
    )
    if not items:
        raise MicrodataError("the codebook lists no scored items")
    return IndexTree(root=book.index_root, nodes=nodes), items


def estimate_indices_file(
    path: Path,
    request: Request,
    codebook: Path,
    *,
    delimiter: str = ",",
    output: str = "table",
) -> str:
    """Item shares, element indices and the overall index of ``path`` (by ``request.by``).

    ``request`` gives the design columns and options; the variables are the codebook's
    scored items.
    """
    tree, items = scoring_of(read_codebook(codebook))
    request = msgspec.structs.replace(request, variables=tuple(i.code for i in items))
    data = read_microdata(path, request.columns, delimiter)
    design = build_design(data, request)
    codes = np.column_stack(
        [numeric_column(data, i.code, "--indices", missing_ok=True) for i in items]
    )
    domain = None if request.by is None else label_column(data, request.by, "--by")
    try:
        results = estimate_indices(
            codes, items, tree, design, domain=domain, options=request.options
        )
    except LonelyPsuError as exc:
        where = f"column {request.strata!r} (--strata): " if request.strata else ""
        raise MicrodataError(f"{where}{exc}") from exc
    except AnalysisError as exc:
        raise MicrodataError(str(exc)) from exc
    rows = rows_of(results)
    if output == "json":
        return msgspec.json.encode(rows).decode()
    return describe(data, design, request) + "\n" + render_table(rows)

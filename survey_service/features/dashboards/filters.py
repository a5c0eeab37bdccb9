"""A unit's indices by channel and by field: domain estimates over the survey's design.

The dossier each response answers for says how it was filed (its channel: in person,
online, postal) and its field of procedures (lĩnh vực). A unit's index "online" is the
index of the domain *unit x online*: the same estimator over the same design, every PSU
of every stratum counted in its stratum (PSUs outside the domain contribute zeros), so
the interval reflects that the domain's size is itself random. Nothing is re-weighted.

The domains are formed the way the unit domains are (:mod:`..indices.sums`): each
(unit, value) pair is a node of a unit tree whose parent is (parent unit, same value), so
the roll-up up to the whole city is the same code; the estimates come from the same
sufficient statistics (:func:`analysis.estimate_indices_from_sums`). PSUs whose dossier is
unknown (an open link without a receipt) lie in no domain of this kind; they still count
in their stratum.

Small domains are common (a commune's postal dossiers): their estimates carry the
library's reliability flag, which the pages show.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Literal

import msgspec
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, select

from analysis import AnalysisError, Estimate, EstimationOptions, estimate_indices_from_sums
from survey_service.db.enums import Channel
from survey_service.db.models import Dossier, ReceiptToken, Response, SampleMember, ServiceField
from survey_service.features.dashboards.schemas import FilterOption
from survey_service.features.indices.errors import IndicesError
from survey_service.features.indices.records import PsuRecords
from survey_service.features.indices.schemas import EstimateOut, OptionsOut, ScorecardOut
from survey_service.features.indices.service import (
    DEFAULT_OPTIONS,
    SurveyData,
    estimate_out,
    labels_of,
    survey_out,
    unit_out,
    weights_out,
)
from survey_service.features.indices.sums import UnitTree, sufficient_statistics

__all__ = [
    "FILTER_KINDS",
    "SEPARATOR",
    "Attributes",
    "FilterKind",
    "FilteredResults",
    "domain_label",
    "filter_values",
    "filtered_estimates",
    "filtered_scorecards",
    "read_attributes",
]

FilterKind = Literal["channel", "field"]
FILTER_KINDS: Final[tuple[FilterKind, ...]] = ("channel", "field")
SEPARATOR: Final = "\x1f"  # between the unit code and the value in a domain label
CHANNELS: Final = tuple(c.value for c in Channel)

IntArray = NDArray[np.int64]


class FilteredResults(msgspec.Struct, frozen=True, kw_only=True):
    """A unit's indices in one channel or one field (a domain estimate)."""

    kind: FilterKind
    value: FilterOption
    scorecard: ScorecardOut


class Attributes(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """Per filter kind: the values found and each PSU's value (-1: unknown)."""

    values: dict[FilterKind, tuple[str, ...]]
    codes: dict[FilterKind, IntArray]
    labels: dict[FilterKind, dict[str, dict[str, str]]]


def domain_label(unit_code: str, value: str) -> str:
    """Label of the domain *unit x value*."""
    return f"{unit_code}{SEPARATOR}{value}"


def _code(
    found: IntArray, ids: IntArray, values: list[str | None]
) -> tuple[tuple[str, ...], IntArray]:
    """Code ``values`` (one per id of ``found``) for the PSUs ``ids`` (-1: not found/None)."""
    distinct = tuple(sorted({v for v in values if v is not None}))
    index = {v: k for k, v in enumerate(distinct)}
    coded = np.array([-1 if v is None else index[v] for v in values], dtype=np.int64)
    out = np.full(ids.size, -1, dtype=np.int64)
    if found.size and ids.size:
        order = np.argsort(found, kind="stable")
        at = np.minimum(np.searchsorted(found[order], ids), found.size - 1)
        hit = found[order][at] == ids
        out[hit] = coded[order[at[hit]]]
    return distinct, out


def read_attributes(conn: Connection, data: SurveyData) -> Attributes:
    """Each PSU's channel and field, from the dossier its response answers for."""
    records = data.records
    if records.response.size != records.n:
        raise IndicesError("the PSU records carry no response ids: cannot read channels")
    query = select(Response.id, Dossier.channel, Dossier.field_code)
    if data.weights.sample == "probability":
        query = query.join(SampleMember, SampleMember.id == Response.sample_member_id).join(
            Dossier, Dossier.id == SampleMember.dossier_id
        )
    else:
        query = query.join(ReceiptToken, ReceiptToken.id == Response.receipt_token_id).join(
            Dossier, Dossier.id == ReceiptToken.dossier_id
        )
    rows = conn.execute(query.where(Response.survey_id == data.survey.id)).all()
    found = np.array([r[0] for r in rows], dtype=np.int64)
    channels, channel = _code(
        found, records.response, [None if r[1] is None else str(r[1]) for r in rows]
    )
    fields, field = _code(found, records.response, [r[2] for r in rows])
    names = conn.execute(
        select(ServiceField.code, ServiceField.name, ServiceField.name_en).where(
            ServiceField.code.in_(fields)
        )
    ).all()
    field_labels = {r.code: {"vi": r.name, "en": r.name_en or r.name} for r in names}
    return Attributes(
        values={"channel": channels, "field": fields},
        codes={"channel": channel, "field": field},
        labels={"channel": {}, "field": field_labels},
    )


def _value_tree(units: UnitTree, values: tuple[str, ...]) -> UnitTree:
    """Nodes (unit, value), id ``position * V + value``, parent (parent unit, value)."""
    v = len(values)
    n = len(units.codes)
    parent = np.repeat(units.parent, v)
    value = np.tile(np.arange(v, dtype=np.int64), n)
    return UnitTree(
        ids=np.arange(n * v, dtype=np.int64),
        codes=tuple(domain_label(code, x) for code in units.codes for x in values),
        kinds=tuple(kind for kind in units.kinds for _ in values),
        names=tuple(name for name in units.names for _ in values),
        parent=np.where(parent >= 0, parent * v + value, -1).astype(np.int64),
    )


def filtered_estimates(
    data: SurveyData,
    attributes: Attributes,
    kind: FilterKind,
    options: EstimationOptions = DEFAULT_OPTIONS,
) -> list[Estimate]:
    """Every index of every domain *unit x value* of ``kind`` (units rolled up to the city).

    Domain labels are :func:`domain_label` of the unit code and the value.
    """
    values, code = attributes.values[kind], attributes.codes[kind]
    keep = code >= 0
    if not values or not keep.any():
        return []
    records, units, survey = data.records, data.units, data.survey
    tree = _value_tree(units, values)
    inside = PsuRecords(
        strata=records.strata,  # the whole sample's PSU counts: zeros outside the domain
        stratum=records.stratum[keep],
        unit=units.positions(records.unit[keep]) * len(values) + code[keep],
        weight=records.weight[keep],
        satisfied=records.satisfied[:, keep],
        usable=records.usable[:, keep],
    )
    stats, _ = sufficient_statistics(inside, tree, survey.items, survey.tree)
    try:
        return estimate_indices_from_sums(stats, survey.items, survey.tree, options=options)
    except AnalysisError as exc:
        raise IndicesError(f"survey {survey.code}, by {kind}: {exc}") from exc


def filtered_scorecards(
    data: SurveyData,
    attributes: Attributes,
    options: EstimationOptions = DEFAULT_OPTIONS,
    kinds: Iterable[FilterKind] = FILTER_KINDS,
) -> dict[tuple[str, FilterKind, str], FilteredResults]:
    """Per (unit code, kind, value) with respondents: the unit's indices in that domain."""
    labels = labels_of(data.survey.instrument)
    position = {code: p for p, code in enumerate(data.units.codes)}
    survey, weights = survey_out(data.survey), weights_out(data.weights)
    out: dict[tuple[str, FilterKind, str], FilteredResults] = {}
    for kind in kinds:
        by_domain: dict[str, list[EstimateOut]] = {}
        for e in filtered_estimates(data, attributes, kind, options):
            by_domain.setdefault(str(e.domain), []).append(
                estimate_out(e, labels.get(e.variable, {}))
            )
        opts = OptionsOut(
            level=options.level,
            variance=options.variance,
            lonely_psu=options.lonely_psu,
            domains=f"unit x {kind} (domain estimates over the whole sample's design), "
            "rolled up the unit tree to the whole city",
        )
        for domain, rows in by_domain.items():
            unit_code, value = domain.split(SEPARATOR, 1)
            overall = [r for r in rows if r.statistic == "index"]
            card = ScorecardOut(
                survey=survey,
                unit=unit_out(data.units, position[unit_code]),
                weights=weights,
                options=opts,
                overall=overall[0] if overall else None,
                elements=[r for r in rows if r.statistic == "element"],
                items=[r for r in rows if r.statistic == "share"],
            )
            label = attributes.labels[kind].get(value, {})
            out[unit_code, kind, value] = FilteredResults(
                kind=kind, value=FilterOption(code=value, label=label), scorecard=card
            )
    return out


def filter_values(attributes: Attributes) -> dict[str, list[FilterOption]]:
    """The values of each filter, for the published summary."""
    return {
        kind: [
            FilterOption(code=v, label=attributes.labels[kind].get(v, {}))
            for v in attributes.values[kind]
        ]
        for kind in FILTER_KINDS
    }

"""Estimates of a published snapshot: the very figures the dashboards show.

The dashboards show the newest published snapshot of each survey (``survey-service
publish``, or the console), so that a figure never changes under a reader's eyes. A
download from a dashboard must hold the same numbers, and a reviewer must not get
unpublished ones: :func:`published_table` reads each unit's frozen scorecard back
(overall index, elements, items, as published) instead of estimating again. With a
channel or a field it reads the units' published indices in that channel or field (domain
estimates, :mod:`survey_service.features.dashboards.filters`) and says so in ``source``.
"""

from __future__ import annotations

from typing import Final, Literal

import msgspec
from sqlalchemy import Connection, select

from analysis import EstimationOptions
from survey_service.db.models import PublishedPart, Survey
from survey_service.errors import NotFoundError
from survey_service.features.dashboards.filters import FilterKind
from survey_service.features.dashboards.published import SnapshotInfo, latest_snapshots
from survey_service.features.dashboards.snapshot import FILTERED, UNIT
from survey_service.features.exports.estimates import (
    EstimatesTable,
    export_estimates,
    make_line,
)
from survey_service.features.indices.errors import IndicesError
from survey_service.features.indices.schemas import ScorecardOut
from survey_service.features.indices.service import DEFAULT_OPTIONS
from survey_service.features.indices.sums import UnitTree, load_units

__all__ = [
    "SOURCES",
    "FilterNotPublishedError",
    "Source",
    "describe_snapshot",
    "estimates_table",
    "published_table",
]

Source = Literal["auto", "published", "live"]
"""Where estimates come from: the newest published snapshot, live estimation, or the
snapshot when there is one and live estimates otherwise (``auto``)."""

SOURCES: Final = ("auto", "published", "live")


class FilterNotPublishedError(NotFoundError):
    """The snapshot has no such channel or field (or none at all: published before)."""


class _Card(msgspec.Struct, frozen=True):
    """The one part of a unit's published document an export needs."""

    scorecard: ScorecardOut


def describe_snapshot(snapshot: SnapshotInfo) -> str:
    """One line naming the snapshot, when and by whom it was published."""
    by = f" by {snapshot.published_by}" if snapshot.published_by else ""
    return f"published snapshot {snapshot.id} of {snapshot.published_at:%Y-%m-%d %H:%M} UTC{by}"


def _cards(
    conn: Connection, result_id: int, only: tuple[FilterKind, str] | None = None
) -> list[ScorecardOut]:
    query = select(PublishedPart.document).where(PublishedPart.result_id == result_id)
    if only is None:
        query = query.where(PublishedPart.part == UNIT)
    else:
        suffix = f"/{only[0]}/{only[1]}"
        query = query.where(
            PublishedPart.part == FILTERED, PublishedPart.key.endswith(suffix, autoescape=True)
        )
    rows = conn.execute(query).scalars()
    decoder = msgspec.json.Decoder(_Card)
    return [decoder.decode(document).scorecard for document in rows]


def _visible(units: UnitTree, code: str, scope: frozenset[int] | None) -> bool:
    if code not in units.codes:
        return False  # a unit deleted since: nobody's scope can hold it
    return scope is None or int(units.ids[units.codes.index(code)]) in scope


def published_table(
    conn: Connection,
    survey_code: str,
    scope: frozenset[int] | None = None,
    only: tuple[FilterKind, str] | None = None,
) -> EstimatesTable | None:
    """The newest published snapshot's estimates (None when the survey has none);
    ``only``: the units' indices in one channel or field.

    Raises
    ------
    NotFoundError
        For an unknown survey.
    FilterNotPublishedError
        ``only`` names a channel or field the snapshot does not hold.
    """
    if conn.scalar(select(Survey.id).where(Survey.code == survey_code)) is None:
        raise NotFoundError(f"no survey with code {survey_code!r}")
    snapshot = next((s for s in latest_snapshots(conn) if s.survey_code == survey_code), None)
    if snapshot is None:
        return None
    described = describe_snapshot(snapshot)
    if only is not None:
        kind, value = only
        if value not in {o.code for o in snapshot.summary.filters.get(kind, [])}:
            raise FilterNotPublishedError(
                f"snapshot {snapshot.id} of {survey_code} has no {kind} {value!r}"
                + ("" if snapshot.summary.filters else " (published before the filters)")
            )
        described += f"; {kind} {value} only (domain estimates over the whole sample design)"
    cards = _cards(conn, snapshot.id, only)
    if not cards:
        return None
    units = load_units(conn)
    order = {code: k for k, code in enumerate(units.codes)}
    kept = sorted(
        (c for c in cards if _visible(units, c.unit.code, scope)),
        key=lambda c: order[c.unit.code],
    )
    rows = [
        make_line(card.survey, card.unit, e, card.options.variance)
        for card in kept
        for e in ([card.overall] if card.overall else []) + card.elements + card.items
    ]
    first = cards[0]
    return EstimatesTable(
        survey=first.survey,
        weights=first.weights,
        options=first.options,
        source=described,
        units=len(kept),
        scoped=scope is not None,
        rows=rows,
    )


def estimates_table(
    conn: Connection,
    survey_code: str,
    *,
    source: Source = "auto",
    scope: frozenset[int] | None = None,
    weight_set: int | None = None,
    options: EstimationOptions = DEFAULT_OPTIONS,
) -> EstimatesTable:
    """Estimates from ``source``; a ``weight_set`` or other ``options`` than the service's
    mean live estimates (a snapshot has its own).

    Raises
    ------
    NotFoundError
        Unknown survey, or ``published`` asked for a survey that has no snapshot.
    IndicesError
        ``published`` with a weight set or options, or live estimates that cannot be
        computed (no respondents with weights, ...).
    """
    live_only = weight_set is not None or options != DEFAULT_OPTIONS
    if source == "published" and live_only:
        raise IndicesError(
            "a published snapshot has its own weights and options: ask for live estimates"
        )
    if source != "live" and not live_only:
        table = published_table(conn, survey_code, scope)
        if table is not None:
            return table
        if source == "published":
            raise NotFoundError(
                f"survey {survey_code} has no published results: run "
                f"'survey-service publish {survey_code}' (or use live estimates)"
            )
    return export_estimates(conn, survey_code, scope=scope, weight_set=weight_set, options=options)

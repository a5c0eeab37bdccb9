"""Reading published snapshots: the newest of each survey, a unit's document, a league."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

import msgspec
from sqlalchemy import Connection, func, select

from survey_service.db.models import PublishedPart, PublishedResult, Survey, User
from survey_service.features.dashboards.filters import FilteredResults, FilterKind
from survey_service.features.dashboards.schemas import PublishedSummary, UnitResults
from survey_service.features.dashboards.snapshot import (
    FILTERED,
    LEAGUE,
    UNIT,
    filtered_key,
    league_key,
)
from survey_service.features.indices.schemas import LeagueOut

__all__ = [
    "SnapshotInfo",
    "latest_snapshots",
    "read_filtered",
    "read_filtered_series",
    "read_league",
    "read_unit",
    "read_unit_series",
]

T = TypeVar("T")


class SnapshotInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A published snapshot: which survey (period), when, by whom, what it holds."""

    id: int
    published_at: dt.datetime
    published_by: str | None
    summary: PublishedSummary

    @property
    def survey_code(self) -> str:
        """Code of the survey (period) published."""
        return self.summary.survey_code


def latest_snapshots(conn: Connection) -> list[SnapshotInfo]:
    """The newest snapshot of every published survey, newest period first."""
    newest = (
        select(func.max(PublishedResult.id).label("id"))
        .group_by(PublishedResult.survey_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            PublishedResult.id,
            PublishedResult.published_at,
            PublishedResult.summary,
            User.display_name,
        )
        .join(newest, newest.c.id == PublishedResult.id)
        .join(Survey, Survey.id == PublishedResult.survey_id)
        .outerjoin(User, User.id == PublishedResult.published_by)
        .order_by(Survey.period_start.desc(), PublishedResult.id.desc())
    ).all()
    return [
        SnapshotInfo(
            id=r.id,
            published_at=r.published_at,
            published_by=r.display_name,
            summary=msgspec.convert(r.summary, PublishedSummary),
        )
        for r in rows
    ]


def _document(conn: Connection, result_id: int, part: str, key: str) -> str | None:
    return conn.scalar(
        select(PublishedPart.document).where(
            PublishedPart.result_id == result_id,
            PublishedPart.part == part,
            PublishedPart.key == key,
        )
    )


def read_unit(conn: Connection, result_id: int, unit_code: str) -> UnitResults | None:
    """The unit's published results in snapshot ``result_id`` (None if it has none)."""
    text = _document(conn, result_id, UNIT, unit_code)
    return None if text is None else msgspec.json.decode(text, type=UnitResults)


def read_unit_series(
    conn: Connection, result_ids: list[int], unit_code: str
) -> dict[int, UnitResults]:
    """The unit's published results in each of ``result_ids`` that has them."""
    rows = conn.execute(
        select(PublishedPart.result_id, PublishedPart.document).where(
            PublishedPart.result_id.in_(result_ids),
            PublishedPart.part == UNIT,
            PublishedPart.key == unit_code,
        )
    ).all()
    return {r[0]: msgspec.json.decode(r[1], type=UnitResults) for r in rows}


def read_league(conn: Connection, result_id: int, kind: str, variable: str) -> LeagueOut | None:
    """A published league table (None if the snapshot has no such table)."""
    text = _document(conn, result_id, LEAGUE, league_key(kind, variable))
    return None if text is None else msgspec.json.decode(text, type=LeagueOut)


def read_filtered_series(
    conn: Connection, result_ids: list[int], unit_code: str, kind: FilterKind, value: str
) -> dict[int, FilteredResults]:
    """The unit's indices in one channel or field, in each of ``result_ids`` that has them."""
    rows = conn.execute(
        select(PublishedPart.result_id, PublishedPart.document).where(
            PublishedPart.result_id.in_(result_ids),
            PublishedPart.part == FILTERED,
            PublishedPart.key == filtered_key(unit_code, kind, value),
        )
    ).all()
    return {r[0]: msgspec.json.decode(r[1], type=FilteredResults) for r in rows}


def read_filtered(
    conn: Connection, result_id: int, unit_code: str, kind: FilterKind, value: str
) -> FilteredResults | None:
    """The unit's indices in one channel or field (None: no respondent there)."""
    text = _document(conn, result_id, FILTERED, filtered_key(unit_code, kind, value))
    return None if text is None else msgspec.json.decode(text, type=FilteredResults)

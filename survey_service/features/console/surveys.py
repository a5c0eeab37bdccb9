"""The surveys the console works on, and the unit names its tables show beside codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import msgspec
from litestar import Request
from litestar.datastructures import State
from sqlalchemy import Connection, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from survey_service.db.models import PublishedResult, Survey, Unit, User
from survey_service.features.console.texts import console_text
from survey_service.features.samples.designs import SurveyRef, as_utc, find_survey

__all__ = [
    "LastPublication",
    "SurveyView",
    "list_surveys",
    "period_text",
    "publications",
    "stratum_label",
    "survey_view",
    "unit_names",
]


CHANNELS = ("in_person", "online", "postal")


class SurveyView(msgspec.Struct, frozen=True):
    """A survey as the console's headings show it."""

    ref: SurveyRef
    title: str
    status: str

    @property
    def code(self) -> str:
        """The survey code."""
        return self.ref.code


def survey_view(conn: Connection, code: str) -> SurveyView:
    """The survey with ``code`` (:class:`NotFoundError` when there is none)."""
    ref = find_survey(conn, code)
    title, status = conn.execute(
        select(Survey.title, Survey.status).where(Survey.id == ref.id)
    ).one()
    return SurveyView(ref, str(title), str(getattr(status, "value", status)))


async def list_surveys(request: Request[Any, Any, State]) -> list[SurveyView]:
    """Every survey, the newest period first."""
    engine: AsyncEngine = request.app.state.engine
    query = select(
        Survey.id, Survey.code, Survey.period_start, Survey.period_end, Survey.title, Survey.status
    ).order_by(Survey.period_start.desc(), Survey.code)
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [
        SurveyView(SurveyRef(i, c, start, end), str(t), str(getattr(s, "value", s)))
        for i, c, start, end, t, s in rows
    ]


async def unit_names(
    request: Request[Any, Any, State], codes: Sequence[str], language: str = "vi"
) -> dict[str, str]:
    """Code → name of the units named (English names where asked for and known)."""
    if not codes:
        return {}
    engine: AsyncEngine = request.app.state.engine
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(Unit.code, Unit.name, Unit.name_en).where(Unit.code.in_(sorted(set(codes))))
        )
        return {
            str(code): str(name_en if language == "en" and name_en else name)
            for code, name, name_en in rows
        }


def stratum_label(key: str, unit_names: dict[str, str], language: str) -> str:
    """A stratum key ("unit=X-SOCSON|channel=in_person") as people read it.

    Units get their names and channels their words; other parts stay as they are.
    """
    parts = []
    for part in key.split("|"):
        name, _, value = part.partition("=")
        if name == "unit":
            parts.append(unit_names.get(value, value))
        elif name == "channel" and value in CHANNELS:
            parts.append(console_text(f"channel_{value}", language))
        else:
            parts.append(value or name)
    return " · ".join(parts)


def period_text(start: dt.date, end: dt.date) -> str:
    """A period as the tables show it."""
    return f"{start:%d/%m/%Y} – {end:%d/%m/%Y}"


class LastPublication(msgspec.Struct, frozen=True):
    """The newest published snapshot of a survey."""

    id: int
    published_at: dt.datetime
    username: str | None


async def publications(request: Request[Any, Any, State]) -> dict[str, LastPublication]:
    """Survey code → its newest published snapshot (surveys never published are absent)."""
    newest = (
        select(func.max(PublishedResult.id).label("id"))
        .group_by(PublishedResult.survey_id)
        .subquery()
    )
    query = (
        select(Survey.code, PublishedResult.id, PublishedResult.published_at, User.username)
        .join(newest, newest.c.id == PublishedResult.id)
        .join(Survey, Survey.id == PublishedResult.survey_id)
        .outerjoin(User, User.id == PublishedResult.published_by)
    )
    engine: AsyncEngine = request.app.state.engine
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return {
        str(code): LastPublication(int(pid), as_utc(at), username)
        for code, pid, at, username in rows
    }

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

from survey_service.db.enums import Channel
from survey_service.db.models import PublishedResult, Survey, Unit, User, WeightSet
from survey_service.features.console.texts import console_text
from survey_service.features.samples.designs import SurveyRef, as_utc, find_survey

__all__ = [
    "LastPublication",
    "SurveyView",
    "WeightSetRow",
    "list_surveys",
    "period_text",
    "publications",
    "stratum_label",
    "survey_view",
    "unit_names",
    "weight_sets",
]


CHANNELS = frozenset(c.value for c in Channel)


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


class WeightSetRow(msgspec.Struct, frozen=True):
    """A stored weight set as the list of sets shows it."""

    id: int
    method: str
    created_at: dt.datetime
    calibrate: list[str]
    calibration: str | None
    trim_cap: float | None


async def weight_sets(request: Request[Any, Any, State], survey_id: int) -> list[WeightSetRow]:
    """The survey's weight sets, newest first (their parameters as stored)."""
    engine: AsyncEngine = request.app.state.engine
    query = (
        select(WeightSet.id, WeightSet.method, WeightSet.created_at, WeightSet.parameters)
        .where(WeightSet.survey_id == survey_id)
        .order_by(WeightSet.id.desc())
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    sets = []
    for set_id, method, created_at, parameters in rows:
        given = parameters if isinstance(parameters, dict) else {}
        calibrate = given.get("calibrate")
        cap = given.get("trim_cap")
        sets.append(
            WeightSetRow(
                id=int(set_id),
                method=str(method),
                created_at=as_utc(created_at),
                calibrate=[str(v) for v in calibrate] if isinstance(calibrate, list) else [],
                calibration=str(given["method"]) if "method" in given else None,
                trim_cap=float(cap) if isinstance(cap, int | float) else None,
            )
        )
    return sets

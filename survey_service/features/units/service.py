"""Reading units."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from survey_service.db.enums import UnitKind
from survey_service.db.models import Unit
from survey_service.errors import NotFoundError
from survey_service.features.units.schemas import UnitOut

__all__ = ["get_unit", "list_units"]

# A kind order that reads like the city's organisation chart.
KIND_ORDER = {kind: position for position, kind in enumerate(UnitKind)}


async def list_units(
    session: AsyncSession, kind: UnitKind | None = None, on: dt.date | None = None
) -> list[UnitOut]:
    """Return units (valid on ``on`` when given), ordered by kind then name."""
    parent = aliased(Unit)
    query = select(Unit, parent.code).outerjoin(parent, Unit.parent_id == parent.id)
    if kind is not None:
        query = query.where(Unit.kind == kind)
    if on is not None:
        query = query.where(Unit.valid_from <= on).where(
            (Unit.valid_to.is_(None)) | (Unit.valid_to > on)
        )
    rows = (await session.execute(query)).all()
    units = [
        UnitOut(
            code=unit.code,
            name=unit.name,
            name_en=unit.name_en,
            kind=unit.kind,
            parent_code=parent_code,
            valid_from=unit.valid_from,
            valid_to=unit.valid_to,
        )
        for unit, parent_code in rows
    ]
    return sorted(units, key=lambda u: (KIND_ORDER[u.kind], u.code))


async def get_unit(session: AsyncSession, code: str) -> Unit:
    """Return the unit with ``code``; raise NotFoundError when there is none."""
    unit = await session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFoundError(f"no unit with code {code!r}")
    return unit

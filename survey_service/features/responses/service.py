"""Counting responses."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_service.db.models import Response, Unit
from survey_service.features.responses.schemas import ResponseCountOut

__all__ = ["count_responses"]


async def count_responses(session: AsyncSession) -> list[ResponseCountOut]:
    """Return the number of finished responses per unit (units with none included)."""
    counts = (
        select(Response.unit_id, func.count().label("n"))
        .where(Response.finished.is_(True))
        .group_by(Response.unit_id)
        .subquery()
    )
    query = (
        select(Unit.code, Unit.name, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.unit_id == Unit.id)
        .order_by(Unit.code)
    )
    return [
        ResponseCountOut(unit_code=code, unit_name=name, responses=int(n))
        for code, name, n in (await session.execute(query)).all()
    ]

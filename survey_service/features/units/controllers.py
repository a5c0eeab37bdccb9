"""JSON API for units."""

from __future__ import annotations

import datetime as dt

from litestar import Controller, get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from survey_service.db.enums import UnitKind
from survey_service.features.units.schemas import UnitOut
from survey_service.features.units.service import list_units

__all__ = ["UnitApi"]


class UnitApi(Controller):
    """Units of the administration."""

    path = "/api/units"
    tags = ["units"]

    @get("/", summary="List units")
    async def list_units(
        self,
        db_session: AsyncSession,
        kind: UnitKind | None = Parameter(default=None, description="Only units of this kind."),
        on: dt.date | None = Parameter(default=None, description="Only units valid on this date."),
    ) -> list[UnitOut]:
        """Units as a flat list with their parent's code (the tree), by kind then code."""
        return await list_units(db_session, kind, on)

"""JSON API for units."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from survey_service.db.enums import UnitKind
from survey_service.db.session import DbSession
from survey_service.features.units.schemas import UnitOut
from survey_service.features.units.service import list_units

__all__ = ["UnitApi"]

KindFilter = Annotated[UnitKind | None, QueryParameter(description="Only units of this kind.")]
DateFilter = Annotated[dt.date | None, QueryParameter(description="Only units valid on this day.")]


class UnitApi(Controller):
    """Units of the administration."""

    path = "/api/units"
    tags = ["units"]

    @get("/", summary="List units")
    async def list_units(
        self, db_session: DbSession, kind: KindFilter = None, on: DateFilter = None
    ) -> list[UnitOut]:
        """Units as a flat list with their parent's code (the tree), by kind then code."""
        return await list_units(db_session, kind, on)

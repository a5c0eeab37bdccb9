"""JSON API for instruments."""

from __future__ import annotations

from litestar import Controller, get
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from survey_service.db.models import Instrument
from survey_service.db.session import DbSession
from survey_service.features.instruments.schemas import InstrumentOut, InstrumentVersionOut

__all__ = ["InstrumentApi"]


def _item_count(definition: dict[str, object]) -> int:
    elements = definition.get("elements", [])
    assert isinstance(elements, list)
    return sum(len(e.get("items", [])) for e in elements if isinstance(e, dict))


class InstrumentApi(Controller):
    """Questionnaire definitions known to the service."""

    path = "/api/instruments"
    tags = ["instruments"]

    @get("/", summary="List instruments and their versions")
    async def list_instruments(self, db_session: DbSession) -> list[InstrumentOut]:
        """Every instrument with its versions, newest last."""
        rows = await db_session.scalars(
            select(Instrument).options(selectinload(Instrument.versions)).order_by(Instrument.slug)
        )
        return [
            InstrumentOut(
                slug=i.slug,
                title=i.title,
                title_en=i.title_en,
                intended_use=i.intended_use,
                versions=[
                    InstrumentVersionOut(
                        version=v.version,
                        content_hash=v.content_hash,
                        status=v.status,
                        published_at=v.published_at,
                        items=_item_count(v.definition),
                    )
                    for v in i.versions
                ],
            )
            for i in rows
        ]

"""Register definition files as instrument versions (idempotent by content hash)."""

from __future__ import annotations

import msgspec
from sqlalchemy import Connection, insert, select

from instruments import Instrument, bundled_definitions, content_hash, parse_definition
from survey_service.db.base import utcnow
from survey_service.db.enums import InstrumentStatus
from survey_service.db.models import Instrument as InstrumentRow
from survey_service.db.models import InstrumentVersion

__all__ = ["register_bundled_instruments", "register_instrument"]


def register_instrument(conn: Connection, instrument: Instrument, source: str) -> int:
    """Store ``instrument`` as a published version unless its content hash is known.

    Returns the id of the instrument version (new or existing).
    """
    digest = content_hash(instrument)
    existing = conn.scalar(
        select(InstrumentVersion.id).where(InstrumentVersion.content_hash == digest)
    )
    if existing is not None:
        return existing
    instrument_id = conn.scalar(
        select(InstrumentRow.id).where(InstrumentRow.slug == instrument.slug)
    )
    if instrument_id is None:
        instrument_id = conn.execute(
            insert(InstrumentRow)
            .values(
                slug=instrument.slug,
                title=instrument.title["vi"],
                title_en=instrument.title.get("en"),
                intended_use=instrument.intended_use,
                created_at=utcnow(),
            )
            .returning(InstrumentRow.id)
        ).scalar_one()
    now = utcnow()
    return conn.execute(
        insert(InstrumentVersion)
        .values(
            instrument_id=instrument_id,
            version=instrument.version,
            content_hash=digest,
            definition=msgspec.to_builtins(instrument),
            source=source,
            status=InstrumentStatus.PUBLISHED,
            published_at=now,
            created_at=now,
        )
        .returning(InstrumentVersion.id)
    ).scalar_one()


def register_bundled_instruments(conn: Connection) -> dict[str, int]:
    """Register every bundled definition; return ``{"slug/version": version id}``."""
    ids: dict[str, int] = {}
    for name, source in bundled_definitions():
        instrument = parse_definition(source, name)
        ids[f"{instrument.slug}/{instrument.version}"] = register_instrument(
            conn, instrument, source
        )
    return ids

"""Register definition files as instrument versions.

A version is identified by its content hash. Publishing freezes it; a published version,
or one that has responses, is never edited: an edit must carry a new version number.
"""

from __future__ import annotations

import msgspec
from sqlalchemy import Connection, func, insert, select, update

from instruments import Instrument, bundled_definitions, content_hash, parse_definition
from survey_service.db.base import utcnow
from survey_service.db.enums import InstrumentStatus
from survey_service.db.models import Instrument as InstrumentRow
from survey_service.db.models import InstrumentVersion, Response
from survey_service.errors import ServiceError

__all__ = [
    "VersionFrozenError",
    "publish_version",
    "register_bundled_instruments",
    "register_instrument",
]


class VersionFrozenError(ServiceError):
    """An edit would change a version that is published or has responses."""


def _instrument_id(conn: Connection, instrument: Instrument) -> int:
    found = conn.scalar(select(InstrumentRow.id).where(InstrumentRow.slug == instrument.slug))
    if found is not None:
        return found
    return conn.execute(
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


def _replace_draft(
    conn: Connection,
    version_id: int,
    status: InstrumentStatus,
    instrument: Instrument,
    source: str,
    digest: str,
) -> int:
    responses = conn.scalar(
        select(func.count())
        .select_from(Response)
        .where(Response.instrument_version_id == version_id)
    )
    if status != InstrumentStatus.DRAFT or responses:
        why = f"has {responses} responses" if responses else f"is {status.value}"
        raise VersionFrozenError(
            f"{instrument.slug} version {instrument.version} {why} and cannot change; "
            f"give the edited definition a new version number "
            f"(version = {instrument.version + 1})"
        )
    conn.execute(
        update(InstrumentVersion)
        .where(InstrumentVersion.id == version_id)
        .values(content_hash=digest, definition=msgspec.to_builtins(instrument), source=source)
    )
    return version_id


def register_instrument(
    conn: Connection, instrument: Instrument, source: str, *, publish: bool = True
) -> int:
    """Store ``instrument`` as a version (published unless ``publish`` is false).

    Returns the version id. Registering the same content again is a no-op; new content
    under an existing version number replaces a draft without responses and raises
    :class:`VersionFrozenError` otherwise.
    """
    digest = content_hash(instrument)
    existing = conn.scalar(
        select(InstrumentVersion.id).where(InstrumentVersion.content_hash == digest)
    )
    if existing is not None:
        if publish:
            publish_version(conn, existing)
        return existing
    instrument_id = _instrument_id(conn, instrument)
    same_number = conn.execute(
        select(InstrumentVersion.id, InstrumentVersion.status).where(
            InstrumentVersion.instrument_id == instrument_id,
            InstrumentVersion.version == instrument.version,
        )
    ).one_or_none()
    if same_number is not None:
        version_id = _replace_draft(
            conn, same_number[0], InstrumentStatus(same_number[1]), instrument, source, digest
        )
    else:
        version_id = conn.execute(
            insert(InstrumentVersion)
            .values(
                instrument_id=instrument_id,
                version=instrument.version,
                content_hash=digest,
                definition=msgspec.to_builtins(instrument),
                source=source,
                status=InstrumentStatus.DRAFT,
                created_at=utcnow(),
            )
            .returning(InstrumentVersion.id)
        ).scalar_one()
    if publish:
        publish_version(conn, version_id)
    return version_id


def publish_version(conn: Connection, version_id: int) -> None:
    """Freeze a version (a no-op when it is already published)."""
    conn.execute(
        update(InstrumentVersion)
        .where(
            InstrumentVersion.id == version_id,
            InstrumentVersion.status == InstrumentStatus.DRAFT,
        )
        .values(status=InstrumentStatus.PUBLISHED, published_at=utcnow())
    )


def register_bundled_instruments(conn: Connection) -> dict[str, int]:
    """Register and publish every bundled definition; return ``{"slug/version": id}``."""
    ids: dict[str, int] = {}
    for name, source in bundled_definitions():
        instrument = parse_definition(source, name)
        ids[f"{instrument.slug}/{instrument.version}"] = register_instrument(
            conn, instrument, source
        )
    return ids

"""Frame imports from the console: an uploaded file and mapping, handed to the importer.

The import itself is :func:`survey_service.features.frame.importer.import_frame` (one
transaction, all or nothing unless bad rows are skipped). Past imports are read back from
the audit log, where the console records each one with its counts.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path, PurePath
from typing import IO

import msgspec
from sqlalchemy import Engine, select
from sqlalchemy.ext.asyncio import AsyncConnection

from survey_service.db.models import AuditEntry, User
from survey_service.features.frame.importer import ImportSummary, import_frame
from survey_service.features.frame.mapping import ColumnMapping, MappingError, load_mapping
from survey_service.features.samples.designs import as_utc

__all__ = [
    "FRAME_IMPORT",
    "REPORT_ROWS",
    "FrameUpload",
    "PastImport",
    "file_kind_ok",
    "import_detail",
    "past_imports",
    "read_mapping",
    "run_frame_import",
]

FRAME_IMPORT = "console.frame_import"  # audit action of a console frame import
REPORT_ROWS = 1000  # rejected fields shown on the page
_KINDS = (".csv", ".jsonl", ".ndjson")


class FrameUpload(msgspec.Struct, frozen=True, kw_only=True):
    """An uploaded frame file and how to read it.

    ``source`` is the upload's own temporary file (on disk past a megabyte), read by the
    importer as a stream: the frame is never held in memory whole.
    """

    name: str
    source: IO[bytes]
    size: int
    mapping: ColumnMapping
    skip_bad: bool


class PastImport(msgspec.Struct, frozen=True, kw_only=True):
    """A frame import recorded in the audit log."""

    at: dt.datetime
    username: str | None
    file: str
    records: int
    imported: int
    rejected: int
    committed: bool


def file_kind_ok(name: str) -> bool:
    """Whether ``name`` ends like a frame file the importer reads."""
    return name.lower().endswith(_KINDS)


def read_mapping(name: str, content: bytes) -> ColumnMapping:
    """Validate an uploaded mapping file with the importer's own rules.

    :func:`load_mapping` reads a path, so the upload goes through a private temporary
    file; its messages name the uploaded file, not the temporary one.
    """
    shown = PurePath(name).name or "mapping.toml"
    with tempfile.TemporaryDirectory(prefix="console-mapping-") as folder:
        path = Path(folder) / "mapping.toml"
        path.write_bytes(content)
        try:
            return load_mapping(path)
        except MappingError as exc:
            raise MappingError(str(exc).replace(str(path), shown)) from exc


def run_frame_import(engine: Engine, upload: FrameUpload, secret: str) -> ImportSummary:
    """Import the upload in one transaction (see :func:`import_frame`)."""
    upload.source.seek(0)
    return import_frame(
        engine,
        upload.source,
        PurePath(upload.name).name.lower(),
        upload.mapping,
        secret,
        skip_bad=upload.skip_bad,
    )


def import_detail(upload: FrameUpload, summary: ImportSummary) -> dict[str, object]:
    """What the audit log keeps about an import (no row contents: they may be personal)."""
    return {
        "file": PurePath(upload.name).name,
        "bytes": upload.size,
        "skip_bad": upload.skip_bad,
        "records": summary.records,
        "imported": summary.imported,
        "inserted": summary.inserted,
        "updated": summary.updated,
        "rejected": summary.rejected,
        "committed": summary.committed,
    }


def _number(detail: dict[str, object], key: str) -> int:
    value = detail.get(key)
    return value if isinstance(value, int) else 0


async def past_imports(conn: AsyncConnection, limit: int = 20) -> list[PastImport]:
    """The newest console frame imports, newest first."""
    rows = await conn.execute(
        select(AuditEntry.at, User.username, AuditEntry.detail)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(AuditEntry.action == FRAME_IMPORT)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return [
        PastImport(
            at=as_utc(at),
            username=username,
            file=str(detail.get("file", "")),
            records=_number(detail, "records"),
            imported=_number(detail, "imported"),
            rejected=_number(detail, "rejected"),
            committed=bool(detail.get("committed")),
        )
        for at, username, detail in rows
    ]

"""POST /api/frame: the one-stop-shop system pushes completed dossiers in bulk."""

from __future__ import annotations

import io
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.params import QueryParameter
from litestar.response import Response
from sqlalchemy import Engine

from survey_service.config import Settings
from survey_service.db.engine import run_in_worker
from survey_service.db.enums import Role
from survey_service.features.accounts.access import roles_guard
from survey_service.features.frame.importer import ImportSummary, import_frame
from survey_service.features.frame.mapping import ColumnMapping
from survey_service.features.frame.rows import RowError

__all__ = ["FrameApi"]

MAX_FRAME_BYTES = 256 * 2**20
_KINDS = {"text/csv": "csv", "application/x-ndjson": "jsonl", "application/jsonl": "jsonl"}
SkipBad = Annotated[
    bool, QueryParameter(description="Import the good rows even when some are bad.")
]


class FrameImportOut(msgspec.Struct, frozen=True):
    """What the import did; ``errors`` lists at most 1,000 rejected fields."""

    records: int
    imported: int
    inserted: int
    updated: int
    rejected: int
    committed: bool
    errors: list[RowError]


class FrameApi(Controller):
    """For the one-stop-shop system (API token) and statisticians; administrators too."""

    path = "/api/frame"
    tags = ["frame"]
    guards = [roles_guard(Role.ADMINISTRATOR, Role.STATISTICIAN)]

    @post(
        "/",
        summary="Import completed dossiers (CSV or JSON Lines)",
        request_max_body_size=MAX_FRAME_BYTES,
    )
    async def import_frame(
        self, request: Request[Any, Any, State], skip_bad: SkipBad = False
    ) -> Response[FrameImportOut]:
        """Body: ``text/csv`` or ``application/x-ndjson`` with the frame's field names.

        All or nothing unless ``skip_bad``; 422 with the rejected rows when nothing
        was imported. Re-sending a dossier updates it.
        """
        kind = _KINDS.get(request.content_type[0])
        if kind is None:
            raise HTTPException(status_code=415, detail="send text/csv or application/x-ndjson")
        settings: Settings = request.app.state.settings
        body = await request.body()

        def run(engine: Engine) -> ImportSummary:
            return import_frame(
                engine,
                io.BytesIO(body),
                f"upload.{kind}",
                ColumnMapping(format=kind),  # type: ignore[arg-type]
                settings.secret_key,
                skip_bad=skip_bad,
            )

        summary = await run_in_worker(settings.database_url, run)
        out = FrameImportOut(
            summary.records,
            summary.imported,
            summary.inserted,
            summary.updated,
            summary.rejected,
            summary.committed,
            summary.errors[:1000],
        )
        return Response(out, status_code=200 if summary.committed else 422)

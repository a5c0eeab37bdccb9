"""Console pages of frame imports: upload, result with the rejected rows, past imports."""

from __future__ import annotations

import os
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State, UploadFile
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncEngine

from survey_service.config import Settings
from survey_service.errors import ServiceError
from survey_service.features.accounts.access import CurrentStaff, Staff
from survey_service.features.console.base import (
    PREFIX,
    ConsolePages,
    FormValues,
    close_uploads,
    in_worker,
    read_upload,
    record,
    render,
)
from survey_service.features.console.frames import (
    FRAME_IMPORT,
    REPORT_ROWS,
    FrameUpload,
    file_kind_ok,
    import_detail,
    past_imports,
    read_mapping,
    run_frame_import,
)
from survey_service.features.console.texts import console_text
from survey_service.features.frame.controllers import MAX_FRAME_BYTES
from survey_service.features.frame.mapping import ColumnMapping

__all__ = ["FramePages"]


class _FormError(Exception):
    """A form that cannot be acted on; the message is shown above the form."""


def _frame_file(fields: Any, language: str) -> UploadFile:
    upload = fields.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise _FormError(console_text("no_file", language))
    if not file_kind_ok(upload.filename):
        raise _FormError(console_text("bad_file_kind", language))
    return upload


async def _upload(fields: Any, language: str) -> FrameUpload:
    form = FormValues(fields)
    frame = _frame_file(fields, language)
    mapping = ColumnMapping()
    if form.text("mapping_choice") == "file":
        source = await read_upload(fields, "mapping")
        if source is None:
            raise _FormError(console_text("no_mapping_file", language))
        mapping = read_mapping(*source)
    size = frame.file.seek(0, os.SEEK_END)
    return FrameUpload(
        name=frame.filename,
        source=frame.file,
        size=size,
        mapping=mapping,
        skip_bad=form.checked("skip_bad"),
    )


class FramePages(ConsolePages):
    """Upload a frame file and see what the import did."""

    path = f"{PREFIX}/frame"

    async def _page(
        self,
        request: Request[Any, Any, State],
        staff: Staff,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        engine: AsyncEngine = request.app.state.engine
        async with engine.connect() as conn:
            history = await past_imports(conn)
        context.setdefault("skip_bad", False)
        return render(staff, "frame.html", {"history": history, **context}, status_code=status_code)

    @get("/")
    async def show(self, request: Request[Any, Any, State], staff: CurrentStaff) -> Template:
        """The upload form and the past imports."""
        return await self._page(request, staff)

    @post("/", status_code=200, request_max_body_size=MAX_FRAME_BYTES)
    async def run_import(self, request: Request[Any, Any, State], staff: CurrentStaff) -> Template:
        """Import the uploaded file; 422 with the rejected rows when nothing was stored."""
        fields = await request.form()
        try:
            return await self._import(request, staff, fields)
        finally:  # the upload's temporary file goes once the import has read it
            await close_uploads(fields)

    async def _import(
        self, request: Request[Any, Any, State], staff: Staff, fields: Any
    ) -> Template:
        skip_bad = FormValues(fields).checked("skip_bad")
        try:
            upload = await _upload(fields, staff.language)
        except (_FormError, ServiceError) as exc:
            return await self._page(
                request, staff, error=str(exc), skip_bad=skip_bad, status_code=422
            )
        settings: Settings = request.app.state.settings
        try:
            summary = await in_worker(
                request, lambda e: run_frame_import(e, upload, settings.secret_key)
            )
        except ServiceError as exc:  # the file as a whole cannot be read: nothing stored
            await record(
                request,
                staff,
                FRAME_IMPORT,
                object_type="frame",
                detail={"file": upload.name, "committed": False, "error": str(exc)[:500]},
            )
            return await self._page(
                request, staff, error=str(exc), skip_bad=skip_bad, status_code=422
            )
        await record(
            request, staff, FRAME_IMPORT, object_type="frame", detail=import_detail(upload, summary)
        )
        return await self._page(
            request,
            staff,
            summary=summary,
            errors=summary.errors[:REPORT_ROWS],
            file_name=upload.name,
            skip_bad=skip_bad,
            status_code=200 if summary.committed else 422,
        )

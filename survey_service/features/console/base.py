"""What every console page shares: its guard, rendering, the worker thread, form fields.

The services the console calls (frame import, sampling, weighting) are synchronous and
own their transactions; they run in a worker thread on a synchronous engine, as the CLI
and the JSON API run them. Staff actions are written to the audit log once the service's
transaction has committed (or failed: a refused import is recorded too).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from litestar import Controller, Request
from litestar.datastructures import State, UploadFile
from litestar.response import Template
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from survey_service.config import Settings
from survey_service.db.engine import run_in_worker
from survey_service.db.enums import Role
from survey_service.features.accounts.access import Staff, audit, client_address, roles_guard
from survey_service.features.console.texts import console_text

__all__ = [
    "CONSOLE_GUARD",
    "PREFIX",
    "ConsolePages",
    "FormValues",
    "close_uploads",
    "in_worker",
    "read_upload",
    "record",
    "record_survey_action",
    "render",
]

T = TypeVar("T")
PREFIX = "/staff/console"
CONSOLE_GUARD = roles_guard(Role.STATISTICIAN, Role.ADMINISTRATOR)


class ConsolePages(Controller):
    """A controller of console pages: statisticians and administrators only, no API schema."""

    guards = [CONSOLE_GUARD]
    include_in_schema = False


class FormValues:
    """The fields of a submitted form, read as text (missing fields read as empty)."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self._fields = fields

    def text(self, name: str) -> str:
        """The field's text, stripped ("" when missing or a file)."""
        value = self._fields.get(name)
        return value.strip() if isinstance(value, str) else ""

    def checked(self, name: str) -> bool:
        """Whether a checkbox was ticked."""
        return self.text(name) not in ("", "0", "false", "off")

    def all(self, name: str) -> list[str]:
        """Every value of a repeated field (checkboxes of one name)."""
        getall = getattr(self._fields, "getall", None)
        values = getall(name, []) if getall is not None else [self._fields.get(name)]
        return [v.strip() for v in values if isinstance(v, str) and v.strip()]


async def read_upload(fields: Any, name: str) -> tuple[str, bytes] | None:
    """The file name and content of the upload field ``name`` (None when no file was sent)."""
    upload = fields.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    return upload.filename, await upload.read()


async def close_uploads(fields: Any) -> None:
    """Close every uploaded file of a form (their contents are in memory by now)."""
    for value in fields.values():
        if isinstance(value, UploadFile):
            await value.close()


def render(
    staff: Staff,
    template: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
) -> Template:
    """Render a console page in the staff member's language."""
    language = staff.language if staff.language in ("vi", "en") else "vi"

    def ct(key: str, **values: object) -> str:
        return console_text(key, language, **values)

    return Template(
        template_name=f"staff/console/{template}",
        context={"lang": language, "ct": ct, "staff": staff, "prefix": PREFIX, **context},
        status_code=status_code,
    )


async def in_worker(request: Request[Any, Any, State], work: Callable[[Engine], T]) -> T:
    """Run ``work`` on a fresh synchronous engine in a worker thread."""
    settings: Settings = request.app.state.settings
    return await run_in_worker(settings.database_url, work)


async def record(
    request: Request[Any, Any, State],
    staff: Staff,
    action: str,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Write one audit line in its own transaction."""
    engine: AsyncEngine = request.app.state.engine
    async with engine.begin() as conn:
        await audit(
            conn,
            staff,
            action,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
            client_address=client_address(request),
        )


async def record_survey_action(
    request: Request[Any, Any, State],
    staff: Staff,
    action: str,
    survey_code: str,
    detail: dict[str, Any],
) -> None:
    """Write the audit line of an action on a survey."""
    await record(request, staff, action, object_type="survey", object_id=survey_code, detail=detail)

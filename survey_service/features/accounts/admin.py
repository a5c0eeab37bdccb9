"""Account pages: administrators manage users and read the audit log; everyone may change
their own password."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import anyio
import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import Connection, Engine, select

from survey_service.config import Settings
from survey_service.db.engine import run_in_worker
from survey_service.db.enums import Role
from survey_service.db.models import AuditEntry, User
from survey_service.db.session import DbSession
from survey_service.features.accounts.access import (
    SESSION_COOKIE,
    CurrentStaff,
    Staff,
    audit,
    client_address,
    roles_guard,
    staff_guard,
)
from survey_service.features.accounts.passwords import verify_password
from survey_service.features.accounts.users import (
    AccountError,
    change_password,
    create_user,
    disable_user,
    list_users,
)
from survey_service.security import hash_token

__all__ = ["AccountPages", "PasswordPages"]

T = TypeVar("T")
AUDIT_PAGE_ROWS = 200
ACCOUNTS = "/staff/accounts"


class NewUserForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The form that creates an account."""

    username: Annotated[str, msgspec.Meta(max_length=64)]
    display_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    role: Role
    units: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    password: Annotated[str, msgspec.Meta(max_length=1024)]
    csrf_token: str = msgspec.field(default="", name="_csrf_token")


class PasswordForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The form that changes one's own password."""

    current: Annotated[str, msgspec.Meta(max_length=1024)]
    new: Annotated[str, msgspec.Meta(max_length=1024)]
    repeat: Annotated[str, msgspec.Meta(max_length=1024)]
    csrf_token: str = msgspec.field(default="", name="_csrf_token")


class CsrfOnlyForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A button that only posts the CSRF token."""

    csrf_token: str = msgspec.field(default="", name="_csrf_token")


async def _in_thread(request: Request[Any, Any, State], work: Callable[[Connection], T]) -> T:
    """Run ``work`` in one transaction on a worker thread (password hashing is slow)."""
    settings: Settings = request.app.state.settings

    def run(engine: Engine) -> T:
        with engine.begin() as conn:
            return work(conn)

    return await run_in_worker(settings.database_url, run)


def _page(staff: Staff, name: str, status_code: int = 200, **context: Any) -> Template:
    return Template(
        template_name=f"staff/{name}.html",
        context={"staff": staff, "lang": staff.language, **context},
        status_code=status_code,
    )


class AccountPages(Controller):
    """Users and the audit log (administrators only)."""

    path = ACCOUNTS
    guards = [roles_guard(Role.ADMINISTRATOR)]
    opt = {"unit_param": None}
    include_in_schema = False

    async def _users_page(
        self, request: Request[Any, Any, State], staff: Staff, **context: Any
    ) -> Template:
        users = await _in_thread(request, list_users)
        status = 422 if context.get("error") else 200
        roles = [role.value for role in Role]
        return _page(staff, "accounts", status, users=users, roles=roles, **context)

    @get("/")
    async def index(self, request: Request[Any, Any, State], staff: CurrentStaff) -> Template:
        """Every account with its role, units and state, and the form for a new one."""
        return await self._users_page(request, staff, form=None)

    @post("/", status_code=200)
    async def create(
        self,
        request: Request[Any, Any, State],
        staff: CurrentStaff,
        data: Annotated[NewUserForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        """Create the account; the same page with the reason when it cannot be."""
        units = [code for code in re.split(r"[\s,;]+", data.units.strip()) if code]
        try:
            await _in_thread(
                request,
                lambda conn: create_user(
                    conn,
                    data.username.strip(),
                    data.role,
                    data.password,
                    display_name=data.display_name.strip() or None,
                    unit_codes=units,
                    actor=staff.id,
                    by=staff.username,
                ),
            )
        except AccountError as exc:
            form = {"username": data.username, "display_name": data.display_name}
            form |= {"role": data.role.value, "units": data.units}
            return await self._users_page(
                request, staff, form=form, error=exc.key, error_detail=exc.detail
            )
        return Redirect(f"{ACCOUNTS}?created={data.username.strip()}", status_code=303)

    @post("/{username:str}/disable", status_code=200)
    async def disable(
        self,
        request: Request[Any, Any, State],
        staff: CurrentStaff,
        username: FromPath[str],
        data: Annotated[CsrfOnlyForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        """Disable an account: its sessions end and its tokens stop working."""
        if username == staff.username:
            return await self._users_page(request, staff, form=None, error="disable_self")
        try:
            await _in_thread(
                request,
                lambda conn: disable_user(conn, username, actor=staff.id, by=staff.username),
            )
        except AccountError as exc:
            return await self._users_page(
                request, staff, form=None, error=exc.key, error_detail=exc.detail
            )
        return Redirect(f"{ACCOUNTS}?disabled={username}", status_code=303)

    @get("/audit")
    async def audit_log(
        self, db_session: DbSession, staff: CurrentStaff, user: FromQuery[str | None] = None
    ) -> Template:
        """The newest lines of the audit log, optionally of one user."""
        query = (
            select(
                AuditEntry.at,
                User.username,
                AuditEntry.action,
                AuditEntry.object_type,
                AuditEntry.object_id,
                AuditEntry.detail,
                AuditEntry.client_address,
            )
            .outerjoin(User, User.id == AuditEntry.user_id)
            .order_by(AuditEntry.id.desc())
            .limit(AUDIT_PAGE_ROWS)
        )
        if user:
            query = query.where(User.username == user)
        rows = (await db_session.execute(query)).all()
        return _page(staff, "audit", rows=rows, user=user or "", limit=AUDIT_PAGE_ROWS)


class PasswordPages(Controller):
    """Changing one's own password (any staff member logged in with a password)."""

    path = "/staff/password"
    guards = [staff_guard]
    opt = {"unit_param": None}
    include_in_schema = False

    @get("/")
    async def form(self, staff: CurrentStaff, done: FromQuery[bool] = False) -> Template:
        """The form: current password, new password twice."""
        return _page(staff, "password", done=done)

    @post("/", status_code=200)
    async def change(
        self,
        request: Request[Any, Any, State],
        db_session: DbSession,
        staff: CurrentStaff,
        data: Annotated[PasswordForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        """Check the current password, then set the new one; other sessions end."""
        stored = await db_session.scalar(select(User.password_hash).where(User.id == staff.id))
        await db_session.rollback()
        if not await anyio.to_thread.run_sync(verify_password, stored, data.current):
            return _page(staff, "password", 422, error="password_wrong")
        if data.new != data.repeat:
            return _page(staff, "password", 422, error="password_mismatch")
        keep = hash_token(request.cookies.get(SESSION_COOKIE, ""))
        try:
            await _in_thread(request, lambda c: change_password(c, staff.id, data.new, keep))
        except AccountError as exc:
            return _page(staff, "password", 422, error=exc.key)
        await audit(db_session, staff, "password.change", client_address=client_address(request))
        await db_session.commit()
        return Redirect("/staff/password?done=true", status_code=303)

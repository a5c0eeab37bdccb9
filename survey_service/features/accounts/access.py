"""Who is asking, and what they may see: the contract every staff page and API uses.

A request is made by a :class:`Staff` member when it carries a valid staff session cookie
(a browser that logged in at ``/login``) or an ``Authorization: Bearer`` API token (a
machine client or a script; the token acts as its user). Handlers get the identity as the
``staff`` dependency; guards refuse the request before the handler runs:

- :func:`staff_guard`: any logged-in staff member, else 401 on ``/api/...`` and a 303
  redirect to ``/login?next=<path>`` on pages;
- :func:`roles_guard`: only the given roles, else 403.

Department reviewers see only their unit subtrees (``Staff.scope``): :func:`require_unit`
answers 404 for any other unit, so that a reviewer cannot even learn that another unit's
data exists. A session ends ``session_hours`` after login, or sooner once it has made no
request for ``session_idle_minutes`` (its ``last_seen_at`` is moved on at most once a
minute, so that not every request writes). :func:`audit` writes one line of the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from survey_service.config import Settings
from survey_service.db.base import utcnow
from survey_service.db.enums import Role
from survey_service.db.models import ApiToken, AuditEntry, StaffSession, Unit, User, UserUnitScope
from survey_service.errors import NotFoundError
from survey_service.security import hash_token

__all__ = [
    "SESSION_COOKIE",
    "STAFF_STATE_KEY",
    "CurrentStaff",
    "LoginRequired",
    "Staff",
    "audit",
    "can_see",
    "client_address",
    "current_staff",
    "known_staff",
    "provide_staff",
    "require_unit",
    "require_unit_code",
    "roles_guard",
    "staff_guard",
]

SESSION_COOKIE = "survey_staff"
"""Name of the cookie holding the random staff session id."""

STAFF_STATE_KEY = "survey_staff"
"""Key of the request's staff member (once looked up) in ``scope["state"]``."""
_NOBODY = object()  # cached "no staff on this request"

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


class Staff(msgspec.Struct, frozen=True):
    """The staff member behind a request.

    ``scope`` holds the id of every unit the member may see (the subtrees of a
    reviewer's units, expanded); ``None`` means every unit (administrators,
    statisticians, viewers). ``language`` is the interface language, ``vi`` or ``en``.
    """

    id: int
    username: str
    display_name: str
    role: Role
    scope: frozenset[int] | None
    language: str = "vi"


CurrentStaff = NamedDependency[Staff]
"""Handler parameter type of the ``staff`` dependency: ``staff: CurrentStaff``."""


class LoginRequired(NotAuthorizedException):
    """No valid session or token: 401 on the API, a redirect to the login page elsewhere."""


def can_see(staff: Staff, unit_id: int) -> bool:
    """Whether ``staff`` may see the data of unit ``unit_id``."""
    return staff.scope is None or unit_id in staff.scope


def require_unit(staff: Staff, unit_id: int) -> None:
    """Raise 404 unless ``staff`` may see unit ``unit_id`` (never reveal that it exists)."""
    if not can_see(staff, unit_id):
        raise NotFoundException("not found")


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The client's address as the server sees it (for the audit log)."""
    client = connection.client
    return client.host if client else None


async def require_unit_code(
    session_or_conn: AsyncSession | AsyncConnection, staff: Staff, code: str
) -> int:
    """Return the id of the unit ``code`` if ``staff`` may see it.

    An unknown code and a unit outside the reviewer's scope give the same 404, so a
    guessed code tells nothing.
    """
    unit_id = await session_or_conn.scalar(select(Unit.id).where(Unit.code == code))
    if unit_id is None or not can_see(staff, unit_id):
        raise NotFoundError(f"no unit with code {code!r}")
    return int(unit_id)


async def _scope_of(conn: AsyncConnection, user_id: int, role: Role) -> frozenset[int] | None:
    if role != Role.REVIEWER:
        return None
    subtree = (
        select(UserUnitScope.unit_id.label("id"))
        .where(UserUnitScope.user_id == user_id)
        .cte("subtree", recursive=True)
    )
    subtree = subtree.union(select(Unit.id).join(subtree, Unit.parent_id == subtree.c.id))
    return frozenset((await conn.scalars(select(subtree.c.id))).all())


_USER_COLUMNS = (User.id, User.username, User.display_name, User.role)


SEEN_EVERY = dt.timedelta(minutes=1)
"""A session's ``last_seen_at`` is written at most this often (not on every request)."""


async def _from_session(conn: AsyncConnection, session_id: str, idle_minutes: int) -> Staff | None:
    now = utcnow()
    id_hash = hash_token(session_id)
    row = (
        await conn.execute(
            select(*_USER_COLUMNS, StaffSession.language, StaffSession.last_seen_at)
            .join(StaffSession, StaffSession.user_id == User.id)
            .where(
                StaffSession.id_hash == id_hash,
                StaffSession.expires_at > now,
                StaffSession.last_seen_at > now - dt.timedelta(minutes=idle_minutes),
                User.is_active.is_(True),
            )
        )
    ).first()
    if row is None:
        return None
    last_seen = row.last_seen_at
    if last_seen.tzinfo is None:  # SQLite hands back naive datetimes, all UTC
        last_seen = last_seen.replace(tzinfo=dt.UTC)
    if now - last_seen >= SEEN_EVERY:
        await conn.execute(
            update(StaffSession).where(StaffSession.id_hash == id_hash).values(last_seen_at=now)
        )
    role = Role(row.role)
    scope = await _scope_of(conn, row.id, role)
    return Staff(row.id, row.username, row.display_name, role, scope, row.language)


async def _from_token(conn: AsyncConnection, token: str) -> Staff | None:
    row = (
        await conn.execute(
            select(*_USER_COLUMNS, ApiToken.id.label("token_id"))
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(
                ApiToken.token_hash == hash_token(token),
                ApiToken.revoked_at.is_(None),
                User.is_active.is_(True),
            )
        )
    ).first()
    if row is None:
        return None
    await conn.execute(
        update(ApiToken).where(ApiToken.id == row.token_id).values(last_used_at=utcnow())
    )
    role = Role(row.role)
    scope = await _scope_of(conn, row.id, role)
    return Staff(row.id, row.username, row.display_name, role, scope)


def _bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    scheme, _sep, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


async def _lookup(connection: ASGIConnection[Any, Any, Any, Any]) -> Staff | None:
    token = _bearer(connection)
    session_id = connection.cookies.get(SESSION_COOKIE)
    if token is None and not session_id:
        return None
    engine: AsyncEngine = connection.app.state.engine
    async with engine.begin() as conn:
        if token is not None:
            # A request that names a token is judged by it alone, never by a cookie.
            return await _from_token(conn, token) if token else None
        assert session_id is not None
        settings: Settings = connection.app.state.settings
        return await _from_session(conn, session_id, settings.session_idle_minutes)


async def current_staff(connection: ASGIConnection[Any, Any, Any, Any]) -> Staff:
    """Return the staff member behind ``connection`` (looked up once per request).

    Raises
    ------
    LoginRequired
        Without a valid session cookie or API token.
    """
    state = connection.scope.setdefault("state", {})
    found = state.get(STAFF_STATE_KEY)
    if found is None:
        found = await _lookup(connection) or _NOBODY
        state[STAFF_STATE_KEY] = found
    if not isinstance(found, Staff):
        raise LoginRequired("log in, or send an API token: Authorization: Bearer <token>")
    return found


def known_staff(connection: ASGIConnection[Any, Any, Any, Any]) -> Staff | None:
    """The staff member if this request already looked them up, else None (no query)."""
    found = connection.scope.get("state", {}).get(STAFF_STATE_KEY)
    return found if isinstance(found, Staff) else None


async def provide_staff(request: Request[Any, Any, Any]) -> Staff:
    """The ``staff`` dependency: the logged-in staff member (401 or redirect otherwise)."""
    return await current_staff(request)


async def staff_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Let any logged-in staff member through (401 or a redirect to login otherwise)."""
    await current_staff(connection)


def roles_guard(*roles: Role, readers: tuple[Role, ...] = ()) -> Guard:
    """A guard letting only ``roles`` through: 403 for other staff, 401/redirect for nobody.

    ``readers`` may also make safe requests (GET, HEAD): ``roles_guard(Role.STATISTICIAN,
    readers=(Role.VIEWER,))`` lets viewers read what only statisticians may change.
    """
    allowed = frozenset(roles)
    reading = allowed | frozenset(readers)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        staff = await current_staff(connection)
        safe = connection.scope.get("method") in ("GET", "HEAD")
        if staff.role not in (reading if safe else allowed):
            raise PermissionDeniedException("your role may not do this")

    guard.__name__ = "roles_guard_" + "_".join(sorted(r.value for r in allowed))
    return guard


async def audit(
    session_or_conn: AsyncSession | AsyncConnection,
    staff: Staff | None,
    action: str,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    detail: dict[str, Any] | None = None,
    client_address: str | None = None,
) -> None:
    """Add one line to the audit log, inside the caller's transaction (commit it).

    ``action`` is a short verb phrase such as ``login``, ``export.xlsx`` or
    ``sample.draw``; ``object_type``/``object_id`` name what it was done to.
    """
    await session_or_conn.execute(
        insert(AuditEntry).values(
            at=utcnow(),
            user_id=None if staff is None else staff.id,
            action=action[:64],
            object_type=object_type,
            object_id=None if object_id is None else str(object_id)[:64],
            detail=detail or {},
            client_address=client_address,
        )
    )

"""Managing staff accounts (used by the ``users`` commands and by tests)."""

from __future__ import annotations

import datetime as dt
import re

import msgspec
from sqlalchemy import Connection, delete, insert, select, update

from survey_service.auth import NO_PASSWORD
from survey_service.db.base import utcnow
from survey_service.db.enums import Role
from survey_service.db.models import AuditEntry, StaffSession, Unit, User, UserUnitScope
from survey_service.errors import ServiceError
from survey_service.features.accounts.passwords import MIN_PASSWORD_LENGTH, hash_password

__all__ = [
    "AccountError",
    "UserRow",
    "change_password",
    "create_user",
    "disable_user",
    "list_users",
]

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class AccountError(ServiceError):
    """A user cannot be created or changed as asked (the message says why).

    ``key`` names the reason for translated pages (``account_error_<key>``); ``detail``
    is what the message names (unit codes, a username).
    """

    def __init__(self, message: str, key: str, detail: str = "") -> None:
        super().__init__(message)
        self.key = key
        self.detail = detail


class UserRow(msgspec.Struct, frozen=True):
    """One account as ``users list`` shows it."""

    username: str
    display_name: str
    role: str
    active: bool
    units: list[str]
    locked_until: dt.datetime | None
    last_login_at: dt.datetime | None


def _unit_ids(conn: Connection, unit_codes: tuple[str, ...] | list[str]) -> list[int]:
    found = dict(conn.execute(select(Unit.code, Unit.id).where(Unit.code.in_(unit_codes))).all())
    missing = [code for code in unit_codes if code not in found]
    if missing:
        listed = ", ".join(missing)
        raise AccountError(f"unknown unit code: {listed}", "unknown_unit", listed)
    return [found[code] for code in dict.fromkeys(unit_codes)]


def _check_new_user(
    username: str, role: Role, password: str, unit_codes: tuple[str, ...] | list[str]
) -> None:
    if not USERNAME.match(username):
        raise AccountError(
            "a username is 2-64 lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            "username",
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters", "password_short"
        )
    if role == Role.REVIEWER and not unit_codes:
        raise AccountError("a reviewer needs at least one unit: --unit CODE", "reviewer_units")
    if role != Role.REVIEWER and unit_codes:
        raise AccountError(
            "only reviewers are limited to units; other roles see every unit", "units_for_others"
        )


def create_user(
    conn: Connection,
    username: str,
    role: Role,
    password: str,
    *,
    display_name: str | None = None,
    unit_codes: tuple[str, ...] | list[str] = (),
    actor: int | None = None,
    by: str = "command line",
) -> int:
    """Create a staff account (a reviewer needs at least one unit); return its id.

    ``actor`` (a user id) and ``by`` say who did it, for the audit log.
    """
    _check_new_user(username, role, password, unit_codes)
    if conn.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"user {username!r} already exists", "exists", username)
    units = _unit_ids(conn, unit_codes)
    user_id = conn.execute(
        insert(User)
        .values(
            username=username,
            display_name=display_name or username,
            password_hash=hash_password(password),
            role=role,
            is_active=True,
            failed_logins=0,
            created_at=utcnow(),
        )
        .returning(User.id)
    ).scalar_one()
    if units:
        conn.execute(insert(UserUnitScope), [{"user_id": user_id, "unit_id": u} for u in units])
    conn.execute(
        insert(AuditEntry).values(
            at=utcnow(),
            action="user.create",
            object_type="user",
            object_id=username,
            user_id=actor,
            detail={"role": role.value, "units": list(unit_codes), "by": by},
        )
    )
    return int(user_id)


def list_users(conn: Connection) -> list[UserRow]:
    """Every human account (machine accounts ``api:*`` are listed by their tokens)."""
    scopes: dict[int, list[str]] = {}
    for user_id, code in conn.execute(
        select(UserUnitScope.user_id, Unit.code)
        .join(Unit, Unit.id == UserUnitScope.unit_id)
        .order_by(Unit.code)
    ):
        scopes.setdefault(user_id, []).append(code)
    rows = conn.execute(
        select(
            User.id,
            User.username,
            User.display_name,
            User.role,
            User.is_active,
            User.locked_until,
            User.last_login_at,
        )
        .where(User.password_hash != NO_PASSWORD)
        .order_by(User.username)
    )
    return [
        UserRow(
            u.username,
            u.display_name,
            Role(u.role).value,
            u.is_active,
            scopes.get(u.id, []),
            u.locked_until,
            u.last_login_at,
        )
        for u in rows
    ]


def disable_user(
    conn: Connection, username: str, *, actor: int | None = None, by: str = "command line"
) -> None:
    """Disable an account: its sessions end and its API tokens stop working at once."""
    user_id = conn.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise AccountError(f"no user {username!r}", "no_user", username)
    conn.execute(update(User).where(User.id == user_id).values(is_active=False))
    conn.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
    conn.execute(
        insert(AuditEntry).values(
            at=utcnow(),
            action="user.disable",
            object_type="user",
            object_id=username,
            user_id=actor,
            detail={"by": by},
        )
    )


def change_password(conn: Connection, user_id: int, new_password: str, keep_session: str) -> None:
    """Set a new password; every other session of the user ends (``keep_session`` is the
    hash of the one that asked)."""
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters", "password_short"
        )
    conn.execute(
        update(User).where(User.id == user_id).values(password_hash=hash_password(new_password))
    )
    conn.execute(
        delete(StaffSession).where(
            StaffSession.user_id == user_id, StaffSession.id_hash != keep_session
        )
    )

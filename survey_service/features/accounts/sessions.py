"""Logging in and out: password checks with lockout, and server-side sessions.

A session is a random id in an HttpOnly cookie; the database keeps only its SHA-256
with the user, an expiry and when it was last used (for the idle timeout), so any server
process can check it and logging out (or disabling the user) ends it everywhere. Each
login starts a new session id.

Failed passwords are counted in the database (atomically, so several processes count
together); ``login_max_failures`` in a row lock the account for ``login_lockout_minutes``,
and ``login_address_max_failures`` from one client address within that time (whatever the
usernames, as in password spraying) refuse the address for as long. The answer to a
failed login never tells whether the username exists, the password was wrong or the
account or address is refused.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets

import anyio
import msgspec
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from survey_service.config import Settings
from survey_service.db.base import utcnow
from survey_service.db.enums import Role
from survey_service.db.models import AuditEntry, StaffSession, User
from survey_service.features.accounts.access import Staff, audit
from survey_service.features.accounts.passwords import hash_password, needs_rehash, verify_password
from survey_service.i18n import choose_language
from survey_service.security import hash_token

__all__ = ["LoginOutcome", "LoginResult", "end_session", "log_in", "set_language"]

SESSION_ID_BYTES = 32


class LoginOutcome(enum.StrEnum):
    """What a login attempt came to (only ``OK`` is told to the user as such)."""

    OK = "ok"
    UNKNOWN = "unknown"
    DISABLED = "disabled"
    LOCKED = "locked"
    THROTTLED = "throttled"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 - an outcome, not a password


class LoginResult(msgspec.Struct, frozen=True):
    """The outcome and, on success, the new session id to put in the cookie."""

    outcome: LoginOutcome
    session_id: str | None = None


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; every time stored here is UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


async def _count_failure(db: AsyncSession, user_id: int, settings: Settings) -> bool:
    """Count a wrong password; return whether this one locked the account."""
    failures = (
        await db.execute(
            update(User)
            .where(User.id == user_id)
            .values(failed_logins=User.failed_logins + 1)
            .returning(User.failed_logins)
        )
    ).scalar_one()
    if failures < settings.login_max_failures:
        return False
    until = utcnow() + dt.timedelta(minutes=settings.login_lockout_minutes)
    await db.execute(
        update(User).where(User.id == user_id).values(failed_logins=0, locked_until=until)
    )
    return True


async def _start_session(db: AsyncSession, user: User, language: str, settings: Settings) -> str:
    session_id = secrets.token_urlsafe(SESSION_ID_BYTES)
    now = utcnow()
    await db.execute(
        insert(StaffSession).values(
            id_hash=hash_token(session_id),
            user_id=user.id,
            language=language,
            created_at=now,
            expires_at=now + dt.timedelta(hours=settings.session_hours),
            last_seen_at=now,
        )
    )
    # Expired and idle sessions are removed as new ones start: no separate clean-up job.
    idle_since = now - dt.timedelta(minutes=settings.session_idle_minutes)
    await db.execute(
        delete(StaffSession).where(
            or_(StaffSession.expires_at <= now, StaffSession.last_seen_at <= idle_since)
        )
    )
    return session_id


async def log_in(
    db: AsyncSession,
    settings: Settings,
    username: str,
    password: str,
    *,
    language: str,
    client_address: str | None,
    previous_session: str | None = None,
) -> LoginResult:
    """Check a password and start a session (committed), auditing the attempt."""
    user = await db.scalar(select(User).where(User.username == username.strip()))
    stored = user.password_hash if user is not None else None
    matches = await anyio.to_thread.run_sync(verify_password, stored, password)
    if await _address_refused(db, client_address, settings):
        outcome = LoginOutcome.THROTTLED
    else:
        outcome = await _judge(db, user, matches, settings)
    if outcome != LoginOutcome.OK or user is None:
        await audit(
            db,
            None if user is None else _staff_of(user),
            "login.failed",
            object_type="user",
            object_id=username[:64],
            detail={"reason": outcome.value},
            client_address=client_address,
        )
        await db.commit()
        return LoginResult(outcome)
    if previous_session:
        gone = hash_token(previous_session)
        await db.execute(delete(StaffSession).where(StaffSession.id_hash == gone))
    changes: dict[str, object] = {
        "failed_logins": 0,
        "locked_until": None,
        "last_login_at": utcnow(),
    }
    if needs_rehash(user.password_hash):
        changes["password_hash"] = await anyio.to_thread.run_sync(hash_password, password)
    await db.execute(update(User).where(User.id == user.id).values(**changes))
    session_id = await _start_session(db, user, choose_language(language), settings)
    await audit(db, _staff_of(user), "login", client_address=client_address)
    await db.commit()
    return LoginResult(outcome, session_id)


async def _address_refused(
    db: AsyncSession, client_address: str | None, settings: Settings
) -> bool:
    """Whether this address failed too many logins lately (counted in the audit log)."""
    if client_address is None:
        return False
    since = utcnow() - dt.timedelta(minutes=settings.login_lockout_minutes)
    failures = await db.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.at > since,
            AuditEntry.action == "login.failed",
            AuditEntry.client_address == client_address,
        )
    )
    return (failures or 0) >= settings.login_address_max_failures


async def _judge(
    db: AsyncSession, user: User | None, matches: bool, settings: Settings
) -> LoginOutcome:
    """What the attempt comes to; a wrong password is counted (and may lock)."""
    if user is None:
        return LoginOutcome.UNKNOWN
    if not user.is_active:
        return LoginOutcome.DISABLED
    locked = _aware(user.locked_until)
    if locked is not None and locked > utcnow():
        return LoginOutcome.LOCKED
    if not matches:
        locked_now = await _count_failure(db, user.id, settings)
        return LoginOutcome.LOCKED if locked_now else LoginOutcome.WRONG_PASSWORD
    return LoginOutcome.OK


def _staff_of(user: User) -> Staff:
    return Staff(user.id, user.username, user.display_name, Role(user.role), None)


async def end_session(
    db: AsyncSession, staff: Staff | None, session_id: str | None, client_address: str | None
) -> None:
    """Log out: forget the session everywhere (committed)."""
    if session_id:
        await db.execute(delete(StaffSession).where(StaffSession.id_hash == hash_token(session_id)))
    if staff is not None:
        await audit(db, staff, "logout", client_address=client_address)
    await db.commit()


async def set_language(db: AsyncSession, session_id: str, language: str) -> None:
    """Remember the interface language of a session (committed)."""
    await db.execute(
        update(StaffSession)
        .where(StaffSession.id_hash == hash_token(session_id))
        .values(language=choose_language(language))
    )
    await db.commit()

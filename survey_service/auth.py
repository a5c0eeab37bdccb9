"""API tokens for machine clients (the one-stop-shop system) and scripts.

A client sends ``Authorization: Bearer <token>``; only the token's SHA-256 is stored. A
token acts as its user, with that user's role and units: the staff guards of
:mod:`survey_service.features.accounts.access` accept it wherever they accept a login.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from survey_service.db.base import utcnow
from survey_service.db.enums import Role
from survey_service.db.models import ApiToken, User
from survey_service.errors import ServiceError
from survey_service.security import hash_token, new_token

__all__ = ["NO_PASSWORD", "create_api_token", "revoke_api_tokens"]

NO_PASSWORD = "!"  # noqa: S105 - not a hash of anything: machine accounts cannot log in


def _machine_account(conn: Connection, name: str, role: Role) -> int:
    username = f"api:{name}"
    user_id = conn.scalar(select(User.id).where(User.username == username))
    if user_id is not None:
        return int(user_id)
    return int(
        conn.execute(
            insert(User)
            .values(
                username=username,
                display_name=name,
                password_hash=NO_PASSWORD,
                role=role,
                is_active=True,
                failed_logins=0,
                created_at=utcnow(),
            )
            .returning(User.id)
        ).scalar_one()
    )


def create_api_token(
    conn: Connection, name: str, *, role: Role = Role.STATISTICIAN, user: str | None = None
) -> str:
    """Create a new token named ``name`` and return it (shown once, stored as a hash).

    Without ``user`` the token belongs to the machine account ``api:<name>`` (created
    with ``role`` if needed; the one-stop-shop system imports frames and issues receipts,
    which statisticians may do). With ``user`` it acts as that existing staff account,
    with its role and units (``role`` is then ignored).
    """
    if user is None:
        user_id = _machine_account(conn, name, role)
    else:
        found = conn.scalar(select(User.id).where(User.username == user))
        if found is None:
            raise ServiceError(f"no user {user!r}")
        user_id = int(found)
    token = new_token()
    conn.execute(
        insert(ApiToken).values(
            user_id=user_id, name=name, token_hash=hash_token(token), created_at=utcnow()
        )
    )
    return token


def revoke_api_tokens(conn: Connection, name: str) -> int:
    """Revoke every live token named ``name``; return how many were revoked."""
    result = conn.execute(
        update(ApiToken)
        .where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(result.rowcount)

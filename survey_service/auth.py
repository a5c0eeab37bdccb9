"""API tokens for machine clients (the one-stop-shop system).

A client sends ``Authorization: Bearer <token>``; only the token's SHA-256 is stored.
Staff logins, roles and scopes come with the staff side (issue #6).
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import Connection, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from survey_service.db.base import utcnow
from survey_service.db.enums import Role
from survey_service.db.models import ApiToken, User
from survey_service.security import hash_token, new_token

__all__ = ["NO_PASSWORD", "api_token_guard", "create_api_token"]

NO_PASSWORD = "!"  # noqa: S105 - not a hash of anything: machine accounts cannot log in


async def api_token_guard(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Refuse requests without a valid, unrevoked API token (401)."""
    header = connection.headers.get("authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException("an API token is required: Authorization: Bearer <token>")
    engine: AsyncEngine = connection.app.state.engine
    async with engine.begin() as conn:
        token_id = await conn.scalar(
            select(ApiToken.id).where(
                ApiToken.token_hash == hash_token(token.strip()), ApiToken.revoked_at.is_(None)
            )
        )
        if token_id is None:
            raise NotAuthorizedException("unknown or revoked API token")
        await conn.execute(
            update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow())
        )


def create_api_token(conn: Connection, name: str) -> str:
    """Create a machine account ``api:<name>`` if needed and a new token for it.

    Returns the token; it is shown once and stored only as a hash.
    """
    username = f"api:{name}"
    user_id = conn.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        user_id = conn.execute(
            insert(User)
            .values(
                username=username,
                display_name=name,
                password_hash=NO_PASSWORD,
                role=Role.VIEWER,
                is_active=True,
                failed_logins=0,
                created_at=utcnow(),
            )
            .returning(User.id)
        ).scalar_one()
    token = new_token()
    conn.execute(
        insert(ApiToken).values(
            user_id=user_id, name=name, token_hash=hash_token(token), created_at=utcnow()
        )
    )
    return token

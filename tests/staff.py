"""Staff accounts for web tests: ``create_staff`` then ``login`` a test client.

>>> password = create_staff(url, "reviewer-a", Role.REVIEWER, unit_codes=("X-SOCSON",))
>>> login(client, "reviewer-a", password)      # the client now carries the session cookie
>>> client.post("/staff/...", data={..., "_csrf_token": csrf_token(client)})
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Connection

from survey_service.db.engine import make_sync_engine
from survey_service.db.enums import Role
from survey_service.features.accounts.users import create_user

__all__ = ["CSRF_COOKIE", "create_staff", "csrf_token", "login", "login_async"]

CSRF_COOKIE = "csrftoken"


def create_staff(
    url_or_conn: str | Connection,
    username: str,
    role: Role | str,
    unit_codes: tuple[str, ...] | list[str] = (),
) -> str:
    """Create a staff account (committed when given a URL) and return its random password."""
    password = secrets.token_urlsafe(12)
    if isinstance(url_or_conn, Connection):
        create_user(url_or_conn, username, Role(role), password, unit_codes=unit_codes)
        return password
    engine = make_sync_engine(url_or_conn)
    try:
        with engine.begin() as conn:
            create_user(conn, username, Role(role), password, unit_codes=unit_codes)
    finally:
        engine.dispose()
    return password


def csrf_token(client: Any) -> str:
    """The client's CSRF token (fetching the login page once to get the cookie if needed)."""
    token = client.cookies.get(CSRF_COOKIE)
    if token is None:
        client.get("/login")
        token = client.cookies.get(CSRF_COOKIE)
    assert token, "no CSRF cookie: is the CSRF middleware installed?"
    return str(token)


def login(client: Any, username: str, password: str) -> None:
    """Log ``client`` (a Litestar ``TestClient``) in; fail the test if the login fails."""
    reply = client.post(
        "/login",
        data={"username": username, "password": password, "_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert reply.status_code == 303, f"login as {username} failed: {reply.status_code}"


async def login_async(client: Any, username: str, password: str) -> None:
    """:func:`login` for a Litestar ``AsyncTestClient``."""
    token = client.cookies.get(CSRF_COOKIE)
    if token is None:
        await client.get("/login")
        token = client.cookies.get(CSRF_COOKIE)
    reply = await client.post(
        "/login",
        data={"username": username, "password": password, "_csrf_token": token},
        follow_redirects=False,
    )
    assert reply.status_code == 303, f"login as {username} failed: {reply.status_code}"

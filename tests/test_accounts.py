"""Staff accounts: login and logout, sessions shared by server processes, lockout, audit,
the language switch, tokens, unit subtrees and the ``users`` commands (issue #6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import select, update

from survey_service.app import create_app
from survey_service.auth import create_api_token
from survey_service.cli import main
from survey_service.config import Settings, load_settings
from survey_service.db.engine import make_async_engine, make_sync_engine
from survey_service.db.enums import Role
from survey_service.db.models import AuditEntry, StaffSession, Unit, User
from survey_service.errors import ConfigurationError
from survey_service.features.accounts.access import SESSION_COOKIE, _scope_of
from survey_service.features.accounts.controllers import safe_next
from survey_service.features.accounts.passwords import (
    hash_password,
    needs_rehash,
    verify_password,
)
from survey_service.features.accounts.users import disable_user
from tests.seed import COMMUNE_CODE, WARD_CODE, seed_small_city
from tests.staff import create_staff, csrf_token, login

MAX_FAILURES = 3


def _settings(url: str, **changes: Any) -> Settings:
    return Settings(
        database_url=url,
        secret_key="s" * 40,
        environment="test",
        login_max_failures=MAX_FAILURES,
        **changes,
    )


@pytest.fixture
def fx_url(fx_database_url: str) -> str:
    seed_small_city(fx_database_url)
    return fx_database_url


@pytest.fixture
def fx_client(fx_url: str) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(create_app(_settings(fx_url))) as client:
        yield client


def _post_login(client: Any, username: str, password: str, **extra: str) -> Any:
    data = {"username": username, "password": password, "_csrf_token": csrf_token(client)}
    return client.post("/login", data={**data, **extra}, follow_redirects=False)


def _audit(url: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(AuditEntry.action, User.username, AuditEntry.detail)
                .outerjoin(User, User.id == AuditEntry.user_id)
                .order_by(AuditEntry.id)
            )
            return [(a, u, d) for a, u, d in rows]
    finally:
        engine.dispose()


def _execute(url: str, statement: Any) -> None:
    engine = make_sync_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(statement)
    finally:
        engine.dispose()


def test_login_page_is_vietnamese_by_default_and_english_on_request(fx_client: Any) -> None:
    page = fx_client.get("/login")
    assert page.status_code == 200
    assert 'lang="vi"' in page.text
    assert "Đăng nhập" in page.text
    assert 'name="_csrf_token"' in page.text
    english = fx_client.get("/login", params={"lang": "en"})
    assert "Log in" in english.text


def test_login_sets_a_safe_cookie_and_logout_ends_the_session(fx_url: str, fx_client: Any) -> None:
    password = create_staff(fx_url, "an", Role.STATISTICIAN)
    reply = _post_login(fx_client, "an", password, next="/staff?x=1")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/staff?x=1"
    cookie = reply.headers["set-cookie"].lower()
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie
    home = fx_client.get("/staff")
    assert home.status_code == 200
    assert "Đăng xuất" in home.text
    out = fx_client.post("/logout", data={"_csrf_token": csrf_token(fx_client)})
    assert out.status_code == 200
    assert "Ông/Bà đã đăng xuất" in out.text
    assert fx_client.get("/staff", follow_redirects=False).status_code == 303
    actions = [(action, user) for action, user, _ in _audit(fx_url)]
    assert actions[-2:] == [("login", "an"), ("logout", "an")]


def test_secure_cookies_behind_https(fx_url: str) -> None:
    password = create_staff(fx_url, "an", Role.VIEWER)
    settings = _settings(fx_url, public_base_url="https://khaosat.example.vn")
    with TestClient(create_app(settings), base_url="https://testserver.local") as client:
        reply = _post_login(client, "an", password)
        assert reply.status_code == 303
        assert "secure" in reply.headers["set-cookie"].lower()
        assert client.get("/staff").status_code == 200


def test_sessions_hold_across_server_processes(fx_url: str) -> None:
    """Two apps with their own engines stand for two processes behind a load balancer."""
    password = create_staff(fx_url, "an", Role.VIEWER)
    with (
        TestClient(create_app(_settings(fx_url))) as first,
        TestClient(create_app(_settings(fx_url))) as second,
    ):
        login(first, "an", password)
        second.cookies.update(first.cookies)
        assert second.get("/staff").status_code == 200
        second.post("/logout", data={"_csrf_token": csrf_token(second)})
        assert first.get("/staff", follow_redirects=False).status_code == 303


def test_each_login_starts_a_new_session(fx_url: str, fx_client: Any) -> None:
    password = create_staff(fx_url, "an", Role.VIEWER)
    login(fx_client, "an", password)
    before = fx_client.cookies[SESSION_COOKIE]
    login(fx_client, "an", password)
    after = fx_client.cookies[SESSION_COOKIE]
    assert after != before
    with TestClient(create_app(_settings(fx_url))) as other:
        other.cookies.set(SESSION_COOKIE, before)
        assert other.get("/staff", follow_redirects=False).status_code == 303


def test_an_expired_session_is_refused(fx_url: str, fx_client: Any) -> None:
    password = create_staff(fx_url, "an", Role.VIEWER)
    login(fx_client, "an", password)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    _execute(fx_url, update(StaffSession).values(expires_at=past))
    reply = fx_client.get("/staff?a=1", follow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["location"] == "/login?next=%2Fstaff%3Fa%3D1"


def _last_seen(url: str) -> dt.datetime:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            seen = conn.scalars(select(StaffSession.last_seen_at)).one()
    finally:
        engine.dispose()
    return seen if seen.tzinfo is not None else seen.replace(tzinfo=dt.UTC)


def test_an_idle_session_ends(fx_url: str, fx_client: Any) -> None:
    password = create_staff(fx_url, "an", Role.VIEWER)
    login(fx_client, "an", password)
    assert fx_client.get("/staff", follow_redirects=False).status_code == 200
    idle = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=61)  # default: 60 minutes
    _execute(fx_url, update(StaffSession).values(last_seen_at=idle))
    reply = fx_client.get("/staff?a=1", follow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["location"] == "/login?next=%2Fstaff%3Fa%3D1"
    # The API says 401, and another process with a longer idle timeout agrees the session
    # is gone only if idle longer than its own setting.
    assert fx_client.get("/api/surveys/x/league").status_code == 401
    longer = _settings(fx_url, session_idle_minutes=120)
    with TestClient(create_app(longer)) as other:
        other.cookies.set(SESSION_COOKIE, fx_client.cookies.get(SESSION_COOKIE))
        assert other.get("/staff", follow_redirects=False).status_code == 200
    # The next login anywhere removes idle sessions from the table.
    _execute(fx_url, update(StaffSession).values(last_seen_at=idle))
    with TestClient(create_app(_settings(fx_url))) as third:
        login(third, "an", password)
    engine = make_sync_engine(fx_url)
    try:
        with engine.connect() as conn:
            assert len(conn.scalars(select(StaffSession.id_hash)).all()) == 1
    finally:
        engine.dispose()


def test_activity_keeps_a_session_alive_with_one_write_a_minute(
    fx_url: str, fx_client: Any
) -> None:
    password = create_staff(fx_url, "an", Role.VIEWER)
    login(fx_client, "an", password)
    # 50 minutes idle, then a request: it moves last_seen_at on to now.
    almost = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=50)
    _execute(fx_url, update(StaffSession).values(last_seen_at=almost))
    assert fx_client.get("/staff", follow_redirects=False).status_code == 200
    seen = _last_seen(fx_url)
    assert seen > almost + dt.timedelta(minutes=49)
    # Another 50 minutes later the session is still alive (110 minutes after login).
    again = seen - dt.timedelta(minutes=50)
    _execute(fx_url, update(StaffSession).values(last_seen_at=again))
    assert fx_client.get("/staff", follow_redirects=False).status_code == 200
    # Requests within the minute do not write again.
    recent = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=20)
    _execute(fx_url, update(StaffSession).values(last_seen_at=recent))
    assert fx_client.get("/staff", follow_redirects=False).status_code == 200
    assert abs(_last_seen(fx_url) - recent) < dt.timedelta(milliseconds=1)


def test_the_idle_timeout_is_configurable() -> None:
    env = {"SURVEY_DATABASE_URL": "sqlite:///x.db", "SURVEY_SECRET_KEY": "s" * 40}
    assert load_settings({**env}).session_idle_minutes == 60
    assert load_settings({**env, "SURVEY_SESSION_IDLE_MINUTES": "15"}).session_idle_minutes == 15
    with pytest.raises(ConfigurationError):
        load_settings({**env, "SURVEY_SESSION_IDLE_MINUTES": "0"})


def test_lockout_after_repeated_failures_says_nothing_specific(fx_url: str, fx_client: Any) -> None:
    password = create_staff(fx_url, "an", Role.VIEWER)
    unknown = _post_login(fx_client, "nobody", "whatever-password")
    assert unknown.status_code == 401
    message = "tên đăng nhập hoặc mật khẩu không đúng"
    assert message in unknown.text
    for _ in range(MAX_FAILURES):
        wrong = _post_login(fx_client, "an", "wrong-password")
        assert wrong.status_code == 401
        assert message in wrong.text
    locked = _post_login(fx_client, "an", password)
    assert locked.status_code == 401
    assert locked.text.replace("an", "") == wrong.text.replace("an", "")
    reasons = [d.get("reason") for a, _, d in _audit(fx_url) if a == "login.failed"]
    assert reasons == ["unknown", "wrong_password", "wrong_password", "locked", "locked"]
    # The lock ends by itself.
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    _execute(fx_url, update(User).where(User.username == "an").values(locked_until=past))
    assert _post_login(fx_client, "an", password).status_code == 303


def test_a_success_resets_the_failure_count(fx_url: str, fx_client: Any) -> None:
    password = create_staff(fx_url, "an", Role.VIEWER)
    for _ in range(MAX_FAILURES - 1):
        _post_login(fx_client, "an", "wrong-password")
    assert _post_login(fx_client, "an", password).status_code == 303
    for _ in range(MAX_FAILURES - 1):
        _post_login(fx_client, "an", "wrong-password")
    assert _post_login(fx_client, "an", password).status_code == 303


def test_a_disabled_user_loses_sessions_and_tokens(fx_url: str, fx_client: Any) -> None:
    password = create_staff(fx_url, "an", Role.STATISTICIAN)
    engine = make_sync_engine(fx_url)
    try:
        with engine.begin() as conn:
            token = create_api_token(conn, "an-script", user="an")
    finally:
        engine.dispose()
    login(fx_client, "an", password)
    bearer = {"Authorization": f"Bearer {token}"}
    assert fx_client.get("/api/surveys/T-2025-Q3/designs", headers=bearer).status_code == 200
    engine = make_sync_engine(fx_url)
    try:
        with engine.begin() as conn:
            disable_user(conn, "an")
    finally:
        engine.dispose()
    assert fx_client.get("/staff", follow_redirects=False).status_code == 303
    assert fx_client.get("/api/surveys/T-2025-Q3/designs", headers=bearer).status_code == 401
    assert _post_login(fx_client, "an", password).status_code == 401


def test_roles_on_the_api_by_session_and_token(fx_url: str, fx_client: Any) -> None:
    password = create_staff(fx_url, "xem", Role.VIEWER)
    login(fx_client, "xem", password)
    assert fx_client.get("/api/surveys/T-2025-Q3/designs").status_code == 200
    draw = fx_client.post(
        "/api/surveys/T-2025-Q3/sample/draw",
        json={"seed": 1},
        headers={"X-CSRFToken": csrf_token(fx_client)},
    )
    assert draw.status_code == 403
    engine = make_sync_engine(fx_url)
    try:
        with engine.begin() as conn:
            machine = create_api_token(conn, "mot-cua")
    finally:
        engine.dispose()
    with TestClient(create_app(_settings(fx_url))) as api:
        headers = {"Authorization": f"Bearer {machine}"}
        assert api.get("/api/surveys/T-2025-Q3/designs", headers=headers).status_code == 200


def test_staff_changes_are_audited(fx_url: str, fx_client: Any) -> None:
    password = create_staff(fx_url, "an", Role.STATISTICIAN)
    login(fx_client, "an", password)
    reply = fx_client.post(
        "/api/surveys/T-2025-Q3/sample/draw",
        json={"seed": 1},
        headers={"X-CSRFToken": csrf_token(fx_client)},
    )
    assert reply.status_code >= 400  # nothing to draw: the attempt is audited all the same
    action, user, detail = _audit(fx_url)[-1]
    assert action == "POST /api/surveys/{survey_code}/sample/draw"
    assert user == "an"
    assert detail == {"status": reply.status_code}


def test_the_language_switch_is_kept_with_the_session(fx_url: str, fx_client: Any) -> None:
    password = create_staff(fx_url, "an", Role.VIEWER)
    login(fx_client, "an", password)
    reply = fx_client.post(
        "/staff/language",
        data={"lang": "en", "next": "/staff", "_csrf_token": csrf_token(fx_client)},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    assert reply.headers["location"] == "/staff"
    home = fx_client.get("/staff")
    assert 'lang="en"' in home.text
    assert "Log out" in home.text


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (None, "/staff"),
        ("/staff/scorecard?unit=X", "/staff/scorecard?unit=X"),
        ("//evil.example/x", "/staff"),
        ("/\\evil.example", "/staff"),
        ("https://evil.example/", "/staff"),
        ("/login?next=/x", "/staff"),
        ("/staff\r\nSet-Cookie: x=1", "/staff"),
    ],
)
def test_only_local_paths_are_followed_after_login(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


async def test_a_reviewer_sees_the_whole_subtree_of_their_units(fx_url: str) -> None:
    engine = make_async_engine(fx_url)
    try:
        async with engine.connect() as conn:
            ids = dict((await conn.execute(select(Unit.code, Unit.id))).all())
            create_staff(fx_url, "thanh-pho", Role.REVIEWER, unit_codes=("HN",))
            create_staff(fx_url, "phuong", Role.REVIEWER, unit_codes=(WARD_CODE,))
            users = dict((await conn.execute(select(User.username, User.id))).all())
            assert await _scope_of(conn, users["thanh-pho"], Role.REVIEWER) == frozenset(
                ids.values()
            )
            assert await _scope_of(conn, users["phuong"], Role.REVIEWER) == frozenset(
                {ids[WARD_CODE]}
            )
            assert await _scope_of(conn, users["phuong"], Role.VIEWER) is None
    finally:
        await engine.dispose()


def test_passwords_are_hashed_with_argon2id() -> None:
    stored = hash_password("mật khẩu dài đủ")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "mật khẩu dài đủ")
    assert not verify_password(stored, "mật khẩu khác")
    assert not verify_password("!", "!")
    assert not verify_password(None, "")
    assert not needs_rehash(stored)


def test_users_commands(fx_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVEY_DATABASE_URL", fx_url)
    monkeypatch.setenv("SURVEY_SECRET_KEY", "c" * 40)
    runner = CliRunner()
    secret = "mật-khẩu-bí-mật-123"
    created = runner.invoke(
        main,
        ["users", "create", "lanh-dao", "--role", "reviewer", "--unit", COMMUNE_CODE],
        input=secret + "\n",
    )
    assert created.exit_code == 0, created.output
    assert secret not in created.output
    assert f"reviewer lanh-dao for {COMMUNE_CODE}" in created.output
    again = runner.invoke(main, ["users", "create", "lanh-dao", "--role", "viewer"], input=secret)
    assert again.exit_code == 1
    assert "already exists" in again.output
    no_unit = runner.invoke(main, ["users", "create", "x-y", "--role", "reviewer"], input=secret)
    assert "needs at least one unit" in no_unit.output
    short = runner.invoke(main, ["users", "create", "x-y", "--role", "viewer"], input="short\n")
    assert "at least 10 characters" in short.output
    listed = runner.invoke(main, ["users", "list"])
    assert "lanh-dao\treviewer\tX-SOCSON\tactive" in listed.output
    token = runner.invoke(main, ["users", "tokens", "create", "script", "--user", "lanh-dao"])
    assert token.exit_code == 0
    with TestClient(create_app(_settings(fx_url))) as client:
        headers = {"Authorization": f"Bearer {token.output.strip()}"}
        other = client.get(f"/api/surveys/T-2025-Q3/scorecards/{WARD_CODE}", headers=headers)
        assert other.status_code == 404
        login(client, "lanh-dao", secret)
    revoked = runner.invoke(main, ["users", "tokens", "revoke", "script"])
    assert "Revoked 1 token(s)" in revoked.output
    disabled = runner.invoke(main, ["users", "disable", "lanh-dao"])
    assert disabled.exit_code == 0
    assert "disabled" in runner.invoke(main, ["users", "list"]).output


def test_login_limits_come_from_the_environment(tmp_path: Path) -> None:
    env = {
        "SURVEY_LOGIN_MAX_FAILURES": "7",
        "SURVEY_LOGIN_LOCKOUT_MINUTES": "30",
        "SURVEY_SESSION_HOURS": "8",
    }
    settings = load_settings(env, workdir=tmp_path)
    assert (settings.login_max_failures, settings.login_lockout_minutes) == (7, 30)
    assert settings.session_hours == 8
    assert not settings.secure_cookies
    with pytest.raises(ConfigurationError, match="SURVEY_SESSION_HOURS must be a whole number"):
        load_settings({"SURVEY_SESSION_HOURS": "0"}, workdir=tmp_path)


@pytest.mark.parametrize("path", ["/", "/static/style.css", "/health/live", f"/u/{COMMUNE_CODE}"])
def test_public_pages_set_no_staff_cookies(fx_client: Any, path: str) -> None:
    reply = fx_client.get(path)
    assert reply.status_code == 200
    assert "set-cookie" not in reply.headers or "csrftoken" not in reply.headers["set-cookie"]


def test_staff_pages_are_not_cached_or_framed(fx_url: str, fx_client: Any) -> None:
    login_page = fx_client.get("/login")
    assert login_page.headers["cache-control"] == "no-store"
    assert login_page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in login_page.headers["content-security-policy"]
    password = create_staff(fx_url, "an", Role.VIEWER)
    login(fx_client, "an", password)
    assert fx_client.get("/staff").headers["x-frame-options"] == "DENY"
    assert "x-frame-options" not in fx_client.get("/").headers


def test_an_address_that_fails_too_often_is_refused(fx_url: str) -> None:
    password = create_staff(fx_url, "an", Role.VIEWER)
    settings = _settings(fx_url, login_address_max_failures=4)
    with TestClient(create_app(settings)) as client:
        for name in ("a1", "a2", "a3", "a4"):  # spraying: each username fails once
            assert _post_login(client, name, "guess-password").status_code == 401
        refused = _post_login(client, "an", password)
        assert refused.status_code == 401
        assert "tên đăng nhập hoặc mật khẩu không đúng" in refused.text
    assert _audit(fx_url)[-1][2] == {"reason": "throttled"}

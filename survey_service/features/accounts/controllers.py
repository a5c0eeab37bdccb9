"""Login and logout pages, the language switch and the staff start page."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.datastructures import Cookie, State
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from survey_service.config import Settings
from survey_service.db.session import DbSession
from survey_service.features.accounts.access import (
    SESSION_COOKIE,
    CurrentStaff,
    LoginRequired,
    Staff,
    client_address,
    current_staff,
    staff_guard,
)
from survey_service.features.accounts.sessions import (
    LoginOutcome,
    end_session,
    log_in,
    set_language,
)
from survey_service.i18n import choose_language

__all__ = ["language", "login", "login_page", "logout", "staff_home"]

START_PAGE = "/staff"


class LoginForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The login form's fields."""

    username: Annotated[str, msgspec.Meta(max_length=200)]
    password: Annotated[str, msgspec.Meta(max_length=1024)]
    next: str = START_PAGE
    lang: str = "vi"
    csrf_token: str = msgspec.field(default="", name="_csrf_token")


class LanguageForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The language switch: which language, and the page to go back to."""

    lang: str
    next: str = START_PAGE
    csrf_token: str = msgspec.field(default="", name="_csrf_token")


class LogoutForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Logging out carries only the CSRF token."""

    csrf_token: str = msgspec.field(default="", name="_csrf_token")


def safe_next(target: str | None) -> str:
    """A local path to go to after login: anything else becomes the start page."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return START_PAGE
    if target.startswith(("/login", "/logout")) or any(c in target for c in "\r\n"):
        return START_PAGE
    return target


def _session_cookie(settings: Settings, value: str, max_age: int) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        max_age=max_age,
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )


def _login_page(lang: str, next_path: str, **context: Any) -> Template:
    status = 401 if context.get("error") else 200
    return Template(
        template_name="staff/login.html",
        context={"lang": lang, "next": next_path, "staff": None, "username": "", **context},
        status_code=status,
    )


async def _optional_staff(request: Request[Any, Any, Any]) -> Staff | None:
    try:
        return await current_staff(request)
    except LoginRequired:
        return None


@get("/login", include_in_schema=False)
async def login_page(
    request: Request[Any, Any, State],
    next: FromQuery[str | None] = None,
    lang: FromQuery[str | None] = None,
    out: FromQuery[bool] = False,
) -> Template | Redirect:
    """The login form, Vietnamese unless ``lang=en``; logged-in staff go straight on."""
    if await _optional_staff(request) is not None:
        return Redirect(safe_next(next), status_code=303)
    notice = "logged_out" if out else None
    return _login_page(choose_language(lang), safe_next(next), notice=notice)


@post("/login", include_in_schema=False)
async def login(
    request: Request[Any, Any, State],
    db_session: DbSession,
    data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template | Redirect:
    """Check the password; on success start a new session and go to ``next``."""
    settings: Settings = request.app.state.settings
    lang = choose_language(data.lang)
    result = await log_in(
        db_session,
        settings,
        data.username,
        data.password,
        language=lang,
        client_address=client_address(request),
        previous_session=request.cookies.get(SESSION_COOKIE),
    )
    if result.outcome != LoginOutcome.OK or result.session_id is None:
        return _login_page(
            lang, safe_next(data.next), error="login_failed", username=data.username[:200]
        )
    cookie = _session_cookie(settings, result.session_id, settings.session_hours * 3600)
    return Redirect(safe_next(data.next), status_code=303, cookies=[cookie])


@post("/logout", include_in_schema=False)
async def logout(
    request: Request[Any, Any, State],
    db_session: DbSession,
    data: Annotated[LogoutForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect:
    """End the session everywhere and go back to the login page."""
    settings: Settings = request.app.state.settings
    staff = await _optional_staff(request)
    await end_session(
        db_session, staff, request.cookies.get(SESSION_COOKIE), client_address(request)
    )
    lang = staff.language if staff else "vi"
    cookie = _session_cookie(settings, "", 0)
    return Redirect(f"/login?out=1&lang={lang}", status_code=303, cookies=[cookie])


@post("/staff/language", guards=[staff_guard], include_in_schema=False)
async def language(
    request: Request[Any, Any, State],
    db_session: DbSession,
    data: Annotated[LanguageForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect:
    """Switch the session's interface language and go back."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        await set_language(db_session, session_id, data.lang)
    return Redirect(safe_next(data.next), status_code=303)


@get(START_PAGE, guards=[staff_guard], include_in_schema=False)
async def staff_home(staff: CurrentStaff) -> Template:
    """Where staff land after logging in: links to what their role may use."""
    return Template(
        template_name="staff/home.html", context={"staff": staff, "lang": staff.language}
    )

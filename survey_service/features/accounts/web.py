"""What ``create_app`` wires in for staff: routes, the ``staff`` dependency, CSRF, errors.

CSRF is Litestar's double-submit check (a signed token in the ``csrftoken`` cookie that
every unsafe request repeats in the ``_csrf_token`` form field or the ``X-CSRFToken``
header), on every route except:

- the public questionnaire (``/t``, ``/r``, ``/u`` and the JSON submit
  ``/api/units/{code}/responses``), the home and thank-you pages, static files, health
  checks and the OpenAPI schema: citizens have no session to abuse;
- API requests carrying ``Authorization: Bearer``, or no staff session cookie at all:
  a browser cannot be tricked into sending a header, and without the cookie there is no
  ambient login to forge (the guards answer 401).
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.response import Redirect, Template
from litestar.types import (
    ASGIApp,
    ControllerRouterHandler,
    ExceptionHandlersMap,
    Message,
    Receive,
    Scope,
    Send,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from survey_service.config import Settings
from survey_service.features.accounts import admin, controllers
from survey_service.features.accounts.access import (
    SESSION_COOKIE,
    STAFF_STATE_KEY,
    LoginRequired,
    Staff,
    audit,
    known_staff,
    provide_staff,
)

__all__ = [
    "CSRF_EXCLUDE",
    "DEPENDENCIES",
    "EXCEPTION_HANDLERS",
    "ROUTES",
    "StaffAuditMiddleware",
    "StaffCsrfMiddleware",
    "StaffHeadersMiddleware",
    "csrf_middleware",
    "staff_middleware",
]

logger = logging.getLogger(__name__)

CSRF_EXCLUDE = [
    r"^/t/",
    r"^/r/",
    r"^/u/",
    r"^/api/units/[^/]+/responses$",
    # Nothing to post there; without the check they get no CSRF cookie either, so static
    # files stay cacheable and citizens' pages carry no staff cookie.
    r"^/$",
    r"^/thanks$",
    r"^/static/",
    r"^/health/",
    r"^/schema",
]
"""Path patterns of the public side, which has no staff session."""

ROUTES: list[ControllerRouterHandler] = [
    admin.AccountPages,
    admin.PasswordPages,
    controllers.login_page,
    controllers.login,
    controllers.logout,
    controllers.language,
    controllers.staff_home,
]

DEPENDENCIES = {"staff": Provide(provide_staff)}


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


def _has_session_cookie(scope: Scope) -> bool:
    cookies = _header(scope, b"cookie")
    return any(part.strip().startswith(SESSION_COOKIE + "=") for part in cookies.split(";"))


class StaffCsrfMiddleware(CSRFMiddleware):
    """Litestar's CSRF check, skipped for API calls that no browser session backs."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the token unless the request is a token-authenticated or cookieless API call."""
        if scope["type"] == ScopeType.HTTP and scope["path"].startswith("/api/"):
            bearer = _header(scope, b"authorization").lower().startswith("bearer ")
            if bearer or not _has_session_cookie(scope):
                await self.app(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


_SELF_AUDITED = ("/login", "/logout", "/staff/language")
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class StaffAuditMiddleware:
    """Write an audit line for every state-changing request made by staff.

    The line names the method, the route (``POST /api/surveys/{survey_code}/sample/draw``),
    the path actually asked for and the response status; features add their own lines
    with :func:`~survey_service.features.accounts.access.audit` for what this cannot
    say (downloads, which are GETs, or what a change amounted to).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, then audit it if staff changed something."""
        if scope["type"] != ScopeType.HTTP or scope.get("method") in _SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            await self._audit(scope, status)

    @staticmethod
    async def _audit(scope: Scope, status: int) -> None:
        staff = scope.get("state", {}).get(STAFF_STATE_KEY)
        if not isinstance(staff, Staff) or scope["path"].startswith(_SELF_AUDITED):
            return
        template = scope.get("path_template") or scope["path"]
        client = scope.get("client")
        engine: AsyncEngine = scope["litestar_app"].state.engine
        try:
            async with engine.begin() as conn:
                await audit(
                    conn,
                    staff,
                    f"{scope.get('method')} {template}",
                    object_type="path",
                    object_id=scope["path"],
                    detail={"status": status},
                    client_address=client[0] if client else None,
                )
        except SQLAlchemyError:
            # The request has been answered; a lost audit line is logged, not raised.
            logger.exception("could not write the audit line of %s", scope["path"])


_STAFF_PATHS = ("/staff", "/login", "/logout")
_STAFF_HEADERS = [
    # Staff pages show personal comments and per-unit results: not kept by shared
    # computers or proxies, never framed by another site (clickjacking of the forms).
    (b"cache-control", b"no-store"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
]


class StaffHeadersMiddleware:
    """Add no-store and anti-framing headers to the staff pages and the login page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, adding the headers to staff responses."""
        if scope["type"] != ScopeType.HTTP or not scope["path"].startswith(_STAFF_PATHS):
            await self.app(scope, receive, send)
            return

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in _STAFF_HEADERS if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, add_headers)


def staff_middleware(
    settings: Settings,
) -> list[DefineMiddleware | type[StaffAuditMiddleware | StaffHeadersMiddleware]]:
    """The staff middleware, outermost first: headers, audit of staff changes, CSRF."""
    return [StaffHeadersMiddleware, StaffAuditMiddleware, csrf_middleware(settings)]


def csrf_middleware(settings: Settings) -> DefineMiddleware:
    """The CSRF middleware for ``settings`` (token signed with the service secret)."""
    config = CSRFConfig(
        secret=settings.secret_key,
        cookie_secure=settings.secure_cookies,
        cookie_samesite="lax",
        exclude=CSRF_EXCLUDE,
    )
    return DefineMiddleware(StaffCsrfMiddleware, config=config)


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/") or "authorization" in request.headers


def _login_required(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if _is_api(request):
        return Response(
            {"status_code": 401, "detail": str(getattr(exc, "detail", "")) or "login required"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect("/login", query_params={"next": target}, status_code=303)


def _forbidden(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    detail = str(getattr(exc, "detail", "")) or "forbidden"
    if _is_api(request):
        return Response({"status_code": 403, "detail": detail}, status_code=403)
    csrf = "CSRF" in detail
    staff = known_staff(request)
    lang = staff.language if staff is not None else "vi"
    return Template(
        template_name="staff/message.html",
        context={
            "lang": lang,
            "staff": staff,
            "title": "csrf_title" if csrf else "forbidden_title",
            "body": "csrf_body" if csrf else "forbidden_body",
        },
        status_code=403,
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    LoginRequired: _login_required,
    PermissionDeniedException: _forbidden,
}

"""The Litestar application: ``create_app(settings)`` wires everything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response, Router
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker

from survey_service import __version__
from survey_service.config import Settings, load_settings
from survey_service.db.engine import make_async_engine
from survey_service.db.session import provide_session
from survey_service.errors import NotFoundError
from survey_service.features import console, health, pages
from survey_service.features.accounts import web as accounts
from survey_service.features.dashboards.controllers import Dashboards
from survey_service.features.exports.controllers import ExportDownloads
from survey_service.features.frame.controllers import FrameApi
from survey_service.features.indices.controllers import IndicesApi
from survey_service.features.instruments.controllers import InstrumentApi
from survey_service.features.questionnaire.codes import (
    InvitationCodes,
    OpenLinkCodes,
    ReceiptCodes,
)
from survey_service.features.questionnaire.controllers import (
    InvitationPages,
    OpenLinkPages,
    ReceiptPages,
    thanks,
)
from survey_service.features.questionnaire.entry import TokenError
from survey_service.features.questionnaire.intake import Limits
from survey_service.features.questionnaire.pages import message_page
from survey_service.features.questionnaire.writer import POOL_RECYCLE_SECONDS, IntakeWriter
from survey_service.features.receipts.controllers import ReceiptApi
from survey_service.features.responses.controllers import ResponseApi, ResponseSubmitApi
from survey_service.features.samples.controllers import SampleApi
from survey_service.features.units.controllers import UnitApi
from survey_service.i18n import choose_language, translate

__all__ = ["create_app"]

PACKAGE_DIR = Path(__file__).resolve().parent


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith(("/api/", "/health/", "/schema"))


def _not_found(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    message = str(exc) if isinstance(exc, NotFoundError) else "not found"
    if _wants_json(request):
        return Response({"status_code": 404, "detail": message}, status_code=404)
    language = choose_language(request.query_params.get("lang"))
    return Template(
        template_name="not_found.html",
        context={"lang": language, "message": message},
        status_code=404,
    )


def _database_busy(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A write that waited out SQLite's lock: ask the client to retry (nothing was stored)."""
    if "locked" not in str(exc) and "busy" not in str(exc):
        raise exc
    headers = {"Retry-After": "2"}
    if _wants_json(request):
        detail = {"status_code": 503, "detail": "the database is busy; retry in a moment"}
        return Response(detail, status_code=503, headers=headers)
    language = choose_language(request.query_params.get("lang"))
    page = message_page(language, "busy_title", "busy_body", 503)
    page.headers.update(headers)
    return page


_CLIENT_ERRORS: set[int | type[Exception]] = {
    *range(400, 500),
    NotFoundError,
    TokenError,
}

_TOKEN_STATUS = {"malformed": 400, "unknown": 404, "expired": 410, "used": 409}


def _token_problem(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, TokenError)
    language = choose_language(request.query_params.get("lang"))
    return message_page(
        language, f"token_{exc.reason}_title", f"token_{exc.reason}", _TOKEN_STATUS[exc.reason]
    )


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the web app for ``settings`` (read from the environment when omitted)."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        engine = make_async_engine(settings.database_url, pool_recycle=POOL_RECYCLE_SECONDS)
        app.state.engine = engine
        app.state.settings = settings
        app.state.session_maker = async_sessionmaker(engine, expire_on_commit=False)
        limits = Limits(
            open_link_limit=settings.open_link_limit,
            open_link_window_seconds=settings.open_link_window_seconds,
            device_window_hours=settings.device_window_hours,
        )
        writer = IntakeWriter.for_database(settings.database_url, limits)
        writer.start()
        app.state.intake_writer = writer
        try:
            yield
        finally:
            await writer.stop()
            await engine.dispose()

    jinja = JinjaTemplateEngine(directory=PACKAGE_DIR / "templates")
    jinja.engine.globals["t"] = translate
    # The staff middleware (security headers, audit, CSRF) wraps only the staff side: the
    # citizens' routes have no staff session, and every submit would pay for the wrappers.
    staff = Router(
        path="/",
        route_handlers=[
            UnitApi,
            InstrumentApi,
            ResponseApi,
            ReceiptApi,
            FrameApi,
            SampleApi,
            IndicesApi,
            *accounts.ROUTES,
            *console.ROUTES,
            ExportDownloads,
            Dashboards,
        ],
        middleware=accounts.staff_middleware(settings),
    )
    return Litestar(
        route_handlers=[
            pages.home,
            health.live,
            health.ready,
            ResponseSubmitApi,
            InvitationPages,
            ReceiptPages,
            OpenLinkPages,
            thanks,
            OpenLinkCodes,
            ReceiptCodes,
            InvitationCodes,
            create_static_files_router(path="/static", directories=[PACKAGE_DIR / "static"]),
            staff,
        ],
        dependencies={"db_session": Provide(provide_session), **accounts.DEPENDENCIES},
        lifespan=[database],
        template_config=TemplateConfig(instance=jinja),
        openapi_config=OpenAPIConfig(
            title="Citizen satisfaction survey service", version=__version__, path="/schema"
        ),
        exception_handlers={
            NotFoundError: _not_found,
            NotFoundException: _not_found,
            TokenError: _token_problem,
            OperationalError: _database_busy,
            **accounts.EXCEPTION_HANDLERS,
        },
        logging_config=LoggingConfig(
            log_exceptions="always",
            # Refusals of bad requests are answered, not failures of the service.
            disable_stack_trace=_CLIENT_ERRORS,
        ),
        request_max_body_size=settings.max_body_bytes,
        debug=settings.debug,
    )

"""QR codes and printable posters for open links, receipts and invitations."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Template

from survey_service.config import Settings
from survey_service.db.session import DbSession
from survey_service.features.questionnaire.entry import (
    invitation_entry,
    open_entry,
    receipt_entry,
)
from survey_service.features.questionnaire.qr import qr_png, qr_svg
from survey_service.i18n import choose_language

__all__ = ["InvitationCodes", "OpenLinkCodes", "ReceiptCodes"]

_CACHE = {"Cache-Control": "public, max-age=86400"}
_PRIVATE = {"Cache-Control": "private, no-store"}


def _url(request: Request[Any, Any, State], path: str) -> str:
    settings: Settings = request.app.state.settings
    return f"{settings.public_base_url}{path}"


def _svg(content: str, private: bool) -> Response[str]:
    return Response(content, media_type="image/svg+xml", headers=_PRIVATE if private else _CACHE)


def _png(content: bytes, private: bool) -> Response[bytes]:
    return Response(content, media_type="image/png", headers=_PRIVATE if private else _CACHE)


class OpenLinkCodes(Controller):
    """QR codes and the A4 poster of a unit's (or reception point's) open link."""

    path = "/u/{unit_code:str}"
    tags = ["qr codes"]

    @get("/qr.svg", summary="QR code of a unit's open link (SVG)")
    async def svg(
        self, request: Request[Any, Any, State], db_session: DbSession, unit_code: FromPath[str]
    ) -> Response[str]:
        """The poster's QR code as SVG."""
        entry = await open_entry(db_session, unit_code)
        return _svg(qr_svg(_url(request, entry.base_path), entry.unit.name), private=False)

    @get("/qr.png", summary="QR code of a unit's open link (PNG)")
    async def png(
        self, request: Request[Any, Any, State], db_session: DbSession, unit_code: FromPath[str]
    ) -> Response[bytes]:
        """The poster's QR code as PNG."""
        entry = await open_entry(db_session, unit_code)
        return _png(qr_png(_url(request, entry.base_path)), private=False)

    @get("/poster", include_in_schema=False)
    async def poster(
        self,
        request: Request[Any, Any, State],
        db_session: DbSession,
        unit_code: FromPath[str],
        lang: FromQuery[str | None] = None,
    ) -> Template:
        """A printable A4 poster with the unit's name and QR code."""
        entry = await open_entry(db_session, unit_code)
        url = _url(request, entry.base_path)
        return Template(
            template_name="poster.html",
            context={
                "unit": entry.unit,
                "url": url,
                "lang": choose_language(lang),
                "qr": qr_svg(url, entry.unit.name, scale=10),
            },
        )


class ReceiptCodes(Controller):
    """QR code of a receipt link, for the one-stop-shop system to print."""

    path = "/r/{token:str}"
    tags = ["qr codes"]

    @get("/qr.svg", summary="QR code of a receipt link (SVG)")
    async def svg(
        self, request: Request[Any, Any, State], db_session: DbSession, token: FromPath[str]
    ) -> Response[str]:
        """SVG, not cached by shared caches (the URL holds a token)."""
        entry = await receipt_entry(db_session, token)
        return _svg(qr_svg(_url(request, entry.base_path), entry.unit.name), private=True)

    @get("/qr.png", summary="QR code of a receipt link (PNG)")
    async def png(
        self, request: Request[Any, Any, State], db_session: DbSession, token: FromPath[str]
    ) -> Response[bytes]:
        """PNG, not cached by shared caches (the URL holds a token)."""
        entry = await receipt_entry(db_session, token)
        return _png(qr_png(_url(request, entry.base_path)), private=True)


class InvitationCodes(Controller):
    """QR code of an invitation link, for printed letters."""

    path = "/t/{token:str}"
    tags = ["qr codes"]

    @get("/qr.svg", summary="QR code of an invitation link (SVG)")
    async def svg(
        self, request: Request[Any, Any, State], db_session: DbSession, token: FromPath[str]
    ) -> Response[str]:
        """SVG, not cached by shared caches (the URL holds a token)."""
        entry = await invitation_entry(db_session, token)
        return _svg(qr_svg(_url(request, entry.base_path), entry.unit.name), private=True)

    @get("/qr.png", summary="QR code of an invitation link (PNG)")
    async def png(
        self, request: Request[Any, Any, State], db_session: DbSession, token: FromPath[str]
    ) -> Response[bytes]:
        """PNG, not cached by shared caches (the URL holds a token)."""
        entry = await invitation_entry(db_session, token)
        return _png(qr_png(_url(request, entry.base_path)), private=True)

"""QR codes and printable posters for open links, receipts and invitations."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Template

from survey_service.config import Settings
from survey_service.db.session import DbSession
from survey_service.features.questionnaire.entry import (
    EntryLoader,
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


def _code_handlers(
    param: str, load: EntryLoader, link: str, *, private: bool
) -> tuple[HTTPRouteHandler, HTTPRouteHandler]:
    """The SVG and PNG QR codes of ``link``, whose path parameter ``param`` ``load`` reads.

    A private link (its URL holds a token) is not cached by shared caches.
    """

    @get("/qr.svg", summary=f"QR code of {link} (SVG)")
    async def svg(
        self: Controller, request: Request[Any, Any, State], db_session: DbSession
    ) -> Response[str]:
        """The QR code as SVG."""
        entry = await load(db_session, request.path_params[param])
        return _svg(qr_svg(_url(request, entry.base_path), entry.unit.name), private=private)

    @get("/qr.png", summary=f"QR code of {link} (PNG)")
    async def png(
        self: Controller, request: Request[Any, Any, State], db_session: DbSession
    ) -> Response[bytes]:
        """The QR code as PNG."""
        entry = await load(db_session, request.path_params[param])
        return _png(qr_png(_url(request, entry.base_path)), private=private)

    return svg, png


class OpenLinkCodes(Controller):
    """QR codes and the A4 poster of a unit's (or reception point's) open link."""

    path = "/u/{unit_code:str}"
    tags = ["qr codes"]
    svg, png = _code_handlers("unit_code", open_entry, "a unit's open link", private=False)

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
    svg, png = _code_handlers("token", receipt_entry, "a receipt link", private=True)


class InvitationCodes(Controller):
    """QR code of an invitation link, for printed letters."""

    path = "/t/{token:str}"
    tags = ["qr codes"]
    svg, png = _code_handlers("token", invitation_entry, "an invitation link", private=True)

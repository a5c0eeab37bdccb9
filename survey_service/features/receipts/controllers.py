"""POST /api/receipts: a token for a completed dossier, to print as a QR code."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar.datastructures import State
from litestar.params import JSONBody
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_service.config import Settings
from survey_service.db.base import utcnow
from survey_service.db.enums import ResponseMode, Role
from survey_service.db.models import Dossier, ReceiptToken, Survey, SurveyUnit
from survey_service.db.session import DbSession
from survey_service.errors import NotFoundError
from survey_service.features.accounts.access import roles_guard
from survey_service.features.questionnaire.qr import qr_svg
from survey_service.security import hash_token, new_token

__all__ = ["ReceiptApi"]


class ReceiptIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Which completed dossier the receipt is for."""

    dossier_code: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    survey_code: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None


class ReceiptOut(msgspec.Struct, frozen=True):
    """The token to print (shown once), its link, expiry and QR codes."""

    token: str
    url: str
    expires_at: dt.datetime
    qr_svg: str
    qr_png_url: str


async def _survey_for(session: AsyncSession, dossier: Dossier, code: str | None) -> Survey:
    query = (
        select(Survey)
        .join(SurveyUnit, SurveyUnit.survey_id == Survey.id)
        .where(SurveyUnit.unit_id == dossier.unit_id)
        .order_by(Survey.period_end.desc(), Survey.id.desc())
    )
    if code is not None:
        query = query.where(Survey.code == code)
    for survey in await session.scalars(query):
        if code is not None or ResponseMode.RECEIPT.value in survey.modes:
            return survey
    wanted = f"survey {code!r}" if code else "a survey taking receipt answers"
    raise NotFoundError(f"{wanted} does not cover the unit of dossier {dossier.code!r}")


async def _store(
    session: AsyncSession, dossier: Dossier, survey: Survey, digest: str, expires: dt.datetime
) -> None:
    existing = await session.scalar(
        select(ReceiptToken).where(ReceiptToken.dossier_id == dossier.id)
    )
    if existing is None:
        session.add(
            ReceiptToken(
                dossier_id=dossier.id,
                survey_id=survey.id,
                unit_id=dossier.unit_id,
                token_hash=digest,
                expires_at=expires,
                created_at=utcnow(),
            )
        )
    else:  # a reprint: the old token stops working, answers already given stay
        existing.token_hash, existing.expires_at, existing.survey_id = digest, expires, survey.id
    await session.commit()


class ReceiptApi(Controller):
    """For the one-stop-shop system (API token) and statisticians; administrators too."""

    path = "/api/receipts"
    tags = ["receipts"]
    guards = [roles_guard(Role.ADMINISTRATOR, Role.STATISTICIAN)]

    @post("/", summary="Issue a receipt token for a completed dossier")
    async def issue(
        self, request: Request[Any, Any, State], db_session: DbSession, data: JSONBody[ReceiptIn]
    ) -> ReceiptOut:
        """A new token each call (a reprint invalidates the previous one)."""
        settings: Settings = request.app.state.settings
        dossier = await db_session.scalar(select(Dossier).where(Dossier.code == data.dossier_code))
        if dossier is None:
            raise NotFoundError(f"no completed dossier with code {data.dossier_code!r}")
        survey = await _survey_for(db_session, dossier, data.survey_code)
        token = new_token()
        expires = utcnow() + dt.timedelta(days=settings.receipt_token_days)
        await _store(db_session, dossier, survey, hash_token(token), expires)
        url = f"{settings.public_base_url}/r/{token}"
        return ReceiptOut(token, url, expires, qr_svg(url, dossier.code), f"{url}/qr.png")

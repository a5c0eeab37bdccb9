"""Ways into a questionnaire: an invitation token, a receipt token or a unit's open link."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable
from typing import Literal, TypeAlias

import msgspec
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from instruments import Instrument
from survey_service.db.base import utcnow
from survey_service.db.enums import ResponseMode
from survey_service.db.models import (
    InstrumentVersion,
    ReceiptToken,
    Response,
    SampleDesign,
    SampleMember,
    Survey,
    SurveyUnit,
    Unit,
)
from survey_service.errors import NotFoundError, ServiceError
from survey_service.security import TOKEN_PATTERN, hash_token

__all__ = [
    "Entry",
    "EntryLoader",
    "OpenSurvey",
    "TokenError",
    "UnitRef",
    "cached_open_entry",
    "find_open_survey",
    "forget_open_entries",
    "invitation_entry",
    "open_entry",
    "receipt_entry",
]

TokenProblem = Literal["malformed", "unknown", "expired", "used"]


class TokenError(ServiceError):
    """A token link that cannot be answered, and why."""

    def __init__(self, reason: TokenProblem) -> None:
        self.reason = reason
        super().__init__(f"token {reason}")


class UnitRef(msgspec.Struct, frozen=True):
    """The unit a questionnaire rates."""

    id: int
    code: str
    name: str
    name_en: str | None
    kind: str
    parent_id: int | None


class OpenSurvey(msgspec.Struct, frozen=True):
    """A survey with its parsed, immutable instrument version."""

    survey_id: int
    survey_code: str
    version_id: int
    content_hash: str
    instrument: Instrument


class Entry(msgspec.Struct, frozen=True):
    """Everything a questionnaire page needs to know about how it was reached."""

    mode: ResponseMode
    base_path: str
    unit: UnitRef
    survey: OpenSurvey
    sample_member_id: int | None = None
    receipt_token_id: int | None = None
    token_hash: str | None = None

    @property
    def resumable(self) -> bool:
        """Token links keep drafts; open links carry answers in the form instead."""
        return self.token_hash is not None


EntryLoader: TypeAlias = Callable[[AsyncSession, str], Awaitable[Entry]]
"""Finds the entry of a link from its one path parameter (a token or a unit code)."""

_instruments: dict[int, Instrument] = {}


def _survey(survey: Survey, version: InstrumentVersion) -> OpenSurvey:
    # Versions are immutable, so a parsed definition can be kept for the process' life.
    instrument = _instruments.get(version.id)
    if instrument is None:
        instrument = msgspec.convert(version.definition, Instrument)
        _instruments[version.id] = instrument
    return OpenSurvey(survey.id, survey.code, version.id, version.content_hash, instrument)


def _unit(unit: Unit) -> UnitRef:
    return UnitRef(unit.id, unit.code, unit.name, unit.name_en, unit.kind.value, unit.parent_id)


def _token_hash(token: str) -> str:
    if not TOKEN_PATTERN.fullmatch(token):
        raise TokenError("malformed")
    return hash_token(token)


def _expired(expires_at: dt.datetime | None) -> bool:
    if expires_at is None:
        return False
    if expires_at.tzinfo is None:  # SQLite hands back naive UTC
        expires_at = expires_at.replace(tzinfo=dt.UTC)
    return expires_at <= utcnow()


async def invitation_entry(session: AsyncSession, token: str) -> Entry:
    """Resolve an invitation token of a sampled dossier."""
    digest = _token_hash(token)
    row = (
        await session.execute(
            select(SampleMember, Survey, InstrumentVersion, Unit)
            .join(SampleDesign, SampleDesign.id == SampleMember.design_id)
            .join(Survey, Survey.id == SampleDesign.survey_id)
            .join(InstrumentVersion, InstrumentVersion.id == Survey.instrument_version_id)
            .join(Unit, Unit.id == SampleMember.unit_id)
            .where(SampleMember.token_hash == digest)
        )
    ).one_or_none()
    if row is None:
        raise TokenError("unknown")
    member, survey, version, unit = row
    if _expired(member.token_expires_at):
        raise TokenError("expired")
    if await session.scalar(select(exists().where(Response.sample_member_id == member.id))):
        raise TokenError("used")
    return Entry(
        ResponseMode.INVITATION,
        f"/t/{token}",
        _unit(unit),
        _survey(survey, version),
        sample_member_id=member.id,
        token_hash=digest,
    )


async def receipt_entry(session: AsyncSession, token: str) -> Entry:
    """Resolve a token printed on a result receipt."""
    digest = _token_hash(token)
    row = (
        await session.execute(
            select(ReceiptToken, Survey, InstrumentVersion, Unit)
            .join(Survey, Survey.id == ReceiptToken.survey_id)
            .join(InstrumentVersion, InstrumentVersion.id == Survey.instrument_version_id)
            .join(Unit, Unit.id == ReceiptToken.unit_id)
            .where(ReceiptToken.token_hash == digest)
        )
    ).one_or_none()
    if row is None:
        raise TokenError("unknown")
    receipt, survey, version, unit = row
    if _expired(receipt.expires_at):
        raise TokenError("expired")
    if await session.scalar(select(exists().where(Response.receipt_token_id == receipt.id))):
        raise TokenError("used")
    return Entry(
        ResponseMode.RECEIPT,
        f"/r/{token}",
        _unit(unit),
        _survey(survey, version),
        receipt_token_id=receipt.id,
        token_hash=digest,
    )


# Open links are hit hard (posters, bursts); unit and survey change rarely.
_OPEN_TTL_SECONDS = 30.0
_open_cache: dict[str, tuple[float, Entry]] = {}


async def find_open_survey(session: AsyncSession, unit: Unit) -> OpenSurvey:
    """Return the newest survey covering ``unit`` (or its parent) that takes open links."""
    candidates = [unit.id] + ([unit.parent_id] if unit.parent_id is not None else [])
    query = (
        select(Survey, InstrumentVersion)
        .join(SurveyUnit, SurveyUnit.survey_id == Survey.id)
        .join(InstrumentVersion, InstrumentVersion.id == Survey.instrument_version_id)
        .where(SurveyUnit.unit_id.in_(candidates))
        .order_by(Survey.period_end.desc(), Survey.id.desc())
    )
    for survey, version in (await session.execute(query)).all():
        if ResponseMode.OPEN_LINK.value in survey.modes:
            return _survey(survey, version)
    raise NotFoundError(f"no survey takes open-link answers for unit {unit.code!r}")


def _open_key(bind: object, code: str) -> str:
    return f"{getattr(bind, 'url', '')}|{code}"


def _fresh(key: str, now: float) -> Entry | None:
    cached = _open_cache.get(key)
    if cached is not None and now - cached[0] < _OPEN_TTL_SECONDS:
        return cached[1]
    return None


def cached_open_entry(engine: AsyncEngine, code: str) -> Entry | None:
    """The open link's resolution if it is cached and fresh (no database needed), else None."""
    return _fresh(_open_key(engine, code), time.monotonic())


async def open_entry(session: AsyncSession, code: str) -> Entry:
    """Resolve a unit's (or reception point's) open link."""
    now = time.monotonic()
    key = _open_key(session.bind, code)
    cached = _fresh(key, now)
    if cached is not None:
        return cached
    unit = await session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFoundError(f"no unit with code {code!r}")
    entry = Entry(
        ResponseMode.OPEN_LINK,
        f"/u/{unit.code}",
        _unit(unit),
        await find_open_survey(session, unit),
    )
    _open_cache[key] = (now, entry)
    return entry


def forget_open_entries() -> None:
    """Drop cached open-link resolutions (tests that rebuild the database)."""
    _open_cache.clear()

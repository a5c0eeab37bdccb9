"""Storing responses exactly once, and drafts of token links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import msgspec
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from instruments import AnswerValue
from survey_service.db.base import utcnow
from survey_service.db.enums import FieldworkOutcome, ResponseMode
from survey_service.db.models import Answer, FieldworkEvent, Response, ResponseDraft
from survey_service.errors import ServiceError
from survey_service.features.questionnaire.entry import Entry

__all__ = [
    "AlreadyAnsweredError",
    "Draft",
    "ResponseMeta",
    "Stored",
    "already_submitted",
    "load_draft",
    "save_draft",
    "store_response",
]


class AlreadyAnsweredError(ServiceError):
    """The token already has a response."""


class ResponseMeta(msgspec.Struct, frozen=True):
    """What is known about a submission besides its answers."""

    started_at: dt.datetime | None = None
    client_hash: str | None = None
    device_hash: str | None = None
    flags: list[str] = []


class Stored(msgspec.Struct, frozen=True):
    """The stored response; ``duplicate`` when an earlier identical submit is returned."""

    response_id: int
    answers: int
    duplicate: bool = False


class Draft(msgspec.Struct, frozen=True):
    """Answers saved part-way."""

    answers: dict[str, list[str]]
    page: int
    language: str
    started_at: dt.datetime


async def already_submitted(session: AsyncSession, key: str | None) -> bool:
    """Whether a response with this submission key is stored."""
    return await _by_key(session, key) is not None


async def _by_key(session: AsyncSession, key: str | None) -> Stored | None:
    if key is None:
        return None
    found = await session.scalar(select(Response.id).where(Response.submission_key == key))
    return Stored(found, 0, duplicate=True) if found is not None else None


async def _insert(
    session: AsyncSession,
    entry: Entry,
    answers: Sequence[AnswerValue],
    language: str,
    key: str | None,
    meta: ResponseMeta,
) -> int:
    is_point = entry.unit.kind == "reception_point"
    response_id: int = (
        await session.execute(
            insert(Response)
            .values(
                survey_id=entry.survey.survey_id,
                instrument_version_id=entry.survey.version_id,
                content_hash=entry.survey.content_hash,
                unit_id=entry.unit.id,
                reception_point_id=entry.unit.id if is_point else None,
                sample_member_id=entry.sample_member_id,
                receipt_token_id=entry.receipt_token_id,
                mode=entry.mode,
                probability_sample=entry.mode == ResponseMode.INVITATION,
                language=language,
                finished=True,
                started_at=meta.started_at,
                submitted_at=utcnow(),
                submission_key=key,
                client_hash=meta.client_hash,
                device_hash=meta.device_hash,
                flags=meta.flags,
            )
            .returning(Response.id)
        )
    ).scalar_one()
    if answers:
        await session.execute(
            insert(Answer),
            [{"response_id": response_id, **msgspec.to_builtins(a)} for a in answers],
        )
    return response_id


async def store_response(
    session: AsyncSession,
    entry: Entry,
    answers: Sequence[AnswerValue],
    language: str,
    submission_key: str | None,
    meta: ResponseMeta,
) -> Stored:
    """Store a finished response and its answers in one transaction, then commit.

    A repeated ``submission_key`` returns the first response (idempotent submit). A
    token's second response is refused by the database's unique key, whatever the
    number of concurrent submits, and raises :class:`AlreadyAnsweredError`.
    """
    previous = await _by_key(session, submission_key)
    if previous is not None:
        return previous
    try:
        response_id = await _insert(session, entry, answers, language, submission_key, meta)
        if entry.token_hash is not None:
            await session.execute(
                delete(ResponseDraft).where(ResponseDraft.token_hash == entry.token_hash)
            )
        if entry.sample_member_id is not None:
            await session.execute(
                insert(FieldworkEvent).values(
                    sample_member_id=entry.sample_member_id,
                    outcome=FieldworkOutcome.RESPONDED,
                    recorded_at=utcnow(),
                    source="web",
                )
            )
        await session.commit()
    except IntegrityError:
        await session.rollback()
        previous = await _by_key(session, submission_key)
        if previous is not None:
            return previous
        if entry.token_hash is not None:
            raise AlreadyAnsweredError("this link has already been answered") from None
        raise
    return Stored(response_id, len(answers))


async def load_draft(session: AsyncSession, token_hash: str) -> Draft | None:
    """Return the draft saved for a token, if any."""
    row = await session.get(ResponseDraft, token_hash)
    if row is None:
        return None
    return Draft(
        answers={k: [str(v) for v in vs] for k, vs in row.answers.items()},
        page=row.page,
        language=row.language,
        started_at=row.started_at,
    )


async def save_draft(
    session: AsyncSession,
    token_hash: str,
    answers: Mapping[str, Sequence[str]],
    page: int,
    language: str,
) -> None:
    """Keep the answers so far and the page to come back to; commit."""
    values = {
        "answers": {k: list(v) for k, v in answers.items()},
        "page": page,
        "language": language,
        "updated_at": utcnow(),
    }
    changed = await session.execute(
        update(ResponseDraft).where(ResponseDraft.token_hash == token_hash).values(**values)
    )
    if changed.rowcount == 0:  # type: ignore[attr-defined]
        try:
            await session.execute(
                insert(ResponseDraft).values(token_hash=token_hash, started_at=utcnow(), **values)
            )
        except IntegrityError:  # saved concurrently from another tab: the later one wins
            await session.rollback()
            await session.execute(
                update(ResponseDraft).where(ResponseDraft.token_hash == token_hash).values(**values)
            )
    await session.commit()

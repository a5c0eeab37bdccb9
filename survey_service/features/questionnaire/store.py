"""Drafts of token links, and what a stored response looks like (see ``intake``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import msgspec
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from survey_service.db.base import utcnow
from survey_service.db.models import ResponseDraft

__all__ = ["Draft", "Stored", "load_draft", "save_draft"]


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

"""Defences of open links: rate limits, one answer per device, quality flags.

Everything is counted in the database, so the limits hold across server processes.
Flags mark a response for the statistician; they never drop it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from instruments import AnswerValue
from survey_service.db.base import utcnow
from survey_service.db.enums import ResponseMode
from survey_service.db.models import Response

__all__ = [
    "answered_from_device",
    "quality_flags",
    "recent_from_client",
]

STRAIGHT_LINE_MINIMUM = 5


async def recent_from_client(session: AsyncSession, client_hash: str, seconds: int) -> int:
    """Open-link responses from one client address within the last ``seconds``."""
    since = utcnow() - dt.timedelta(seconds=seconds)
    count = await session.scalar(
        select(func.count())
        .select_from(Response)
        .where(
            Response.client_hash == client_hash,
            Response.submitted_at >= since,
            Response.mode == ResponseMode.OPEN_LINK,
        )
    )
    return int(count or 0)


async def answered_from_device(
    session: AsyncSession, device_hash: str, unit_id: int, hours: int
) -> bool:
    """Whether this device answered this unit's open link within ``hours``."""
    since = utcnow() - dt.timedelta(hours=hours)
    found = await session.scalar(
        select(
            exists().where(
                Response.device_hash == device_hash,
                Response.unit_id == unit_id,
                Response.submitted_at >= since,
            )
        )
    )
    return bool(found)


def quality_flags(
    answers: list[AnswerValue],
    seconds_taken: float | None,
    seconds_per_answer: float,
    recent_from_same_source: int,
    burst_threshold: int,
) -> list[str]:
    """Return the quality flags of a submission (empty when nothing looks wrong).

    ``speeding``: fewer seconds than ``seconds_per_answer`` per answer given;
    ``straight_lining``: at least five scored criteria, all with the same answer;
    ``burst``: the source already sent ``burst_threshold`` answers in the window;
    ``no_timing``: the form's signed start time was missing or forged.
    """
    flags: list[str] = []
    if seconds_taken is None:
        flags.append("no_timing")
    elif seconds_taken < seconds_per_answer * max(len(answers), 1):
        flags.append("speeding")
    scored = [a.value for a in answers if a.satisfied is not None]
    if len(scored) >= STRAIGHT_LINE_MINIMUM and len(set(scored)) == 1:
        flags.append("straight_lining")
    if recent_from_same_source >= burst_threshold:
        flags.append("burst")
    return flags

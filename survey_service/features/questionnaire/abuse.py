"""Defences of open links: rate limits, one answer per device, quality flags.

Everything is counted in the database, so the limits hold across server processes.
Flags mark a response for the statistician; they never drop it. The counts are asked
for a whole batch of submissions at once (see ``intake``), one statement per batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.selectable import CompoundSelect

from instruments import AnswerValue
from survey_service.db.base import utcnow
from survey_service.db.enums import ResponseMode
from survey_service.db.models import Response

__all__ = [
    "answered_devices",
    "quality_flags",
    "recent_counts",
]

STRAIGHT_LINE_MINIMUM = 5

_responses = Response.metadata.tables[Response.__tablename__].c


@cache
def _recent_counts_statement(clients: int, cap: int) -> Select[Any] | CompoundSelect[Any]:
    """One capped count per client address: ``SELECT i, count(*) FROM (… LIMIT cap)``.

    Each count walks the (client_hash, submitted_at) index and stops at ``cap`` rows,
    so an address far over its limit costs no more than one at the limit.
    """
    parts: list[Select[Any]] = []
    for i in range(clients):
        window = (
            select(literal(1))
            .where(
                _responses.client_hash == bindparam(f"client_{i}"),
                _responses.submitted_at >= bindparam("since"),
                _responses.mode == ResponseMode.OPEN_LINK,
            )
            .limit(cap)
            .subquery()
        )
        count = select(func.count()).select_from(window).scalar_subquery()
        parts.append(select(literal(i), count))
    return parts[0] if clients == 1 else union_all(*parts)


async def recent_counts(
    conn: AsyncConnection, client_hashes: Sequence[str], seconds: int, cap: int
) -> dict[str, int]:
    """Open-link responses per client address within the last ``seconds``, up to ``cap``."""
    if not client_hashes:
        return {}
    since = utcnow() - dt.timedelta(seconds=seconds)
    params: dict[str, object] = {f"client_{i}": h for i, h in enumerate(client_hashes)}
    params["since"] = since
    rows = await conn.execute(_recent_counts_statement(len(client_hashes), cap), params)
    return {client_hashes[int(row[0])]: int(row[1]) for row in rows}


_DEVICES = (
    select(_responses.device_hash, _responses.unit_id)
    .where(
        _responses.device_hash.in_(bindparam("devices", expanding=True)),
        _responses.submitted_at >= bindparam("since"),
    )
    .distinct()
)


async def answered_devices(
    conn: AsyncConnection, device_hashes: Collection[str], hours: int
) -> set[tuple[str, int]]:
    """The (device, unit) pairs among ``device_hashes`` answered within ``hours``."""
    if not device_hashes:
        return set()
    since = utcnow() - dt.timedelta(hours=hours)
    rows = await conn.execute(_DEVICES, {"devices": list(device_hashes), "since": since})
    return {(str(device), int(unit)) for device, unit in rows}


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

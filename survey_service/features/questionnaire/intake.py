"""Storing finished responses exactly once, a batch of submissions per transaction.

One transaction stores every submission of a batch with a handful of prebuilt Core
statements, whatever the batch size: the submission keys already stored, the open-link
counts per client address and device, the responses (``INSERT … ON CONFLICT DO NOTHING
RETURNING id``), their answers, and for token links the "responded" fieldwork events and
the deletion of drafts. The caller (``writer``) answers each submitter only after the
commit. On PostgreSQL the reads are one statement and the responses with their answers
another, so that an open-link batch takes two round trips besides BEGIN and COMMIT: each
round trip of the writer also waits for the event loop, which the request handlers keep
busy.

Response ids are taken before the insert (PostgreSQL: from the table's sequence, one per
submission of the batch, with the counts; SQLite: after the highest id, under the write
lock of ``BEGIN IMMEDIATE``), so the ids the insert
returns say which rows went in, without relying on the order of returned rows. A row
that did not go in conflicted with a unique key: the same submission key stored by
another process meanwhile (the first response is returned, marked duplicate) or a token
that has been answered (refused as already answered). Either way nothing of it is stored.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Literal

import msgspec
from sqlalchemy import Table, bindparam, delete, func, insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from instruments import AnswerValue
from survey_service.db.base import Base, utcnow
from survey_service.db.enums import FieldworkOutcome, ResponseMode
from survey_service.db.models import Answer, FieldworkEvent, Response, ResponseDraft
from survey_service.errors import DatabaseError
from survey_service.features.questionnaire.abuse import (
    answered_devices,
    quality_flags,
    recent_counts,
)
from survey_service.features.questionnaire.entry import Entry
from survey_service.features.questionnaire.store import Stored

__all__ = ["Limits", "Outcome", "Refusal", "Submission", "store_batch"]

Refusal = Literal["already_answered", "device_used", "rate_limited"]
Outcome = Stored | Refusal

NEVER = 1 << 30


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    """The open-link limits, from the settings."""

    open_link_limit: int
    open_link_window_seconds: int
    device_window_hours: int


class Submission(msgspec.Struct, frozen=True, kw_only=True):
    """A checked submission waiting to be stored.

    ``client_hash`` is set for open links (rate limit, burst flag), ``device_hash`` for
    open-link forms (one answer per device and unit). Quality flags are computed when the
    number of recent answers from the same address is known.
    """

    entry: Entry
    answers: list[AnswerValue]
    language: str
    key: str | None = None
    started_at: dt.datetime | None = None
    seconds_taken: float | None = None
    seconds_per_answer: float = 0.0
    burst_threshold: int = NEVER
    client_hash: str | None = None
    device_hash: str | None = None


def _table(model: type[Base]) -> Table:
    return model.metadata.tables[model.__tablename__]


_responses = _table(Response)
_answers = _table(Answer)
_drafts = _table(ResponseDraft)

_BY_KEY = select(_responses.c.submission_key, _responses.c.id).where(
    _responses.c.submission_key.in_(bindparam("keys", expanding=True))
)
_INSERT_RESPONSES = sqlite.insert(_responses).on_conflict_do_nothing().returning(_responses.c.id)
_INSERT_ANSWERS = insert(_answers)

# PostgreSQL: one array per column, whatever the number of rows. The statement's text
# never changes, so neither SQLAlchemy nor psycopg renders and re-parses a VALUES list of
# a new length per batch, and psycopg adapts a few arrays instead of a parameter per value.
_PG_RESPONSE_TYPES = {
    "id": "bigint",
    "survey_id": "integer",
    "instrument_version_id": "integer",
    "content_hash": "varchar",
    "unit_id": "integer",
    "reception_point_id": "integer",
    "sample_member_id": "bigint",
    "receipt_token_id": "bigint",
    "mode": "varchar",
    "probability_sample": "boolean",
    "language": "varchar",
    "finished": "boolean",
    "started_at": "timestamptz",
    "submitted_at": "timestamptz",
    "submission_key": "varchar",
    "client_hash": "varchar",
    "device_hash": "varchar",
    "flags": "jsonb",
}
_PG_ANSWER_TYPES = {
    "response_id": "bigint",
    "item_code": "varchar",
    "value": "smallint",
    "text": "text",
    "satisfied": "boolean",
}


def _pg_unnest_insert(table: str, types: dict[str, str], prefix: str, suffix: str = "") -> str:
    columns = ", ".join(types)
    arrays = ", ".join(f"CAST(:{prefix}{name} AS {kind}[])" for name, kind in types.items())
    # The table and column names are the constants above, never input.
    return (
        f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) AS u({columns}) {suffix}"  # noqa: S608
    )


# The responses and the answers of the rows that went in, in one statement (one round
# trip). The answers' foreign key is checked at the end of the statement, when the
# responses inserted by the first part are there.
_PG_RESPONSES_PART = _pg_unnest_insert(
    "responses", _PG_RESPONSE_TYPES, "r_", "ON CONFLICT DO NOTHING RETURNING id"
)
_PG_ANSWERS_PART = _pg_unnest_insert(
    "answers", _PG_ANSWER_TYPES, "a_", "WHERE u.response_id IN (SELECT id FROM inserted)"
)
_PG_INSERT = text(
    f"WITH inserted AS ({_PG_RESPONSES_PART}), answered AS ({_PG_ANSWERS_PART}) "  # noqa: S608
    "SELECT id FROM inserted"
)


def _pg_arrays(rows: list[dict[str, object]], types: dict[str, str]) -> dict[str, list[object]]:
    arrays: dict[str, list[object]] = {name: [row[name] for row in rows] for name in types}
    if "mode" in arrays:
        arrays["mode"] = [str(mode) for mode in arrays["mode"]]
    if "flags" in arrays:
        arrays["flags"] = [msgspec.json.encode(flags).decode() for flags in arrays["flags"]]
    return arrays


async def _insert_rows(
    conn: AsyncConnection,
    rows: list[dict[str, object]],
    answers: dict[int, list[dict[str, object]]],
) -> set[int]:
    """Insert the responses and the answers of those that went in; return their ids."""
    if conn.dialect.name == "postgresql":
        params = {f"r_{k}": v for k, v in _pg_arrays(rows, _PG_RESPONSE_TYPES).items()}
        flat = [answer for response_answers in answers.values() for answer in response_answers]
        params |= {f"a_{k}": v for k, v in _pg_arrays(flat, _PG_ANSWER_TYPES).items()}
        return {int(i) for i in (await conn.execute(_PG_INSERT, params)).scalars()}
    inserted = {int(i) for i in (await conn.execute(_INSERT_RESPONSES, rows)).scalars()}
    kept = [answer for rid in inserted for answer in answers.get(rid, ())]
    if kept:
        await conn.execute(_INSERT_ANSWERS, kept)
    return inserted


# PostgreSQL: everything a batch needs to know before deciding, in one round trip of
# constant text: (0) the submission keys already stored, (1) each client address's
# open-link count in the window, capped like ``abuse.recent_counts``, (2) the devices'
# answered units in their window (``abuse.answered_devices``), (3) one new id per
# submission (ids of refused ones are never used: a sequence has gaps anyway).
_PG_PREREAD = text(
    """
SELECT 0 AS kind, submission_key AS name, id AS value FROM responses
 WHERE submission_key = ANY(CAST(:keys AS varchar[]))
UNION ALL
SELECT 1, c.client, (
  SELECT count(*) FROM (
    SELECT 1 FROM responses AS r
     WHERE r.client_hash = c.client AND r.submitted_at >= :since AND r.mode = :mode
     LIMIT :cap
  ) AS w
) FROM unnest(CAST(:clients AS varchar[])) AS c(client)
UNION ALL
SELECT DISTINCT 2, device_hash, unit_id FROM responses
 WHERE device_hash = ANY(CAST(:devices AS varchar[])) AND submitted_at >= :device_since
UNION ALL
SELECT 3, CAST(NULL AS varchar), nextval(pg_get_serial_sequence('responses', 'id'))
  FROM generate_series(1, :n)
"""
)

_INSERT_EVENTS = insert(_table(FieldworkEvent))
_DELETE_DRAFTS = delete(_drafts).where(
    _drafts.c.token_hash.in_(bindparam("tokens", expanding=True))
)
_LAST_ID = select(func.coalesce(func.max(_responses.c.id), 0))


async def _new_ids(conn: AsyncConnection, n: int) -> list[int]:
    """SQLite: the ids after the highest, under the write lock (PostgreSQL: ``_pg_counts``)."""
    last = int((await conn.execute(_LAST_ID)).scalar_one())
    return list(range(last + 1, last + 1 + n))


async def _stored_keys(conn: AsyncConnection, keys: list[str]) -> dict[str, int]:
    if not keys:
        return {}
    rows = await conn.execute(_BY_KEY, {"keys": keys})
    return {str(key): int(rid) for key, rid in rows}


def _row(sub: Submission, flags: list[str], now: dt.datetime) -> dict[str, object]:
    entry = sub.entry
    return {
        "id": 0,  # taken from the sequence once the batch is decided
        "survey_id": entry.survey.survey_id,
        "instrument_version_id": entry.survey.version_id,
        "content_hash": entry.survey.content_hash,
        "unit_id": entry.unit.id,
        "reception_point_id": entry.unit.id if entry.unit.kind == "reception_point" else None,
        "sample_member_id": entry.sample_member_id,
        "receipt_token_id": entry.receipt_token_id,
        "mode": entry.mode,
        "probability_sample": entry.mode == ResponseMode.INVITATION,
        "language": sub.language,
        "finished": True,
        "started_at": sub.started_at,
        "submitted_at": now,
        "submission_key": sub.key,
        "client_hash": sub.client_hash,
        "device_hash": sub.device_hash,
        "flags": flags,
    }


class _Batch:
    """A batch being stored: each submission's outcome, and the responses to insert."""

    def __init__(self, subs: Sequence[Submission]) -> None:
        self.subs = subs
        self.outcomes: list[Outcome | None] = [None] * len(subs)
        self.rows: dict[int, dict[str, object]] = {}  # index of the submission -> its row
        self.same_key_as: dict[int, int] = {}  # index -> the earlier one with its key


class _Counts:
    """What the database knows of the batch's keys, addresses and devices."""

    def __init__(
        self,
        stored: dict[str, int],
        recent: Counter[str],
        used: set[tuple[str, int]],
        ids: list[int] | None = None,
    ) -> None:
        self.stored = stored
        self.recent = recent
        self.used = used
        self.ids = ids  # new response ids taken with the counts (PostgreSQL), else None
        self.first_with_key: dict[str, int] = {}

    def decide(self, sub: Submission, limits: Limits) -> Refusal | Stored | int | None:
        """Refuse, return the stored duplicate or the earlier index with the same key,
        or (None) accept and count the submission."""
        if sub.key is not None:
            if sub.key in self.stored:
                return Stored(self.stored[sub.key], 0, duplicate=True)
            if sub.key in self.first_with_key:
                return self.first_with_key[sub.key]
        if sub.client_hash is not None and self.recent[sub.client_hash] >= limits.open_link_limit:
            return "rate_limited"
        device = (sub.device_hash, sub.entry.unit.id) if sub.device_hash is not None else None
        if device is not None and device in self.used:
            return "device_used"
        if device is not None:
            self.used.add(device)
        return None


async def _pg_counts(conn: AsyncConnection, subs: Sequence[Submission], limits: Limits) -> _Counts:
    now = utcnow()
    params = {
        "keys": sorted({s.key for s in subs if s.key is not None}),
        "clients": sorted({s.client_hash for s in subs if s.client_hash is not None}),
        "since": now - dt.timedelta(seconds=limits.open_link_window_seconds),
        "mode": str(ResponseMode.OPEN_LINK),
        "cap": limits.open_link_limit,
        "devices": sorted({s.device_hash for s in subs if s.device_hash is not None}),
        "device_since": now - dt.timedelta(hours=limits.device_window_hours),
        "n": len(subs),
    }
    counts = _Counts({}, Counter(), set(), [])
    assert counts.ids is not None
    for kind, name, value in await conn.execute(_PG_PREREAD, params):
        if kind == 0:
            counts.stored[str(name)] = int(value)
        elif kind == 1:
            counts.recent[str(name)] = int(value)
        elif kind == 2:
            counts.used.add((str(name), int(value)))
        else:
            counts.ids.append(int(value))
    return counts


async def _counts(conn: AsyncConnection, subs: Sequence[Submission], limits: Limits) -> _Counts:
    if conn.dialect.name == "postgresql":
        return await _pg_counts(conn, subs, limits)
    stored = await _stored_keys(conn, sorted({s.key for s in subs if s.key is not None}))
    clients = sorted({s.client_hash for s in subs if s.client_hash is not None})
    recent = await recent_counts(
        conn, clients, limits.open_link_window_seconds, limits.open_link_limit
    )
    devices = {s.device_hash for s in subs if s.device_hash is not None}
    used = await answered_devices(conn, devices, limits.device_window_hours)
    return _Counts(stored, Counter(recent), used)


async def _plan(conn: AsyncConnection, subs: Sequence[Submission], limits: Limits) -> _Batch:
    """Decide each submission in order, as if they came one after the other."""
    batch = _Batch(subs)
    counts = await _counts(conn, subs, limits)
    now = utcnow()
    for i, sub in enumerate(subs):
        decided = counts.decide(sub, limits)
        if isinstance(decided, int):
            batch.same_key_as[i] = decided
            continue
        if decided is not None:
            batch.outcomes[i] = decided
            continue
        recent = 0
        if sub.client_hash is not None:
            recent = counts.recent[sub.client_hash]
            counts.recent[sub.client_hash] += 1
        if sub.key is not None:
            counts.first_with_key[sub.key] = i
        flags = quality_flags(
            sub.answers, sub.seconds_taken, sub.seconds_per_answer, recent, sub.burst_threshold
        )
        batch.rows[i] = _row(sub, flags, now)
    if counts.ids is not None:
        ids = counts.ids[: len(batch.rows)]
    else:
        ids = await _new_ids(conn, len(batch.rows)) if batch.rows else []
    for row, response_id in zip(batch.rows.values(), ids, strict=True):
        row["id"] = response_id
    return batch


def _answer_rows(response_id: int, answers: list[AnswerValue]) -> list[dict[str, object]]:
    return [
        {
            "response_id": response_id,
            "item_code": a.item_code,
            "value": a.value,
            "text": a.text,
            "satisfied": a.satisfied,
        }
        for a in answers
    ]


async def _insert(conn: AsyncConnection, batch: _Batch) -> None:
    answers = {
        int(row["id"]): _answer_rows(int(row["id"]), batch.subs[i].answers)  # type: ignore[call-overload]
        for i, row in batch.rows.items()
    }
    inserted = await _insert_rows(conn, list(batch.rows.values()), answers)
    events: list[dict[str, object]] = []
    drafts: list[str] = []
    for i, row in batch.rows.items():
        response_id = int(row["id"])  # type: ignore[call-overload]
        if response_id not in inserted:
            continue
        entry = batch.subs[i].entry
        batch.outcomes[i] = Stored(response_id, len(batch.subs[i].answers))
        if entry.sample_member_id is not None:
            events.append(
                {
                    "sample_member_id": entry.sample_member_id,
                    "outcome": FieldworkOutcome.RESPONDED,
                    "recorded_at": row["submitted_at"],
                    "source": "web",
                    "note": None,
                }
            )
        if entry.token_hash is not None:
            drafts.append(entry.token_hash)
    if events:
        await conn.execute(_INSERT_EVENTS, events)
    if drafts:
        await conn.execute(_DELETE_DRAFTS, {"tokens": drafts})
    if len(inserted) < len(batch.rows):
        await _explain_conflicts(conn, batch, inserted)


async def _explain_conflicts(conn: AsyncConnection, batch: _Batch, inserted: set[int]) -> None:
    """Rows that hit a unique key: a key stored meanwhile, or a token already answered."""
    lost = {i: row for i, row in batch.rows.items() if row["id"] not in inserted}
    keys = [batch.subs[i].key for i in lost]
    stored = await _stored_keys(conn, sorted({k for k in keys if k is not None}))
    for i in lost:
        sub = batch.subs[i]
        if sub.key is not None and sub.key in stored:
            batch.outcomes[i] = Stored(stored[sub.key], 0, duplicate=True)
        elif sub.entry.token_hash is not None:
            batch.outcomes[i] = "already_answered"
        else:
            raise DatabaseError("a response hit a unique key it does not have")


async def store_batch(
    conn: AsyncConnection, subs: Sequence[Submission], limits: Limits
) -> list[Outcome]:
    """Store ``subs`` in the connection's open transaction; the caller commits.

    The submissions are decided in order, as if they had come one after the other.
    Outcomes are in the order of ``subs``: :class:`Stored` (``duplicate`` when the key
    was stored before, by this batch or earlier) or the reason of a refusal.
    """
    batch = await _plan(conn, subs, limits)
    if batch.rows:
        await _insert(conn, batch)
    outcomes: list[Outcome] = []
    for i, outcome in enumerate(batch.outcomes):
        if i in batch.same_key_as:
            first = batch.outcomes[batch.same_key_as[i]]
            assert first is not None  # an earlier submission, decided above
            outcome = Stored(first.response_id, 0, True) if isinstance(first, Stored) else first
        assert outcome is not None  # every submission is decided
        outcomes.append(outcome)
    return outcomes

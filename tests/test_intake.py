"""Batched intake: a batch is decided as if its submissions came one after the other.

``store_batch`` stores a whole batch in one transaction; the writer queues submissions
and answers each after its batch committed. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator

import msgspec
import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from instruments import AnswerValue
from survey_service.app import create_app
from survey_service.cli import _freeze_startup_objects, served_app
from survey_service.config import Settings
from survey_service.db.engine import make_async_engine, make_sync_engine
from survey_service.db.migrate import head_revision
from survey_service.db.models import Answer, FieldworkEvent, Response
from survey_service.features.health import code_head_revision
from survey_service.features.questionnaire.entry import (
    Entry,
    forget_open_entries,
    invitation_entry,
    open_entry,
)
from survey_service.features.questionnaire.intake import Limits, Submission, store_batch
from survey_service.features.questionnaire.store import Stored
from survey_service.features.questionnaire.writer import IntakeWriter
from tests.seed import FULL_ANSWERS, WARD_CODE, seed_invitations, seed_small_city

ANSWERS = [
    AnswerValue("access_facilities", 5, None, True),
    AnswerValue("procedure_clear", 4, None, True),
    AnswerValue("comment", None, "Nhanh gọn.", None),
]
LIMITS = Limits(open_link_limit=2, open_link_window_seconds=600, device_window_hours=24)


@pytest.fixture
async def fx_city(fx_any_backend_url: str) -> AsyncIterator[str]:
    seed_small_city(fx_any_backend_url)
    forget_open_entries()  # ids of another test's database may be cached
    yield fx_any_backend_url
    forget_open_entries()


async def _entry(url: str, token: str | None = None) -> Entry:
    engine = make_async_engine(url)
    try:
        async with AsyncSession(engine) as session:
            if token is not None:
                return await invitation_entry(session, token)
            return await open_entry(session, WARD_CODE)
    finally:
        await engine.dispose()


def _open(entry: Entry, key: str | None, client: str, burst_threshold: int = 5) -> Submission:
    return Submission(
        entry=entry,
        answers=ANSWERS,
        language="vi",
        key=key,
        client_hash=client,
        burst_threshold=burst_threshold,
    )


async def _store(url: str, subs: list[Submission]) -> list[object]:
    writer = IntakeWriter.for_database(url, LIMITS)
    writer.start()
    try:
        return list(await asyncio.gather(*(writer.submit(s) for s in subs)))
    finally:
        await writer.stop()


def _rows(url: str) -> tuple[int, int, int, list[list[str]]]:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            responses = conn.scalar(select(func.count()).select_from(Response))
            answers = conn.scalar(select(func.count()).select_from(Answer))
            events = conn.scalar(select(func.count()).select_from(FieldworkEvent))
            flags = [list(f) for f in conn.scalars(select(Response.flags).order_by(Response.id))]
            return int(responses or 0), int(answers or 0), int(events or 0), flags
    finally:
        engine.dispose()


async def test_batch_is_decided_in_order(fx_city: str) -> None:
    entry = await _entry(fx_city)
    engine = make_async_engine(fx_city)
    subs = [
        _open(entry, "key-aaaaaaaa", "A"),
        _open(entry, "key-aaaaaaaa", "A"),  # the same key again: the first response
        _open(entry, "key-bbbbbbbb", "A"),
        _open(entry, "key-cccccccc", "A"),  # A's third within the window: over the limit of 2
        _open(entry, None, "B", burst_threshold=1),
        _open(entry, None, "B", burst_threshold=1),  # B sent one already: a burst
    ]
    try:
        async with engine.begin() as conn:
            outcomes = await store_batch(conn, subs, LIMITS)
        first, second, third, limited, fourth, fifth = outcomes
        assert isinstance(first, Stored)
        assert first.answers == 3
        assert first.duplicate is False
        assert second == Stored(first.response_id, 0, duplicate=True)
        assert isinstance(third, Stored)
        assert limited == "rate_limited"
        assert isinstance(fourth, Stored)
        assert isinstance(fifth, Stored)
        ids = [first.response_id, third.response_id, fourth.response_id, fifth.response_id]
        assert len(set(ids)) == 4
        # A retry of a stored key is its response, even from an address over its limit.
        async with engine.begin() as conn:
            again = await store_batch(conn, [_open(entry, "key-aaaaaaaa", "A")], LIMITS)
        assert again == [Stored(first.response_id, 0, duplicate=True)]
    finally:
        await engine.dispose()
    responses, answers, events, flags = _rows(fx_city)
    assert (responses, answers, events) == (4, 12, 0)
    assert flags == [["no_timing"], ["no_timing"], ["no_timing"], ["no_timing", "burst"]]


async def test_a_token_twice_in_one_batch_is_stored_once(fx_city: str) -> None:
    (token,) = seed_invitations(fx_city, 1)
    entry = await _entry(fx_city, token)
    subs = [
        Submission(entry=entry, answers=ANSWERS, language="en", key=f"token-try-{n:04d}")
        for n in range(3)
    ]
    outcomes = await _store(fx_city, subs)
    stored = [o for o in outcomes if isinstance(o, Stored)]
    assert len(stored) == 1
    assert stored[0].duplicate is False
    assert sorted(o for o in outcomes if isinstance(o, str)) == ["already_answered"] * 2
    responses, answers, events, _ = _rows(fx_city)
    assert (responses, answers, events) == (1, 3, 1)


async def test_writer_batches_and_isolates_a_failing_submission(fx_city: str) -> None:
    entry = await _entry(fx_city)
    missing_unit = msgspec.structs.replace(
        entry, unit=msgspec.structs.replace(entry.unit, id=987_654)
    )
    subs = [_open(entry, f"writer-key-{n:04d}", f"client-{n}") for n in range(20)]
    subs.insert(7, _open(missing_unit, "writer-key-bad0", "client-bad"))
    writer = IntakeWriter.for_database(fx_city, LIMITS)
    writer.start()
    try:
        results = await asyncio.gather(*(writer.submit(s) for s in subs), return_exceptions=True)
        batches = writer.batches
    finally:
        await writer.stop()
    assert isinstance(results[7], IntegrityError)  # the unit does not exist
    good = results[:7] + results[8:]
    assert all(isinstance(r, Stored) and not r.duplicate for r in good)
    # One batch failed, then its 21 submissions were stored one per transaction.
    assert batches == 1 + len(subs)
    responses, answers, _, _ = _rows(fx_city)
    assert (responses, answers) == (20, 60)


async def test_writer_shares_transactions_under_load(fx_city: str) -> None:
    entry = await _entry(fx_city)
    subs = [_open(entry, f"load-key-{n:04d}", f"client-{n}") for n in range(40)]
    writer = IntakeWriter.for_database(fx_city, LIMITS)
    writer.start()
    try:
        results = await asyncio.gather(*(writer.submit(s) for s in subs))
        batches = writer.batches
    finally:
        await writer.stop()
    assert len({r.response_id for r in results if isinstance(r, Stored)}) == 40
    assert batches < 40
    assert _rows(fx_city)[:2] == (40, 120)


def test_api_retry_from_a_limited_address_is_the_stored_response(fx_city: str) -> None:
    settings = Settings(
        database_url=fx_city, secret_key="i" * 40, environment="test", open_link_limit=1
    )
    answers = {k: (int(v) if v.isdigit() else v) for k, v in FULL_ANSWERS.items()}
    path = f"/api/units/{WARD_CODE}/responses"
    with TestClient(create_app(settings)) as client:
        first = client.post(path, json={"answers": answers, "submission_key": "retry-key-1"})
        other = client.post(path, json={"answers": answers, "submission_key": "retry-key-2"})
        again = client.post(path, json={"answers": answers, "submission_key": "retry-key-1"})
    assert first.status_code == 201
    assert other.status_code == 429
    assert again.status_code == 201
    assert again.json()["response_id"] == first.json()["response_id"]
    assert again.json()["duplicate"] is True
    assert _rows(fx_city)[:2] == (1, 7)


def test_readiness_reads_the_migrations_once(fx_city: str) -> None:
    settings = Settings(database_url=fx_city, secret_key="i" * 40, environment="test")
    code_head_revision.cache_clear()
    with TestClient(create_app(settings)) as client:
        replies = [client.get("/health/ready") for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 200]
    info = code_head_revision.cache_info()
    assert (info.misses, info.hits) == (1, 2)
    assert code_head_revision() == head_revision()


def test_uncaught_exceptions_are_logged_and_refusals_are_not(fx_city: str) -> None:
    settings = Settings(database_url=fx_city, secret_key="i" * 40, environment="test")
    config = create_app(settings).logging_config
    assert config is not None
    assert config.log_exceptions == "always"
    assert {404, 409, 422, 429} <= config.disable_stack_trace
    assert 500 not in config.disable_stack_trace
    assert 503 not in config.disable_stack_trace


def test_serve_freezes_what_start_up_built(fx_city: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVEY_DATABASE_URL", fx_city)
    monkeypatch.setenv("SURVEY_SECRET_KEY", "i" * 40)
    app = served_app()
    assert app.on_startup[-1] is _freeze_startup_objects
    try:
        with TestClient(app) as client:
            assert gc.get_freeze_count() > 0
            assert client.get("/health/live").status_code == 200
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0


def test_staff_middleware_wraps_the_staff_side_only(fx_city: str) -> None:
    settings = Settings(database_url=fx_city, secret_key="i" * 40, environment="test")
    app = create_app(settings)
    middleware = {
        (route.path, method): handler.resolve_middleware()
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        for method in getattr(handler, "http_methods", ())
    }
    public = [
        ("/api/units/{unit_code:str}/responses", "POST"),
        ("/u/{unit_code:str}", "POST"),
        ("/t/{token:str}", "POST"),
        ("/r/{token:str}", "POST"),
        ("/thanks", "GET"),
        ("/health/live", "GET"),
    ]
    for key in public:
        assert middleware[key] == [], key
    staff = [("/api/responses/counts", "GET"), ("/staff", "GET"), ("/login", "POST")]
    for key in staff:
        assert len(middleware[key]) == 3, key

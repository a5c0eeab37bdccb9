"""One invitation token, 50 simultaneous final submits, two server processes, PostgreSQL.

The real service runs as ``survey-service serve --workers 2`` on a fresh PostgreSQL
database. Every submit carries a different submission key, so idempotency cannot hide
the race: only the database's unique key on the sample member may decide. Exactly one
response (with its answers once) may be stored; every other reply must be the
"already answered" page.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from instruments import check_answers, load_bundled
from survey_service.db.engine import make_sync_engine
from survey_service.db.models import Answer, FieldworkEvent, Response
from tests import databases
from tests.seed import COMMUNE_CODE, seed_invitations, seed_small_city

pytestmark = pytest.mark.postgres

CONCURRENT = 50
ALREADY_ANSWERED = "Phiếu đã được trả lời"
SECRET = "concurrency-test-secret-" + "s" * 24
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
REQUEST_TIMEOUT_S = 60.0

# Every criterion of the five elements (the feedback element applies: gave_feedback=1),
# overall, up to three improvements, a comment and the profile.
SIPAS_ANSWERS: dict[str, str | list[str]] = {
    **{
        code: str(1 + n % 5)
        for n, code in enumerate(
            [
                "access_seats",
                "access_equipment",
                "access_modern",
                "access_signs",
                "procedure_posted",
                "procedure_documents",
                "procedure_fees",
                "procedure_time",
                "staff_polite",
                "staff_listen",
                "staff_answer",
                "staff_guidance",
                "staff_once",
                "staff_integrity",
                "result_lawful",
                "result_complete",
                "result_accurate",
                "result_on_time",
                "feedback_channels",
                "feedback_easy",
                "feedback_handled",
                "feedback_reply",
            ]
        )
    },
    "gave_feedback": "1",
    "overall": "4",
    "improve_first": ["3", "4", "8"],
    "comment": "Thủ tục nhanh, cán bộ nhiệt tình; nên có thêm chỗ ngồi chờ.",
    "gender": "2",
    "age_band": "3",
    "education": "5",
    "occupation": "4",
}


def _raw_answers() -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in SIPAS_ANSWERS.items()}


def _last_page() -> int:
    return len(load_bundled("sipas", 1).page_blocks()) - 1


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _service_command() -> str:
    script = Path(sys.executable).with_name("survey-service")
    if not script.exists():
        pytest.fail(f"the survey-service console script is not installed beside {sys.executable}")
    return str(script)


def _group_size(pgid: int) -> int:
    """Live processes of the server's process group (supervisor and workers)."""
    count = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after the command: state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            count += 1
    return count


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the whole process group, then kill what is left."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_TIMEOUT_S)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=STOP_TIMEOUT_S)


def _wait_ready(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            reply = httpx.get(f"{base_url}/health/ready", timeout=2.0)
            if reply.status_code == 200:
                return
            last = f"{reply.status_code} {reply.text}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.2)
    pytest.fail(f"the server was not ready in {START_TIMEOUT_S:.0f} s ({last}):\n{log.read_text()}")


@pytest.fixture
def fx_postgres_database(fx_postgres_reason: str | None) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database of this test's own (whatever the backend)."""
    if fx_postgres_reason is not None:
        pytest.skip(fx_postgres_reason)
    url = databases.create_postgres_database()
    try:
        yield url
    finally:
        databases.drop_postgres_database(url)


@pytest.fixture
def fx_two_workers(fx_postgres_database: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``survey-service serve --workers 2`` on the database; yields (base URL, token)."""
    url = fx_postgres_database
    seed_small_city(url)
    (token,) = seed_invitations(url, 1)
    port = _free_port()
    env = {
        **os.environ,
        "SURVEY_DATABASE_URL": url,
        "SURVEY_SECRET_KEY": SECRET,
        "SURVEY_ENV": "test",
    }
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [_service_command(), "serve", "--workers", "2", "--no-migrate", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so teardown reaches the workers
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_ready(base_url, process, log)
        deadline = time.monotonic() + START_TIMEOUT_S
        while _group_size(process.pid) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _group_size(process.pid) >= 3, (
            f"expected a supervisor and two workers:\n{log.read_text()}"
        )
        yield base_url, token
    finally:
        _stop(process)


async def _race(base_url: str, token: str) -> list[httpx.Response]:
    """Open 50 connections, then release all the final submits at once."""
    body = {**SIPAS_ANSWERS, "_lang": "vi", "_page": str(_last_page()), "_action": "submit"}
    go = asyncio.Event()
    clients = [
        httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S) for _ in range(CONCURRENT)
    ]

    async def submit(n: int, client: httpx.AsyncClient) -> httpx.Response:
        await client.get("/health/live")  # the connection is open before the start signal
        await go.wait()
        return await client.post(f"/t/{token}", data={**body, "_key": f"race-{n:04d}-key"})

    try:
        tasks = [asyncio.create_task(submit(n, c)) for n, c in enumerate(clients)]
        await asyncio.sleep(0.5)
        go.set()
        return await asyncio.wait_for(asyncio.gather(*tasks), timeout=REQUEST_TIMEOUT_S * 2)
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


def _stored(url: str) -> tuple[list[int], list[tuple[str, int | None, str | None]], int]:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            responses = list(conn.scalars(select(Response.id)))
            answers = [
                (a.item_code, a.value, a.text)
                for a in conn.execute(select(Answer.item_code, Answer.value, Answer.text))
            ]
            events = conn.scalar(select(func.count()).select_from(FieldworkEvent))
            return responses, answers, int(events or 0)
    finally:
        engine.dispose()


def test_fifty_concurrent_submits_of_one_token_store_one_response(
    fx_two_workers: tuple[str, str], fx_postgres_database: str
) -> None:
    base_url, token = fx_two_workers
    replies = asyncio.run(_race(base_url, token))

    statuses = Counter(r.status_code for r in replies)
    accepted = [r for r in replies if r.status_code == 303]
    assert len(accepted) == 1, statuses
    assert accepted[0].headers["location"] == f"/thanks?u={COMMUNE_CODE}&lang=vi"
    refused = [r for r in replies if r.status_code != 303]
    assert {r.status_code for r in refused} == {409}, statuses
    assert all(ALREADY_ANSWERED in r.text for r in refused)

    expected = check_answers(load_bundled("sipas", 1), _raw_answers())
    responses, answers, events = _stored(fx_postgres_database)
    assert len(responses) == 1
    assert sorted(answers) == sorted((a.item_code, a.value, a.text) for a in expected)
    assert len(answers) == 22 + 1 + 1 + 3 + 1 + 4
    assert events == 1  # one "responded" fieldwork event for the sample member

    again = httpx.get(f"{base_url}/t/{token}", timeout=REQUEST_TIMEOUT_S)
    assert again.status_code == 409
    assert ALREADY_ANSWERED in again.text


def test_seed_invitations_after_small_city_on_postgresql(fx_postgres_database: str) -> None:
    seed_small_city(fx_postgres_database)
    assert len(seed_invitations(fx_postgres_database, 1)) == 1

"""Token links, receipts, open links: paging, skip logic, drafts, exactly once, abuse."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select, update

from instruments import load_bundled
from survey_service.app import create_app
from survey_service.auth import create_api_token
from survey_service.config import Settings
from survey_service.db.engine import make_sync_engine
from survey_service.db.models import (
    Answer,
    Dossier,
    FieldworkEvent,
    Response,
    SampleMember,
    Survey,
)
from tests.seed import COMMUNE_CODE, COMMUNE_NAME, FULL_ANSWERS, seed_invitations, seed_small_city

SIPAS = load_bundled("sipas", 1)


def _page_answers(page: int, feedback: bool) -> dict[str, str]:
    """Complete answers for one SIPAS page."""
    answers: dict[str, str] = {}
    by_code = {e.code: e for e in SIPAS.elements}
    for code in SIPAS.page_blocks()[page]:
        if code == "feedback" and not feedback:
            continue
        if code in by_code:
            answers.update({i.code: "4" for i in by_code[code].items})
        elif code == "gave_feedback":
            answers[code] = "1" if feedback else "2"
        elif code in ("overall",):
            answers[code] = "5"
    return answers


def _settings(url: str, **changes: object) -> Settings:
    return Settings(database_url=url, secret_key="q" * 40, environment="test", **changes)  # type: ignore[arg-type]


@pytest.fixture
def fx_city(fx_database_url: str) -> str:
    seed_small_city(fx_database_url)
    return fx_database_url


@pytest.fixture
def fx_client(fx_city: str) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(create_app(_settings(fx_city))) as client:
        yield client


def _count(url: str, model: type) -> int:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        engine.dispose()


def _post(client: TestClient, path: str, page: int, values: dict[str, str], **control: str):  # type: ignore[no-untyped-def,type-arg]
    body = {"_lang": "vi", "_page": str(page), "_key": "k" * 16, **values, **control}
    return client.post(path, data=body, follow_redirects=False)


def _walk(client: TestClient, path: str, feedback: bool) -> tuple[list[int], object]:  # type: ignore[type-arg]
    """Answer page after page as the server leads; return the pages seen and the last reply."""
    seen = [0]
    answers: dict[str, str] = {}
    page = 0
    while True:
        answers.update(_page_answers(page, feedback))
        reply = _post(client, path, page, answers)
        if reply.status_code != 200:
            return seen, reply
        page = int(re.search(r'name="_page" value="(\d+)"', reply.text).group(1))  # type: ignore[union-attr]
        seen.append(page)


@pytest.mark.parametrize(
    ("feedback", "pages"), [(False, [0, 1, 2, 3, 5, 6]), (True, [0, 1, 2, 3, 4, 5, 6])]
)
def test_invitation_walks_the_pages_and_skip_logic_decides_the_feedback_page(
    fx_client: TestClient,
    fx_city: str,
    feedback: bool,
    pages: list[int],  # type: ignore[type-arg]
) -> None:
    token = seed_invitations(fx_city, 1)[0]
    first = fx_client.get(f"/t/{token}")
    assert first.status_code == 200
    assert COMMUNE_NAME in first.text
    assert "Phần 1/6" in first.text
    seen, last = _walk(fx_client, f"/t/{token}", feedback)
    assert seen == pages
    assert last.status_code == 303  # type: ignore[attr-defined]
    engine = make_sync_engine(fx_city)
    with engine.connect() as conn:
        response = conn.execute(select(Response)).one()
        codes = set(conn.scalars(select(Answer.item_code).where(Answer.response_id == response.id)))
        outcome = conn.scalar(select(FieldworkEvent.outcome))
    engine.dispose()
    assert response.mode == "invitation"
    assert response.probability_sample is True
    assert response.language == "vi"
    assert response.sample_member_id is not None
    assert ("feedback_easy" in codes) is feedback
    assert len([c for c in codes if c in {i.code for i in SIPAS.items()}]) == (
        22 if feedback else 18
    )
    assert outcome == "responded"
    again = fx_client.get(f"/t/{token}")
    assert again.status_code == 409
    assert "Phiếu đã được trả lời" in again.text


def test_draft_is_saved_and_resumed(fx_client: TestClient, fx_city: str) -> None:  # type: ignore[type-arg]
    token = seed_invitations(fx_city, 1)[0]
    path = f"/t/{token}"
    assert _post(fx_client, path, 0, _page_answers(0, False)).status_code == 200
    partial = {**_page_answers(0, False), "procedure_posted": "2"}
    saved = _post(fx_client, path, 1, partial, _action="save")
    assert saved.status_code == 200
    assert "Đã lưu câu trả lời" in saved.text
    resumed = fx_client.get(path)
    assert 'name="_page" value="1"' in resumed.text
    assert re.search(r'name="procedure_posted" value="2" checked', resumed.text)
    assert 'name="access_seats" value="4"' in resumed.text  # earlier page kept as hidden field
    assert _count(fx_city, Response) == 0


def test_required_and_irrelevant_answers_are_refused_in_the_respondents_language(
    fx_client: TestClient,
    fx_city: str,  # type: ignore[type-arg]
) -> None:
    token = seed_invitations(fx_city, 1)[0]
    reply = _post(fx_client, f"/t/{token}", 0, {"access_seats": "4"}, _lang="en")
    assert reply.status_code == 422
    assert reply.text.count("Please answer this question.") == 6  # summary + beside each field
    answers = {**_page_answers(3, False), "feedback_easy": "5"}
    reply = _post(fx_client, f"/t/{token}", 4, answers)
    assert reply.status_code == 422
    assert "không áp dụng" in reply.text
    assert _count(fx_city, Response) == 0


@pytest.mark.parametrize(
    ("token", "status", "text"),
    [
        ("too-short", 400, "Đường liên kết không đúng"),
        ("A" * 24, 404, "Không tìm thấy phiếu khảo sát"),
    ],
)
def test_malformed_and_unknown_tokens(
    fx_client: TestClient, token: str, status: int, text: str
) -> None:  # type: ignore[type-arg]
    for reply in (fx_client.get(f"/t/{token}"), fx_client.post(f"/t/{token}", data=FULL_ANSWERS)):
        assert reply.status_code == status
        assert text in reply.text


def test_expired_token_is_410_and_stores_nothing(fx_client: TestClient, fx_city: str) -> None:  # type: ignore[type-arg]
    token = seed_invitations(fx_city, 1, expires_in_days=-1)[0]
    assert fx_client.get(f"/t/{token}").status_code == 410
    reply = _post(fx_client, f"/t/{token}", 0, _page_answers(0, False))
    assert reply.status_code == 410
    assert "hết hạn" in reply.text
    assert _count(fx_city, Response) == 0


def test_wrong_content_type_is_415(fx_client: TestClient, fx_city: str) -> None:  # type: ignore[type-arg]
    reply = fx_client.post(f"/u/{COMMUNE_CODE}", json=FULL_ANSWERS)
    assert reply.status_code == 415
    assert _count(fx_city, Response) == 0


def test_receipt_token_api_link_and_reprint(fx_client: TestClient, fx_city: str) -> None:  # type: ignore[type-arg]
    seed_invitations(fx_city, 1)
    engine = make_sync_engine(fx_city)
    with engine.begin() as conn:
        api_token = create_api_token(conn, "mot-cua")
        dossier = conn.scalar(select(Dossier.code))
        survey = conn.scalar(select(Survey.code).where(Survey.code.like("T-2025%")))
    engine.dispose()
    body = {"dossier_code": dossier, "survey_code": survey}
    assert fx_client.post("/api/receipts", json=body).status_code == 401
    bad = fx_client.post("/api/receipts", json=body, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    auth = {"Authorization": f"Bearer {api_token}"}
    first = fx_client.post("/api/receipts", json=body, headers=auth).json()
    second = fx_client.post("/api/receipts", json=body, headers=auth).json()
    assert first["token"] != second["token"]
    assert first["qr_svg"].startswith("<svg")
    assert fx_client.get(f"/r/{first['token']}").status_code == 404  # reprinted: old one is void
    path = f"/r/{second['token']}"
    png = fx_client.get(f"{path}/qr.png")
    assert png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    reply = _post(fx_client, path, 0, dict(FULL_ANSWERS))
    assert reply.status_code == 303
    assert fx_client.get(path).status_code == 409
    missing = fx_client.post("/api/receipts", json={"dossier_code": "NOPE"}, headers=auth)
    assert missing.status_code == 404


def test_open_link_qr_codes_and_poster(fx_client: TestClient) -> None:  # type: ignore[type-arg]
    svg = fx_client.get(f"/u/{COMMUNE_CODE}/qr.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "<title>Xã Sóc Sơn</title>" in svg.text
    assert fx_client.get(f"/u/{COMMUNE_CODE}/qr.png").content[:4] == b"\x89PNG"
    poster = fx_client.get(f"/u/{COMMUNE_CODE}/poster")
    assert poster.status_code == 200
    assert "<h1>Xã Sóc Sơn</h1>" in poster.text
    assert "size: A4" in poster.text
    assert f"/u/{COMMUNE_CODE}" in poster.text
    assert fx_client.get("/u/NOPE/poster").status_code == 404


def _flags(url: str) -> list[list[str]]:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            return [list(f) for f in conn.scalars(select(Response.flags).order_by(Response.id))]
    finally:
        engine.dispose()


def test_open_link_flags_speeding_straight_lining_and_missing_timing(
    fx_client: TestClient, fx_city: str
) -> None:  # type: ignore[type-arg]
    page = fx_client.get(f"/u/{COMMUNE_CODE}")
    started = re.search(r'name="_t" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    flat = {k: ("4" if v.isdigit() else v) for k, v in FULL_ANSWERS.items()}
    fx_client.cookies.clear()
    assert (
        _post(fx_client, f"/u/{COMMUNE_CODE}", 0, flat, _t=started, _key="a" * 16).status_code
        == 303
    )
    fx_client.cookies.clear()
    assert (
        _post(
            fx_client, f"/u/{COMMUNE_CODE}", 0, dict(FULL_ANSWERS), _key="b" * 16, _t="1.forged"
        ).status_code
        == 303
    )
    assert _flags(fx_city) == [["speeding", "straight_lining"], ["no_timing"]]


def test_open_link_one_answer_per_device_and_rate_limit(fx_city: str) -> None:
    with TestClient(create_app(_settings(fx_city, open_link_limit=2, burst_threshold=1))) as client:
        client.get(f"/u/{COMMUNE_CODE}")  # sets the device cookie
        assert (
            _post(client, f"/u/{COMMUNE_CODE}", 0, dict(FULL_ANSWERS), _key="c" * 16).status_code
            == 303
        )
        same_device = _post(client, f"/u/{COMMUNE_CODE}", 0, dict(FULL_ANSWERS), _key="d" * 16)
        assert same_device.status_code == 409
        client.cookies.clear()
        assert (
            _post(client, "/u/P-HOANKIEM", 0, dict(FULL_ANSWERS), _key="e" * 16).status_code == 303
        )
        client.cookies.clear()
        limited = _post(client, f"/u/{COMMUNE_CODE}", 0, dict(FULL_ANSWERS), _key="f" * 16)
        assert limited.status_code == 429
        assert "Quá nhiều lượt gửi" in limited.text
    assert _count(fx_city, Response) == 2
    assert _flags(fx_city)[1][-1] == "burst"


def test_used_token_after_expiry_change_and_concurrent_key_reuse(
    fx_client: TestClient, fx_city: str
) -> None:  # type: ignore[type-arg]
    token = seed_invitations(fx_city, 1)[0]
    answers: dict[str, str] = {}
    for page in range(7):
        answers.update(_page_answers(page, False))
    first = _post(fx_client, f"/t/{token}", 6, answers, _action="submit", _key="same" * 4)
    assert first.status_code == 303
    # The same submission again (a double tap): the token check answers first.
    again = _post(fx_client, f"/t/{token}", 6, answers, _action="submit", _key="same" * 4)
    assert again.status_code == 409
    engine = make_sync_engine(fx_city)
    with engine.begin() as conn:
        conn.execute(
            update(SampleMember).values(token_expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        )
    engine.dispose()
    assert fx_client.get(f"/t/{token}").status_code == 410
    assert _count(fx_city, Response) == 1

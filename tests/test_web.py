"""The citizen path over HTTP against a real database: answer, submit, read back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from survey_service.app import create_app
from survey_service.config import Settings
from survey_service.db.engine import make_sync_engine
from survey_service.db.models import Answer, Response
from tests.seed import COMMUNE_CODE, COMMUNE_NAME, FULL_ANSWERS, WARD_CODE, seed_small_city


def _client(url: str) -> TestClient:  # type: ignore[type-arg]
    settings = Settings(database_url=url, secret_key="t" * 40, environment="test")
    return TestClient(create_app(settings))


@pytest.fixture
def fx_client(fx_database_url: str) -> Iterator[TestClient]:  # type: ignore[type-arg]
    seed_small_city(fx_database_url)
    with _client(fx_database_url) as client:
        yield client


def _stored(url: str) -> tuple[int, int]:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            responses = conn.scalar(select(func.count()).select_from(Response))
            answers = conn.scalar(select(func.count()).select_from(Answer))
            return int(responses or 0), int(answers or 0)
    finally:
        engine.dispose()


def test_form_submit_is_stored_and_read_back(fx_any_backend_url: str) -> None:
    url = fx_any_backend_url
    seed_small_city(url)
    with _client(url) as client:
        page = client.get(f"/u/{COMMUNE_CODE}")
        assert page.status_code == 200
        assert COMMUNE_NAME in page.text
        reply = client.post(
            f"/u/{COMMUNE_CODE}",
            data={**FULL_ANSWERS, "_lang": "vi", "_key": "k-0123456789"},
            follow_redirects=False,
        )
        assert reply.status_code == 303
        assert reply.headers["location"] == f"/thanks?u={COMMUNE_CODE}&lang=vi"
        thanks = client.get(reply.headers["location"])
        assert "Xin cảm ơn" in thanks.text

    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            response = conn.execute(select(Response)).one()
            answers = {
                a.item_code: (a.value, a.text, a.satisfied)
                for a in conn.execute(select(Answer).where(Answer.response_id == response.id))
            }
    finally:
        engine.dispose()
    assert response.mode == "open_link"
    assert response.probability_sample is False
    assert response.language == "vi"
    assert len(response.content_hash) == 64
    assert answers == {
        "access_facilities": (5, None, True),
        "procedure_clear": (4, None, True),
        "staff_attitude": (3, None, False),
        "staff_competence": (5, None, True),
        "result_on_time": (2, None, False),
        "overall": (4, None, True),
        "comment": (None, FULL_ANSWERS["comment"], None),
    }


def test_repeated_submit_with_same_key_is_stored_once(
    fx_client: TestClient, fx_database_url: str
) -> None:  # type: ignore[type-arg]
    body = {**FULL_ANSWERS, "_lang": "en", "_key": "same-key-42424242"}
    for _ in range(3):
        reply = fx_client.post(f"/u/{WARD_CODE}", data=body, follow_redirects=False)
        assert reply.status_code == 303
    assert _stored(fx_database_url) == (1, 7)


def test_json_submit_and_counts(fx_client: TestClient, fx_database_url: str) -> None:  # type: ignore[type-arg]
    answers = {k: (int(v) if v.isdigit() else v) for k, v in FULL_ANSWERS.items()}
    reply = fx_client.post(
        f"/api/units/{WARD_CODE}/responses", json={"answers": answers, "language": "en"}
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["answers_stored"] == 7
    counts = {c["unit_code"]: c["responses"] for c in fx_client.get("/api/responses/counts").json()}
    assert counts == {"HN": 0, COMMUNE_CODE: 0, WARD_CODE: 1}


def test_unknown_unit_is_a_404_page_and_stores_nothing(
    fx_client: TestClient, fx_database_url: str
) -> None:  # type: ignore[type-arg]
    page = fx_client.get("/u/X-KHONGCO")
    assert page.status_code == 404
    assert "Không tìm thấy trang" in page.text
    posted = fx_client.post("/u/X-KHONGCO", data=FULL_ANSWERS)
    assert posted.status_code == 404
    api = fx_client.post("/api/units/X-KHONGCO/responses", json={"answers": {"overall": 5}})
    assert api.status_code == 404
    assert "X-KHONGCO" in api.json()["detail"]
    assert _stored(fx_database_url) == (0, 0)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"staff_attitude": "9"}, "staff_attitude", "This is not one of the choices."),
        ({"staff_attitude": "abc"}, "staff_attitude", "This is not one of the choices."),
        ({"overall": ""}, "overall", "Please answer this question."),
        ({"ballot_stuffing": "5"}, "ballot_stuffing", "This question is not part of the form."),
        ({"comment": "x" * 1001}, "comment", "This answer is too long."),
    ],
)
def test_malformed_form_is_422_naming_the_field(
    fx_client: TestClient,
    fx_database_url: str,
    change: dict[str, str],
    field: str,
    message: str,  # type: ignore[type-arg]
) -> None:
    reply = fx_client.post(f"/u/{COMMUNE_CODE}", data={**FULL_ANSWERS, **change, "_lang": "en"})
    assert reply.status_code == 422
    assert f'href="#q-{field}"' in reply.text
    assert message in reply.text
    assert _stored(fx_database_url) == (0, 0)


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"answers": {"overall": 7}}, "answers.overall"),
        ({"answers": {"overall": 5, "nope": 1}}, "answers.nope"),
    ],
)
def test_malformed_json_is_422_naming_the_field(
    fx_client: TestClient,
    fx_database_url: str,
    body: dict[str, object],
    key: str,  # type: ignore[type-arg]
) -> None:
    reply = fx_client.post(f"/api/units/{COMMUNE_CODE}/responses", json=body)
    assert reply.status_code == 422
    assert key in [e["key"] for e in reply.json()["extra"]]
    assert _stored(fx_database_url) == (0, 0)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"answers": {"overall": 5}, "language": "fr"}, "language"),
        ({"answers": "all good"}, "answers"),
        ({"answers": {}, "extra": 1}, "extra"),
    ],
)
def test_ill_typed_json_is_400_naming_the_field(
    fx_client: TestClient,
    fx_database_url: str,
    body: dict[str, object],
    needle: str,  # type: ignore[type-arg]
) -> None:
    reply = fx_client.post(f"/api/units/{COMMUNE_CODE}/responses", json=body)
    assert reply.status_code == 400
    assert needle in reply.text
    assert _stored(fx_database_url) == (0, 0)


def test_oversized_body_is_refused(fx_client: TestClient, fx_database_url: str) -> None:  # type: ignore[type-arg]
    reply = fx_client.post(f"/u/{COMMUNE_CODE}", data={**FULL_ANSWERS, "comment": "x" * 100_000})
    assert reply.status_code == 413
    assert _stored(fx_database_url) == (0, 0)


def test_api_lists_units_and_instruments(fx_client: TestClient) -> None:  # type: ignore[type-arg]
    units = fx_client.get("/api/units").json()
    assert [(u["code"], u["name"], u["parent_code"]) for u in units] == [
        ("HN", "Thành phố Hà Nội", None),
        ("P-HOANKIEM", "Phường Hoàn Kiếm", "HN"),
        ("X-SOCSON", "Xã Sóc Sơn", "HN"),
    ]
    only_wards = fx_client.get("/api/units", params={"kind": "ward"}).json()
    assert [u["code"] for u in only_wards] == ["P-HOANKIEM"]
    instruments = fx_client.get("/api/instruments").json()
    assert [(i["slug"], [v["items"] for v in i["versions"]]) for i in instruments] == [
        ("short-post-result", [5]),
        ("sipas", [22]),
    ]


def test_health_and_schema(fx_client: TestClient) -> None:  # type: ignore[type-arg]
    assert fx_client.get("/health/live").json()["status"] == "ok"
    assert fx_client.get("/health/ready").json()["status"] == "ok"
    schema = fx_client.get("/schema/openapi.json").json()
    assert "/api/units" in schema["paths"]
    assert "/api/units/{unit_code}/responses" in schema["paths"]


def test_ready_is_503_when_database_is_not_migrated(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with _client(f"sqlite:///{tmp_path / 'empty.db'}") as client:
        reply = client.get("/health/ready")
    assert reply.status_code == 503
    assert reply.json()["status"] == "unavailable"


def test_home_lists_units_with_links(fx_client: TestClient) -> None:  # type: ignore[type-arg]
    page = fx_client.get("/")
    assert page.status_code == 200
    assert f'href="/u/{COMMUNE_CODE}?lang=vi">{COMMUNE_NAME}</a>' in page.text

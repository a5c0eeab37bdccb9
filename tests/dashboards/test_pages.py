"""The dashboard pages: what each role sees, periods, preview, language, no leaks."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from survey_service.app import create_app
from survey_service.config import Settings
from survey_service.db.enums import Role
from tests.dashboards.conftest import SURVEYS
from tests.seed import seed_small_city
from tests.staff import create_staff, csrf_token, login

COMMUNE = "X-SOCSON"


def _client(url: str) -> TestClient:  # type: ignore[type-arg]
    return TestClient(create_app(Settings(database_url=url, secret_key="d" * 40)))


@pytest.fixture
def fx_reviewer(fx_published_url: str, request: pytest.FixtureRequest) -> Iterator[TestClient]:  # type: ignore[type-arg]
    name = re.sub(r"[^a-z0-9_-]", "-", f"rev-{request.node.name}".lower())[:60]
    password = create_staff(fx_published_url, name, Role.REVIEWER, (COMMUNE,))
    with _client(fx_published_url) as client:
        login(client, name, password)
        yield client


@pytest.fixture
def fx_statistician(fx_published_url: str, request: pytest.FixtureRequest) -> Iterator[TestClient]:  # type: ignore[type-arg]
    name = re.sub(r"[^a-z0-9_-]", "-", f"stat-{request.node.name}".lower())[:60]
    password = create_staff(fx_published_url, name, Role.STATISTICIAN)
    with _client(fx_published_url) as client:
        login(client, name, password)
        yield client


def test_reviewer_lists_and_reads_only_their_unit(fx_reviewer: TestClient) -> None:  # type: ignore[type-arg]
    listing = fx_reviewer.get("/staff/scorecard")
    assert listing.status_code == 200
    assert re.findall(r'href="/staff/units/([^"?]+)"', listing.text) == [COMMUNE]
    page = fx_reviewer.get(f"/staff/units/{COMMUNE}")
    assert page.status_code == 200
    assert "Kết quả đã công bố ngày" in page.text
    for heading in (
        "Chỉ số hài lòng chung",
        "Các yếu tố và tiêu chí",
        "Diễn biến qua các kỳ",
        "So sánh với thành phố",
        "Cần cải thiện trước",
        "Phân bố câu trả lời theo tiêu chí",
        "Ý kiến gần đây",
    ):
        assert heading in page.text
    assert f"/staff/exports/{SURVEYS[1]}/estimates.xlsx?unit={COMMUNE}" in page.text
    assert page.text.count("<svg") >= 4
    assert "<title id=" in page.text
    for path in (
        "/staff/units/HN",
        "/staff/units/P-HOANKIEM",
        "/staff/units/NO-SUCH-UNIT",
        "/staff/scorecard?unit=HN",
        f"/staff/units/{COMMUNE}?survey=NO-SUCH-SURVEY",
    ):
        assert fx_reviewer.get(path, follow_redirects=False).status_code == 404, path
    assert (
        fx_reviewer.get(f"/staff/scorecard?unit={COMMUNE}", follow_redirects=False).headers[
            "location"
        ]
        == f"/staff/units/{COMMUNE}"
    )


def test_period_filter_and_reviewers_get_no_preview(fx_reviewer: TestClient) -> None:  # type: ignore[type-arg]
    older = fx_reviewer.get(f"/staff/units/{COMMUNE}?survey={SURVEYS[0]}")
    assert older.status_code == 200
    assert f'<option value="{SURVEYS[0]}" selected>' in older.text
    preview = fx_reviewer.get(f"/staff/units/{COMMUNE}?preview=true")
    assert "CHƯA công bố" not in preview.text
    assert 'name="preview"' not in preview.text


def test_league_links_only_to_units_in_scope(fx_reviewer: TestClient) -> None:  # type: ignore[type-arg]
    page = fx_reviewer.get("/staff/league")
    assert page.status_code == 200
    assert "Khoảng xếp hạng" in page.text
    linked = re.findall(r'href="/staff/units/([^"?]+)', page.text)
    assert linked == [COMMUNE]
    departments = fx_reviewer.get(
        f"/staff/league?kind=department&variable=staff&survey={SURVEYS[0]}"
    )
    assert departments.status_code == 200
    assert 'table class="league"' in departments.text
    assert fx_reviewer.get("/staff/league?survey=NOPE").status_code == 404


def test_statistician_previews_live_estimates_in_english(fx_statistician: TestClient) -> None:  # type: ignore[type-arg]
    switched = fx_statistician.post(
        "/staff/language",
        data={"lang": "en", "next": "/staff/units/HN", "_csrf_token": csrf_token(fx_statistician)},
        follow_redirects=False,
    )
    assert switched.status_code == 303
    city = fx_statistician.get("/staff/units/HN")
    assert "Overall satisfaction index" in city.text
    assert "Results published on" in city.text
    preview = fx_statistician.get(f"/staff/units/{COMMUNE}?preview=true&survey={SURVEYS[0]}")
    assert preview.status_code == 200
    assert "NOT published" in preview.text
    assert "Overall satisfaction index" in preview.text


def test_pages_without_published_results(fx_database_url: str) -> None:
    seed_small_city(fx_database_url)
    password = create_staff(fx_database_url, "admin", Role.ADMINISTRATOR)
    with _client(fx_database_url) as client:
        login(client, "admin", password)
        for path in (f"/staff/units/{COMMUNE}", "/staff/league", "/staff/scorecard"):
            reply = client.get(path)
            assert reply.status_code == 200, path
            assert "Chưa có kết quả nào được công bố" in reply.text, path

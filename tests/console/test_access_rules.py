"""Who may use the console: statisticians and administrators; others get 403, nobody a login."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_service.db.models import Dossier, SampleDesign
from tests.console.conftest import City
from tests.samples.city import DESIGN_FILE, SURVEY, client, count, query
from tests.staff import csrf_token, login

PAGES = [
    "/staff/console",
    "/staff/console/frame",
    f"/staff/console/surveys/{SURVEY}/designs",
    f"/staff/console/surveys/{SURVEY}/preview",
    f"/staff/console/surveys/{SURVEY}/fieldwork",
    f"/staff/console/surveys/{SURVEY}/weights",
]
POSTS = [
    "/staff/console/frame",
    f"/staff/console/surveys/{SURVEY}/designs",
    f"/staff/console/surveys/{SURVEY}/draw",
    f"/staff/console/surveys/{SURVEY}/invitations",
    f"/staff/console/surveys/{SURVEY}/weights",
]


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_other_roles_get_403_on_every_page_and_form(fx_city: City, role: str) -> None:
    with client(fx_city.url) as other:
        login(other, role, fx_city.passwords[role])
        for path in PAGES:
            assert other.get(path).status_code == 403, path
        token = csrf_token(other)
        for path in POSTS:
            reply = other.post(path, data={"_csrf_token": token, "text": "x", "seed": "1"})
            assert reply.status_code == 403, path
    assert count(fx_city.url, SampleDesign) == 0


def test_nobody_is_sent_to_the_login_page(fx_city: City) -> None:
    with client(fx_city.url) as anonymous:
        for path in PAGES:
            reply = anonymous.get(path, follow_redirects=False)
            assert reply.status_code == 303, path
            assert reply.headers["location"].startswith("/login"), path


@pytest.mark.parametrize("role", ["statistician", "administrator"])
def test_console_roles_see_the_surveys(fx_city: City, role: str) -> None:
    with client(fx_city.url) as staff:
        login(staff, role, fx_city.passwords[role])
        page = staff.get("/staff/console")
    assert page.status_code == 200
    assert SURVEY in page.text
    assert "Khảo sát thử" in page.text  # the seeded survey's title


def test_forms_without_the_csrf_token_are_refused(fx_city: City) -> None:
    dossiers = count(fx_city.url, Dossier)
    with client(fx_city.url) as staff:
        login(staff, "statistician", fx_city.passwords["statistician"])
        design = DESIGN_FILE.read_text(encoding="utf-8")
        reply = staff.post(POSTS[1], data={"text": design, "syntax": "toml"})
        assert reply.status_code == 403
        reply = staff.post(POSTS[1], data={"text": design, "syntax": "toml", "_csrf_token": "x"})
        assert reply.status_code == 403
        for path in POSTS[2:]:
            assert staff.post(path, data={"seed": "1"}).status_code == 403, path
    assert count(fx_city.url, SampleDesign) == 0
    assert count(fx_city.url, Dossier) == dossiers
    assert query(fx_city.url, select(SampleDesign.id)) == []


# Litestar's CSRF middleware reads the multipart form to look for the token and refuses the
# request without closing the uploaded file's SpooledTemporaryFile; the collector closes it,
# with an "unraisable exception" warning that is the middleware's, not the console's.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_upload_without_the_csrf_token_is_refused(fx_city: City) -> None:
    dossiers = count(fx_city.url, Dossier)
    with client(fx_city.url) as staff:
        login(staff, "statistician", fx_city.passwords["statistician"])
        frame = ("frame.csv", b"dossier_code\nH-1\n", "text/csv")
        assert staff.post(POSTS[0], files={"file": frame}).status_code == 403
    assert count(fx_city.url, Dossier) == dossiers

"""Downloads from /staff/exports: who gets what, in which file, and the audit trail.

A reviewer of one commune gets that commune's rows only (and 404 for any other unit
named in the query, as for a unit that does not exist); microdata is for statisticians
and administrators (403 for reviewers and viewers); nobody logged in is sent to the
login page (401 for API clients).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from survey_service.app import create_app
from survey_service.config import Settings
from survey_service.db.engine import make_sync_engine
from survey_service.db.enums import Role, UnitKind
from survey_service.db.models import AuditEntry, Response, Unit, User
from survey_service.features.dashboards.published import latest_snapshots
from survey_service.features.dashboards.snapshot import publish_results
from tests.staff import create_staff, login

SURVEY = "DEMO-2025-Q3"
BASE = f"/staff/exports/{SURVEY}"
Client = TestClient[Litestar]


def _communes(url: str) -> list[str]:
    """Communes with respondents of the probability sample in the Q3 survey."""
    engine = make_sync_engine(url)
    with engine.connect() as conn:
        codes = conn.scalars(
            select(Unit.code)
            .join(Response, Response.unit_id == Unit.id)
            .where(Unit.kind == UnitKind.COMMUNE, Response.sample_member_id.is_not(None))
            .where(Response.survey_id == 1)
            .distinct()
        ).all()
    engine.dispose()
    return sorted(codes)


@pytest.fixture(scope="module")
def fx_app(fx_demo_url: str) -> tuple[str, dict[str, str]]:
    """The demo city, Q3 published, with one staff member of each kind (name -> password)."""
    engine = make_sync_engine(fx_demo_url)
    with engine.begin() as conn:
        if not any(s.survey_code == SURVEY for s in latest_snapshots(conn)):
            publish_results(conn, SURVEY, by_user_id=None)
    engine.dispose()
    commune = _communes(fx_demo_url)[0]
    passwords = {
        "exp-reviewer": create_staff(fx_demo_url, "exp-reviewer", Role.REVIEWER, (commune,)),
        "exp-viewer": create_staff(fx_demo_url, "exp-viewer", Role.VIEWER),
        "exp-statistician": create_staff(fx_demo_url, "exp-statistician", Role.STATISTICIAN),
        "exp-admin": create_staff(fx_demo_url, "exp-admin", Role.ADMINISTRATOR),
    }
    return fx_demo_url, passwords


def _client(url: str) -> Client:
    settings = Settings(
        database_url=url,
        secret_key="k" * 40,
        environment="test",
        public_base_url="http://testserver.local",
    )
    return TestClient(create_app(settings))


@pytest.fixture(scope="module")
def fx_as(fx_app: tuple[str, dict[str, str]]) -> Iterator[dict[str, Client]]:
    """A logged-in client per staff member, and one nobody logged in."""
    url, passwords = fx_app
    clients = {name: _client(url) for name in [*passwords, "nobody"]}
    for client in clients.values():
        client.__enter__()
    for name, password in passwords.items():
        login(clients[name], name, password)
    yield clients
    for client in clients.values():
        client.__exit__(None, None, None)


def _csv_units(content: bytes) -> set[str]:
    rows = csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""))
    return {row["unit_code"] for row in rows}


def test_nobody_logged_in_is_sent_to_the_login_page(fx_as: dict[str, Client]) -> None:
    pages = ["/staff/exports", *(f"{BASE}/{f}" for f in ("estimates.csv", "estimates.xlsx"))]
    for path in [*pages, f"{BASE}/microdata.zip"]:
        reply = fx_as["nobody"].get(path, follow_redirects=False)
        assert reply.status_code == 303, path
        assert reply.headers["location"].startswith("/login?next=")
    api = fx_as["nobody"].get(f"{BASE}/estimates.csv", headers={"Authorization": "Bearer x"})
    assert api.status_code == 401


def test_a_reviewer_gets_only_their_commune(
    fx_as: dict[str, Client], fx_app: tuple[str, dict[str, str]]
) -> None:
    url, _ = fx_app
    mine, other = _communes(url)[:2]
    reply = fx_as["exp-reviewer"].get(f"{BASE}/estimates.csv")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/csv")
    assert reply.headers["content-disposition"] == (
        f'attachment; filename="{SURVEY}-estimates.csv"'
    )
    assert _csv_units(reply.content) == {mine}
    narrowed = fx_as["exp-reviewer"].get(f"{BASE}/estimates.csv", params={"unit": mine})
    assert _csv_units(narrowed.content) == {mine}
    for guessed in (other, "HN", "NO-SUCH-UNIT"):
        for suffix in ("csv", "xlsx"):
            refused = fx_as["exp-reviewer"].get(
                f"{BASE}/estimates.{suffix}", params={"unit": guessed}
            )
            assert refused.status_code == 404, (guessed, suffix)
            assert mine not in refused.text


def test_reviewers_get_the_published_figures_and_never_live_ones(
    fx_as: dict[str, Client], fx_app: tuple[str, dict[str, str]]
) -> None:
    url, _ = fx_app
    mine = _communes(url)[0]
    published = fx_as["exp-reviewer"].get(f"{BASE}/estimates.csv", params={"source": "published"})
    assert published.content == fx_as["exp-reviewer"].get(f"{BASE}/estimates.csv").content
    live = fx_as["exp-reviewer"].get(f"{BASE}/estimates.csv", params={"source": "live"})
    assert live.status_code == 403
    assert fx_as["exp-viewer"].get(f"{BASE}/estimates.xlsx?source=live").status_code == 403
    # The Q4 survey is not published: reviewers get nothing, analysts live estimates.
    q4 = "/staff/exports/DEMO-2025-Q4/estimates.csv"
    assert fx_as["exp-reviewer"].get(q4).status_code == 404
    assert fx_as["exp-statistician"].get(q4).status_code == 200
    assert "DEMO-2025-Q4" not in fx_as["exp-reviewer"].get("/staff/exports").text
    assert "DEMO-2025-Q4" in fx_as["exp-statistician"].get("/staff/exports").text
    rows = list(csv.DictReader(io.StringIO(published.content.decode("utf-8-sig"))))
    analyst = fx_as["exp-statistician"].get(f"{BASE}/estimates.csv", params={"source": "live"})
    fresh = {
        (r["unit_code"], r["variable"]): r
        for r in csv.DictReader(io.StringIO(analyst.content.decode("utf-8-sig")))
    }
    assert {r["unit_code"] for r in rows} == {mine}
    for row in rows:  # nothing changed since publishing: the same figures
        assert row == fresh[row["unit_code"], row["variable"]]


def test_the_xlsx_download_opens_with_openpyxl(fx_as: dict[str, Client]) -> None:
    reply = fx_as["exp-viewer"].get(f"{BASE}/estimates.xlsx")
    assert reply.status_code == 200
    assert reply.headers["content-disposition"].endswith(f'filename="{SURVEY}-estimates.xlsx"')
    book = load_workbook(io.BytesIO(reply.content), read_only=True)
    rows = list(book["estimates"].iter_rows(values_only=True))
    units = {row[rows[0].index("unit_code")] for row in rows[1:]}
    assert len(units) == 185  # a viewer sees the whole city
    assert "Thành phố Hà Nội" in {row[rows[0].index("unit_name")] for row in rows[1:]}
    book.close()
    narrowed = fx_as["exp-viewer"].get(f"{BASE}/estimates.csv", params={"unit": "HN"})
    assert len(_csv_units(narrowed.content)) == 185


@pytest.mark.parametrize(
    ("who", "status"),
    [("exp-reviewer", 403), ("exp-viewer", 403), ("exp-statistician", 200), ("exp-admin", 200)],
)
def test_microdata_is_for_analysts_only(fx_as: dict[str, Client], who: str, status: int) -> None:
    reply = fx_as[who].get(f"{BASE}/microdata.zip")
    assert reply.status_code == status
    if status == 200:
        assert reply.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(reply.content)) as archive:
            names = archive.namelist()
            data = archive.read(names[0]).decode("utf-8")
        assert names == [
            f"{SURVEY}-microdata/{n}" for n in ("microdata.csv", "codebook.json", "codebook.md")
        ]
        assert data.startswith("respondent_id,unit,stratum,psu,fpc,weight")


def test_an_unknown_survey_is_404_for_whoever_may_download(fx_as: dict[str, Client]) -> None:
    for who in ("exp-reviewer", "exp-statistician"):
        for path in ("estimates.csv", "estimates.xlsx", "microdata.zip"):
            reply = fx_as[who].get(f"/staff/exports/NOPE/{path}")
            expected = 403 if (who, path) == ("exp-reviewer", "microdata.zip") else 404
            assert reply.status_code == expected, (who, path)


def test_the_page_links_the_downloads_each_role_may_use(fx_as: dict[str, Client]) -> None:
    reviewer = fx_as["exp-reviewer"].get("/staff/exports")
    assert reviewer.status_code == 200
    assert f"{BASE}/estimates.xlsx" in reviewer.text
    assert "microdata.zip" not in reviewer.text
    statistician = fx_as["exp-statistician"].get("/staff/exports")
    assert f"{BASE}/microdata.zip" in statistician.text


def test_every_download_is_audited(
    fx_as: dict[str, Client], fx_app: tuple[str, dict[str, str]]
) -> None:
    url, _ = fx_app
    assert fx_as["exp-statistician"].get(f"{BASE}/estimates.csv").status_code == 200
    assert fx_as["exp-statistician"].get(f"{BASE}/estimates.xlsx").status_code == 200
    assert fx_as["exp-statistician"].get(f"{BASE}/microdata.zip").status_code == 200
    engine = make_sync_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditEntry.action, AuditEntry.object_id, AuditEntry.detail)
            .join(User, User.id == AuditEntry.user_id)
            .where(User.username == "exp-statistician", AuditEntry.action.like("export.%"))
            .order_by(AuditEntry.id.desc())
            .limit(3)
        ).all()
    engine.dispose()
    assert [r.action for r in rows] == [
        "export.microdata", "export.estimates.xlsx", "export.estimates.csv",
    ]  # fmt: skip
    assert {r.object_id for r in rows} == {SURVEY}
    assert rows[0].detail["rows"] == 2390
    assert rows[1].detail["source"].startswith("published snapshot")


def test_the_printable_scorecard_is_one_unit_for_its_reviewer(
    fx_as: dict[str, Client], fx_app: tuple[str, dict[str, str]]
) -> None:
    url, _ = fx_app
    mine, other = _communes(url)[:2]
    page = fx_as["exp-reviewer"].get(f"{BASE}/print/{mine}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "@page" not in page.text  # the print rules live in the stylesheet
    assert "/static/print_scorecard.css" in page.text
    assert "Chỉ số hài lòng chung" in page.text  # the reviewer's language: Vietnamese
    # Vietnamese figures: a decimal comma and a no-break space before the percent sign.
    assert re.search(r"\d+,\d\u00a0%", page.text)
    assert not re.search(r"\d+\.\d ?%", page.text)
    assert "published snapshot" in page.text
    for guessed in (other, "HN", "NO-SUCH-UNIT"):
        assert fx_as["exp-reviewer"].get(f"{BASE}/print/{guessed}").status_code == 404
    assert fx_as["exp-reviewer"].get(f"{BASE}/print/{mine}?source=live").status_code == 403
    live = fx_as["exp-statistician"].get(f"/staff/exports/DEMO-2025-Q4/print/{mine}")
    assert live.status_code == 200
    assert "live estimates (not published)" in live.text
    css = fx_as["nobody"].get("/static/print_scorecard.css")
    assert "@page" in css.text

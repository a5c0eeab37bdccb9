"""Publishing a period's results from the console: the snapshot, who published it, refusals."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from survey_service.db.models import AuditEntry, PublishedPart, PublishedResult, User
from survey_service.demo import build_demo
from tests.console.conftest import City
from tests.samples.city import SURVEY, client, count, query
from tests.staff import create_staff, csrf_token, login

DEMO_SURVEY = "DEMO-2025-Q3"


def _last_published(page: str, survey_code: str) -> str:
    """What the survey's card says about its newest publication."""
    card = page.split(f'data-survey="{survey_code}"', 1)[1]
    found = re.search(r'class="last-published">(.*?)</dd>', card, re.S)
    assert found is not None
    return " ".join(found.group(1).split())


def test_publishing_freezes_a_snapshot_and_the_list_shows_it(fx_database_url: str) -> None:
    url = fx_database_url
    build_demo(url, n_dossiers=2_000, seed=20250701, progress=False)
    password = create_staff(url, "thongke", "statistician")
    with client(url) as staff:
        login(staff, "thongke", password)
        before = staff.get("/staff/console")
        assert _last_published(before.text, DEMO_SURVEY) == "chưa công bố"
        reply = staff.post(
            f"/staff/console/surveys/{DEMO_SURVEY}/publish",
            data={"_csrf_token": csrf_token(staff)},
        )
    assert reply.status_code == 200, reply.text
    ((snapshot, by),) = query(url, select(PublishedResult.id, PublishedResult.published_by))
    (user_id,) = query(url, select(User.id).where(User.username == "thongke"))[0]
    assert by == user_id
    units = query(
        url,
        select(func.count())
        .select_from(PublishedPart)
        .where(PublishedPart.result_id == snapshot, PublishedPart.part == "unit"),
    )[0][0]
    message = re.search(r'id="published">([^<]*)<', reply.text)
    assert message is not None
    assert f"{units} đơn vị" in message.group(1)
    assert f"#{snapshot}" in message.group(1)
    assert _last_published(reply.text, DEMO_SURVEY).endswith(f"#{snapshot} · thongke")
    ((detail,),) = query(
        url, select(AuditEntry.detail).where(AuditEntry.action == "results.publish")
    )
    assert detail == {"done": True, "snapshot": snapshot, "units": units}


def test_a_survey_without_responses_is_refused_and_nothing_is_published(fx_city: City) -> None:
    with client(fx_city.url) as staff:
        login(staff, "administrator", fx_city.passwords["administrator"])
        reply = staff.post(
            f"/staff/console/surveys/{SURVEY}/publish", data={"_csrf_token": csrf_token(staff)}
        )
        assert reply.status_code == 422
        assert 'role="alert"' in reply.text
        unknown = staff.post(
            "/staff/console/surveys/NO-SUCH/publish", data={"_csrf_token": csrf_token(staff)}
        )
        assert unknown.status_code == 404
    assert count(fx_city.url, PublishedResult) == 0

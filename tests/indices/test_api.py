"""Scorecards and league tables through the JSON API, on the demo city (both backends)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import delete, insert, select

from analysis import find_estimate
from survey_service.app import create_app
from survey_service.auth import create_api_token
from survey_service.config import Settings
from survey_service.db.base import utcnow
from survey_service.db.engine import make_sync_engine
from survey_service.db.enums import UnitKind
from survey_service.db.models import Response, Unit
from survey_service.features.indices.service import estimate_survey, load_survey_data

BASE = "/api/surveys/DEMO-2025-Q3"
FIELDS = ("estimate", "se", "ci_low", "ci_high", "df", "n", "n_eff", "deff", "method", "flag")


@pytest.fixture(scope="module")
def fx_api(fx_demo_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:  # type: ignore[type-arg]
    engine = make_sync_engine(fx_demo_url)
    with engine.begin() as conn:
        token = create_api_token(conn, "indices-tests")
    engine.dispose()
    settings = Settings(
        database_url=fx_demo_url,
        secret_key="k" * 40,
        environment="test",
        public_base_url="http://testserver.local",
    )
    with TestClient(create_app(settings)) as client:
        yield client, {"Authorization": f"Bearer {token}"}


def _units(url: str, kind: UnitKind) -> list[str]:
    """Codes of the units of ``kind`` with own respondents in the Q3 sample."""
    engine = make_sync_engine(url)
    with engine.connect() as conn:
        codes = conn.scalars(
            select(Unit.code)
            .join(Response, Response.unit_id == Unit.id)
            .where(Unit.kind == kind, Response.sample_member_id.is_not(None))
            .where(Response.survey_id == 1)
            .distinct()
        ).all()
    engine.dispose()
    return sorted(codes)


def _get(api: tuple[TestClient, dict[str, str]], path: str) -> Any:  # type: ignore[type-arg]
    client, auth = api
    response = client.get(path, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_commune_scorecard_has_every_index_with_its_interval(
    fx_api: tuple[TestClient, dict[str, str]],  # type: ignore[type-arg]
    fx_demo_url: str,
) -> None:
    commune = _units(fx_demo_url, UnitKind.COMMUNE)[0]
    card = _get(fx_api, f"{BASE}/scorecards/{commune}")
    assert card["unit"] == {**card["unit"], "code": commune, "kind": "commune", "parent_code": "HN"}
    assert card["weights"]["source"] == "base_weights"
    assert "base weights" in card["weights"]["description"]
    assert card["options"]["lonely_psu"] == "adjust"
    assert card["overall"]["variable"] == "overall_index"
    assert [e["variable"] for e in card["elements"]] == ["access", "procedure", "staff", "result"]
    assert len(card["items"]) == 5
    engine = make_sync_engine(fx_demo_url)
    with engine.connect() as conn:
        direct = estimate_survey(load_survey_data(conn, "DEMO-2025-Q3")).estimates
    engine.dispose()
    for row in [card["overall"], *card["elements"], *card["items"]]:
        want = find_estimate(direct, row["variable"], commune)
        assert [row[f] for f in FIELDS] == [getattr(want, f) for f in FIELDS]
        assert row["ci_low"] <= row["estimate"] <= row["ci_high"]
        assert row["label"]["vi"]
        city = row["city"]
        assert city["city"] == "HN"
        assert city["difference"] == pytest.approx(row["estimate"] - city["city_estimate"])
        assert city["p_value"] <= city["p_adjusted"] <= 1.0
        assert city["adjustment"] == "holm"
        small = row["small_area"]
        assert small["areas"] >= 3
        assert 0.0 <= small["estimate"] <= 1.0
        assert 0.0 <= small["shrinkage"] <= 1.0


def test_the_city_and_a_branch_are_rolled_up(
    fx_api: tuple[TestClient, dict[str, str]],  # type: ignore[type-arg]
) -> None:
    city = _get(fx_api, f"{BASE}/scorecards/HN")
    assert city["unit"]["parent_code"] is None
    assert city["overall"]["city"] is None
    assert city["overall"]["small_area"] is None
    branch = _get(fx_api, f"{BASE}/scorecards/B01")
    assert branch["unit"]["kind"] == "branch"
    assert 0 < branch["overall"]["n"] < city["overall"]["n"]
    assert branch["overall"]["city"]["city_estimate"] == city["overall"]["estimate"]


def test_a_unit_without_respondents_has_an_empty_scorecard(
    fx_api: tuple[TestClient, dict[str, str]],  # type: ignore[type-arg]
    fx_demo_url: str,
) -> None:
    engine = make_sync_engine(fx_demo_url)
    with engine.begin() as conn:
        city = conn.scalar(select(Unit.id).where(Unit.code == "HN"))
        conn.execute(
            insert(Unit).values(
                code="X-NEW", kind=UnitKind.COMMUNE, name="Xã Mới", parent_id=city,
                valid_from=dt.date(2025, 7, 1), created_at=utcnow(),
            )
        )  # fmt: skip
    try:
        card = _get(fx_api, f"{BASE}/scorecards/X-NEW")
    finally:
        with engine.begin() as conn:
            conn.execute(delete(Unit).where(Unit.code == "X-NEW"))
        engine.dispose()
    assert card["unit"]["name"] == "Xã Mới"
    assert (card["overall"], card["elements"], card["items"]) == (None, [], [])


def test_league_ranks_the_communes_with_rank_intervals(
    fx_api: tuple[TestClient, dict[str, str]],  # type: ignore[type-arg]
    fx_demo_url: str,
) -> None:
    league = _get(fx_api, f"{BASE}/league?kind=commune")
    assert (league["kind"], league["variable"]) == ("commune", "overall_index")
    assert league["rank_level"] == 0.9
    rows = league["rows"]
    assert sorted(r["unit"]["code"] for r in rows) == _units(fx_demo_url, UnitKind.COMMUNE)
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    for row in rows:
        assert 1 <= row["rank_low"] <= row["rank"] <= row["rank_high"] <= len(rows)
        assert row["ci_low"] <= row["estimate"] <= row["ci_high"]
        assert row["flag"] in ("ok", "review", "suppress")
    estimates = [r["estimate"] for r in rows]
    assert estimates == sorted(estimates, reverse=True)
    again = _get(fx_api, f"{BASE}/league?kind=commune")
    assert again == league  # the seed makes the rank intervals reproducible


def test_league_of_an_item_and_the_default_kind(
    fx_api: tuple[TestClient, dict[str, str]],  # type: ignore[type-arg]
) -> None:
    league = _get(fx_api, f"{BASE}/league?variable=staff_attitude&level=0.9&rank_level=0.8")
    assert league["kind"] == "commune"  # the most numerous kind with respondents
    assert league["variable"] == "staff_attitude"
    assert league["options"]["level"] == 0.9
    assert all(r["ci_high"] - r["ci_low"] > 0 for r in league["rows"])


@pytest.mark.parametrize(
    ("path", "status", "detail"),
    [
        ("/api/surveys/NOPE/league", 404, "no survey with code 'NOPE'"),
        ("/api/surveys/NOPE/scorecards/HN", 404, "no survey with code 'NOPE'"),
        (f"{BASE}/scorecards/NOPE", 404, "no unit with code 'NOPE'"),
        (f"{BASE}/league?variable=zzz", 422, "'zzz' is not an item or an index"),
        (f"{BASE}/league?kind=castle", 400, ""),
        (f"{BASE}/league?level=1.5", 400, ""),
        (f"{BASE}/scorecards/HN?sample=open-link", 404, "no open-link weights"),
        (f"{BASE}/scorecards/HN?weight_set=12345", 404, "no weight set 12345"),
    ],
)
def test_bad_requests(
    fx_api: tuple[TestClient, dict[str, str]],  # type: ignore[type-arg]
    path: str,
    status: int,
    detail: str,
) -> None:
    client, auth = fx_api
    response = client.get(path, headers=auth)
    assert response.status_code == status, response.text
    assert detail in response.json()["detail"]


def test_a_token_is_required(
    fx_api: tuple[TestClient, dict[str, str]],  # type: ignore[type-arg]
) -> None:
    client, _ = fx_api
    assert client.get(f"{BASE}/league").status_code == 401
    assert client.get(f"{BASE}/scorecards/HN").status_code == 401

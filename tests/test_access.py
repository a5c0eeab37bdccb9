"""Access rules on EVERY route of the app, discovered from ``app.routes`` (issue #6).

Each route is either public (listed in ``PUBLIC`` below, on purpose) or staff-only, and
for each staff route and method this checks that

- without a session or token the answer is 401 (``/api``) or a redirect to ``/login``;
- a form post from a logged-in browser without a valid CSRF token is refused (403);
- a reviewer of the commune asking for another unit's data (the ward, or the city above
  both), by its code or id in the path or the query, gets 403 or 404, by session and,
  on ``/api``, by API token.

tests/test_access_data.py runs the same routes on a published demo city, checking that
the reviewer sees the commune's own figures and none of another unit's.

Routes added later are found automatically. A staff route must say how it addresses a
unit, or that it addresses none, else ``test_every_staff_route_has_a_unit_rule`` fails
naming it. Say it on the handler (preferred) with ``opt``::

    @get("/scorecard", opt={"unit_param": "unit"})        # ?unit=<unit code>
    @get("/units/{unit_code:str}", opt={"unit_param": "unit_code"})
    @get("/units/{unit_id:int}", opt={"unit_id_param": "unit_id"})   # a unit's id
    @get("/league", opt={"unit_param": None})              # addresses no single unit

(``opt`` on a Controller applies to all its handlers), or in ``UNIT_RULES`` below. Other
path parameters get the values of ``PATH_VALUES`` (by name), else ``x`` / ``1``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import TestClient
from sqlalchemy import select

from survey_service.app import create_app
from survey_service.auth import create_api_token
from survey_service.config import Settings
from survey_service.db.engine import make_sync_engine
from survey_service.db.enums import Role
from survey_service.db.models import Unit
from tests import databases
from tests.seed import COMMUNE_CODE, WARD_CODE, seed_small_city
from tests.staff import create_staff, csrf_token, login

CITY_CODE = "HN"
SURVEY_CODE = "T-2025-Q3"

PUBLIC: dict[str, set[str]] = {
    # The citizen's side: questionnaires, QR codes, posters, the thank-you page.
    r"/": {"GET"},
    r"/thanks": {"GET"},
    r"/[tru]/\{[a-z_]+:str\}(/.*)?": {"GET", "POST"},
    r"/api/units": {"GET"},
    r"/api/instruments": {"GET"},
    r"/api/units/\{unit_code:str\}/responses": {"POST"},
    # Finished responses per unit: public from the start (tests/test_web.py relies on it);
    # whether fieldwork progress should be staff-only is still open (issue #6 notes).
    r"/api/responses/counts": {"GET"},
    # Logging in and out, and the machinery.
    r"/login": {"GET", "POST"},
    r"/logout": {"POST"},
    r"/health/.*": {"GET"},
    r"/static/.*": {"GET"},
    r"/schema(/.*)?": {"GET"},
}
"""Routes anyone may use: path regex (of the route's template) -> methods."""

UNIT_RULES: dict[str, dict[str, str | None]] = {
    "GET /api/surveys/{survey_code:str}/scorecards/{unit_code:str}": {"unit_param": "unit_code"},
    "GET /api/surveys/{survey_code:str}/league": {"unit_param": None},
    "GET /staff": {"unit_param": None},
    "POST /staff/language": {"unit_param": None},
    "GET /staff/exports": {"unit_param": None},
    "GET /staff/exports/{survey_code:str}/estimates.csv": {"unit_param": "unit"},
    "GET /staff/exports/{survey_code:str}/estimates.xlsx": {"unit_param": "unit"},
    "GET /staff/exports/{survey_code:str}/microdata.zip": {"unit_param": None},
}
"""Unit rules of routes that cannot carry ``opt`` themselves: "METHOD path" -> rule."""

# Routes for administrators and statisticians (viewers may read some) address no unit;
# test_reviewers_are_refused_the_operators_routes checks that reviewers get 403 there.
OPERATOR_PREFIXES = (
    "/api/frame",
    "/api/receipts",
    "/api/surveys/{survey_code:str}/designs",
    "/api/surveys/{survey_code:str}/sample/",
    "/api/surveys/{survey_code:str}/fieldwork",
    "/api/surveys/{survey_code:str}/weights",
    "/staff/console",
    "/staff/accounts",
)

PATH_VALUES = {"survey_code": SURVEY_CODE, "weight_set_id": "1", "token": "x" * 24}

IGNORED_METHODS = {"OPTIONS", "HEAD"}


class Endpoint(msgspec.Struct, frozen=True):
    """One method of one route."""

    method: str
    path: str  # the route's template, e.g. /api/surveys/{survey_code:str}/league
    opt: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def is_safe(self) -> bool:
        return self.method == "GET"


def _settings(url: str) -> Settings:
    return Settings(database_url=url, secret_key="a" * 40, environment="test")


def _endpoints(app: Litestar) -> list[Endpoint]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods - IGNORED_METHODS):
                found.append(Endpoint(method, route.path, dict(handler.opt)))
    return sorted(found, key=lambda e: e.key)


def _is_public(endpoint: Endpoint) -> bool:
    return any(
        re.fullmatch(pattern, endpoint.path) and endpoint.method in methods
        for pattern, methods in PUBLIC.items()
    )


ALL_ENDPOINTS = _endpoints(create_app(_settings("sqlite:///unused-by-route-discovery.db")))
STAFF_ENDPOINTS = [e for e in ALL_ENDPOINTS if not _is_public(e)]
IDS = [e.key for e in STAFF_ENDPOINTS]


def _unit_rule(endpoint: Endpoint) -> tuple[str, str | None] | None:
    """("code" or "id", parameter name or None), or None when the route has no rule."""
    if "unit_id_param" in endpoint.opt:
        return "id", endpoint.opt["unit_id_param"]
    if "unit_param" in endpoint.opt:
        return "code", endpoint.opt["unit_param"]
    rule = UNIT_RULES.get(endpoint.key)
    if rule is not None:
        if "unit_id_param" in rule:
            return "id", rule["unit_id_param"]
        return "code", rule["unit_param"]
    if endpoint.path.startswith(OPERATOR_PREFIXES):
        return "code", None
    return None


def _url(endpoint: Endpoint, unit: str | None = None) -> str:
    """The route with sample values in its path parameters (``unit`` in the unit's)."""
    rule = _unit_rule(endpoint)
    unit_param = rule[1] if rule else None
    query: dict[str, str] = {}

    def fill(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2)
        if name == unit_param and unit is not None:
            return unit
        return PATH_VALUES.get(name, "1" if kind == "int" else "x")

    path = re.sub(r"\{(\w+):(\w+)\}", fill, endpoint.path)
    if unit_param and unit is not None and f"{{{unit_param}:" not in endpoint.path:
        query[unit_param] = unit
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


class World(msgspec.Struct):
    """The seeded city, its units' ids, and clients for each identity."""

    url: str
    unit_ids: dict[str, int]
    anonymous: Any
    statistician: Any
    reviewer: Any
    reviewer_token: str


@pytest.fixture(scope="module")
def fx_access_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One seeded database for the whole module (the checks only read)."""
    if os.environ.get("SURVEY_TEST_DATABASE", "sqlite") == "postgresql":
        url: str = request.getfixturevalue("fx_postgres_session_url")
        seed_small_city(url)
        yield url
        databases.empty_postgres_tables(url)
        return
    template: Path = request.getfixturevalue("fx_sqlite_template")
    url = databases.copy_sqlite(template, tmp_path_factory.mktemp("access") / "access.db")
    seed_small_city(url)
    yield url


@pytest.fixture(scope="module")
def fx_world(fx_access_url: str) -> Iterator[World]:
    url = fx_access_url
    statistician = create_staff(url, "thong-ke", Role.STATISTICIAN)
    reviewer = create_staff(url, "xa-soc-son", Role.REVIEWER, unit_codes=(COMMUNE_CODE,))
    engine = make_sync_engine(url)
    try:
        with engine.begin() as conn:
            unit_ids = {code: int(i) for code, i in conn.execute(select(Unit.code, Unit.id))}
            token = create_api_token(conn, "reviewer-script", user="xa-soc-son")
    finally:
        engine.dispose()
    clients = [TestClient(create_app(_settings(url))) for _ in range(3)]
    for client in clients:
        client.__enter__()
    try:
        anonymous, stats, review = clients
        csrf_token(anonymous)
        login(stats, "thong-ke", statistician)
        login(review, "xa-soc-son", reviewer)
        yield World(url, unit_ids, anonymous, stats, review, token)
    finally:
        for client in clients:
            client.__exit__(None, None, None)


def _send(client: Any, endpoint: Endpoint, url: str, *, csrf: bool, **kwargs: Any) -> Any:
    if endpoint.is_safe:
        return client.get(url, follow_redirects=False, **kwargs)
    data = {"_csrf_token": csrf_token(client)} if csrf else {}
    return client.request(endpoint.method, url, data=data, follow_redirects=False, **kwargs)


def test_routes_are_discovered() -> None:
    keys = {e.key for e in STAFF_ENDPOINTS}
    assert "GET /api/surveys/{survey_code:str}/scorecards/{unit_code:str}" in keys
    assert "POST /api/frame" in keys
    assert "GET /staff" in keys
    assert not {e.key for e in ALL_ENDPOINTS if e.path.startswith("/staff")} - keys


def test_every_staff_route_has_a_unit_rule() -> None:
    missing = [e.key for e in STAFF_ENDPOINTS if _unit_rule(e) is None]
    assert not missing, (
        "say how these routes address a unit (opt={'unit_param': NAME} or "
        "{'unit_id_param': NAME}, or {'unit_param': None}; see tests/test_access.py): "
        + ", ".join(missing)
    )


@pytest.mark.parametrize("endpoint", STAFF_ENDPOINTS, ids=IDS)
def test_without_login_the_answer_is_401_or_the_login_page(
    fx_world: World, endpoint: Endpoint
) -> None:
    reply = _send(fx_world.anonymous, endpoint, _url(endpoint), csrf=True)
    if endpoint.is_api:
        assert reply.status_code == 401, reply.text
    else:
        assert reply.status_code == 303, reply.text
        assert reply.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("endpoint", STAFF_ENDPOINTS, ids=IDS)
def test_an_invalid_token_is_refused(fx_world: World, endpoint: Endpoint) -> None:
    headers = {"Authorization": "Bearer " + "n" * 24}
    reply = _send(fx_world.anonymous, endpoint, _url(endpoint), csrf=True, headers=headers)
    assert reply.status_code == 401, reply.text


UNSAFE_ENDPOINTS = [e for e in STAFF_ENDPOINTS if not e.is_safe]


@pytest.mark.parametrize("endpoint", UNSAFE_ENDPOINTS, ids=[e.key for e in UNSAFE_ENDPOINTS])
def test_a_post_without_a_valid_csrf_token_is_refused(fx_world: World, endpoint: Endpoint) -> None:
    client = fx_world.statistician
    no_token = _send(client, endpoint, _url(endpoint), csrf=False)
    assert no_token.status_code == 403, no_token.text
    forged = client.request(
        endpoint.method,
        _url(endpoint),
        data={"_csrf_token": "f" * 128},
        headers={"X-CSRFToken": "f" * 128},
        follow_redirects=False,
    )
    assert forged.status_code == 403, forged.text


OPERATOR_ENDPOINTS = [e for e in STAFF_ENDPOINTS if e.path.startswith(OPERATOR_PREFIXES)]


@pytest.mark.parametrize("endpoint", OPERATOR_ENDPOINTS, ids=[e.key for e in OPERATOR_ENDPOINTS])
def test_reviewers_are_refused_the_operators_routes(fx_world: World, endpoint: Endpoint) -> None:
    reply = _send(fx_world.reviewer, endpoint, _url(endpoint), csrf=True)
    assert reply.status_code == 403, reply.text[:300]


UNIT_ENDPOINTS = [e for e in STAFF_ENDPOINTS if (rule := _unit_rule(e)) and rule[1]]


@pytest.mark.parametrize("other", [WARD_CODE, CITY_CODE])
@pytest.mark.parametrize("endpoint", UNIT_ENDPOINTS, ids=[e.key for e in UNIT_ENDPOINTS])
def test_a_reviewer_gets_403_or_404_for_another_units_data(
    fx_world: World, endpoint: Endpoint, other: str
) -> None:
    rule = _unit_rule(endpoint)
    assert rule is not None
    unit = str(fx_world.unit_ids[other]) if rule[0] == "id" else other
    url = _url(endpoint, unit)
    reply = _send(fx_world.reviewer, endpoint, url, csrf=True)
    assert reply.status_code in (403, 404), f"{url}: {reply.status_code} {reply.text[:300]}"
    if endpoint.is_api:
        headers = {"Authorization": f"Bearer {fx_world.reviewer_token}"}
        by_token = _send(fx_world.anonymous, endpoint, url, csrf=False, headers=headers)
        assert by_token.status_code in (403, 404), by_token.text[:300]


@pytest.mark.parametrize("endpoint", UNIT_ENDPOINTS, ids=[e.key for e in UNIT_ENDPOINTS])
def test_a_reviewer_is_not_refused_their_own_unit(fx_world: World, endpoint: Endpoint) -> None:
    """The control of the test above: the commune's own data is not hidden by scope."""
    rule = _unit_rule(endpoint)
    assert rule is not None
    unit = str(fx_world.unit_ids[COMMUNE_CODE]) if rule[0] == "id" else COMMUNE_CODE
    reply = _send(fx_world.reviewer, endpoint, _url(endpoint, unit), csrf=True)
    assert reply.status_code not in (401, 403), reply.text[:300]

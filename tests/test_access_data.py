"""Access rules with data behind them: a reviewer SEES their units and nothing else (issue #6).

tests/test_access.py proves refusal and the order of the checks on a seeded city with no
answers; here the demo city (small, both quarters published) gives the units figures, so
for every staff route found in ``app.routes`` with a unit rule, a reviewer of unit A (a
commune; a branch, with reception points below it; a reception point, below a branch)

- asking for A or a unit below it (by code or id, in the path or the query) gets 200 with
  its name and overall index in the body (JSON, HTML, CSV or XLSX);
- asking for B (a sibling, the parent, a department, the city, a unit below a sibling,
  B's id where a code goes, B's code in other letters, a guessed code or id) gets 403 or
  404 with neither B's name nor B's overall index in the body, by session and, on
  ``/api``, by API token; B's code or id added to A's request changes nothing;

and on the routes that address no single unit, every unit link of a page goes to a unit
in scope, and the estimates files (unnarrowed) hold only units in scope. The league table
is city-wide by design (names and figures of every unit of a kind): only its links are
checked. Run on the backend chosen by SURVEY_TEST_DATABASE; the city is built once.
"""

from __future__ import annotations

import csv
import html
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import openpyxl
import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from survey_service.app import create_app
from survey_service.auth import create_api_token
from survey_service.config import Settings
from survey_service.db.engine import make_sync_engine
from survey_service.db.enums import Role
from survey_service.db.models import Unit
from survey_service.demo import build_demo
from survey_service.features.dashboards.charts import percent
from survey_service.features.dashboards.snapshot import publish_results
from tests import databases
from tests.staff import create_staff, csrf_token, login
from tests.test_access import (
    OPERATOR_PREFIXES,
    STAFF_ENDPOINTS,
    UNIT_ENDPOINTS,
    Endpoint,
    _send,
    _unit_rule,
)

N_DOSSIERS = 6_000
SEED = 20251206
SURVEYS = ("DEMO-2025-Q3", "DEMO-2025-Q4")
SURVEY = SURVEYS[1]
CITY_CODE = "HN"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Shown(msgspec.Struct, frozen=True):
    """A unit and the figure that would give its data away."""

    id: int
    code: str
    name: str
    estimate: float | None  # its published overall index, None if it has none

    def figures(self) -> list[str]:
        """The overall index as JSON/CSV/XLSX write it and as the pages show it (vi, en)."""
        if self.estimate is None:
            return []
        # The printable scorecard writes "96.9 %" in both languages.
        shown = [repr(self.estimate), f"{100 * self.estimate:.1f} %"]
        for lang in ("vi", "en"):
            text = percent(self.estimate, lang)
            shown += [text, html.escape(text), text.replace("\u00a0", "&nbsp;")]
        return shown


class Demo(msgspec.Struct):
    url: str
    own: Shown  # unit A, the reviewer's
    visible: list[Shown]  # A and a unit below it, if any: the reviewer sees them
    others: dict[str, Shown]  # what the reviewer must not see: sibling, parent, city...
    codes: dict[str, int]  # every unit's code -> id
    scope: frozenset[str]  # codes of A's subtree
    reviewer: Any
    anonymous: Any
    token: str


def _settings(url: str) -> Settings:
    return Settings(database_url=url, secret_key="e" * 40, environment="test")


def _publish_demo(url: str) -> None:
    build_demo(url, n_dossiers=N_DOSSIERS, seed=SEED, progress=False)
    engine = make_sync_engine(url)
    try:
        for code in SURVEYS:
            with engine.begin() as conn:
                publish_results(conn, code, by_user_id=None)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def fx_demo_url(
    tmp_path_factory: pytest.TempPathFactory, fx_postgres_reason: str | None
) -> Iterator[str]:
    if os.environ.get("SURVEY_TEST_DATABASE", "sqlite") == "postgresql":
        if fx_postgres_reason is not None:
            pytest.skip(fx_postgres_reason)
        url = databases.create_postgres_database(migrate=False)
        try:
            _publish_demo(url)
            yield url
        finally:
            databases.drop_postgres_database(url)
        return
    path: Path = tmp_path_factory.mktemp("access-data") / "demo.db"
    url = f"sqlite:///{path}"
    _publish_demo(url)
    yield url


def _shown(stats: Any, code: str, codes: dict[str, int]) -> Shown:
    reply = stats.get(f"/api/surveys/{SURVEY}/scorecards/{code}")
    assert reply.status_code == 200, reply.text[:300]
    card = reply.json()
    overall = card["overall"]
    estimate = None if overall is None else float(overall["estimate"])
    return Shown(codes[code], code, card["unit"]["name"], estimate)


def _league(stats: Any, kind: str) -> list[dict[str, Any]]:
    """The newest quarter's league rows of ``kind``, most answers first."""
    reply = stats.get(f"/api/surveys/{SURVEY}/league?kind={kind}")
    assert reply.status_code == 200, reply.text[:300]
    return sorted(reply.json()["rows"], key=lambda r: (-r["n"], r["unit"]["code"]))


def _unlike(rows: list[dict[str, Any]], first: dict[str, Any]) -> dict[str, Any]:
    """The first row after ``first`` whose index shows differently on a page."""
    shown = f"{first['estimate'] * 100:.1f}"
    return next(
        r
        for r in rows
        if r["unit"]["code"] != first["unit"]["code"] and f"{r['estimate'] * 100:.1f}" != shown
    )


SCENARIOS = ("commune", "branch", "reception_point")
"""Whose reviewer: a commune (parent: the city), a branch (with reception points below
it), a reception point (parent: a branch, siblings in the same branch)."""


def _cast(stats: Any, who: str) -> tuple[str, list[str], dict[str, str]]:
    """The reviewer's unit, the units below it to look at, and the units to try instead."""
    others = {"city": CITY_CODE}
    if who == "commune":
        rows = _league(stats, "commune")
        own = rows[0]
        others["sibling"] = _unlike(rows, own)["unit"]["code"]
        others["department"] = _league(stats, "department")[0]["unit"]["code"]
        return own["unit"]["code"], [], others
    points = _league(stats, "reception_point")
    if who == "branch":
        rows = _league(stats, "branch")
        own, sibling = rows[0], _unlike(rows, rows[0])
        code, other = own["unit"]["code"], sibling["unit"]["code"]
        below = [p["unit"]["code"] for p in points if p["unit"]["parent_code"] == code]
        cousin = next(p for p in points if p["unit"]["parent_code"] == other)
        others |= {"sibling": other, "sibling's point": cousin["unit"]["code"]}
        return code, below[:1], others
    own = points[0]
    parent = own["unit"]["parent_code"]
    same_branch = [p for p in points if p["unit"]["parent_code"] == parent]
    others |= {"sibling": _unlike(same_branch, own)["unit"]["code"], "parent": parent}
    return own["unit"]["code"], [], others


@pytest.fixture(scope="module", params=SCENARIOS)
def fx_demo(fx_demo_url: str, request: pytest.FixtureRequest) -> Iterator[Demo]:
    url, who = fx_demo_url, str(request.param)
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Unit.id, Unit.code, Unit.parent_id)).all()
    finally:
        engine.dispose()
    codes = {code: int(i) for i, code, _p in rows}
    stats_name = f"thong-ke-{who}"
    stats_password = create_staff(url, stats_name, Role.STATISTICIAN)
    with TestClient(create_app(_settings(url))) as stats:
        login(stats, stats_name, stats_password)
        own_code, below_codes, other_codes = _cast(stats, who)
        own = _shown(stats, own_code, codes)
        visible = [own] + [_shown(stats, c, codes) for c in below_codes]
        others = {role: _shown(stats, c, codes) for role, c in other_codes.items()}
    below: dict[int | None, list[int]] = {}
    for i, _c, parent in rows:
        below.setdefault(parent, []).append(int(i))
    subtree, todo = set(), [own.id]
    while todo:
        unit = todo.pop()
        subtree.add(unit)
        todo.extend(below.get(unit, []))
    scope = frozenset(c for c, i in codes.items() if i in subtree)
    assert {u.code for u in visible} <= scope
    assert not {u.code for u in others.values()} & scope

    name = f"reviewer-{who}"
    password = create_staff(url, name, Role.REVIEWER, unit_codes=(own.code,))
    engine = make_sync_engine(url)
    try:
        with engine.begin() as conn:
            token = create_api_token(conn, f"{name}-script", user=name)
    finally:
        engine.dispose()
    with (
        TestClient(create_app(_settings(url))) as reviewer,
        TestClient(create_app(_settings(url))) as anonymous,
    ):
        login(reviewer, name, password)
        csrf_token(anonymous)
        yield Demo(url, own, visible, others, codes, scope, reviewer, anonymous, token)


def _url(endpoint: Endpoint, unit: str | None, extra: dict[str, str] | None = None) -> str:
    """The route for the demo's newest survey, ``unit`` in its unit parameter."""
    rule = _unit_rule(endpoint)
    param = rule[1] if rule else None
    query = dict(extra or {})

    def fill(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2)
        if name == param and unit is not None:
            return unit
        if name == "survey_code":
            return SURVEY
        return "1" if kind == "int" else "x"

    path = re.sub(r"\{(\w+):(\w+)\}", fill, endpoint.path)
    if param and unit is not None and f"{{{param}:" not in endpoint.path:
        query[param] = unit
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


def _body(reply: Any) -> str:
    """The reply as text: an XLSX's cells joined, anything else as decoded."""
    if reply.headers.get("content-type", "").startswith(XLSX):
        book = openpyxl.load_workbook(io.BytesIO(reply.content), read_only=True)
        cells: list[str] = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells.extend(repr(v) if isinstance(v, float) else str(v) for v in row)
        return "\n".join(cells)
    return str(reply.text)


def _file_units(reply: Any) -> set[str]:
    """The ``unit_code`` column of an estimates CSV or XLSX download."""
    if reply.headers.get("content-type", "").startswith(XLSX):
        book = openpyxl.load_workbook(io.BytesIO(reply.content), read_only=True)
        rows = list(book["estimates"].iter_rows(values_only=True))
        column = rows[0].index("unit_code")
        return {str(row[column]) for row in rows[1:]}
    reader = csv.DictReader(io.StringIO(reply.content.decode("utf-8-sig")))
    return {row["unit_code"] for row in reader}


def _linked_units(text: str, codes: dict[str, int]) -> set[str]:
    """Codes of the units a page links to (scorecards, prints, narrowed downloads)."""
    found = re.findall(r"/staff/units/([^\"'?#/\s]+)", text)
    found += re.findall(r"/print/([^\"'?#/\s]+)", text)
    found += re.findall(r"/scorecards/([^\"'?#/\s]+)", text)
    found += re.findall(r"[?&](?:amp;)?unit=([^\"'&#\s]+)", text)
    return {code for code in found if code in codes}


def _get(client: Any, endpoint: Endpoint, url: str, **kwargs: Any) -> Any:
    return _send(client, endpoint, url, csrf=True, **kwargs)


GET_UNIT_ENDPOINTS = [e for e in UNIT_ENDPOINTS if e.is_safe]


@pytest.mark.parametrize("endpoint", GET_UNIT_ENDPOINTS, ids=[e.key for e in GET_UNIT_ENDPOINTS])
def test_a_reviewer_sees_their_own_units_data(fx_demo: Demo, endpoint: Endpoint) -> None:
    rule = _unit_rule(endpoint)
    assert rule is not None
    for shown in fx_demo.visible:
        unit = str(shown.id) if rule[0] == "id" else shown.code
        url = _url(endpoint, unit)
        reply = fx_demo.reviewer.get(url)  # follows a redirect to the unit's own page
        assert reply.status_code == 200, f"{url}: {reply.status_code} {reply.text[:300]}"
        body = _body(reply)
        assert shown.name in body, url
        assert shown.estimate is not None
        assert any(figure in body for figure in shown.figures()), (url, shown.figures())
        if endpoint.path.endswith((".csv", ".xlsx")):
            units = _file_units(reply)
            assert shown.code in units
            assert units <= fx_demo.scope, url


def _targets(demo: Demo, kind: str) -> list[tuple[str, Shown | None]]:
    """What a reviewer may try instead of their unit: (value, the unit it would show)."""
    others = demo.others
    if kind == "id":
        guessed = str(max(demo.codes.values()) + 1_000)
        return [(str(u.id), u) for u in others.values()] + [(guessed, None), ("0", None)]
    sibling = others["sibling"]
    return [(u.code, u) for u in others.values()] + [
        (str(sibling.id), sibling),  # an id where a code is expected
        (sibling.code.lower(), sibling),  # the same code in other letters
        ("X-NO-SUCH-UNIT", None),
    ]


@pytest.mark.parametrize("endpoint", UNIT_ENDPOINTS, ids=[e.key for e in UNIT_ENDPOINTS])
def test_a_reviewer_gets_nothing_of_another_units_data(fx_demo: Demo, endpoint: Endpoint) -> None:
    rule = _unit_rule(endpoint)
    assert rule is not None
    hidden = list(fx_demo.others.values())
    for value, _unit in _targets(fx_demo, rule[0]):
        url = _url(endpoint, value)
        replies = [_get(fx_demo.reviewer, endpoint, url)]
        if endpoint.is_api:
            headers = {"Authorization": f"Bearer {fx_demo.token}"}
            replies.append(_send(fx_demo.anonymous, endpoint, url, csrf=False, headers=headers))
        for reply in replies:
            assert reply.status_code in (403, 404), f"{url}: {reply.status_code} {reply.text[:300]}"
            body = _body(reply)
            for unit in hidden:
                assert unit.name not in body, (url, unit.name)
                for figure in unit.figures():
                    assert figure not in body, (url, unit.code, figure)


@pytest.mark.parametrize("endpoint", GET_UNIT_ENDPOINTS, ids=[e.key for e in GET_UNIT_ENDPOINTS])
def test_another_unit_in_the_query_does_not_widen_the_own_units_reply(
    fx_demo: Demo, endpoint: Endpoint
) -> None:
    """A's page or file with B's code (or id) added as a query parameter still shows A only."""
    rule = _unit_rule(endpoint)
    assert rule is not None
    own, sibling = fx_demo.own, fx_demo.others["sibling"]
    unit = str(own.id) if rule[0] == "id" else own.code
    for name in ("unit", "unit_code", "unit_id", "units"):
        if name == rule[1]:
            continue
        for value in (sibling.code, str(sibling.id)):
            url = _url(endpoint, unit, {name: value})
            reply = fx_demo.reviewer.get(url)
            assert reply.status_code in (200, 400, 403, 404), f"{url}: {reply.status_code}"
            if reply.status_code != 200:
                continue
            body = _body(reply)
            assert own.name in body, url
            if endpoint.path.endswith((".csv", ".xlsx")):
                assert _file_units(reply) <= fx_demo.scope, url


UNITLESS_GET_ENDPOINTS = [
    e
    for e in STAFF_ENDPOINTS
    if e.is_safe
    and (rule := _unit_rule(e)) is not None
    and rule[1] is None
    and not e.path.startswith(OPERATOR_PREFIXES)
] + [
    # Routes whose unit is an optional query parameter list units without it
    # (/staff/scorecard); the estimates files have their own test below.
    e
    for e in GET_UNIT_ENDPOINTS
    if (rule := _unit_rule(e)) is not None
    and f"{{{rule[1]}:" not in e.path
    and not e.path.endswith((".csv", ".xlsx"))
]


@pytest.mark.parametrize(
    "endpoint", UNITLESS_GET_ENDPOINTS, ids=[e.key for e in UNITLESS_GET_ENDPOINTS]
)
def test_pages_without_a_unit_link_only_to_units_in_scope(
    fx_demo: Demo, endpoint: Endpoint
) -> None:
    """The home page, the league tables (every kind, both quarters), the exports list.

    The league table shows every unit of a kind by design; a reviewer can open only
    their own units' scorecards from it.
    """
    seen: set[str] = set()
    variants: list[dict[str, str]] = [{}]
    if endpoint.path.endswith("/league"):
        kinds = ("commune", "ward", "department", "branch", "reception_point", "city")
        variants += [{"survey": s, "kind": k} for s in SURVEYS for k in kinds]
    for extra in variants:
        url = _url(endpoint, None, extra)
        reply = _get(fx_demo.reviewer, endpoint, url)
        assert reply.status_code in (200, 403, 404), f"{url}: {reply.status_code}"
        if reply.status_code != 200:
            continue
        if endpoint.is_api:
            # The API's league table links nowhere; it is the city-wide table itself.
            continue
        linked = _linked_units(reply.text, fx_demo.codes)
        assert linked <= fx_demo.scope, (url, sorted(linked - fx_demo.scope))
        seen |= linked
    if endpoint.path in ("/staff/league", "/staff/scorecard"):
        # The control: these pages do link the reviewer's own scorecard.
        assert fx_demo.own.code in seen


ESTIMATES_ENDPOINTS = [e for e in GET_UNIT_ENDPOINTS if e.path.endswith((".csv", ".xlsx"))]


@pytest.mark.parametrize("endpoint", ESTIMATES_ENDPOINTS, ids=[e.key for e in ESTIMATES_ENDPOINTS])
def test_the_reviewers_estimates_files_hold_only_units_in_scope(
    fx_demo: Demo, endpoint: Endpoint
) -> None:
    for survey in SURVEYS:
        url = _url(endpoint, None).replace(SURVEY, survey)
        reply = fx_demo.reviewer.get(url)
        assert reply.status_code == 200, f"{url}: {reply.status_code} {reply.text[:300]}"
        units = _file_units(reply)
        assert fx_demo.own.code in units, url
        assert units <= fx_demo.scope, (url, sorted(units - fx_demo.scope))
        if endpoint.is_api:
            headers = {"Authorization": f"Bearer {fx_demo.token}"}
            by_token = fx_demo.anonymous.get(url, headers=headers)
            assert _file_units(by_token) <= fx_demo.scope

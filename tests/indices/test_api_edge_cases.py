"""The edge cases of issue #5 through the JSON API: a defined result or a clear error.

Each test changes the demo city (committed, so that the app's own connections see it),
asks the scorecard and league endpoints, and undoes the change. Every number in a body
must be present and finite: msgspec writes NaN as ``null``, so a missing number is the
NaN the issue forbids. The library's side of the same cases is tests/analysis/
test_edge_cases.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from litestar.testing import TestClient
from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, update

from survey_service.app import create_app
from survey_service.auth import create_api_token
from survey_service.config import Settings
from survey_service.db.base import utcnow
from survey_service.db.engine import make_sync_engine
from survey_service.db.enums import UnitKind
from survey_service.db.models import Answer, Response, ResponseWeight, Survey, Unit, WeightSet

BASE = "/api/surveys/DEMO-2025-Q3"
Q3 = "DEMO-2025-Q3"
NUMBERS = {
    "estimate", "se", "ci_low", "ci_high", "df", "n", "n_eff", "deff", "level",
    "city_estimate", "difference", "p_value", "p_adjusted", "rmse", "shrinkage",
    "model_variance", "rank", "rank_low", "rank_high",
}  # fmt: skip
Api = tuple[TestClient, dict[str, str]]  # type: ignore[type-arg]
Undo = Callable[[Connection], None]


@pytest.fixture(scope="module")
def fx_api(fx_demo_url: str) -> Iterator[Api]:
    engine = make_sync_engine(fx_demo_url)
    with engine.begin() as conn:
        token = create_api_token(conn, "indices-edge-cases")
    engine.dispose()
    settings = Settings(
        database_url=fx_demo_url,
        secret_key="k" * 40,
        environment="test",
        public_base_url="http://testserver.local",
    )
    with TestClient(create_app(settings)) as client:
        yield client, {"Authorization": f"Bearer {token}"}


def _get(api: Api, path: str) -> Any:
    client, auth = api
    response = client.get(path, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def _assert_finite(body: Any, where: str = "body") -> None:
    """Every number of the body is present and finite (NaN would arrive as null)."""
    if isinstance(body, dict):
        for key, value in body.items():
            if key in NUMBERS:
                assert isinstance(value, int | float), (where, key, value)
                assert math.isfinite(value), (where, key, value)
            _assert_finite(value, f"{where}.{key}")
    elif isinstance(body, list):
        for k, value in enumerate(body):
            _assert_finite(value, f"{where}[{k}]")


def _indices(card: Any) -> list[Any]:
    return [card["overall"], *card["elements"], *card["items"]]


@contextmanager
def _changed(url: str, change: Callable[[Connection], Undo]) -> Iterator[None]:
    """Commit ``change``; undo it (with the function it returned) afterwards."""
    engine = make_sync_engine(url)
    try:
        with engine.begin() as conn:
            undo = change(conn)
        try:
            yield
        finally:
            with engine.begin() as conn:
                undo(conn)
    finally:
        engine.dispose()


def _survey_id(conn: Connection) -> int:
    survey_id: int = conn.execute(select(Survey.id).where(Survey.code == Q3)).scalar_one()
    return survey_id


def _sampled(conn: Connection) -> Any:
    """Finished responses of the Q3 probability sample."""
    return select(Response.id).where(
        Response.survey_id == _survey_id(conn),
        Response.sample_member_id.is_not(None),
        Response.finished.is_(True),
    )


def _communes(conn: Connection, least: int) -> list[tuple[str, int]]:
    """Communes (code, id) with at least ``least`` sampled respondents, largest first."""
    count = func.count(Response.id)
    rows = conn.execute(
        select(Unit.code, Unit.id)
        .join(Response, Response.unit_id == Unit.id)
        .where(Unit.kind == UnitKind.COMMUNE, Response.id.in_(_sampled(conn)))
        .group_by(Unit.code, Unit.id)
        .having(count >= least)
        .order_by(count.desc(), Unit.code)
    ).all()
    return [(r.code, r.id) for r in rows]


def _rewrite_answers(conn: Connection, where: Any, value: int | None) -> Undo:
    """Set the scored answers matching ``where`` to ``value`` (None: no usable answer)."""
    table = Answer.__table__
    assert isinstance(table, Table)
    saved = conn.execute(
        select(Answer.id, Answer.value, Answer.satisfied).where(
            where, Answer.satisfied.is_not(None)
        )
    ).all()
    assert saved
    satisfied = None if value is None else value >= 4
    ids = [r.id for r in saved]
    conn.execute(update(Answer).where(Answer.id.in_(ids)).values(value=value, satisfied=satisfied))

    def undo(conn: Connection) -> None:
        conn.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(value=bindparam("b_value"), satisfied=bindparam("b_satisfied")),
            [{"b_id": r.id, "b_value": r.value, "b_satisfied": r.satisfied} for r in saved],
        )

    return undo


def test_a_unit_where_everyone_is_satisfied_has_upper_limit_one(
    fx_api: Api, fx_demo_url: str
) -> None:
    chosen: list[str] = []

    def everyone_satisfied(conn: Connection) -> Undo:
        code, unit_id = _communes(conn, 10)[0]
        chosen.append(code)
        mine = _sampled(conn).where(Response.unit_id == unit_id)
        return _rewrite_answers(conn, Answer.response_id.in_(mine), 5)

    with _changed(fx_demo_url, everyone_satisfied):
        card = _get(fx_api, f"{BASE}/scorecards/{chosen[0]}")
        league = _get(fx_api, f"{BASE}/league?kind=commune")
    _assert_finite(card)
    _assert_finite(league)
    assert card["overall"]["n"] >= 10
    for row in _indices(card):
        assert (row["estimate"], row["ci_high"], row["se"]) == (1.0, 1.0, 0.0)
        assert 0.5 < row["ci_low"] < 1.0
        assert row["method"] == "korn-graubard"
        assert "estimate_at_bound" in row["reasons"]
        assert row["city"]["difference"] > 0.0
        assert 0.0 < row["small_area"]["estimate"] <= 1.0
    (mine,) = [r for r in league["rows"] if r["unit"]["code"] == chosen[0]]
    assert (mine["estimate"], mine["ci_high"]) == (1.0, 1.0)
    assert mine["rank_low"] <= mine["rank"] <= mine["rank_high"]
    assert mine["rank_high"] > mine["rank_low"]  # an interval below 1 leaves room to fall


def test_a_unit_with_one_respondent_is_a_lonely_psu_with_a_wide_interval(
    fx_api: Api, fx_demo_url: str
) -> None:
    # Strata are units: one respondent is a stratum with a single PSU, which the
    # endpoints' lonely-PSU rule ("adjust") centres at the grand mean instead of failing.
    chosen: list[str] = []

    def one_left(conn: Connection) -> Undo:
        code, unit_id = _communes(conn, 5)[-1]
        chosen.append(code)
        mine = conn.scalars(_sampled(conn).where(Response.unit_id == unit_id)).all()
        others = sorted(mine)[1:]
        conn.execute(update(Response).where(Response.id.in_(others)).values(finished=False))

        def undo(conn: Connection) -> None:
            conn.execute(update(Response).where(Response.id.in_(others)).values(finished=True))

        return undo

    with _changed(fx_demo_url, one_left):
        card = _get(fx_api, f"{BASE}/scorecards/{chosen[0]}")
        league = _get(fx_api, f"{BASE}/league?kind=commune")
        city = _get(fx_api, f"{BASE}/scorecards/HN")
    for body in (card, league, city):
        _assert_finite(body)
        assert body["options"]["lonely_psu"] == "adjust"
    for row in _indices(card):
        assert (row["n"], row["df"], row["flag"]) == (1, 1, "suppress")
        assert 0.0 <= row["ci_low"] <= row["estimate"] <= row["ci_high"] <= 1.0
        assert row["ci_high"] - row["ci_low"] > 0.3
    (mine,) = [r for r in league["rows"] if r["unit"]["code"] == chosen[0]]
    assert (mine["n"], mine["flag"]) == (1, "suppress")
    assert mine["rank_high"] - mine["rank_low"] > len(league["rows"]) // 4
    assert city["overall"]["flag"] == "ok"


def _zero_weights(conn: Connection, unit_id: int) -> Undo:
    """A newest weight set: the base weights, 0 for every respondent of ``unit_id``
    and for a few others."""
    survey_id = _survey_id(conn)
    set_id = conn.execute(
        insert(WeightSet)
        .values(
            survey_id=survey_id,
            method="probability",
            parameters={},
            diagnostics={},
            created_at=utcnow(),
        )
        .returning(WeightSet.id)
    ).scalar_one()
    rows = conn.execute(
        select(Response.id, Response.unit_id).where(
            Response.survey_id == survey_id, Response.sample_member_id.is_not(None)
        )
    ).all()
    rng = np.random.default_rng(11)
    zero = rng.random(len(rows)) < 0.05
    conn.execute(
        insert(ResponseWeight),
        [
            {
                "weight_set_id": set_id,
                "response_id": r.id,
                "weight": 0.0 if r.unit_id == unit_id or z else float(rng.uniform(5, 50)),
            }
            for r, z in zip(rows, zero.tolist(), strict=True)
        ],
    )

    def undo(conn: Connection) -> None:
        conn.execute(delete(ResponseWeight).where(ResponseWeight.weight_set_id == set_id))
        conn.execute(delete(WeightSet).where(WeightSet.id == set_id))

    return undo


def test_zero_weights_leave_respondents_out_and_a_unit_of_zeros_empty(
    fx_api: Api, fx_demo_url: str
) -> None:
    engine = make_sync_engine(fx_demo_url)
    with engine.connect() as conn:
        (zeroed, zeroed_id), (kept, _) = _communes(conn, 5)[:2]
    engine.dispose()
    before = _get(fx_api, f"{BASE}/scorecards/{kept}")
    with _changed(fx_demo_url, lambda conn: _zero_weights(conn, zeroed_id)):
        empty = _get(fx_api, f"{BASE}/scorecards/{zeroed}")
        card = _get(fx_api, f"{BASE}/scorecards/{kept}")
        league = _get(fx_api, f"{BASE}/league?kind=commune")
    for body in (empty, card, league):
        _assert_finite(body)
        assert body["weights"]["source"] == "weight_set"
    assert (empty["overall"], empty["elements"], empty["items"]) == (None, [], [])
    assert zeroed not in {r["unit"]["code"] for r in league["rows"]}
    assert kept in {r["unit"]["code"] for r in league["rows"]}
    assert 0 < card["overall"]["n"] <= before["overall"]["n"]
    assert 0.0 < card["overall"]["ci_low"] < card["overall"]["ci_high"] <= 1.0


def test_an_item_nobody_could_answer_is_left_out_and_its_element_uses_the_rest(
    fx_api: Api, fx_demo_url: str
) -> None:
    # The demo's questionnaire has no "does not apply" option: an answer without a
    # value (unanswered) is just as unusable, and both have ``satisfied`` null.
    engine = make_sync_engine(fx_demo_url)
    with engine.connect() as conn:
        commune = _communes(conn, 10)[0][0]
        sampled = _sampled(conn)
    engine.dispose()

    def unusable(conn: Connection) -> Undo:
        where = Answer.response_id.in_(sampled) & (Answer.item_code == "staff_competence")
        return _rewrite_answers(conn, where, None)

    with _changed(fx_demo_url, unusable):
        card = _get(fx_api, f"{BASE}/scorecards/{commune}")
        league = _get(fx_api, f"{BASE}/league?variable=staff_competence")
    _assert_finite(card)
    items = {row["variable"]: row for row in card["items"]}
    assert "staff_competence" not in items
    assert len(items) == 4
    (staff,) = [row for row in card["elements"] if row["variable"] == "staff"]
    for field in ("estimate", "se", "ci_low", "ci_high", "n"):
        assert staff[field] == pytest.approx(items["staff_attitude"][field], rel=1e-12)
    _assert_finite(league)
    assert league["rows"] == []  # no unit has an estimate of it: nothing to rank

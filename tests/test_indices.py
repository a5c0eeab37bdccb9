"""The in-database path (SQL GROUP BY sums) against the in-memory path, on both backends.

The reference (``tests/indices/reference.py``) loads every answer row, scores the answer
values with the instrument's scale and runs :func:`analysis.estimate_indices` once per
unit domain; the service sums answers per PSU in the database and estimates from
sufficient statistics. Every figure must agree to 1e-10 (relative), and the counts,
degrees of freedom, interval methods and flags exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from sqlalchemy import Connection, case, func, insert, select, update

from analysis import Estimate, EstimationOptions
from survey_service.db.base import utcnow
from survey_service.db.engine import make_sync_engine
from survey_service.db.models import (
    Answer,
    Response,
    ResponseWeight,
    SampleMember,
    Survey,
    Unit,
    WeightSet,
)
from survey_service.errors import NotFoundError
from survey_service.features.indices.errors import IndicesError
from survey_service.features.indices.service import (
    DEFAULT_OPTIONS,
    estimate_survey,
    load_survey_data,
)
from survey_service.features.indices.statements import align_sums, sums_statement
from tests.indices.demo import fx_demo_url
from tests.indices.reference import in_memory

__all__ = ["fx_demo_url"]  # the fixture, shared with tests/indices

RTOL = 1e-10
FIGURES = ("estimate", "se", "ci_low", "ci_high", "n_eff", "deff")
EXACT = ("statistic", "df", "n", "method", "flag", "reasons")
Q3, Q4 = "DEMO-2025-Q3", "DEMO-2025-Q4"


@contextmanager
def _rolled_back(url: str) -> Iterator[Connection]:
    """A connection whose changes are undone at the end."""
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            transaction = conn.begin()
            try:
                yield conn
            finally:
                transaction.rollback()
    finally:
        engine.dispose()


def _assert_agree(got: list[Estimate], want: dict[tuple[str, str], Estimate]) -> None:
    by_key = {(e.variable, str(e.domain)): e for e in got}
    assert set(by_key) == set(want)
    keys = sorted(want)
    for field in FIGURES:
        np.testing.assert_allclose(
            [getattr(by_key[k], field) for k in keys],
            [getattr(want[k], field) for k in keys],
            rtol=RTOL,
            atol=1e-15,
            err_msg=field,
        )
    for field in EXACT:
        assert [getattr(by_key[k], field) for k in keys] == [getattr(want[k], field) for k in keys]


@pytest.mark.parametrize("code", [Q3, Q4])
def test_database_sums_agree_with_the_in_memory_path(fx_demo_url: str, code: str) -> None:
    with _rolled_back(fx_demo_url) as conn:
        data = load_survey_data(conn, code)
        estimates = estimate_survey(data)
        want = in_memory(conn, code, DEFAULT_OPTIONS)
    assert data.weights.source == "base_weights"
    assert "base weights" in data.weights.description
    _assert_agree(estimates.estimates, want)
    # Every unit with respondents, every unit above them, up to the city.
    city = next(e for e in estimates.estimates if e.domain == "HN" and e.statistic == "index")
    assert city.n == data.records.n


def _add_weight_set(conn: Connection, code: str, method: str, open_link: bool) -> int:
    survey_id = conn.scalar(select(Survey.id).where(Survey.code == code))
    set_id = conn.execute(
        insert(WeightSet)
        .values(
            survey_id=survey_id, method=method, parameters={}, diagnostics={}, created_at=utcnow()
        )
        .returning(WeightSet.id)
    ).scalar_one()
    kind = (
        Response.sample_member_id.is_(None) if open_link else Response.sample_member_id.is_not(None)
    )
    ids = conn.scalars(select(Response.id).where(Response.survey_id == survey_id, kind)).all()
    rng = np.random.default_rng(7)
    weights = rng.gamma(4.0, 10.0, len(ids))
    weights[rng.random(len(ids)) < 0.02] = 0.0  # zero weights stay in the design
    conn.execute(
        insert(ResponseWeight),
        [
            {"weight_set_id": set_id, "response_id": r, "weight": float(w)}
            for r, w in zip(ids, weights, strict=True)
        ],
    )
    return set_id


def test_a_weight_set_is_used_and_agrees_under_other_options(fx_demo_url: str) -> None:
    options = EstimationOptions(level=0.9, lonely_psu="certainty", ci="wilson")
    with _rolled_back(fx_demo_url) as conn:
        set_id = _add_weight_set(conn, Q3, "probability", open_link=False)
        data = load_survey_data(conn, Q3)
        estimates = estimate_survey(data, options)
        want = in_memory(conn, Q3, options, weight_set=set_id)
    assert (data.weights.source, data.weights.weight_set_id) == ("weight_set", set_id)
    assert f"weight set {set_id} (probability)" in data.weights.description
    _assert_agree(estimates.estimates, want)


def test_a_response_without_usable_answers_is_still_a_psu(fx_demo_url: str) -> None:
    with _rolled_back(fx_demo_url) as conn:
        survey_id = conn.scalar(select(Survey.id).where(Survey.code == Q3))
        first = conn.scalar(
            select(func.min(Response.id)).where(
                Response.survey_id == survey_id, Response.sample_member_id.is_not(None)
            )
        )
        conn.execute(
            update(Answer).where(Answer.response_id == first).values(value=None, satisfied=None)
        )
        data = load_survey_data(conn, Q3)
        estimates = estimate_survey(data)
        want = in_memory(conn, Q3, DEFAULT_OPTIONS)
        members = conn.scalar(
            select(func.count())
            .select_from(Response)
            .where(
                Response.survey_id == survey_id,
                Response.sample_member_id.is_not(None),
                Response.finished.is_(True),
            )
        )
    assert data.records.n == members
    assert data.records.usable.any(axis=0).sum() == members - 1
    _assert_agree(estimates.estimates, want)


def test_open_link_responses_use_their_own_weights(fx_demo_url: str) -> None:
    with _rolled_back(fx_demo_url) as conn:
        survey_id = conn.scalar(select(Survey.id).where(Survey.code == Q3))
        with pytest.raises(NotFoundError, match="no open-link weights"):
            load_survey_data(conn, Q3, sample="open-link")
        set_id = _add_weight_set(conn, Q3, "open-link calibration", open_link=True)
        data = load_survey_data(conn, Q3, sample="open-link")
        estimates = estimate_survey(data)
        sums = conn.execute(
            select(
                func.sum(case((Answer.satisfied.is_(True), ResponseWeight.weight), else_=0.0)),
                func.sum(ResponseWeight.weight),
            )
            .join(Answer, Answer.response_id == ResponseWeight.response_id)
            .where(ResponseWeight.weight_set_id == set_id, Answer.item_code == "staff_attitude")
        ).one()
        opened = conn.scalar(
            select(func.count())
            .select_from(Response)
            .where(Response.survey_id == survey_id, Response.sample_member_id.is_(None))
        )
    assert data.weights.sample == "open-link"
    assert data.records.n == opened
    assert all(label.startswith("open-link unit ") for label in data.records.strata.labels)
    city = next(
        e for e in estimates.estimates if e.domain == "HN" and e.variable == "staff_attitude"
    )
    assert city.estimate == pytest.approx(sums[0] / sums[1], rel=1e-12)


def test_without_rollup_only_units_with_respondents_are_domains(fx_demo_url: str) -> None:
    with _rolled_back(fx_demo_url) as conn:
        data = load_survey_data(conn, Q3)
        own = set(
            conn.scalars(select(Unit.code).where(Unit.id.in_(set(data.records.unit.tolist()))))
        )
    flat = estimate_survey(data, rollup=False)
    rolled = estimate_survey(data)
    assert {e.domain for e in flat.estimates} == own
    assert {e.domain for e in rolled.estimates} > own
    same = {(e.variable, e.domain): e for e in rolled.estimates}
    assert all(same[e.variable, e.domain] == e for e in flat.estimates)


def test_unknown_survey_weight_set_and_no_respondents_are_clear_errors(fx_demo_url: str) -> None:
    with _rolled_back(fx_demo_url) as conn:
        with pytest.raises(NotFoundError, match="no survey with code 'NOPE'"):
            load_survey_data(conn, "NOPE")
        with pytest.raises(NotFoundError, match="has no weight set 999"):
            load_survey_data(conn, Q3, weight_set=999)
        survey_id = conn.scalar(select(Survey.id).where(Survey.code == Q4))
        conn.execute(update(Response).where(Response.survey_id == survey_id).values(finished=False))
        with pytest.raises(IndicesError, match="DEMO-2025-Q4 has no finished responses"):
            load_survey_data(conn, Q4)


def test_a_stratum_with_one_respondent_is_an_error_only_under_fail(fx_demo_url: str) -> None:
    with _rolled_back(fx_demo_url) as conn:
        survey_id = conn.scalar(select(Survey.id).where(Survey.code == Q3))
        stratum, keep = conn.execute(
            select(SampleMember.stratum_id, func.min(Response.id))
            .join(Response, Response.sample_member_id == SampleMember.id)
            .where(Response.survey_id == survey_id)
            .group_by(SampleMember.stratum_id)
            .limit(1)
        ).one()
        others = select(SampleMember.id).where(SampleMember.stratum_id == stratum)
        conn.execute(
            update(Response)
            .where(Response.sample_member_id.in_(others), Response.id != keep)
            .values(finished=False)
        )
        data = load_survey_data(conn, Q3)
        want = in_memory(conn, Q3, DEFAULT_OPTIONS)
    assert 1 in data.records.strata.n_psu.tolist()
    with pytest.raises(IndicesError, match="has only one PSU"):
        estimate_survey(data, EstimationOptions(lonely_psu="fail"))
    _assert_agree(estimate_survey(data).estimates, want)


def test_index_scans_are_off_only_for_the_sums_query(fx_demo_url: str) -> None:
    with _rolled_back(fx_demo_url) as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        data = load_survey_data(conn, Q3)
        names = ("enable_indexscan", "enable_bitmapscan", "jit") if postgres else ()
        after = [conn.exec_driver_sql(f"SHOW {name}").scalar_one() for name in names]
        statement = sums_statement(data.survey.items, 1, (1, 2), postgres)
        literal = {"literal_binds": True}
        sql = str(statement.compile(dialect=conn.dialect, compile_kwargs=literal))
    # As before the query on PostgreSQL (jit off for the transaction); SQLite has no such
    # settings and the statement hides item_code from its index with || '' instead.
    assert after == (["on", "off", "off"] if postgres else [])
    assert ("|| ''" in sql) is not postgres


def test_sums_are_aligned_on_the_response_ids() -> None:
    ids = np.array([30, 10, 20, 40])
    # Sums of 20 and 10 (in another order), of 99 (not in ids: dropped); 30, 40 have none.
    sums = [np.array([20, 99, 10]), np.array([1, 7, 2]), np.array([3, 7, 4])]
    np.testing.assert_array_equal(align_sums(ids, sums), [[0, 2, 1, 0], [0, 4, 3, 0]])
    assert align_sums(ids, [np.array([], dtype=np.int64)] * 3).shape == (2, 4)
    assert align_sums(np.array([], dtype=np.int64), sums).shape == (2, 0)

"""The demo city on both backends: read-only checks share one 20,000-dossier city per backend,
rebuilds use small ones. Tolerances are four standard errors of a proportion, sqrt(p(1-p)/n).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import Connection, Engine, Select, case, func, insert, select, text

from instruments import load_bundled
from survey_service.cli import main
from survey_service.db.engine import make_sync_engine
from survey_service.db.models import (
    Answer,
    Dossier,
    DossierContact,
    InstrumentVersion,
    Response,
    SampleMember,
    SimulationTruth,
    Stratum,
    Survey,
    SurveyUnit,
    Unit,
)
from survey_service.demo import DemoError, build_demo, scored_items, simulate_city
from survey_service.demo.truth import simulate_answers
from tests import databases

N_DOSSIERS = 20_000
JULY = dt.date(2025, 7, 1)
ITEMS = scored_items(load_bundled("short-post-result", 1))


def _scalar(conn: Connection, query: Select[Any]) -> int:
    return int(conn.scalar(query) or 0)


def _tolerance(p: float, n: int) -> float:
    return 4 * math.sqrt(p * (1 - p) / n)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fx_demo_engine(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    fx_postgres_reason: str | None,
) -> Iterator[Engine]:
    with databases.fresh_database(
        request.param, tmp_path_factory, "demo", fx_postgres_reason
    ) as url:
        build_demo(url, n_dossiers=N_DOSSIERS, progress=False)
        engine = make_sync_engine(url)
        yield engine
        engine.dispose()


@contextmanager
def _connected(url: str) -> Iterator[Connection]:
    engine = make_sync_engine(url)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def _dossier_digest(url: str) -> str:
    """Hash the frame and answers as SQLAlchemy reads them: equal values on both backends."""
    columns = [c for c in Dossier.__table__.columns if c.name != "imported_at"]
    answers = select(Answer.response_id, Answer.item_code, Answer.value, Answer.text)
    digest = hashlib.sha256()
    with _connected(url) as conn:
        for query in (select(*columns).order_by(Dossier.id), answers.order_by(Answer.id)):
            for row in conn.execute(query):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _count(url: str, table: str) -> int:
    with _connected(url) as conn:
        return int(conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


def test_units_by_kind_and_tree(fx_demo_engine: Engine) -> None:
    with fx_demo_engine.connect() as conn:
        kinds = dict(conn.execute(select(Unit.kind, func.count()).group_by(Unit.kind)).all())
        units = {u.id: u for u in conn.execute(select(Unit)).all()}
    expected = zip(["city", "department", "ward", "commune", "branch", "reception_point"],
                   [1, 16, 51, 75, 12, 30], strict=True)  # fmt: skip
    assert {k.value: n for k, n in kinds.items()} == dict(expected)
    city = next(u for u in units.values() if u.kind.value == "city")
    assert city.parent_id is None
    assert city.name == "Thành phố Hà Nội"
    for unit in units.values():
        if unit.kind.value == "reception_point":
            assert units[unit.parent_id].kind.value == "branch"
        elif unit.kind.value != "city":
            assert unit.parent_id == city.id
        assert str(unit.valid_from) == "2025-07-01"


def test_names_have_diacritics_and_are_nfc(fx_demo_engine: Engine) -> None:
    with fx_demo_engine.connect() as conn:
        rows = conn.execute(select(Unit.code, Unit.kind, Unit.name, Unit.name_en)).all()
    names = [r.name for r in rows]
    assert all(unicodedata.is_normalized("NFC", n) for n in names)
    assert len(set(names)) == len(names)
    assert len({r.code for r in rows}) == len(rows)
    for expected in [
        "Phường Hoàn Kiếm",
        "Phường Cầu Giấy",
        "Phường Đống Đa",
        "Xã Sóc Sơn",
        "Xã Ứng Hòa",
        "Sở Tài chính",
        "Sở Nông nghiệp và Môi trường",
    ]:
        assert expected in names
    assert sum(n.startswith("Phường ") for n in names) == 51
    assert sum(n.startswith("Xã ") for n in names) == 75
    assert all(re.fullmatch(r"[A-Z0-9-]{2,32}", r.code) for r in rows)
    assert all(r.name_en.isascii() for r in rows if r.kind.value != "city")


def test_frame_shares_are_realistic(fx_demo_engine: Engine) -> None:
    with fx_demo_engine.connect() as conn:
        n = _scalar(conn, select(func.count()).select_from(Dossier))
        channels = dict(
            conn.execute(select(Dossier.channel, func.count()).group_by(Dossier.channel)).all()
        )
        citizens = _scalar(conn, select(func.count()).where(Dossier.applicant_kind == "citizen"))
        on_time = _scalar(conn, select(func.count()).where(Dossier.on_time.is_(True)))
        late_dates = _scalar(
            conn, select(func.count()).where(Dossier.result_on < Dossier.received_on)
        )
        local = _scalar(
            conn,
            select(func.count())
            .select_from(Dossier)
            .join(Unit, Unit.id == Dossier.unit_id)
            .where(Unit.kind.in_(["ward", "commune"])),
        )
        contacts = _scalar(conn, select(func.count()).select_from(DossierContact))
        opted_out = _scalar(conn, select(func.count()).where(DossierContact.opted_out.is_(True)))
        keys = _scalar(conn, select(func.count(func.distinct(Dossier.applicant_key))))
    assert n == N_DOSSIERS
    shares = {k.value: v / n for k, v in channels.items()}
    for channel, expected in [("in_person", 0.4005), ("online", 0.5971), ("postal", 0.0024)]:
        assert abs(shares[channel] - expected) < _tolerance(expected, n)
    assert 0.85 < citizens / n < 0.93
    assert abs(on_time / n - 0.97) < _tolerance(0.97, n)
    assert late_dates == 0
    assert 0.6 < local / n < 0.7  # communes and wards handle the bulk
    assert 0.93 < contacts / n < 0.99
    assert 0.01 < opted_out / contacts < 0.03
    assert 0.45 * n < keys < 0.8 * n  # many applicants have several dossiers


def test_frame_values_are_well_formed(fx_demo_engine: Engine) -> None:
    with fx_demo_engine.connect() as conn:
        dossiers = conn.execute(select(Dossier.__table__).limit(2000)).all()
        contacts = conn.execute(select(DossierContact.__table__).limit(2000)).all()
        procedures = {
            str(code): str(field)
            for code, field in conn.execute(text("SELECT code, field_code FROM procedures"))
        }
    for dossier in dossiers:
        assert re.fullmatch(r"000\.\d\d\.\d\d\.H26-\d{6}-\d{4,}", dossier.code)
        assert re.fullmatch(r"[0-9a-f]{32}", dossier.applicant_key or "")
        assert procedures[dossier.procedure_code] == dossier.field_code
    phones = [c.phone for c in contacts if c.phone]
    assert all(re.fullmatch(r"0[35789]\d{8}", p) for p in phones)
    assert all(
        re.fullmatch(r"[a-z]+\.[a-z]+\d{4}@example\.(com|vn|net|org)", c.email)
        for c in contacts
        if c.email
    )


def test_sample_design_is_stratified_srs(fx_demo_engine: Engine) -> None:
    with fx_demo_engine.connect() as conn:
        strata = conn.execute(select(Stratum.__table__)).all()
        members = conn.execute(
            select(
                SampleMember.stratum_id,
                SampleMember.inclusion_probability,
                SampleMember.base_weight,
                SampleMember.token_hash,
                Dossier.unit_id,
            ).join(Dossier, Dossier.id == SampleMember.dossier_id)
        ).all()
        per_member = conn.scalar(
            select(func.count()).select_from(Response).where(Response.sample_member_id.is_not(None))
        )
        distinct = conn.scalar(select(func.count(func.distinct(Response.sample_member_id))))
    by_id = {s.id: s for s in strata}
    assert all(s.sample_size == min(s.population_size, 60) for s in strata)
    weight_sums: dict[int, float] = {}
    for m in members:
        stratum = by_id[m.stratum_id]
        assert m.unit_id == stratum.unit_id
        assert m.inclusion_probability == pytest.approx(
            stratum.sample_size / stratum.population_size
        )
        assert m.base_weight == stratum.population_size / stratum.sample_size
        weight_sums[m.stratum_id] = weight_sums.get(m.stratum_id, 0.0) + m.base_weight
        assert re.fullmatch(r"[0-9a-f]{64}", m.token_hash)
    assert len({m.token_hash for m in members}) == len(members)
    for stratum_id, total in weight_sums.items():
        assert total == pytest.approx(by_id[stratum_id].population_size, rel=1e-9)
    assert per_member == distinct


def test_truth_is_complete_and_realistic(fx_demo_engine: Engine) -> None:
    with fx_demo_engine.connect() as conn:
        truths = conn.execute(select(SimulationTruth.__table__)).all()
        survey_units = conn.scalar(select(func.count()).select_from(SurveyUnit))
        surveys = dict(conn.execute(select(Survey.id, Survey.code)).all())
    assert sorted(surveys.values()) == ["DEMO-2025-Q3", "DEMO-2025-Q4"]
    assert survey_units == 2 * (16 + 126 + 30)
    assert len(truths) == survey_units * len(ITEMS)
    assert {t.item_code for t in truths} == set(ITEMS)
    shares = np.array([t.share_satisfied for t in truths])
    assert shares.min() >= 0.55
    assert shares.max() <= 0.99
    assert np.mean((shares >= 0.70) & (shares <= 0.97)) > 0.8
    assert np.mean(shares > 0.95) > 0.02  # a few excellent units
    assert np.mean(shares < 0.75) > 0.02  # and a few weak ones
    by_quarter = {(t.survey_id, t.unit_id, t.item_code): t.share_satisfied for t in truths}
    q3, q4 = (k for k, v in sorted(surveys.items(), key=lambda kv: kv[1]))
    changes = [by_quarter[(q4, u, i)] - v for (s, u, i), v in by_quarter.items() if s == q3]
    assert 0 < np.mean(changes) < 0.05
    assert np.std(changes) > 0.005


def test_answers_match_the_truth(fx_demo_engine: Engine) -> None:
    truth = (
        select(SimulationTruth.share_satisfied)
        .where(
            SimulationTruth.survey_id == Response.survey_id,
            SimulationTruth.unit_id == Response.unit_id,
            SimulationTruth.item_code == Answer.item_code,
        )
        .scalar_subquery()
    )
    query = (
        select(
            Answer.item_code,
            Response.mode,
            func.count(),
            func.avg(truth),
            func.sum(case((Answer.satisfied.is_(True), 1), else_=0)),
        )
        .join(Response, Response.id == Answer.response_id)
        .where(Answer.satisfied.is_not(None))
        .group_by(Answer.item_code, Response.mode)
    )
    with fx_demo_engine.connect() as conn:
        rows = conn.execute(query).all()
    assert {row.item_code for row in rows} == set(ITEMS)
    for item, mode, n, mean_truth, satisfied in rows:
        share = satisfied / n
        if mode.value == "invitation":
            assert n > 3000
            assert abs(share - mean_truth) < _tolerance(mean_truth, n), item
        else:  # open-link answers are rosier than the truth
            assert share > mean_truth


def test_responses_and_answers_are_consistent(fx_demo_engine: Engine) -> None:
    with fx_demo_engine.connect() as conn:
        digest = conn.scalar(select(InstrumentVersion.content_hash))
        responses = conn.execute(select(Response.__table__)).all()
        answers = conn.execute(
            select(Answer.item_code, Answer.value, Answer.text, Answer.satisfied)
        ).all()
    assert {r.content_hash for r in responses} == {digest}
    invited = [r for r in responses if r.mode.value == "invitation"]
    assert all(r.probability_sample and r.sample_member_id for r in invited)
    open_link = [r for r in responses if r.mode.value == "open_link"]
    assert not any(r.probability_sample or r.sample_member_id for r in open_link)
    assert all(r.finished and r.started_at < r.submitted_at for r in responses)
    assert sum(r.language == "vi" for r in responses) > 0.95 * len(responses)
    for item, value, comment, satisfied in answers:
        if item == "comment":
            assert (value, satisfied) == (None, None)
            assert comment
        else:
            assert value is not None
            assert 1 <= value <= 5
            assert satisfied == (value >= 4)
            assert comment is None
    comments = sum(a.item_code == "comment" for a in answers)
    assert 0.2 * len(responses) < comments < 0.4 * len(responses)


def test_rerun_without_reset_changes_nothing(fx_any_backend_url: str) -> None:
    first = build_demo(fx_any_backend_url, n_dossiers=2000, seed=7, progress=False)
    assert "2,000 dossiers" in first
    before = _dossier_digest(fx_any_backend_url)
    again = build_demo(fx_any_backend_url, n_dossiers=5000, seed=8, progress=False)
    assert all(words in again for words in ("already loaded", "--reset"))
    assert _dossier_digest(fx_any_backend_url) == before
    assert _count(fx_any_backend_url, "dossiers") == 2000


def test_refuses_a_database_with_other_data(fx_any_backend_url: str) -> None:
    with _connected(fx_any_backend_url) as conn:
        hcm = {"code": "HCM", "kind": "city", "name": "Thành phố Hồ Chí Minh"}
        conn.execute(insert(Unit).values(**hcm, valid_from=JULY))
    with pytest.raises(DemoError, match="not the demo city"):
        build_demo(fx_any_backend_url, n_dossiers=2000, progress=False)
    assert _count(fx_any_backend_url, "units") == 1
    assert _count(fx_any_backend_url, "dossiers") == 0


def test_reset_rebuilds_and_sequences_follow(fx_any_backend_url: str) -> None:
    build_demo(fx_any_backend_url, n_dossiers=2000, seed=1, progress=False)
    first = _dossier_digest(fx_any_backend_url)
    summary = build_demo(fx_any_backend_url, n_dossiers=3000, seed=2, reset=True, progress=False)
    assert "3,000 dossiers" in summary
    assert _count(fx_any_backend_url, "dossiers") == 3000
    assert _dossier_digest(fx_any_backend_url) != first
    with _connected(fx_any_backend_url) as conn:  # later inserts get fresh ids
        new = insert(Unit).values(code="NEW", kind="ward", name="Phường Mới", valid_from=JULY)
        assert conn.execute(new.returning(Unit.id)).scalar_one() == 186


def test_same_seed_same_data_on_both_backends(tmp_path: Path, fx_any_backend_url: str) -> None:
    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    other_seed = f"sqlite:///{tmp_path / 'other.db'}"
    for url, seed in [(reference, 5), (fx_any_backend_url, 5), (other_seed, 6)]:
        build_demo(url, n_dossiers=3000, seed=seed, progress=False)
    assert _dossier_digest(fx_any_backend_url) == _dossier_digest(reference)
    assert _dossier_digest(other_seed) != _dossier_digest(reference)


def test_generation_is_reproducible_without_a_database() -> None:
    a, b = (simulate_city(5000, 11, ITEMS) for _ in range(2))
    c = simulate_city(5000, 12, ITEMS)
    assert np.array_equal(a.frame.applicant, b.frame.applicant)
    assert np.array_equal(a.applicants.key, b.applicants.key)
    assert np.array_equal(a.draws[1].responses.value, b.draws[1].responses.value)
    assert np.array_equal(a.truth, b.truth)
    assert not np.array_equal(a.truth, c.truth)


def test_simulated_answers_hit_the_given_shares() -> None:
    shares = np.tile([0.6, 0.8, 0.95], (200_000, 1))
    satisfied, value = simulate_answers(shares, np.random.default_rng(3))
    observed = satisfied.mean(axis=0)
    for p, share in zip([0.6, 0.8, 0.95], observed, strict=True):
        assert abs(share - p) < _tolerance(p, 200_000)
    assert np.array_equal(satisfied, value >= 4)
    assert np.corrcoef(satisfied[:, 0], satisfied[:, 1])[0, 1] > 0.1  # one respondent's attitude


@pytest.mark.parametrize(("n_dossiers", "seed"), [(999, 1), (2000, -1)])
def test_bad_arguments_are_refused(fx_database_url: str, n_dossiers: int, seed: int) -> None:
    with pytest.raises(DemoError):
        build_demo(fx_database_url, n_dossiers=n_dossiers, seed=seed, progress=False)
    assert _count(fx_database_url, "units") == 0


def test_cli_builds_the_demo_while_the_database_is_open(fx_sqlite_url: str) -> None:
    runner, env = CliRunner(), {"SURVEY_DATABASE_URL": fx_sqlite_url}
    server = sqlite3.connect(fx_sqlite_url.removeprefix("sqlite:///"))  # a server has it open
    try:
        assert server.execute("SELECT count(*) FROM units").fetchone() == (0,)
        result = runner.invoke(main, ["demo", "--dossiers", "1000", "--quiet"], env=env)
        assert result.exit_code == 0, result.output
        assert "1,000 dossiers" in result.output
        assert server.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        server.close()
    again = runner.invoke(main, ["demo", "--dossiers", "1000", "--quiet"], env=env)
    assert "already loaded" in again.output

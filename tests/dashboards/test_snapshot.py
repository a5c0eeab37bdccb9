"""Publishing freezes every unit's scorecard and the league tables; reading gives them back."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, insert, select, update

from survey_service.cli import main
from survey_service.db.engine import make_sync_engine
from survey_service.db.models import Answer, PublishedPart, Response, Survey, Unit
from survey_service.errors import NotFoundError
from survey_service.features.dashboards.published import (
    latest_snapshots,
    read_league,
    read_unit,
    read_unit_series,
)
from survey_service.features.dashboards.snapshot import publish_results
from survey_service.features.indices.scorecards import make_scorecard
from survey_service.features.indices.service import estimate_survey, load_survey_data
from tests.dashboards.conftest import SURVEYS
from tests.staff import create_staff

COMMUNE = "X-SOCSON"


def test_latest_snapshots_newest_period_first(fx_published_url: str) -> None:
    engine = make_sync_engine(fx_published_url)
    try:
        with engine.connect() as conn:
            snapshots = latest_snapshots(conn)
    finally:
        engine.dispose()
    assert [s.survey_code for s in snapshots] == list(reversed(SURVEYS))
    assert all(s.published_by is None for s in snapshots)
    summary = snapshots[0].summary
    assert COMMUNE in summary.units
    assert ("commune", "overall_index") in summary.leagues


def test_published_scorecard_is_the_live_one(fx_published_url: str) -> None:
    engine = make_sync_engine(fx_published_url)
    try:
        with engine.connect() as conn:
            snapshot = latest_snapshots(conn)[0]
            published = read_unit(conn, snapshot.id, COMMUNE)
            live = make_scorecard(
                estimate_survey(load_survey_data(conn, snapshot.survey_code)), COMMUNE
            )
            league = read_league(conn, snapshot.id, "commune", "overall_index")
            series = read_unit_series(conn, [s.id for s in latest_snapshots(conn)], COMMUNE)
            assert read_unit(conn, snapshot.id, "NO-SUCH-UNIT") is None
    finally:
        engine.dispose()
    assert published is not None
    assert league is not None
    assert published.scorecard == live
    assert len(series) == 2
    rank = published.rank
    assert rank is not None
    assert rank.kind == "commune"
    assert rank.of == len(league.rows)
    row = next(r for r in league.rows if r.unit.code == COMMUNE)
    assert (rank.rank, rank.rank_low, rank.rank_high) == (row.rank, row.rank_low, row.rank_high)
    assert rank.rank_low <= rank.rank <= rank.rank_high
    items = {d.item for d in published.distributions}
    assert items == {i.variable for i in live.items}
    for distribution in published.distributions:
        assert sum(s.count for s in distribution.shares) == distribution.n
        assert sum(s.share for s in distribution.shares) == pytest.approx(1.0, rel=1e-12)
    improvement = published.improvement
    assert improvement is not None
    assert improvement.basis in ("unit", "city")
    assert {r.term for r in improvement.rows} == {e.variable for e in live.elements}
    assert len(published.comments) <= published.comment_count
    assert published.members["staff"] == ["staff_attitude", "staff_competence"]


def test_comments_are_published_redacted(fx_published_url: str) -> None:
    engine = make_sync_engine(fx_published_url)
    try:
        with engine.connect() as conn, conn.begin() as transaction:
            unit_id = conn.scalar(select(Unit.id).where(Unit.code == COMMUNE))
            response_id = conn.scalar(
                select(func.max(Response.id)).where(
                    Response.unit_id == unit_id, Response.sample_member_id.is_not(None)
                )
            )
            conn.execute(
                update(Response)
                .where(Response.id == response_id)
                .values(submitted_at=func.current_timestamp())
            )
            conn.execute(
                insert(Answer).values(
                    response_id=response_id,
                    item_code="comment",
                    text="Chị Hoa gọi 0912 345 678, CCCD 001203004567, a.b@example.vn",
                )
            )
            survey_code = conn.scalar(
                select(Survey.code)
                .join(Response, Response.survey_id == Survey.id)
                .where(Response.id == response_id)
            )
            assert survey_code is not None
            publication = publish_results(conn, survey_code, by_user_id=None)
            published = read_unit(conn, publication.id, COMMUNE)
            documents = conn.scalars(
                select(PublishedPart.document).where(PublishedPart.result_id == publication.id)
            ).all()
            transaction.rollback()
    finally:
        engine.dispose()
    assert published is not None
    assert published.comments[0].text == "Chị [tên] gọi [số điện thoại], CCCD [số giấy tờ], [email]"
    assert not any(
        "345 678" in d or "a.b@example.vn" in d or "001203004567" in d for d in documents
    )


def test_unknown_survey_is_not_found(fx_published_url: str) -> None:
    engine = make_sync_engine(fx_published_url)
    try:
        with engine.connect() as conn, pytest.raises(NotFoundError):
            publish_results(conn, "NO-SUCH-SURVEY", by_user_id=None)
    finally:
        engine.dispose()


def test_publish_command_records_the_publisher(
    fx_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.dashboards.conftest import publish_demo

    publish_demo(fx_database_url)
    create_staff(fx_database_url, "stat", "statistician")
    monkeypatch.setenv("SURVEY_DATABASE_URL", fx_database_url)
    runner = CliRunner()
    result = runner.invoke(main, ["publish", SURVEYS[1], "--by", "stat"])
    assert result.exit_code == 0, result.output
    assert "Published DEMO-2025-Q4" in result.output
    missing = runner.invoke(main, ["publish", "NOPE"])
    assert missing.exit_code == 1
    assert "no survey with code 'NOPE'" in missing.output
    nobody = runner.invoke(main, ["publish", SURVEYS[1], "--by", "ghost"])
    assert nobody.exit_code == 1
    assert "no user named 'ghost'" in nobody.output
    engine = make_sync_engine(fx_database_url)
    try:
        with engine.connect() as conn:
            assert latest_snapshots(conn)[0].published_by is not None
    finally:
        engine.dispose()


def test_demo_command_publishes_each_quarter_once(
    fx_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SURVEY_DATABASE_URL", fx_database_url)
    runner = CliRunner()
    first = runner.invoke(main, ["demo", "--dossiers", "2000", "--quiet"])
    assert first.exit_code == 0, first.output
    for code in SURVEYS:
        assert f"Published {code} for the staff dashboards" in first.output
    again = runner.invoke(main, ["demo", "--dossiers", "2000", "--quiet"])
    assert again.exit_code == 0, again.output
    assert "Published" not in again.output
    engine = make_sync_engine(fx_database_url)
    try:
        with engine.connect() as conn:
            assert [s.survey_code for s in latest_snapshots(conn)] == list(reversed(SURVEYS))
    finally:
        engine.dispose()

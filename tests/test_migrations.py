"""Migrations create exactly the models, on SQLite and PostgreSQL, and go back down."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from survey_service.db.engine import make_sync_engine
from survey_service.db.migrate import current_revision, downgrade, head_revision, upgrade
from survey_service.db.models import Base


def _differences(url: str) -> list[object]:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_sync_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_head_matches_models_and_round_trips(fx_any_backend_url: str) -> None:
    url = fx_any_backend_url
    assert current_revision(url) == head_revision()
    assert _differences(url) == []
    assert _tables(url) == set(Base.metadata.tables) | {"alembic_version"}

    downgrade(url, "base")
    assert current_revision(url) is None
    assert _tables(url) <= {"alembic_version"}

    upgrade(url)
    assert current_revision(url) == head_revision()
    assert _differences(url) == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(fx_sqlite_url: str) -> None:
    engine = make_sync_engine(fx_sqlite_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_every_constraint_is_named(fx_sqlite_url: str) -> None:
    for table in Base.metadata.sorted_tables:
        for constraint in table.constraints:
            assert constraint.name, f"unnamed constraint on {table.name}"
        for index in table.indexes:
            assert index.name, f"unnamed index on {table.name}"

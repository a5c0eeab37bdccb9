"""Throw-away databases for tests: migrated SQLite files and PostgreSQL databases."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from survey_service.db.engine import make_sync_engine
from survey_service.db.migrate import upgrade
from survey_service.db.models import Base

DEFAULT_POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str:
    """URL of a PostgreSQL database we may connect to in order to create others."""
    return os.environ.get("SURVEY_TEST_POSTGRES_URL", DEFAULT_POSTGRES_ADMIN_URL)


def postgres_unavailable_reason() -> str | None:
    """Return why PostgreSQL cannot be used, or None when it can."""
    url = make_url(postgres_admin_url())
    try:
        with psycopg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            dbname=url.database,
            connect_timeout=3,
        ):
            return None
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (
            f"PostgreSQL not reachable at {postgres_admin_url()} ({first_line}); "
            "set SURVEY_TEST_POSTGRES_URL or start the server"
        )


def _admin_connect() -> psycopg.Connection[tuple[object, ...]]:
    url = make_url(postgres_admin_url())
    return psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database,
        autocommit=True,
    )


def create_postgres_database(migrate: bool = True) -> str:
    """Create a fresh PostgreSQL database (migrated to head) and return its URL."""
    name = f"survey_test_{os.getpid()}_{secrets.token_hex(4)}"
    with _admin_connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)
    if migrate:
        upgrade(url)
    return url


def drop_postgres_database(url: str) -> None:
    """Drop a database made by :func:`create_postgres_database`."""
    name = make_url(url).database
    with _admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


@contextmanager
def fresh_database(
    backend: str,
    tmp_path_factory: pytest.TempPathFactory,
    folder: str,
    postgres_reason: str | None,
) -> Iterator[str]:
    """An empty, unmigrated database on ``backend`` ("sqlite" or "postgresql"), for a demo city.

    SQLite: ``demo.db`` in a new temporary folder named after ``folder``. PostgreSQL: a new
    database, dropped afterwards; the test is skipped when ``postgres_reason`` says why
    PostgreSQL cannot be used.
    """
    if backend != "postgresql":
        yield f"sqlite:///{tmp_path_factory.mktemp(folder) / 'demo.db'}"
        return
    if postgres_reason is not None:
        pytest.skip(postgres_reason)
    url = create_postgres_database(migrate=False)
    try:
        yield url
    finally:
        drop_postgres_database(url)


def empty_postgres_tables(url: str) -> None:
    """Remove every row from every table, resetting identities."""
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    engine = make_sync_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


def make_sqlite_template(directory: Path) -> Path:
    """Create a migrated SQLite file to copy for each test."""
    path = directory / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def copy_sqlite(template: Path, target: Path) -> str:
    """Copy the migrated template to ``target`` and return its URL."""
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"

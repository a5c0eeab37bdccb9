"""Shared fixtures: a migrated database per test, on SQLite or PostgreSQL.

``SURVEY_TEST_DATABASE`` chooses the backend of ``fx_database_url`` (``sqlite``, the
default, or ``postgresql``). ``fx_any_backend_url`` runs a test on both backends whatever
the choice; PostgreSQL tests skip with a reason when no server answers, unless
``SURVEY_TEST_REQUIRE_ALL=1`` (set by .ci/run), which turns every skip into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import databases


def _backend() -> str:
    backend = os.environ.get("SURVEY_TEST_DATABASE", "sqlite").strip().lower()
    if backend not in ("sqlite", "postgresql"):
        raise pytest.UsageError("SURVEY_TEST_DATABASE must be sqlite or postgresql")
    return backend


def pytest_report_header() -> str:
    return f"survey-service test database: {_backend()}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if (
        os.environ.get("SURVEY_TEST_REQUIRE_ALL") == "1"
        and report.skipped
        and not hasattr(report, "wasxfail")
    ):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped, but SURVEY_TEST_REQUIRE_ALL=1 forbids skips: {reason}"


@pytest.fixture(scope="session")
def fx_postgres_reason() -> str | None:
    return databases.postgres_unavailable_reason()


@pytest.fixture(scope="session")
def fx_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.make_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def fx_postgres_session_url(fx_postgres_reason: str | None) -> Iterator[str]:
    if fx_postgres_reason is not None:
        pytest.skip(fx_postgres_reason)
    url = databases.create_postgres_database()
    yield url
    databases.drop_postgres_database(url)


def _sqlite_url(template: Path, tmp_path: Path) -> str:
    return databases.copy_sqlite(template, tmp_path / "test.db")


@pytest.fixture
def fx_sqlite_url(fx_sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated, empty SQLite database of this test's own."""
    return _sqlite_url(fx_sqlite_template, tmp_path)


@pytest.fixture
def fx_postgres_url(fx_postgres_session_url: str) -> Iterator[str]:
    """A migrated PostgreSQL database, emptied after the test."""
    yield fx_postgres_session_url
    databases.empty_postgres_tables(fx_postgres_session_url)


@pytest.fixture
def fx_database_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database on the backend chosen by SURVEY_TEST_DATABASE."""
    name = "fx_postgres_url" if _backend() == "postgresql" else "fx_sqlite_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def fx_any_backend_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database on each backend in turn."""
    name = "fx_postgres_url" if request.param == "postgresql" else "fx_sqlite_url"
    url: str = request.getfixturevalue(name)
    return url

"""A small demo city with both quarters published, on each backend (read-only for tests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from survey_service.db.engine import make_sync_engine
from survey_service.demo import build_demo
from survey_service.features.dashboards.snapshot import publish_results
from tests import databases

N_DOSSIERS = 8_000
SEED = 20250701
SURVEYS = ("DEMO-2025-Q3", "DEMO-2025-Q4")


def publish_demo(url: str) -> None:
    """Build the demo city at ``url`` and publish both quarters."""
    build_demo(url, n_dossiers=N_DOSSIERS, seed=SEED, progress=False)
    engine = make_sync_engine(url)
    try:
        for code in SURVEYS:
            with engine.begin() as conn:
                publish_results(conn, code, by_user_id=None)
    finally:
        engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def fx_published_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    fx_postgres_reason: str | None,
) -> Iterator[str]:
    """The demo city, both quarters published (changes go in rolled-back transactions)."""
    with databases.fresh_database(
        request.param, tmp_path_factory, "dashboards", fx_postgres_reason
    ) as url:
        publish_demo(url)
        yield url

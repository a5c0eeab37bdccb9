"""The demo city at a small size, on each backend (import the fixture where it is used)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from survey_service.demo import build_demo
from tests import databases

N_DOSSIERS = 12_000
SEED = 20250701


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def fx_demo_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    fx_postgres_reason: str | None,
) -> Iterator[str]:
    """A demo city (read-only for the tests: changes are made in rolled-back transactions)."""
    with databases.fresh_database(
        request.param, tmp_path_factory, "indices", fx_postgres_reason
    ) as url:
        build_demo(url, n_dossiers=N_DOSSIERS, seed=SEED, progress=False)
        yield url

"""The same frame, design and seed give the identical sample, on fresh databases and across
backends (the frame's order is the dossier codes' byte order everywhere)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from survey_service.db.models import Dossier, SampleMember, Stratum
from tests import databases
from tests.samples.city import DESIGN_FILE, SURVEY, query, run, seed_frame

Sample = list[tuple[str, str, float, float, bool]]


@pytest.fixture
def fx_fresh_database(
    fx_sqlite_template: Path, fx_postgres_reason: str | None, tmp_path: Path
) -> Iterator[Callable[[str], str]]:
    """Make fresh migrated databases of either backend (dropped after the test)."""
    made: list[str] = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            return databases.copy_sqlite(fx_sqlite_template, tmp_path / f"fresh{len(made)}.db")
        if fx_postgres_reason is not None:
            pytest.skip(fx_postgres_reason)
        made.append(databases.create_postgres_database())
        return made[-1]

    yield make
    for url in made:
        databases.drop_postgres_database(url)


def _draw(url: str, tmp_path: Path, seed: int) -> Sample:
    tmp_path.mkdir()
    seed_frame(url, tmp_path)
    assert run(url, "sample", "design", "add", SURVEY, str(DESIGN_FILE)).exit_code == 0
    drawn = run(url, "sample", "draw", SURVEY, "--seed", str(seed), "--quiet")
    assert drawn.exit_code == 0, drawn.output
    rows = query(
        url,
        select(
            Dossier.code,
            Stratum.key,
            SampleMember.inclusion_probability,
            SampleMember.base_weight,
            SampleMember.is_reserve,
        )
        .join(Dossier, Dossier.id == SampleMember.dossier_id)
        .join(Stratum, Stratum.id == SampleMember.stratum_id)
        .order_by(SampleMember.id),
    )
    return [tuple(r) for r in rows]


@pytest.mark.parametrize(
    "backends",
    [("sqlite", "sqlite"), ("postgresql", "postgresql"), ("sqlite", "postgresql")],
    ids=["sqlite", "postgresql", "across"],
)
def test_same_seed_same_sample_on_fresh_databases(
    fx_fresh_database: Callable[[str], str], tmp_path: Path, backends: tuple[str, str]
) -> None:
    first = _draw(fx_fresh_database(backends[0]), tmp_path / "a", seed=424242)
    second = _draw(fx_fresh_database(backends[1]), tmp_path / "b", seed=424242)
    assert first == second  # members, strata, π, weights and reserve flags, in release order
    assert any(reserve for *_, reserve in first)
    other = _draw(fx_fresh_database(backends[0]), tmp_path / "c", seed=424243)
    assert {r[0] for r in other} != {r[0] for r in first}

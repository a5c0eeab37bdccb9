"""A small frame for the sample tests: two units, three channels, repeated applicants.

The frame goes in through ``survey-service frame import`` (the real path); everything the
tests compare against is recomputed here from plain queries, not from the code under test.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
from click.testing import CliRunner, Result
from litestar.testing import TestClient
from sqlalchemy import func, insert, select, update

from sampling import FrameColumns
from survey_service.app import create_app
from survey_service.cli import main
from survey_service.config import Settings
from survey_service.db.engine import make_sync_engine
from survey_service.db.models import (
    Dossier,
    DossierContact,
    InstrumentVersion,
    Response,
    SampleMember,
    Survey,
    Unit,
)
from survey_service.features.samples.letters import VIETNAM
from tests.seed import COMMUNE_CODE, WARD_CODE, seed_small_city

SURVEY = "T-2025-Q3"
SECRET = "s" * 40
PUBLIC_URL = "http://testserver.local"
DESIGN_FILE = Path(__file__).with_name("design.toml")
DESIGN_NAME = "Thử nghiệm đơn vị × kênh"
HEADER = (
    "dossier_code,unit_code,procedure_code,field_code,channel,applicant_kind,applicant_id,"
    "phone,email,received_on,result_on,on_time"
)


def env(url: str) -> dict[str, str]:
    """Environment of CLI runs: the database, a fixed secret and public URL."""
    return {
        "SURVEY_DATABASE_URL": url,
        "SURVEY_SECRET_KEY": SECRET,
        "SURVEY_PUBLIC_URL": PUBLIC_URL,
    }


def run(url: str, *args: str) -> Result:
    """Run ``survey-service ARGS`` against ``url``."""
    return CliRunner().invoke(main, list(args), env=env(url))


def client(url: str) -> TestClient:  # type: ignore[type-arg]
    """A test client of the app on ``url`` with the tests' secret and public URL."""
    settings = Settings(
        database_url=url, secret_key=SECRET, environment="test", public_base_url=PUBLIC_URL
    )
    return TestClient(create_app(settings))


def soon(minutes: int = 1) -> str:
    """A time just after now, as a gateway in Vietnam writes it (no offset)."""
    later = dt.datetime.now(VIETNAM) + dt.timedelta(minutes=minutes)
    return later.strftime("%Y-%m-%d %H:%M:%S")


def drawn(url: str, seed: int = 20251001) -> None:
    """Store the test design and draw it."""
    added = run(url, "sample", "design", "add", SURVEY, str(DESIGN_FILE))
    assert added.exit_code == 0, added.output
    result = run(url, "sample", "draw", SURVEY, "--seed", str(seed), "--quiet")
    assert result.exit_code == 0, result.output


def export(url: str, path: Path, *extra: str) -> list[dict[str, str]]:
    """Export invitations to ``path`` and read the CSV back."""
    result = run(url, "invitations", "export", SURVEY, "--out", str(path), "--quiet", *extra)
    assert result.exit_code == 0, result.output
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def frame_lines(n: int = 900, seed: int = 7) -> list[str]:
    """CSV lines of ``n`` completed dossiers of Q3 2025 (about 1 in 6 applicants repeats)."""
    rng = np.random.default_rng(seed)
    start = dt.date(2025, 7, 1)
    lines = []
    for i in range(n):
        unit = COMMUNE_CODE if rng.random() < 0.55 else WARD_CODE
        channel = rng.choice(["in_person", "online", "postal"], p=[0.45, 0.45, 0.10])
        field = rng.choice(["HT", "CT", "DD"])
        procedure = f"1.00{rng.integers(1, 6)}"
        person = f"00109{rng.integers(0, 750):07d}"
        u = rng.random()
        phone = f"09{rng.integers(10**7, 10**8)}" if u < 0.85 else ""
        email = f"nguoi{i}@example.vn" if 0.6 < u < 0.95 else ""
        result = start + dt.timedelta(days=int(rng.integers(0, 92)))
        received = result - dt.timedelta(days=int(rng.integers(0, 10)))
        kind = "citizen" if rng.random() < 0.9 else "organisation"
        lines.append(
            f"H25-{i:05d},{unit},{procedure},{field},{channel},{kind},{person},{phone},{email},"
            f"{received.isoformat()},{result.isoformat()},true"
        )
    return lines


def seed_frame(url: str, tmp_path: Path, n: int = 900) -> None:
    """The small city of tests.seed plus ``n`` dossiers imported through the CLI."""
    seed_small_city(url)
    path = tmp_path / "frame.csv"
    path.write_text("\n".join([HEADER, *frame_lines(n)]) + "\n", encoding="utf-8")
    result = run(url, "frame", "import", "--quiet", str(path))
    assert result.exit_code == 0, result.output


def query(url: str, statement: Any) -> list[Any]:
    """Rows of ``statement``."""
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(statement).all())
    finally:
        engine.dispose()


def execute(url: str, statement: Any, rows: list[dict[str, Any]] | None = None) -> None:
    """Run ``statement`` in a transaction."""
    engine = make_sync_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(statement, rows) if rows is not None else conn.execute(statement)
    finally:
        engine.dispose()


def count(url: str, model: type) -> int:
    """Rows of a table."""
    return int(query(url, select(func.count()).select_from(model))[0][0])


def independent_frame() -> Any:
    """The SELECT the tests use to rebuild the frame without the code under test."""
    return (
        select(
            Dossier.code,
            Unit.code,
            Dossier.channel,
            Dossier.field_code,
            Dossier.applicant_kind,
            Dossier.applicant_key,
            Dossier.result_on,
            DossierContact.phone,
            DossierContact.email,
            DossierContact.opted_out,
        )
        .join(Unit, Unit.id == Dossier.unit_id)
        .outerjoin(DossierContact, DossierContact.dossier_id == Dossier.id)
    )


def frame_columns(url: str) -> tuple[list[str], FrameColumns]:
    """Dossier codes and frame columns, sorted by code in Python (code point order)."""
    rows = sorted(query(url, independent_frame()), key=lambda r: r[0])
    never = np.full(len(rows), np.datetime64("NaT", "D"))
    columns = FrameColumns(
        unit=np.array([r[1] for r in rows]),
        channel=np.array([str(r[2]) for r in rows]),
        field=np.array([r[3] for r in rows]),
        applicant_kind=np.array([str(r[4]) for r in rows]),
        result_date=np.array([r[6] for r in rows], dtype="datetime64[D]"),
        applicant=np.array([r[5] or f"#{r[0]}" for r in rows]),
        has_contact=np.array([bool(r[7] or r[8]) for r in rows]),
        opted_out=np.array([bool(r[9]) for r in rows]),
        last_surveyed=never,
    )
    return [r[0] for r in rows], columns


def opt_out(url: str, dossier_codes: list[str]) -> None:
    """Mark the applicants of these dossiers as having opted out."""
    ids = select(Dossier.id).where(Dossier.code.in_(dossier_codes)).scalar_subquery()
    execute(
        url, update(DossierContact).where(DossierContact.dossier_id.in_(ids)).values(opted_out=True)
    )


def members(url: str) -> list[Any]:
    """Sample members with their dossier code, stratum key and unit code, by member id."""
    from survey_service.db.models import Stratum

    return query(
        url,
        select(
            SampleMember.id,
            Dossier.code,
            Stratum.key,
            SampleMember.inclusion_probability,
            SampleMember.base_weight,
            SampleMember.is_reserve,
            Stratum.population_size,
            Stratum.sample_size,
        )
        .join(Dossier, Dossier.id == SampleMember.dossier_id)
        .join(Stratum, Stratum.id == SampleMember.stratum_id)
        .order_by(SampleMember.id),
    )


def add_responses(
    url: str, member_ids: list[int] | None, *, open_link_unit: str | None = None, n: int = 0
) -> None:
    """Store finished responses: one per member, or ``n`` open-link ones for a unit."""
    version_id, content_hash, survey_id = query(
        url,
        select(InstrumentVersion.id, InstrumentVersion.content_hash, Survey.id)
        .join(Survey, Survey.instrument_version_id == InstrumentVersion.id)
        .where(Survey.code == SURVEY),
    )[0]
    now = dt.datetime.now(dt.UTC)
    common = {
        "survey_id": survey_id,
        "instrument_version_id": version_id,
        "content_hash": content_hash,
        "language": "vi",
        "finished": True,
        "submitted_at": now,
        "flags": [],
    }
    if member_ids:
        unit_of = dict(query(url, select(SampleMember.id, SampleMember.unit_id)))
        rows = [
            {**common, "unit_id": unit_of[m], "sample_member_id": m, "mode": "invitation",
             "probability_sample": True}
            for m in member_ids
        ]  # fmt: skip
        execute(url, insert(Response), rows)
    if open_link_unit is not None and n:
        unit_id = query(url, select(Unit.id).where(Unit.code == open_link_unit))[0][0]
        rows = [
            {**common, "unit_id": unit_id, "mode": "open_link", "probability_sample": False}
            for _ in range(n)
        ]
        execute(url, insert(Response), rows)

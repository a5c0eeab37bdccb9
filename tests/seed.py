"""A tiny hand-made city for web tests: two units, one survey on the short form."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from survey_service.db.engine import make_sync_engine
from survey_service.db.models import Survey, SurveyUnit, Unit
from survey_service.features.instruments.registry import register_bundled_instruments

COMMUNE_CODE = "X-SOCSON"
COMMUNE_NAME = "Xã Sóc Sơn"
WARD_CODE = "P-HOANKIEM"
WARD_NAME = "Phường Hoàn Kiếm"

FULL_ANSWERS = {
    "access_facilities": "5",
    "procedure_clear": "4",
    "staff_attitude": "3",
    "staff_competence": "5",
    "result_on_time": "2",
    "overall": "4",
    "comment": "Cán bộ nhiệt tình, nhưng phải chờ khá lâu.",
}


def _unit(conn, code: str, kind: str, name: str, parent: int | None, start: dt.date) -> int:  # type: ignore[no-untyped-def]
    return int(
        conn.execute(
            insert(Unit)
            .values(
                code=code,
                kind=kind,
                name=name,
                parent_id=parent,
                valid_from=start,
                created_at=dt.datetime.now(dt.UTC),
            )
            .returning(Unit.id)
        ).scalar_one()
    )


def seed_small_city(url: str) -> None:
    """Insert the city, a commune, a ward and a survey open on both."""
    engine = make_sync_engine(url)
    start = dt.date(2025, 7, 1)
    now = dt.datetime.now(dt.UTC)
    try:
        with engine.begin() as conn:
            version_id = register_bundled_instruments(conn)["short-post-result/1"]
            city = _unit(conn, "HN", "city", "Thành phố Hà Nội", None, start)
            commune = _unit(conn, COMMUNE_CODE, "commune", COMMUNE_NAME, city, start)
            ward = _unit(conn, WARD_CODE, "ward", WARD_NAME, city, start)
            survey = conn.execute(
                insert(Survey)
                .values(
                    code="T-2025-Q3",
                    title="Khảo sát thử",
                    instrument_version_id=version_id,
                    period_start=start,
                    period_end=dt.date(2025, 9, 30),
                    modes=["invitation", "open_link"],
                    status="fielding",
                    created_at=now,
                )
                .returning(Survey.id)
            ).scalar_one()
            conn.execute(
                insert(SurveyUnit),
                [{"survey_id": survey, "unit_id": commune}, {"survey_id": survey, "unit_id": ward}],
            )
    finally:
        engine.dispose()


SIPAS_SURVEY_CODE = "T-SIPAS-2025-Q3"


def seed_invitations(url: str, count: int, *, expires_in_days: int = 30) -> list[str]:
    """Add a SIPAS survey on the commune with ``count`` sampled dossiers; return their tokens.

    Needs :func:`seed_small_city` first. Tokens are fresh random ones, stored hashed.
    """
    from survey_service.db.models import (
        Dossier,
        SampleDesign,
        SampleMember,
        Stratum,
    )
    from survey_service.security import hash_token, new_token

    engine = make_sync_engine(url)
    now = dt.datetime.now(dt.UTC)
    tokens = [new_token() for _ in range(count)]
    try:
        with engine.begin() as conn:
            commune = conn.scalar(select(Unit.id).where(Unit.code == COMMUNE_CODE))
            version_id = register_bundled_instruments(conn)["sipas/1"]
            survey_id = conn.execute(
                insert(Survey)
                .values(
                    code=f"{SIPAS_SURVEY_CODE}-{now.timestamp():.0f}-{tokens[0][:6]}",
                    title="SIPAS thử",
                    instrument_version_id=version_id,
                    period_start=dt.date(2025, 7, 1),
                    period_end=dt.date(2025, 9, 30),
                    modes=["invitation"],
                    status="fielding",
                    created_at=now,
                )
                .returning(Survey.id)
            ).scalar_one()
            design_id = conn.execute(
                insert(SampleDesign)
                .values(survey_id=survey_id, name="test", spec={}, created_at=now)
                .returning(SampleDesign.id)
            ).scalar_one()
            stratum_id = conn.execute(
                insert(Stratum)
                .values(
                    design_id=design_id,
                    key="commune",
                    unit_id=commune,
                    population_size=count * 10,
                    sample_size=count,
                )
                .returning(Stratum.id)
            ).scalar_one()
            for n, token in enumerate(tokens):
                dossier_id = conn.execute(
                    insert(Dossier)
                    .values(
                        code=f"D-{survey_id}-{n}",
                        unit_id=commune,
                        procedure_code="1.001193",
                        field_code="HT",
                        channel="online",
                        applicant_kind="citizen",
                        received_on=dt.date(2025, 7, 1),
                        result_on=dt.date(2025, 7, 3),
                        on_time=True,
                        imported_at=now,
                    )
                    .returning(Dossier.id)
                ).scalar_one()
                conn.execute(
                    insert(SampleMember).values(
                        design_id=design_id,
                        stratum_id=stratum_id,
                        dossier_id=dossier_id,
                        unit_id=commune,
                        inclusion_probability=0.1,
                        base_weight=10.0,
                        token_hash=hash_token(token),
                        token_expires_at=now + dt.timedelta(days=expires_in_days),
                    )
                )
    finally:
        engine.dispose()
    return tokens

"""A tiny hand-made city for web tests: two units, one survey on the short form."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

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


def seed_small_city(url: str) -> None:
    """Insert the city, a commune, a ward and a survey open on both."""
    engine = make_sync_engine(url)
    start = dt.date(2025, 7, 1)
    now = dt.datetime.now(dt.UTC)
    try:
        with engine.begin() as conn:
            version_id = register_bundled_instruments(conn)["short-post-result/1"]
            conn.execute(
                insert(Unit),
                [
                    {
                        "id": 1,
                        "code": "HN",
                        "kind": "city",
                        "name": "Thành phố Hà Nội",
                        "parent_id": None,
                        "valid_from": start,
                        "created_at": now,
                    },
                    {
                        "id": 2,
                        "code": COMMUNE_CODE,
                        "kind": "commune",
                        "name": COMMUNE_NAME,
                        "parent_id": 1,
                        "valid_from": start,
                        "created_at": now,
                    },
                    {
                        "id": 3,
                        "code": WARD_CODE,
                        "kind": "ward",
                        "name": WARD_NAME,
                        "parent_id": 1,
                        "valid_from": start,
                        "created_at": now,
                    },
                ],
            )
            conn.execute(
                insert(Survey).values(
                    id=1,
                    code="T-2025-Q3",
                    title="Khảo sát thử",
                    instrument_version_id=version_id,
                    period_start=start,
                    period_end=dt.date(2025, 9, 30),
                    modes=["invitation", "open_link"],
                    status="fielding",
                    created_at=now,
                )
            )
            conn.execute(
                insert(SurveyUnit), [{"survey_id": 1, "unit_id": 2}, {"survey_id": 1, "unit_id": 3}]
            )
    finally:
        engine.dispose()

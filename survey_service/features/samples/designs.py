"""Sample designs of a survey: versioned specs, and finding the design a command means.

A design is stored as canonical JSON under its name; adding a design with a name already
used makes the next version, so a drawn version never changes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from sampling import DesignError, SampleDesign, decode_design, encode_design
from survey_service.db.base import utcnow
from survey_service.db.models import SampleDesign as DesignModel
from survey_service.db.models import Survey, SurveyUnit, Unit
from survey_service.errors import NotFoundError
from survey_service.features.samples.errors import SampleServiceError
from survey_service.features.samples.schemas import DesignOut

__all__ = [
    "DesignRow",
    "SurveyRef",
    "add_design",
    "as_utc",
    "design_out",
    "design_spec",
    "find_design",
    "find_survey",
    "list_designs",
    "read_design_file",
    "survey_units",
]

_SYNTAX = {".toml": "toml", ".json": "json"}


class SurveyRef(msgspec.Struct, frozen=True):
    """The survey a command is about."""

    id: int
    code: str
    period_start: dt.date
    period_end: dt.date


class DesignRow(msgspec.Struct, frozen=True):
    """A stored design version."""

    id: int
    name: str
    version: int
    spec: dict[str, Any]
    created_at: dt.datetime
    seed: int | None
    drawn_at: dt.datetime | None
    library_version: str | None


def as_utc(value: dt.datetime) -> dt.datetime:
    """Return ``value`` timezone-aware; SQLite hands back naive UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def find_survey(conn: Connection, code: str) -> SurveyRef:
    """Return the survey with ``code``, or raise :class:`NotFoundError`."""
    row = conn.execute(
        select(Survey.id, Survey.code, Survey.period_start, Survey.period_end).where(
            Survey.code == code
        )
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"no survey with code {code!r}")
    return SurveyRef(*row)


def survey_units(conn: Connection, survey_id: int) -> dict[int, str]:
    """Return id → code of the units a survey covers (empty when it lists none)."""
    rows = conn.execute(
        select(Unit.id, Unit.code)
        .join(SurveyUnit, SurveyUnit.unit_id == Unit.id)
        .where(SurveyUnit.survey_id == survey_id)
    )
    return {int(unit_id): str(code) for unit_id, code in rows}


def read_design_file(path: Path) -> SampleDesign:
    """Read and validate a design file (``.toml`` or ``.json``)."""
    syntax = _SYNTAX.get(path.suffix.lower())
    if syntax is None:
        raise SampleServiceError(f"{path}: a design file ends in .toml or .json")
    try:
        return decode_design(path.read_bytes(), syntax=syntax)  # type: ignore[arg-type]
    except DesignError as exc:
        raise SampleServiceError(f"{path}: {exc}") from exc


def _check_units(conn: Connection, survey: SurveyRef, design: SampleDesign) -> None:
    wanted = design.population.units
    if wanted is None:
        return
    known = set(conn.scalars(select(Unit.code).where(Unit.code.in_(wanted))))
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise SampleServiceError(f"unknown unit codes in population.units: {unknown}")
    covered = set(survey_units(conn, survey.id).values())
    outside = sorted(set(wanted) - covered) if covered else []
    if outside:
        raise SampleServiceError(f"units not covered by survey {survey.code}: {outside}")


def add_design(conn: Connection, survey_code: str, design: SampleDesign) -> DesignOut:
    """Store ``design`` for a survey as the next version of its name."""
    survey = find_survey(conn, survey_code)
    _check_units(conn, survey, design)
    latest = conn.scalar(
        select(func.max(DesignModel.version)).where(
            DesignModel.survey_id == survey.id, DesignModel.name == design.name
        )
    )
    version = (latest or 0) + 1
    now = utcnow()
    try:
        conn.execute(
            insert(DesignModel).values(
                survey_id=survey.id,
                name=design.name,
                version=version,
                spec=msgspec.json.decode(encode_design(design)),
                created_at=now,
            )
        )
    except IntegrityError as exc:  # the caller's transaction rolls back with this error
        raise SampleServiceError(
            f"another version of design {design.name!r} was stored at the same time; try again"
        ) from exc
    return DesignOut(survey_code=survey.code, name=design.name, version=version, created_at=now)


_COLUMNS = (
    DesignModel.id,
    DesignModel.name,
    DesignModel.version,
    DesignModel.spec,
    DesignModel.created_at,
    DesignModel.seed,
    DesignModel.drawn_at,
    DesignModel.library_version,
)


def find_design(
    conn: Connection, survey: SurveyRef, name: str | None = None, *, drawn: bool = False
) -> DesignRow:
    """Return the design a command means.

    Without ``drawn``: the newest version of ``name``, or the survey's newest design.
    With ``drawn``: the same among drawn designs, newest draw first.
    """
    query = select(*_COLUMNS).where(DesignModel.survey_id == survey.id)
    if name is not None:
        query = query.where(DesignModel.name == name)
    if drawn:
        query = query.where(DesignModel.drawn_at.is_not(None))
        query = query.order_by(DesignModel.drawn_at.desc(), DesignModel.id.desc())
    else:
        # Ids grow with every design stored: the last one added, whatever its name.
        query = query.order_by(DesignModel.id.desc())
    row = conn.execute(query.limit(1)).one_or_none()
    if row is None:
        called = f" called {name!r}" if name is not None else ""
        if drawn:
            raise NotFoundError(
                f"survey {survey.code} has no drawn sample design{called}: run 'sample draw'"
            )
        raise NotFoundError(
            f"survey {survey.code} has no sample design{called}: add one with 'sample design add'"
        )
    created, drawn_at = row.created_at, row.drawn_at
    return DesignRow(
        row.id,
        row.name,
        row.version,
        row.spec,
        as_utc(created),
        row.seed,
        None if drawn_at is None else as_utc(drawn_at),
        row.library_version,
    )


def list_designs(conn: Connection, survey_code: str) -> list[DesignOut]:
    """Every stored design version of a survey, oldest first."""
    survey = find_survey(conn, survey_code)
    rows = conn.execute(
        select(*_COLUMNS).where(DesignModel.survey_id == survey.id).order_by(DesignModel.id)
    )
    return [
        DesignOut(
            survey_code=survey.code,
            name=r.name,
            version=r.version,
            created_at=as_utc(r.created_at),
            seed=r.seed,
            drawn_at=None if r.drawn_at is None else as_utc(r.drawn_at),
        )
        for r in rows
    ]


def design_spec(row: DesignRow) -> SampleDesign:
    """Decode a stored design's spec, or explain why it cannot be used."""
    try:
        return decode_design(msgspec.json.encode(row.spec), syntax="json")
    except DesignError as exc:
        raise SampleServiceError(
            f"design {row.name!r} v{row.version} is not a sampling spec (was it stored by the "
            f"demo?): {exc}"
        ) from exc


def design_out(survey: SurveyRef, row: DesignRow) -> DesignOut:
    """Return the API shape of a stored design."""
    return DesignOut(
        survey_code=survey.code,
        name=row.name,
        version=row.version,
        created_at=row.created_at,
        seed=row.seed,
        drawn_at=row.drawn_at,
    )

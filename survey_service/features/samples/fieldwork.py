"""Fieldwork outcomes from gateways and interviewers: checked row by row, all or nothing.

A row names a sampled dossier by its code, an outcome and when it happened. Any bad row
means nothing is imported unless the caller asks to skip bad rows; every bad row is
reported with its line. Re-importing the same rows adds nothing (exact repeats are
recognised).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence

import msgspec
from sqlalchemy import Connection, Engine, insert, select

from survey_service.db.base import utcnow
from survey_service.db.enums import FieldworkOutcome
from survey_service.db.models import Dossier, FieldworkEvent, SampleMember, Survey
from survey_service.db.models import SampleDesign as DesignModel
from survey_service.features.samples.designs import as_utc, find_survey
from survey_service.features.samples.errors import SampleServiceError
from survey_service.features.samples.letters import VIETNAM
from survey_service.features.samples.schemas import FieldworkImportOut, OutcomeIn, RowProblem

__all__ = ["OutcomeRow", "import_outcomes", "outcome_rows", "read_outcome_csv"]

REQUIRED_COLUMNS = ("dossier_code", "outcome", "recorded_at")
OUTCOMES = tuple(o.value for o in FieldworkOutcome)
MAX_ERRORS = 1000
_LOOKUP_CHUNK = 500
# Clocks of gateways drift a little; an outcome further ahead than this is a mistake.
_FUTURE_SLACK = dt.timedelta(hours=1)


class OutcomeRow(msgspec.Struct, frozen=True):
    """One outcome as read, before any check."""

    line: int
    dossier_code: str
    outcome: str
    recorded_at: str
    note: str | None = None


class _Checked(msgspec.Struct, frozen=True):
    line: int
    member_id: int
    outcome: str
    recorded_at: dt.datetime
    note: str | None


def read_outcome_csv(data: bytes, name: str) -> list[OutcomeRow]:
    """Read a CSV (UTF-8, with or without BOM; comma, semicolon or tab) of outcomes."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SampleServiceError(f"{name}: not UTF-8 text ({exc.reason})") from exc
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise SampleServiceError(
            f"{name}: missing column(s) {', '.join(missing)} (needed: dossier_code, outcome, "
            "recorded_at; optional: note)"
        )
    reader.fieldnames = header
    rows = []
    for record in reader:
        values = {k: (v or "").strip() for k, v in record.items() if isinstance(k, str)}
        rows.append(
            OutcomeRow(
                reader.line_num,
                values["dossier_code"],
                values["outcome"],
                values["recorded_at"],
                values.get("note") or None,
            )
        )
    return rows


def outcome_rows(items: Sequence[OutcomeIn]) -> list[OutcomeRow]:
    """Rows of a JSON list; their "line" is the 1-based position in the list."""
    return [
        OutcomeRow(n, i.dossier_code.strip(), i.outcome.strip(), i.recorded_at.strip(), i.note)
        for n, i in enumerate(items, start=1)
    ]


def _parse_time(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    # Gateways in Vietnam write local time without an offset.
    return value if value.tzinfo is not None else value.replace(tzinfo=VIETNAM)


def _members(
    conn: Connection, codes: Sequence[str], survey_id: int | None
) -> dict[str, dict[str, int]]:
    """Dossier code → {survey code: member id in that survey's latest drawn design}."""
    found: dict[str, dict[str, int]] = {}
    for start in range(0, len(codes), _LOOKUP_CHUNK):
        query = (
            select(Dossier.code, Survey.code, SampleMember.id)
            .join(SampleMember, SampleMember.dossier_id == Dossier.id)
            .join(DesignModel, DesignModel.id == SampleMember.design_id)
            .join(Survey, Survey.id == DesignModel.survey_id)
            .where(
                Dossier.code.in_(codes[start : start + _LOOKUP_CHUNK]),
                DesignModel.drawn_at.is_not(None),
            )
            .order_by(DesignModel.drawn_at, DesignModel.id)
        )
        if survey_id is not None:
            query = query.where(Survey.id == survey_id)
        for code, survey, member in conn.execute(query):
            found.setdefault(code, {})[survey] = member  # the latest draw wins
    return found


def _problem(row: OutcomeRow, members: dict[str, dict[str, int]], survey: str | None) -> str | None:
    if not row.dossier_code:
        return "dossier_code is empty"
    if row.outcome not in OUTCOMES:
        return f"unknown outcome {row.outcome!r}: use one of {', '.join(OUTCOMES)}"
    when = _parse_time(row.recorded_at)
    if when is None:
        return f"recorded_at {row.recorded_at!r} is not an ISO 8601 date or date-time"
    if when > utcnow() + _FUTURE_SLACK:
        return f"recorded_at {row.recorded_at!r} is in the future"
    surveys = members.get(row.dossier_code, {})
    if not surveys:
        where = f" of survey {survey}" if survey else ""
        return f"dossier {row.dossier_code!r} is not in a drawn sample{where}"
    if len(surveys) > 1:
        return (
            f"dossier {row.dossier_code!r} is in the samples of several surveys "
            f"({', '.join(sorted(surveys))}): name the survey"
        )
    return None


def _check(
    rows: Sequence[OutcomeRow], members: dict[str, dict[str, int]], survey: str | None
) -> tuple[list[_Checked], list[RowProblem]]:
    good: list[_Checked] = []
    bad: list[RowProblem] = []
    for row in rows:
        reason = _problem(row, members, survey)
        if reason is not None:
            bad.append(RowProblem(line=row.line, dossier_code=row.dossier_code, reason=reason))
            continue
        when = _parse_time(row.recorded_at)
        assert when is not None  # checked by _problem
        (member,) = members[row.dossier_code].values()
        good.append(_Checked(row.line, member, row.outcome, when.astimezone(dt.UTC), row.note))
    return good, bad


def _new_only(conn: Connection, rows: Sequence[_Checked]) -> list[_Checked]:
    """Leave out rows already recorded (same member, outcome and time) or repeated."""
    seen: set[tuple[int, str, dt.datetime]] = set()
    ids = sorted({r.member_id for r in rows})
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        query = select(
            FieldworkEvent.sample_member_id, FieldworkEvent.outcome, FieldworkEvent.recorded_at
        ).where(FieldworkEvent.sample_member_id.in_(ids[start : start + _LOOKUP_CHUNK]))
        seen.update((m, str(o), as_utc(t)) for m, o, t in conn.execute(query))
    fresh = []
    for row in rows:
        key = (row.member_id, row.outcome, row.recorded_at)
        if key not in seen:
            seen.add(key)
            fresh.append(row)
    return fresh


def _insert(conn: Connection, rows: Sequence[_Checked], source: str) -> None:
    if rows:
        conn.execute(
            insert(FieldworkEvent),
            [
                {
                    "sample_member_id": r.member_id,
                    "outcome": r.outcome,
                    "recorded_at": r.recorded_at,
                    "source": source,
                    "note": r.note,
                }
                for r in rows
            ],
        )


def import_outcomes(
    engine: Engine,
    rows: Sequence[OutcomeRow],
    *,
    survey_code: str | None = None,
    skip_bad: bool = False,
    source: str = "import",
) -> FieldworkImportOut:
    """Record the outcomes in one transaction; nothing when a row is bad, unless ``skip_bad``.

    Without ``survey_code`` a dossier must be in the drawn sample of exactly one survey.
    """
    with engine.begin() as conn:
        survey = find_survey(conn, survey_code) if survey_code is not None else None
        codes = sorted({r.dossier_code for r in rows if r.dossier_code})
        members = _members(conn, codes, survey.id if survey else None)
        good, bad = _check(rows, members, survey.code if survey else None)
        committed = not bad or skip_bad
        fresh = _new_only(conn, good) if committed else []
        _insert(conn, fresh, source)
    return FieldworkImportOut(
        received=len(rows),
        imported=len(fresh),
        duplicates=len(good) - len(fresh) if committed else 0,
        rejected=len(bad),
        committed=committed,
        errors=bad[:MAX_ERRORS],
    )

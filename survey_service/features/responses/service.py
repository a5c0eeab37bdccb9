"""Finding the survey behind a link, storing responses, counting them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from instruments import Instrument, check_answers
from survey_service.db.base import utcnow
from survey_service.db.enums import ResponseMode, UnitKind
from survey_service.db.models import (
    Answer,
    InstrumentVersion,
    Response,
    Survey,
    SurveyUnit,
    Unit,
)
from survey_service.errors import NotFoundError
from survey_service.features.responses.schemas import ResponseCountOut, SubmissionOut

__all__ = [
    "OpenSurvey",
    "count_responses",
    "find_open_survey",
    "store_open_response",
]


class OpenSurvey(msgspec.Struct, frozen=True):
    """The survey an open link answers, with its parsed instrument."""

    survey_id: int
    survey_code: str
    version_id: int
    content_hash: str
    instrument: Instrument


_instrument_cache: dict[int, Instrument] = {}


def _instrument(version: InstrumentVersion) -> Instrument:
    # Versions are immutable, so a parsed definition can be kept for the process' life.
    cached = _instrument_cache.get(version.id)
    if cached is None:
        cached = msgspec.convert(version.definition, Instrument)
        _instrument_cache[version.id] = cached
    return cached


async def find_open_survey(session: AsyncSession, unit: Unit) -> OpenSurvey:
    """Return the newest survey covering ``unit`` that takes open-link answers.

    A reception point answers its branch's survey when it is not covered itself.
    """
    candidates = [unit.id] + ([unit.parent_id] if unit.parent_id is not None else [])
    query = (
        select(Survey, InstrumentVersion)
        .join(SurveyUnit, SurveyUnit.survey_id == Survey.id)
        .join(InstrumentVersion, InstrumentVersion.id == Survey.instrument_version_id)
        .where(SurveyUnit.unit_id.in_(candidates))
        .order_by(Survey.period_end.desc(), Survey.id.desc())
    )
    for survey, version in (await session.execute(query)).all():
        if ResponseMode.OPEN_LINK.value in survey.modes:
            return OpenSurvey(
                survey_id=survey.id,
                survey_code=survey.code,
                version_id=version.id,
                content_hash=version.content_hash,
                instrument=_instrument(version),
            )
    raise NotFoundError(f"no survey takes open-link answers for unit {unit.code!r}")


async def _existing(session: AsyncSession, key: str) -> Response | None:
    return await session.scalar(select(Response).where(Response.submission_key == key))


async def store_open_response(
    session: AsyncSession,
    unit: Unit,
    survey: OpenSurvey,
    raw: Mapping[str, Sequence[str]],
    language: str,
    submission_key: str | None,
) -> SubmissionOut:
    """Check and store an open-link response and its answers in one transaction.

    Raises :class:`instruments.AnswersError` (nothing stored) when answers are wrong.
    A repeated ``submission_key`` returns the response stored the first time.
    """
    answers = check_answers(survey.instrument, raw)
    if submission_key is not None:
        previous = await _existing(session, submission_key)
        if previous is not None:
            return SubmissionOut(previous.id, survey.survey_code, unit.code, 0, duplicate=True)
    is_point = unit.kind == UnitKind.RECEPTION_POINT
    try:
        response_id = (
            await session.execute(
                insert(Response)
                .values(
                    survey_id=survey.survey_id,
                    instrument_version_id=survey.version_id,
                    content_hash=survey.content_hash,
                    unit_id=unit.id,
                    reception_point_id=unit.id if is_point else None,
                    mode=ResponseMode.OPEN_LINK,
                    probability_sample=False,
                    language=language,
                    finished=True,
                    submitted_at=utcnow(),
                    submission_key=submission_key,
                    flags=[],
                )
                .returning(Response.id)
            )
        ).scalar_one()
        if answers:
            await session.execute(
                insert(Answer),
                [{"response_id": response_id, **msgspec.to_builtins(a)} for a in answers],
            )
        await session.commit()
    except IntegrityError:
        await session.rollback()
        previous = await _existing(session, submission_key) if submission_key else None
        if previous is None:
            raise
        return SubmissionOut(previous.id, survey.survey_code, unit.code, 0, duplicate=True)
    return SubmissionOut(response_id, survey.survey_code, unit.code, len(answers))


async def count_responses(session: AsyncSession) -> list[ResponseCountOut]:
    """Return the number of finished responses per unit (units with none included)."""
    counts = (
        select(Response.unit_id, func.count().label("n"))
        .where(Response.finished.is_(True))
        .group_by(Response.unit_id)
        .subquery()
    )
    query = (
        select(Unit.code, Unit.name, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.unit_id == Unit.id)
        .order_by(Unit.code)
    )
    return [
        ResponseCountOut(unit_code=code, unit_name=name, responses=int(n))
        for code, name, n in (await session.execute(query)).all()
    ]

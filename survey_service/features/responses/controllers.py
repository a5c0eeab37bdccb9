"""Questionnaire pages for open links and the JSON submission and count API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_201_CREATED, HTTP_422_UNPROCESSABLE_ENTITY

from instruments import AnswersError, FieldProblem
from survey_service.db.models import Unit
from survey_service.db.session import DbSession
from survey_service.features.responses.schemas import (
    ResponseCountOut,
    SubmissionIn,
    SubmissionOut,
)
from survey_service.features.responses.service import (
    OpenSurvey,
    count_responses,
    find_open_survey,
    store_open_response,
)
from survey_service.features.units.service import get_unit
from survey_service.i18n import choose_language, translate

__all__ = ["QuestionnairePages", "ResponseApi"]

_PROBLEM_KEYS = {
    "required": "error_required",
    "choice": "error_choice",
    "malformed": "error_choice",
    "too_long": "error_too_long",
    "unknown": "error_unknown",
}

# Form fields that are not answers: language, idempotency key.
_CONTROL_FIELDS = ("_lang", "_key")


def _messages(problems: Sequence[FieldProblem], language: str) -> dict[str, str]:
    return {p.field: translate(_PROBLEM_KEYS[p.code], language) for p in problems}


def _page(
    unit: Unit,
    survey: OpenSurvey,
    language: str,
    values: Mapping[str, Sequence[str]] | None = None,
    errors: Mapping[str, str] | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    return {
        "unit": unit,
        "survey": survey,
        "instrument": survey.instrument,
        "lang": language,
        "values": values or {},
        "errors": errors or {},
        "submission_key": key,
    }


class QuestionnairePages(Controller):
    """The open link of a unit (QR poster): questionnaire, submit, thank-you page."""

    path = "/u/{unit_code:str}"
    include_in_schema = False

    @get("/")
    async def show(
        self, db_session: DbSession, unit_code: FromPath[str], lang: FromQuery[str | None] = None
    ) -> Template:
        """Show the unit's questionnaire."""
        import secrets

        language = choose_language(lang)
        unit = await get_unit(db_session, unit_code)
        survey = await find_open_survey(db_session, unit)
        context = _page(unit, survey, language, key=secrets.token_urlsafe(18))
        return Template(template_name="questionnaire.html", context=context)

    @post("/", status_code=303)
    async def submit(
        self, request: Request[Any, Any, State], db_session: DbSession, unit_code: FromPath[str]
    ) -> Redirect | Template:
        """Store the answers and go to the thank-you page, or show what to fix."""
        form = await request.form()
        language = choose_language(form.get("_lang"))
        key = form.get("_key") or None
        raw = {k: form.getall(k) for k in form if k not in _CONTROL_FIELDS}
        unit = await get_unit(db_session, unit_code)
        survey = await find_open_survey(db_session, unit)
        try:
            await store_open_response(db_session, unit, survey, raw, language, key)
        except AnswersError as exc:
            context = _page(unit, survey, language, raw, _messages(exc.problems, language), key)
            return Template(
                template_name="questionnaire.html",
                context=context,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Redirect(path=f"/u/{unit.code}/thanks?lang={language}", status_code=303)

    @get("/thanks")
    async def thanks(
        self, db_session: DbSession, unit_code: FromPath[str], lang: FromQuery[str | None] = None
    ) -> Template:
        """Thank the respondent."""
        unit = await get_unit(db_session, unit_code)
        return Template(
            template_name="thanks.html", context={"unit": unit, "lang": choose_language(lang)}
        )


def _as_strings(answers: Mapping[str, int | str | list[int]]) -> dict[str, list[str]]:
    raw: dict[str, list[str]] = {}
    for code, value in answers.items():
        raw[code] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return raw


class ResponseApi(Controller):
    """Submitting responses as JSON, and counting them."""

    path = "/api"
    tags = ["responses"]

    @post("/units/{unit_code:str}/responses", status_code=HTTP_201_CREATED)
    async def submit(
        self, db_session: DbSession, unit_code: FromPath[str], data: JSONBody[SubmissionIn]
    ) -> SubmissionOut:
        """Submit an open-link response for a unit; 422 names every rejected field."""
        unit = await get_unit(db_session, unit_code)
        survey = await find_open_survey(db_session, unit)
        try:
            return await store_open_response(
                db_session,
                unit,
                survey,
                _as_strings(data.answers),
                data.language,
                data.submission_key,
            )
        except AnswersError as exc:
            messages = _messages(exc.problems, data.language)
            raise HTTPException(
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                detail="some answers cannot be accepted",
                extra=[
                    {"key": f"answers.{p.field}", "code": p.code, "message": messages[p.field]}
                    for p in exc.problems
                ],
            ) from exc

    @get("/responses/counts", summary="Count finished responses per unit")
    async def counts(
        self,
        db_session: DbSession,
        unit: Annotated[str | None, QueryParameter(description="Only this unit's count.")] = None,
    ) -> list[ResponseCountOut]:
        """Finished responses per unit, every unit listed."""
        counts = await count_responses(db_session)
        return [c for c in counts if unit is None or c.unit_code == unit]

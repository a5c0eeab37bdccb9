"""JSON API: submitting an open-link response, counting responses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import (
    HTTP_201_CREATED,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from instruments import AnswersError, check_answers
from survey_service.config import Settings
from survey_service.db.session import DbSession
from survey_service.features.questionnaire.entry import cached_open_entry, open_entry
from survey_service.features.questionnaire.intake import Submission
from survey_service.features.questionnaire.pages import problem_messages
from survey_service.features.questionnaire.store import Stored
from survey_service.features.questionnaire.writer import submit_checked
from survey_service.features.responses.schemas import (
    ResponseCountOut,
    SubmissionIn,
    SubmissionOut,
)
from survey_service.features.responses.service import count_responses
from survey_service.security import keyed_hash

__all__ = ["ResponseApi", "ResponseSubmitApi"]

UnitFilter = Annotated[str | None, QueryParameter(description="Only this unit's count.")]


def _as_strings(answers: Mapping[str, int | str | list[int]]) -> dict[str, list[str]]:
    raw: dict[str, list[str]] = {}
    for code, value in answers.items():
        raw[code] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return raw


class ResponseSubmitApi(Controller):
    """Submitting open-link responses as JSON (public: no staff middleware runs here)."""

    path = "/api"
    tags = ["responses"]

    @post("/units/{unit_code:str}/responses", status_code=HTTP_201_CREATED)
    async def submit(
        self,
        request: Request[Any, Any, State],
        unit_code: FromPath[str],
        data: JSONBody[SubmissionIn],
    ) -> SubmissionOut:
        """Submit an open-link response for a unit; 422 names every rejected field."""
        state = request.app.state
        settings: Settings = state.settings
        # The unit's open link is usually cached: then the request needs no session at all.
        entry = cached_open_entry(state.engine, unit_code)
        if entry is None:
            maker: async_sessionmaker[AsyncSession] = state.session_maker
            async with maker() as session:
                entry = await open_entry(session, unit_code)
        try:
            answers = check_answers(entry.survey.instrument, _as_strings(data.answers))
        except AnswersError as exc:
            messages = problem_messages(exc.problems, data.language)
            raise HTTPException(
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                detail="some answers cannot be accepted",
                extra=[
                    {"key": f"answers.{p.field}", "code": p.code, "message": messages[p.field]}
                    for p in exc.problems
                ],
            ) from exc
        host = request.client.host if request.client else ""
        outcome = await submit_checked(
            state,
            None,
            Submission(
                entry=entry,
                answers=answers,
                language=data.language,
                key=data.submission_key,
                burst_threshold=settings.burst_threshold,
                client_hash=keyed_hash(settings.secret_key, "client", host),
            ),
        )
        if outcome == "rate_limited":
            raise HTTPException(
                status_code=HTTP_429_TOO_MANY_REQUESTS,
                detail="too many answers from this address; try again later",
            )
        assert isinstance(outcome, Stored)  # open links have neither token nor device
        stored = outcome
        return SubmissionOut(
            stored.response_id,
            entry.survey.survey_code,
            entry.unit.code,
            stored.answers,
            stored.duplicate,
        )


class ResponseApi(Controller):
    """Counting responses."""

    path = "/api"
    tags = ["responses"]

    @get("/responses/counts", summary="Count finished responses per unit")
    async def counts(
        self, db_session: DbSession, unit: UnitFilter = None
    ) -> list[ResponseCountOut]:
        """Finished responses per unit, every unit listed."""
        counts = await count_responses(db_session)
        return [c for c in counts if unit is None or c.unit_code == unit]

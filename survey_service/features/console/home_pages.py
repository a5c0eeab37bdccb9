"""The console's front page: every survey, its links, and publishing a period's results."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy import Engine

from analysis import AnalysisError
from sampling import SamplingError
from survey_service.errors import NotFoundError, ServiceError
from survey_service.features.accounts.access import CurrentStaff, Staff
from survey_service.features.console.base import (
    PREFIX,
    ConsolePages,
    in_worker,
    record_survey_action,
    render,
)
from survey_service.features.console.surveys import list_surveys, publications
from survey_service.features.dashboards.snapshot import Publication, publish_results

__all__ = ["ConsoleHome"]


class ConsoleHome(ConsolePages):
    """The list of surveys, with the newest publication of each."""

    path = PREFIX

    async def _home(
        self,
        request: Request[Any, Any, State],
        staff: Staff,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        surveys = await list_surveys(request)
        published = await publications(request)
        return render(
            staff,
            "index.html",
            {"surveys": surveys, "publications": published, "can_publish": True, **context},
            status_code=status_code,
        )

    @get("/")
    async def home(self, request: Request[Any, Any, State], staff: CurrentStaff) -> Template:
        """Surveys, the newest period first, and the frame import link."""
        return await self._home(request, staff)

    @post("/surveys/{survey_code:str}/publish", status_code=200)
    async def publish(
        self, request: Request[Any, Any, State], staff: CurrentStaff, survey_code: FromPath[str]
    ) -> Template:
        """Freeze the survey's results as the snapshot the dashboards show."""

        def work(engine: Engine) -> Publication:
            with engine.begin() as conn:
                return publish_results(conn, survey_code, by_user_id=staff.id)

        try:
            done = await in_worker(request, work)
        except NotFoundError:
            raise
        except (ServiceError, SamplingError, AnalysisError) as exc:
            await record_survey_action(
                request,
                staff,
                "results.publish",
                survey_code,
                {"done": False, "error": str(exc)[:500]},
            )
            return await self._home(request, staff, error=str(exc), status_code=422)
        await record_survey_action(
            request,
            staff,
            "results.publish",
            survey_code,
            {"done": True, "snapshot": done.id, "units": done.units},
        )
        return await self._home(request, staff, published=done)

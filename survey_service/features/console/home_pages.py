"""The console's front page: every survey, with links to its designs, fieldwork, weights."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.response import Template

from survey_service.features.accounts.access import CurrentStaff
from survey_service.features.console.base import CONSOLE_GUARD, PREFIX, render
from survey_service.features.console.surveys import list_surveys

__all__ = ["ConsoleHome"]


class ConsoleHome(Controller):
    """The list of surveys."""

    path = PREFIX
    guards = [CONSOLE_GUARD]
    include_in_schema = False

    @get("/")
    async def home(self, request: Request[Any, Any, State], staff: CurrentStaff) -> Template:
        """Surveys, the newest period first, and the frame import link."""
        surveys = await list_surveys(request)
        return render(staff, "index.html", {"surveys": surveys, "can_publish": False})

"""JSON API of indices: unit scorecards and league tables of a survey (one period).

Every endpoint needs a staff session or API token; a department reviewer gets the
scorecards of their own units only (404 for any other) and the league tables. The data
load (the database sums the answers per PSU) runs on the request's session; the
estimation runs in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import anyio
from litestar import Controller, Request, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Response
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY
from sqlalchemy.orm import Session

from analysis import EstimationOptions
from survey_service.db.enums import UnitKind
from survey_service.db.session import DbSession
from survey_service.features.accounts.access import CurrentStaff, require_unit_code, staff_guard
from survey_service.features.indices.errors import IndicesError
from survey_service.features.indices.leagues import RANK_LEVEL, SEED, make_league
from survey_service.features.indices.records import Sample
from survey_service.features.indices.schemas import LeagueOut, ScorecardOut
from survey_service.features.indices.scorecards import find_unit, make_scorecard
from survey_service.features.indices.service import (
    DEFAULT_OPTIONS,
    SurveyData,
    estimate_survey,
    load_survey_data,
)

__all__ = ["IndicesApi"]

T = TypeVar("T")

Level = Annotated[
    float, QueryParameter(gt=0.0, lt=1.0, description="Confidence level of the intervals.")
]
Which = Annotated[
    Sample,
    QueryParameter(description="Responses of the probability sample, or of the open links."),
]
WeightSetId = Annotated[
    int | None,
    QueryParameter(
        ge=1, description="Weight set [default: the newest of the sample, else base weights]."
    ),
]
Kind = Annotated[
    UnitKind | None,
    QueryParameter(description="Kind of unit to rank [default: the most common kind with data]."),
]
Variable = Annotated[
    str | None, QueryParameter(description="Item or index code [default: the overall index].")
]
RankLevel = Annotated[
    float, QueryParameter(gt=0.0, lt=1.0, description="Coverage of the rank intervals.")
]
Seed = Annotated[
    int, QueryParameter(ge=0, le=2**63 - 1, description="Seed of the simulated rankings.")
]


def _unprocessable(_request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return Response(
        {"status_code": HTTP_422_UNPROCESSABLE_ENTITY, "detail": str(exc)},
        status_code=HTTP_422_UNPROCESSABLE_ENTITY,
    )


async def _load(
    session: DbSession, survey_code: str, sample: Sample, weight_set: int | None
) -> SurveyData:
    def load(sync: Session) -> SurveyData:
        return load_survey_data(
            sync.connection(), survey_code, sample=sample, weight_set=weight_set
        )

    return await session.run_sync(load)


async def _compute(work: Callable[[], T]) -> T:
    return await anyio.to_thread.run_sync(work)


class IndicesApi(Controller):
    """Unit scorecards and league tables (staff session or API token)."""

    path = "/api/surveys/{survey_code:str}"
    tags = ["indices"]
    guards = [staff_guard]
    exception_handlers = {IndicesError: _unprocessable}

    @get("/scorecards/{unit_code:str}", summary="A unit's indices with intervals")
    async def scorecard(
        self,
        db_session: DbSession,
        staff: CurrentStaff,
        survey_code: FromPath[str],
        unit_code: FromPath[str],
        level: Level = 0.95,
        sample: Which = "probability",
        weight_set: WeightSetId = None,
    ) -> ScorecardOut:
        """Overall, element and item indices of the unit (and of everything below it),
        each with its interval, flag, n, n_eff and method, the comparison with the city
        and the small-area estimate; 404 for an unknown survey or unit, and for a unit
        outside a reviewer's scope."""
        await require_unit_code(db_session, staff, unit_code)
        data = await _load(db_session, survey_code, sample, weight_set)
        find_unit(data.units, unit_code)
        options = EstimationOptions(level=level, lonely_psu=DEFAULT_OPTIONS.lonely_psu)
        return await _compute(lambda: make_scorecard(estimate_survey(data, options), unit_code))

    @get("/league", summary="Units of one kind ranked, with rank intervals")
    async def league(
        self,
        db_session: DbSession,
        survey_code: FromPath[str],
        kind: Kind = None,
        variable: Variable = None,
        level: Level = 0.95,
        rank_level: RankLevel = RANK_LEVEL,
        seed: Seed = SEED,
        sample: Which = "probability",
        weight_set: WeightSetId = None,
    ) -> LeagueOut:
        """Each unit's estimate, interval, flag, rank and rank interval."""
        data = await _load(db_session, survey_code, sample, weight_set)
        options = EstimationOptions(level=level, lonely_psu=DEFAULT_OPTIONS.lonely_psu)
        return await _compute(
            lambda: make_league(
                estimate_survey(data, options),
                kind=None if kind is None else kind.value,
                variable=variable,
                level=rank_level,
                seed=seed,
            )
        )

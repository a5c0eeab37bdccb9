"""JSON API of samples: designs, preview, draw, fieldwork outcomes, rates and weights.

Every endpoint needs an API token. The work runs in a worker thread on a synchronous
engine: frames and samples are numpy arrays, and :mod:`sampling` is synchronous.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Response
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
)
from sqlalchemy import Engine

from sampling import SampleDesign, SamplingError
from survey_service.config import Settings
from survey_service.db.engine import run_in_worker
from survey_service.db.enums import Role
from survey_service.features.accounts.access import roles_guard
from survey_service.features.samples.designs import add_design, list_designs
from survey_service.features.samples.draw import draw_design, preview_design
from survey_service.features.samples.errors import AlreadyDrawnError, SampleServiceError
from survey_service.features.samples.fieldwork import import_outcomes, outcome_rows
from survey_service.features.samples.rates import survey_rates
from survey_service.features.samples.reserve import release_reserve, reserve_status
from survey_service.features.samples.schemas import (
    DesignOut,
    DrawIn,
    DrawOut,
    FieldworkImportOut,
    OutcomeIn,
    PreviewOut,
    RatesOut,
    ReleaseIn,
    ReserveOut,
    WeightSetOut,
    WeightsIn,
    WeightsOut,
)
from survey_service.features.samples.weight_sets import compute_weights, find_weight_set

__all__ = ["SampleApi"]

T = TypeVar("T")
MAX_OUTCOME_BYTES = 32 * 2**20

DesignName = Annotated[
    str | None, QueryParameter(description="Design name [default: the newest design].")
]
Seed = Annotated[
    int,
    QueryParameter(ge=0, le=2**63 - 1, description='Only matters for one_per_person "random".'),
]
Grouping = Annotated[Literal["stratum", "unit"], QueryParameter(description="Rates per ...")]
SkipBad = Annotated[bool, QueryParameter(description="Record the good rows even if some are bad.")]


def _problem(status: int) -> Callable[[Request[Any, Any, Any], Exception], Response[Any]]:
    def handle(_request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        body: dict[str, Any] = {"status_code": status, "detail": str(exc)}
        cells = getattr(exc, "cells", None)
        if cells:  # empty or off-target calibration cells, named
            body["cells"] = list(cells)
        return Response(body, status_code=status)

    return handle


async def _run(request: Request[Any, Any, State], work: Callable[[Engine], T]) -> T:
    """Run ``work`` on a fresh synchronous engine in a worker thread."""
    settings: Settings = request.app.state.settings
    return await run_in_worker(settings.database_url, work)


class SampleApi(Controller):
    """Sample designs, draws, fieldwork and weights of a survey.

    Administrators and statisticians (staff session or API token); viewers may read.
    """

    path = "/api/surveys/{survey_code:str}"
    tags = ["samples"]
    guards = [roles_guard(Role.ADMINISTRATOR, Role.STATISTICIAN, readers=(Role.VIEWER,))]
    exception_handlers = {
        SampleServiceError: _problem(HTTP_422_UNPROCESSABLE_ENTITY),
        SamplingError: _problem(HTTP_422_UNPROCESSABLE_ENTITY),
        AlreadyDrawnError: _problem(HTTP_409_CONFLICT),
    }

    @post("/designs", status_code=HTTP_201_CREATED, summary="Store a sample design version")
    async def add_design(
        self,
        request: Request[Any, Any, State],
        survey_code: FromPath[str],
        data: JSONBody[SampleDesign],
    ) -> DesignOut:
        """Store the design; a name already used gets the next version."""

        def work(engine: Engine) -> DesignOut:
            with engine.begin() as conn:
                return add_design(conn, survey_code, data)

        return await _run(request, work)

    @get("/designs", summary="List the stored design versions")
    async def designs(
        self, request: Request[Any, Any, State], survey_code: FromPath[str]
    ) -> list[DesignOut]:
        """Every version, oldest first, with its seed and draw time once drawn."""

        def work(engine: Engine) -> list[DesignOut]:
            with engine.connect() as conn:
                return list_designs(conn, survey_code)

        return await _run(request, work)

    @get("/sample/preview", summary="Preview a design: N, n, respondents, margins")
    async def preview(
        self,
        request: Request[Any, Any, State],
        survey_code: FromPath[str],
        design: DesignName = None,
        seed: Seed = 0,
    ) -> PreviewOut:
        """Per stratum and per unit sizes and expected margins; nothing is drawn."""
        return await _run(
            request, lambda e: preview_design(e, survey_code, design_name=design, seed=seed)
        )

    @post("/sample/draw", status_code=HTTP_201_CREATED, summary="Draw a design")
    async def draw(
        self, request: Request[Any, Any, State], survey_code: FromPath[str], data: JSONBody[DrawIn]
    ) -> DrawOut:
        """Draw and store the sample; 409 when the design was drawn already."""
        return await _run(
            request,
            lambda e: draw_design(e, survey_code, seed=data.seed, design_name=data.design),
        )

    @get("/sample/reserve", summary="The reserve per stratum: drawn, released, left")
    async def reserve(
        self,
        request: Request[Any, Any, State],
        survey_code: FromPath[str],
        design: DesignName = None,
    ) -> ReserveOut:
        """Per stratum of the drawn design: main sample, reserve drawn, released and left."""
        return await _run(request, lambda e: reserve_status(e, survey_code, design))

    @post(
        "/sample/reserve/release",
        status_code=HTTP_200_OK,
        summary="Release reserve members per stratum",
    )
    async def release(
        self,
        request: Request[Any, Any, State],
        survey_code: FromPath[str],
        data: JSONBody[ReleaseIn],
    ) -> ReserveOut:
        """Release the next N reserve members of each stratum named, all or none (422)."""
        return await _run(
            request, lambda e: release_reserve(e, survey_code, data.strata, data.design)
        )

    @post(
        "/fieldwork",
        summary="Record fieldwork outcomes",
        request_max_body_size=MAX_OUTCOME_BYTES,
        status_code=HTTP_200_OK,
    )
    async def record_outcomes(
        self,
        request: Request[Any, Any, State],
        survey_code: FromPath[str],
        data: JSONBody[list[OutcomeIn]],
        skip_bad: SkipBad = False,
    ) -> Response[FieldworkImportOut]:
        """All or nothing unless ``skip_bad``; 422 lists every bad row by its position."""
        rows = outcome_rows(data)
        done = await _run(
            request,
            lambda e: import_outcomes(
                e, rows, survey_code=survey_code, skip_bad=skip_bad, source="api"
            ),
        )
        return Response(done, status_code=200 if done.committed else 422)

    @get("/fieldwork/rates", summary="AAPOR response, cooperation, refusal, contact rates")
    async def rates(
        self,
        request: Request[Any, Any, State],
        survey_code: FromPath[str],
        by: Grouping = "stratum",
        design: DesignName = None,
    ) -> RatesOut:
        """RR1, RR3, COOP1, REF1 and CON1 per stratum or unit, with the formulas."""
        return await _run(
            request, lambda e: survey_rates(e, survey_code, by=by, design_name=design)
        )

    @post("/weights", status_code=HTTP_201_CREATED, summary="Compute and store weights")
    async def compute_weights(
        self,
        request: Request[Any, Any, State],
        survey_code: FromPath[str],
        data: JSONBody[WeightsIn],
    ) -> WeightsOut:
        """Weights of the probability sample and, apart, of the open-link responses."""
        return await _run(request, lambda e: compute_weights(e, survey_code, data))

    @get("/weights", summary="The newest probability weight set and its diagnostics")
    async def latest_weights(
        self, request: Request[Any, Any, State], survey_code: FromPath[str]
    ) -> WeightSetOut:
        """Steps, calibration report and weight summaries per unit."""
        return await _run(request, lambda e: find_weight_set(e, survey_code))

    @get("/weights/{weight_set_id:int}", summary="A weight set and its diagnostics")
    async def weights(
        self,
        request: Request[Any, Any, State],
        survey_code: FromPath[str],
        weight_set_id: FromPath[int],
    ) -> WeightSetOut:
        """Steps, calibration report and weight summaries per unit."""
        return await _run(request, lambda e: find_weight_set(e, survey_code, weight_set_id))

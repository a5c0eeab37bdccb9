"""Console pages of weights: compute with options, and the diagnostics of a weight set."""

from __future__ import annotations

import math
from typing import Any, get_args

import msgspec
from litestar import Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy import Engine

from sampling import SamplingError
from survey_service.errors import ServiceError
from survey_service.features.accounts.access import CurrentStaff, Staff
from survey_service.features.console.base import (
    PREFIX,
    ConsolePages,
    FormValues,
    in_worker,
    record_survey_action,
    render,
)
from survey_service.features.console.surveys import (
    SurveyView,
    survey_view,
    unit_names,
    weight_sets,
)
from survey_service.features.console.texts import console_text
from survey_service.features.samples.schemas import (
    CalibrationMethod,
    CalibrationVariable,
    WeightSetOut,
    WeightsIn,
    WeightsOut,
)
from survey_service.features.samples.weight_sets import compute_weights, find_weight_set

__all__ = ["WeightPages"]

VARIABLES: tuple[str, ...] = get_args(CalibrationVariable)
CLASSES = ("stratum", "unit")
METHODS: tuple[str, ...] = get_args(CalibrationMethod)


def _survey(engine: Engine, survey_code: str) -> SurveyView:
    with engine.connect() as conn:
        return survey_view(conn, survey_code)


def _latest(
    engine: Engine, survey_code: str, set_id: int | None
) -> tuple[SurveyView, WeightSetOut | str]:
    """The survey and a weight set, or why it cannot be shown."""
    survey = _survey(engine, survey_code)
    try:
        return survey, find_weight_set(engine, survey_code, set_id)
    except ServiceError as exc:
        return survey, str(exc)


class _Options(msgspec.Struct, frozen=True, kw_only=True):
    """The form's choices as typed, kept to show them again."""

    calibrate: list[str]
    classes: str = "stratum"
    method: str = "raking"
    lower: str = ""
    upper: str = ""
    trim_cap: str = ""
    recalibrate: bool = False
    design: str = ""


def _options(form: FormValues) -> _Options:
    return _Options(
        calibrate=[v for v in form.all("calibrate") if v in VARIABLES],
        classes=form.text("classes") if form.text("classes") in CLASSES else "stratum",
        method=form.text("method") if form.text("method") in METHODS else "raking",
        lower=form.text("lower"),
        upper=form.text("upper"),
        trim_cap=form.text("trim_cap"),
        recalibrate=form.checked("recalibrate"),
        design=form.text("design"),
    )


def _number(text: str) -> float | None:
    """A number typed with a point or a decimal comma; None when empty; NaN when not one."""
    if not text:
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return math.nan


def _request(options: _Options, language: str) -> WeightsIn:
    """The service's request; numbers that cannot be used are messages in the staff language."""
    cap = _number(options.trim_cap)
    if cap is not None and not cap >= 1.0:  # also refuses NaN
        raise ServiceError(console_text("bad_trim", language))
    lower, upper = _number(options.lower), _number(options.upper)
    if (lower is None) != (upper is None) or not (
        lower is None or upper is None or 0.0 <= lower < 1.0 < upper
    ):
        raise ServiceError(console_text("bad_bounds", language))
    fields: dict[str, Any] = {
        "calibrate": options.calibrate,
        "classes": options.classes,
        "method": options.method,
        "trim_cap": cap,
        "recalibrate": options.recalibrate,
        "bounds": None if lower is None else [lower, upper],
    }
    if options.design:
        fields["design"] = options.design
    try:
        return msgspec.convert(fields, WeightsIn)
    except msgspec.ValidationError as exc:
        raise ServiceError(str(exc)) from exc


DEFAULT_OPTIONS = _Options(calibrate=["unit", "channel"])


class WeightPages(ConsolePages):
    """Weights of one survey's drawn sample."""

    path = f"{PREFIX}/surveys/{{survey_code:str}}/weights"

    async def _page(
        self,
        request: Request[Any, Any, State],
        staff: Staff,
        survey: SurveyView,
        weights: WeightSetOut | None,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        names: dict[str, str] = {}
        if weights is not None:
            units = [u.unit for u in weights.diagnostics.units]
            names = await unit_names(request, units, staff.language)
        context.setdefault("options", DEFAULT_OPTIONS)
        context["sets"] = await weight_sets(request, survey.ref.id)
        return render(
            staff,
            "weights.html",
            {"survey": survey, "w": weights, "names": names, "methods": METHODS, **context},
            status_code=status_code,
        )

    @get("/")
    async def show(
        self,
        request: Request[Any, Any, State],
        staff: CurrentStaff,
        survey_code: FromPath[str],
        set_id: FromQuery[int | None] = None,
    ) -> Template:
        """The newest probability weight set (or ``set_id``) and the compute form."""
        survey, found = await in_worker(request, lambda e: _latest(e, survey_code, set_id))
        if isinstance(found, str):
            return await self._page(request, staff, survey, None, missing=found)
        return await self._page(request, staff, survey, found)

    @post("/", status_code=200)
    async def compute(
        self, request: Request[Any, Any, State], staff: CurrentStaff, survey_code: FromPath[str]
    ) -> Template:
        """Compute and store weights; the page shows their diagnostics."""
        options = _options(FormValues(await request.form()))
        survey = await in_worker(request, lambda e: _survey(e, survey_code))

        def work(engine: Engine) -> WeightsOut:
            return compute_weights(engine, survey_code, _request(options, staff.language))

        try:
            done = await in_worker(request, work)
        except (ServiceError, SamplingError) as exc:
            cells = [str(c) for c in getattr(exc, "cells", None) or ()]
            await record_survey_action(
                request,
                staff,
                "weights.compute",
                survey_code,
                {"done": False, "options": msgspec.to_builtins(options)},
            )
            return await self._page(
                request,
                staff,
                survey,
                None,
                options=options,
                error=str(exc),
                cells=cells[:50],
                status_code=422,
            )
        detail = {"done": True, "options": msgspec.to_builtins(options)}
        detail["weight_set"] = done.probability.id
        detail["open_link_set"] = None if done.open_link is None else done.open_link.id
        await record_survey_action(request, staff, "weights.compute", survey_code, detail)
        return await self._page(
            request, staff, survey, done.probability, options=options, done=done
        )


__all__ += ["NotFoundError"] if False else []

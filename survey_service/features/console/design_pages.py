"""Console pages of sample designs: list, add or edit (a new version), preview, draw."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import Engine

from sampling import SamplingError, decode_design
from survey_service.errors import NotFoundError, ServiceError
from survey_service.features.accounts.access import CurrentStaff, Staff
from survey_service.features.console.base import (
    PREFIX,
    ConsolePages,
    FormValues,
    in_worker,
    record_survey_action,
    render,
)
from survey_service.features.console.charts import bar_chart
from survey_service.features.console.surveys import (
    SurveyView,
    stratum_label,
    survey_view,
    unit_names,
)
from survey_service.features.console.texts import console_text
from survey_service.features.samples.designs import add_design, find_design, list_designs
from survey_service.features.samples.draw import draw_design, preview_design
from survey_service.features.samples.errors import AlreadyDrawnError
from survey_service.features.samples.schemas import DesignOut, PreviewOut

__all__ = ["DesignPages"]

MAX_SEED = 2**63 - 1
_SYNTAXES = ("toml", "json")


def _seed(text: str) -> int | None:
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= MAX_SEED else None


def _designs(engine: Engine, survey_code: str) -> tuple[SurveyView, list[DesignOut]]:
    with engine.connect() as conn:
        return survey_view(conn, survey_code), list_designs(conn, survey_code)


def _spec_json(engine: Engine, survey_code: str, name: str) -> str:
    with engine.connect() as conn:
        survey = survey_view(conn, survey_code)
        row = find_design(conn, survey.ref, name)
    return msgspec.json.format(msgspec.json.encode(row.spec), indent=2).decode()


class _Preview(msgspec.Struct, frozen=True):
    survey: SurveyView
    preview: PreviewOut
    drawn: bool
    drawn_seed: int | None
    drawn_on: str | None


def _preview(engine: Engine, survey_code: str, name: str | None, seed: int) -> _Preview:
    with engine.connect() as conn:
        survey = survey_view(conn, survey_code)
        row = find_design(conn, survey.ref, name)
    preview = preview_design(engine, survey_code, design_name=row.name, seed=seed)
    drawn_on = None if row.drawn_at is None else f"{row.drawn_at:%Y-%m-%d}"
    return _Preview(survey, preview, row.drawn_at is not None, row.seed, drawn_on)


def _preview_link(survey_code: str, design: str) -> str:
    return f"{PREFIX}/surveys/{quote(survey_code)}/preview?design={quote(design)}"


class DesignPages(ConsolePages):
    """Sample designs of one survey."""

    path = f"{PREFIX}/surveys/{{survey_code:str}}"

    async def _list(
        self,
        request: Request[Any, Any, State],
        staff: Staff,
        survey_code: str,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        survey, designs = await in_worker(request, lambda e: _designs(e, survey_code))
        context.setdefault("syntax", "toml")
        context.setdefault("text", "")
        return render(
            staff,
            "designs.html",
            {"survey": survey, "designs": designs, **context},
            status_code=status_code,
        )

    @get("/designs")
    async def designs(
        self,
        request: Request[Any, Any, State],
        staff: CurrentStaff,
        survey_code: FromPath[str],
        edit: FromQuery[str | None] = None,
    ) -> Template:
        """Stored versions and the form for a new design (or a new version of ``edit``)."""
        if edit is None:
            return await self._list(request, staff, survey_code)
        try:
            text = await in_worker(request, lambda e: _spec_json(e, survey_code, edit))
        except NotFoundError as exc:
            return await self._list(request, staff, survey_code, error=str(exc), status_code=404)
        return await self._list(request, staff, survey_code, text=text, syntax="json", editing=edit)

    @post("/designs", status_code=200)
    async def add(
        self, request: Request[Any, Any, State], staff: CurrentStaff, survey_code: FromPath[str]
    ) -> Template | Redirect:
        """Store the design text as the next version of its name, then show its preview."""
        form = FormValues(await request.form())
        text, syntax = form.text("text"), form.text("syntax")
        syntax = syntax if syntax in _SYNTAXES else "toml"

        def work(engine: Engine) -> DesignOut:
            if not text:
                raise ServiceError(console_text("empty_design", staff.language))
            design = decode_design(text, syntax=syntax)  # type: ignore[arg-type]
            with engine.begin() as conn:
                return add_design(conn, survey_code, design)

        try:
            stored = await in_worker(request, work)
        except (ServiceError, SamplingError) as exc:
            return await self._list(
                request,
                staff,
                survey_code,
                text=text,
                syntax=syntax,
                error=str(exc),
                status_code=422,
            )
        await record_survey_action(
            request,
            staff,
            "sample.design_add",
            survey_code,
            {"design": stored.name, "version": stored.version},
        )
        return Redirect(_preview_link(survey_code, stored.name), status_code=303)

    async def _preview_page(
        self,
        request: Request[Any, Any, State],
        staff: Staff,
        survey_code: str,
        design: str | None,
        seed: int,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        try:
            found = await in_worker(request, lambda e: _preview(e, survey_code, design, seed))
        except (ServiceError, SamplingError) as exc:  # an unknown survey is 404 in _list
            status = 404 if isinstance(exc, NotFoundError) else 422
            return await self._list(request, staff, survey_code, error=str(exc), status_code=status)
        codes = [u.unit for u in found.preview.units]
        names = await unit_names(request, codes, staff.language)
        strata = {s.key: stratum_label(s.key, names, staff.language) for s in found.preview.strata}
        rows = [(names.get(u.unit, u.unit), u.margin) for u in found.preview.units]
        if not rows:
            rows = [(strata[s.key], s.margin) for s in found.preview.strata]
        title = console_text("margin_chart", staff.language)
        chart = bar_chart(title, rows, shown="points")
        return render(
            staff,
            "preview.html",
            {
                "survey": found.survey,
                "found": found,
                "p": found.preview,
                "names": names,
                "strata": strata,
                "chart": chart,
                # A fresh seed to start from: nobody should draw every survey with seed 1.
                "suggested_seed": secrets.randbelow(10**9),
                **context,
            },
            status_code=status_code,
        )

    @get("/preview")
    async def preview(
        self,
        request: Request[Any, Any, State],
        staff: CurrentStaff,
        survey_code: FromPath[str],
        design: FromQuery[str | None] = None,
        seed: FromQuery[int] = 0,
    ) -> Template:
        """Per stratum N, n, expected respondents; per unit the expected margin; draw form."""
        return await self._preview_page(request, staff, survey_code, design, seed)

    @post("/draw", status_code=200)
    async def draw(
        self, request: Request[Any, Any, State], staff: CurrentStaff, survey_code: FromPath[str]
    ) -> Template:
        """Draw the design with the seed given; the preview page says what happened."""
        form = FormValues(await request.form())
        design = form.text("design") or None
        seed = _seed(form.text("seed"))
        if seed is None:
            message = console_text("bad_seed", staff.language)
            return await self._preview_page(
                request, staff, survey_code, design, 0, error=message, status_code=422
            )
        try:
            done = await in_worker(
                request, lambda e: draw_design(e, survey_code, seed=seed, design_name=design)
            )
        except (ServiceError, SamplingError) as exc:
            status = 409 if isinstance(exc, AlreadyDrawnError) else 422
            await record_survey_action(
                request,
                staff,
                "sample.draw",
                survey_code,
                {"design": design, "seed": seed, "done": False, "error": str(exc)[:500]},
            )
            return await self._preview_page(
                request, staff, survey_code, design, seed, error=str(exc), status_code=status
            )
        await record_survey_action(
            request, staff, "sample.draw", survey_code, {"done": True, **msgspec.to_builtins(done)}
        )
        return await self._preview_page(request, staff, survey_code, done.design, seed, done=done)

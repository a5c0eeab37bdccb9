"""Console pages of fieldwork: AAPOR rates per stratum or unit, and invitation exports."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Template
from sqlalchemy import Engine

from sampling import SamplingError
from survey_service.config import Settings
from survey_service.errors import NotFoundError, ServiceError
from survey_service.features.accounts.access import CurrentStaff, Staff
from survey_service.features.console.base import (
    CONSOLE_GUARD,
    PREFIX,
    FormValues,
    close_uploads,
    in_worker,
    read_upload,
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
from survey_service.features.samples.controllers import MAX_OUTCOME_BYTES
from survey_service.features.samples.fieldwork import import_outcomes, read_outcome_csv
from survey_service.features.samples.invitations import export_invitations
from survey_service.features.samples.rates import survey_rates
from survey_service.features.samples.schemas import ExportOut, FieldworkImportOut, RatesOut

__all__ = ["FieldworkPages"]

Grouping = Literal["stratum", "unit"]


def _survey(engine: Engine, survey_code: str) -> SurveyView:
    with engine.connect() as conn:
        return survey_view(conn, survey_code)


def _rates(engine: Engine, survey_code: str, by: Grouping) -> tuple[SurveyView, RatesOut | str]:
    """The survey and its rates, or why there are none yet (no drawn design)."""
    survey = _survey(engine, survey_code)
    try:
        return survey, survey_rates(engine, survey_code, by=by)
    except NotFoundError as exc:
        return survey, str(exc)


class _Export(msgspec.Struct, frozen=True):
    done: ExportOut
    content: bytes


def _export(
    engine: Engine, survey_code: str, letters: bool, days: int, reserve: bool, base_url: str
) -> _Export:
    with tempfile.TemporaryDirectory(prefix="console-invitations-") as folder:
        path = Path(folder) / ("letters.html" if letters else "invitations.csv")
        outputs = (None, path) if letters else (path, None)
        done = export_invitations(
            engine,
            survey_code,
            outputs,
            base_url=base_url,
            expires_days=days,
            include_reserve=reserve,
        )
        return _Export(done, path.read_bytes())


async def _stratum_names(
    request: Request[Any, Any, State], rates: RatesOut, language: str
) -> dict[str, str]:
    """Stratum key → its label ("Xã Sóc Sơn · trực tiếp")."""
    units = [
        part.removeprefix("unit=")
        for g in rates.groups
        for part in g.group.split("|")
        if part.startswith("unit=")
    ]
    names = await unit_names(request, units, language)
    return {g.group: stratum_label(g.group, names, language) for g in rates.groups}


def _days(text: str) -> int | None:
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= 365 else None


class FieldworkPages(Controller):
    """Fieldwork progress of one survey's drawn sample."""

    path = f"{PREFIX}/surveys/{{survey_code:str}}"
    guards = [CONSOLE_GUARD]
    include_in_schema = False

    async def _page(
        self,
        request: Request[Any, Any, State],
        staff: Staff,
        survey_code: str,
        by: Grouping,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        survey, rates = await in_worker(request, lambda e: _rates(e, survey_code, by))
        names: dict[str, str] = {}
        chart = None
        if isinstance(rates, RatesOut):
            if by == "unit":
                names = await unit_names(request, [g.group for g in rates.groups], staff.language)
            else:
                names = await _stratum_names(request, rates, staff.language)
            rows = [(names.get(g.group, g.group), g.RR1) for g in rates.groups]
            chart = bar_chart(console_text("rr_chart", staff.language), rows, scale=1.0)
        return render(
            staff,
            "fieldwork.html",
            {
                "survey": survey,
                "rates": rates if isinstance(rates, RatesOut) else None,
                "missing": rates if isinstance(rates, str) else None,
                "names": names,
                "by": by,
                "chart": chart,
                **context,
            },
            status_code=status_code,
        )

    @get("/fieldwork")
    async def fieldwork(
        self,
        request: Request[Any, Any, State],
        staff: CurrentStaff,
        survey_code: FromPath[str],
        by: FromQuery[Grouping] = "stratum",
    ) -> Template:
        """Dispositions and RR1, RR3, COOP1, REF1, CON1 per group, with a chart of RR1."""
        return await self._page(request, staff, survey_code, by)

    @post("/fieldwork/outcomes", status_code=200, request_max_body_size=MAX_OUTCOME_BYTES)
    async def outcomes(
        self, request: Request[Any, Any, State], staff: CurrentStaff, survey_code: FromPath[str]
    ) -> Template:
        """Record a gateway's or interviewers' outcomes CSV; the rejected rows are listed."""
        fields = await request.form()
        skip_bad = FormValues(fields).checked("skip_bad")
        try:
            upload = await read_upload(fields, "file")
        finally:
            await close_uploads(fields)
        if upload is None:
            error = console_text("no_outcome_file", staff.language)
            return await self._page(
                request, staff, survey_code, "stratum", error=error, status_code=422
            )
        name, content = upload
        await in_worker(request, lambda e: _survey(e, survey_code))  # 404 when unknown

        def work(engine: Engine) -> FieldworkImportOut:
            rows = read_outcome_csv(content, name)
            return import_outcomes(
                engine, rows, survey_code=survey_code, skip_bad=skip_bad, source="console"
            )

        try:
            done = await in_worker(request, work)
        except (ServiceError, SamplingError) as exc:
            return await self._page(
                request, staff, survey_code, "stratum", error=str(exc), status_code=422
            )
        detail = {**msgspec.to_builtins(done), "file": name, "errors": len(done.errors)}
        await record_survey_action(request, staff, "fieldwork.import", survey_code, detail)
        return await self._page(
            request,
            staff,
            survey_code,
            "stratum",
            outcomes=done,
            status_code=200 if done.committed else 422,
        )

    @post("/invitations", status_code=200)
    async def export(
        self, request: Request[Any, Any, State], staff: CurrentStaff, survey_code: FromPath[str]
    ) -> Response[bytes] | Template:
        """Issue new links and download them as a CSV or as printable letters."""
        form = FormValues(await request.form())
        letters = form.text("kind") == "letters"
        reserve = form.checked("include_reserve")
        days = _days(form.text("expires_days") or "30")
        if days is None:
            error = console_text("bad_days", staff.language)
            return await self._page(
                request, staff, survey_code, "stratum", error=error, status_code=422
            )
        settings: Settings = request.app.state.settings
        base_url = settings.public_base_url
        await in_worker(request, lambda e: _survey(e, survey_code))  # 404 when unknown
        try:
            made = await in_worker(
                request, lambda e: _export(e, survey_code, letters, days, reserve, base_url)
            )
        except (ServiceError, SamplingError) as exc:
            return await self._page(
                request, staff, survey_code, "stratum", error=str(exc), status_code=422
            )
        detail = {"kind": "letters" if letters else "csv", **msgspec.to_builtins(made.done)}
        await record_survey_action(request, staff, "invitations.export", survey_code, detail)
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", survey_code)
        name = f"{safe}-{'letters.html' if letters else 'invitations.csv'}"
        media = "text/html; charset=utf-8" if letters else "text/csv; charset=utf-8"
        return Response(
            made.content,
            media_type=media,
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )

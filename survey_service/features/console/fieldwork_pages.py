"""Console pages of fieldwork: AAPOR rates per stratum or unit, and invitation exports."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any, Literal

import msgspec
from litestar import Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Template
from sqlalchemy import Engine

from sampling import SamplingError
from survey_service.config import Settings
from survey_service.errors import NotFoundError, ServiceError
from survey_service.features.accounts.access import CurrentStaff, Staff
from survey_service.features.console.base import (
    PREFIX,
    ConsolePages,
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
from survey_service.features.samples.reserve import release_reserve, reserve_status
from survey_service.features.samples.schemas import (
    ExportOut,
    FieldworkImportOut,
    RatesOut,
    ReserveOut,
)

__all__ = ["FieldworkPages"]

Grouping = Literal["stratum", "unit"]


def _survey(engine: Engine, survey_code: str) -> SurveyView:
    with engine.connect() as conn:
        return survey_view(conn, survey_code)


class _Fieldwork(msgspec.Struct, frozen=True):
    """The survey, its rates and reserve, or why there are none yet (no drawn design)."""

    survey: SurveyView
    rates: RatesOut | None = None
    reserve: ReserveOut | None = None
    missing: str | None = None


def _fieldwork(engine: Engine, survey_code: str, by: Grouping) -> _Fieldwork:
    survey = _survey(engine, survey_code)
    try:
        rates = survey_rates(engine, survey_code, by=by)
        reserve = reserve_status(engine, survey_code, rates.design)
    except NotFoundError as exc:
        return _Fieldwork(survey, missing=str(exc))
    return _Fieldwork(survey, rates, reserve)


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
    request: Request[Any, Any, State], keys: list[str], language: str
) -> dict[str, str]:
    """Stratum key → its label ("Xã Sóc Sơn · trực tiếp")."""
    units = [
        part.removeprefix("unit=")
        for key in keys
        for part in key.split("|")
        if part.startswith("unit=")
    ]
    names = await unit_names(request, units, language)
    return {key: stratum_label(key, names, language) for key in keys}


def _release_counts(form: FormValues, keys: list[str]) -> dict[str, int] | None:
    """Stratum key → members to release, from the "release:<key>" fields (None if one is bad)."""
    counts = {}
    for key in keys:
        typed = form.text(f"release:{key}")
        if not typed or typed == "0":
            continue
        if not (typed.isascii() and typed.isdigit()):
            return None
        counts[key] = int(typed)
    return counts


def _days(text: str) -> int | None:
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= 365 else None


class FieldworkPages(ConsolePages):
    """Fieldwork progress of one survey's drawn sample."""

    path = f"{PREFIX}/surveys/{{survey_code:str}}"

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
        found = await in_worker(request, lambda e: _fieldwork(e, survey_code, by))
        rates, names, chart = found.rates, {}, None
        strata: dict[str, str] = {}
        if found.reserve is not None:
            keys = [s.key for s in found.reserve.strata]
            strata = await _stratum_names(request, keys, staff.language)
        if rates is not None:
            if by == "unit":
                names = await unit_names(request, [g.group for g in rates.groups], staff.language)
            else:
                names = strata
            rows = [(names.get(g.group, g.group), g.RR1) for g in rates.groups]
            chart = bar_chart(console_text("rr_chart", staff.language), rows, scale=1.0)
        return render(
            staff,
            "fieldwork.html",
            {
                "survey": found.survey,
                "rates": rates,
                "reserve": found.reserve,
                "strata": strata,
                "missing": found.missing,
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

    @post("/reserve", status_code=200)
    async def release(
        self, request: Request[Any, Any, State], staff: CurrentStaff, survey_code: FromPath[str]
    ) -> Template:
        """Release the next reserve members of the strata named; the next export invites them."""
        form = FormValues(await request.form())
        await in_worker(request, lambda e: _survey(e, survey_code))  # 404 when unknown

        def work(engine: Engine) -> tuple[dict[str, int], ReserveOut]:
            status = reserve_status(engine, survey_code)
            counts = _release_counts(form, [s.key for s in status.strata])
            if counts is None:
                raise ServiceError(console_text("bad_release", staff.language))
            return counts, release_reserve(engine, survey_code, counts, status.design)

        try:
            counts, done = await in_worker(request, work)
        except (ServiceError, SamplingError) as exc:
            return await self._page(
                request, staff, survey_code, "stratum", error=str(exc), status_code=422
            )
        detail = {"design": done.design, "version": done.version, "counts": counts}
        await record_survey_action(request, staff, "sample.reserve_release", survey_code, detail)
        return await self._page(request, staff, survey_code, "stratum", released=done.released)

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

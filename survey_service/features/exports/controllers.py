"""Staff downloads: estimates (CSV, XLSX) and anonymised microdata (ZIP).

- ``GET /staff/exports``: the surveys and their download links;
- ``GET /staff/exports/{survey}/estimates.csv`` and ``.xlsx``: every unit's indices, for
  any staff member, restricted to the units they may see (a reviewer gets their subtree
  only); ``?unit=CODE`` narrows to one unit and the units below it (404 when the unit is
  outside the member's scope, exactly as for a unit that does not exist). The figures
  are those of the newest published snapshot, as on the dashboards; reviewers and
  viewers never get unpublished ones (404 before publication, 403 for ``source=live``),
  statisticians and administrators get live estimates where nothing is published, or
  with ``source=live``;
- ``GET /staff/exports/{survey}/microdata.zip``: statisticians and administrators only
  (403 for other roles): respondent-level data is for analysts, even without contacts;
- ``GET /staff/exports/{survey}/print/{unit}``: the unit's one-page scorecard, ready to
  print (same sources and unit rule as the estimates).

Every download is written to the audit log. The data load runs on the request's
session, the estimation and the file building in a worker thread.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Annotated, Any, Final, TypeVar

import anyio
from litestar import Controller, Request, get
from litestar.exceptions import (
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.params import FromPath, QueryParameter
from litestar.response import Response, Stream, Template
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from survey_service.config import Settings
from survey_service.db.engine import run_in_worker
from survey_service.db.enums import Role
from survey_service.db.models import Survey, Unit
from survey_service.db.session import DbSession
from survey_service.features.accounts.access import (
    CurrentStaff,
    Staff,
    audit,
    client_address,
    require_unit,
    roles_guard,
    staff_guard,
)
from survey_service.features.dashboards.charts import percent
from survey_service.features.dashboards.filters import FilterKind
from survey_service.features.dashboards.published import latest_snapshots
from survey_service.features.exports.estimates import (
    EstimatesTable,
    estimates_csv,
    estimates_xlsx,
    make_estimates_table,
)
from survey_service.features.exports.microdata import MicrodataSummary, microdata_zip
from survey_service.features.exports.printable import bar_of, print_text, printable_scorecard
from survey_service.features.exports.published import (
    FilterNotPublishedError,
    Source,
    published_table,
)
from survey_service.features.exports.texts import export_text
from survey_service.features.indices.errors import IndicesError
from survey_service.features.indices.service import (
    SurveyData,
    estimate_survey,
    load_survey_data,
)
from survey_service.features.indices.sums import UnitTree, load_units
from survey_service.i18n import choose_language

__all__ = ["ANALYSTS", "ExportDownloads"]

T = TypeVar("T")

ANALYSTS: Final = (Role.STATISTICIAN, Role.ADMINISTRATOR)
CSV_TYPE: Final = "text/csv; charset=utf-8"
XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_TYPE: Final = "application/zip"
SPOOL_BYTES: Final = 32 * 2**20
CHUNK_BYTES: Final = 2**20


Which = Annotated[
    Source,
    QueryParameter(
        description="published: the newest snapshot (what the dashboards show); live: "
        "estimated now (statisticians and administrators); auto: the snapshot, else live."
    ),
]
UnitCode = Annotated[
    str | None,
    QueryParameter(description="Only this unit and the units below it (a unit code)."),
]
FilterParam = Annotated[
    str | None,
    QueryParameter(
        max_length=64,
        description="Published estimates in one channel or one field only (not both).",
    ),
]


def _only(channel: str | None, field: str | None) -> tuple[FilterKind, str] | None:
    """The channel or field asked for (empty: all); both at once is a 400."""
    channel, field = (channel or "").strip(), (field or "").strip()
    if channel and field:
        raise ValidationException("choose a channel or a field, not both")
    if channel:
        return ("channel", channel)
    return ("field", field) if field else None


def _filename(survey_code: str, suffix: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", survey_code).strip("._") or "survey"
    return f"{safe}-{suffix}"


def _named(suffix: str, only: tuple[FilterKind, str] | None) -> str:
    """``estimates.csv``, or ``estimates-channel-online.csv`` for one channel."""
    if only is None:
        return suffix
    stem, dot, ext = suffix.rpartition(".")
    return f"{stem}-{only[0]}-{re.sub(r'[^A-Za-z0-9_-]+', '_', only[1])}{dot}{ext}"


def _attachment(filename: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }


def _download(content: bytes, media_type: str, filename: str) -> Response[bytes]:
    return Response(content, media_type=media_type, headers=_attachment(filename))


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    """The file's bytes a block at a time; the file is closed at the end."""
    try:
        while block := spool.read(CHUNK_BYTES):
            yield block
    finally:
        spool.close()


def _subtree(units: UnitTree, code: str) -> frozenset[int]:
    """Ids of the unit ``code`` and of every unit below it."""
    top = units.codes.index(code)
    return frozenset(int(units.ids[k]) for k in range(len(units.codes)) if top in units.chain(k))


def _scope(staff: Staff, units: UnitTree, unit: str | None) -> frozenset[int] | None:
    """The units the file may hold: the member's scope, narrowed to ``unit``'s subtree."""
    if unit is None:
        return staff.scope
    below = _subtree(units, unit) if unit in units.codes else frozenset()
    return below if staff.scope is None else below & staff.scope


async def _check_unit(db_session: DbSession, staff: Staff, unit: str | None) -> None:
    """404 for a unit that does not exist or that ``staff`` may not see (before any work)."""
    if unit is None:
        return
    unit_id = await db_session.scalar(select(Unit.id).where(Unit.code == unit))
    if unit_id is None:
        raise NotFoundException("not found")
    require_unit(staff, unit_id)


def _allowed_source(staff: Staff, source: Source) -> Source:
    """Published figures only for reviewers and viewers (403 when they ask for live ones)."""
    if staff.role in ANALYSTS:
        return source
    if source == "live":
        raise PermissionDeniedException("only analysts may see unpublished estimates")
    return "published"


async def _in_worker(request: Request[Any, Any, Any], work: Callable[[Connection], T]) -> T:
    """Run ``work`` on a connection of a fresh synchronous engine in a worker thread."""
    settings: Settings = request.app.state.settings

    def on_connection(engine: Engine) -> T:
        with engine.connect() as conn:
            return work(conn)

    return await run_in_worker(settings.database_url, on_connection)


def _xlsx_bytes(table: EstimatesTable) -> bytes:
    buffer = io.BytesIO()
    estimates_xlsx(table, buffer)
    return buffer.getvalue()


_ESTIMATES_FILES: dict[str, tuple[str, Callable[[EstimatesTable], bytes]]] = {
    "estimates.csv": (CSV_TYPE, estimates_csv),
    "estimates.xlsx": (XLSX_TYPE, _xlsx_bytes),
}
"""Media type and writer of each estimates file."""


def _unprocessable(_request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    return Response(str(exc), status_code=422, media_type="text/plain; charset=utf-8")


class ExportDownloads(Controller):
    """The exports page and its downloads (staff only; microdata for analysts)."""

    path = "/staff/exports"
    guards = [staff_guard]
    include_in_schema = False
    exception_handlers = {IndicesError: _unprocessable}

    @get("/", opt={"unit_param": None})
    async def index(self, staff: CurrentStaff, db_session: DbSession) -> Template:
        """The surveys, newest first, with their download links: analysts see every
        survey (live estimates where nothing is published), others the published ones."""

        def read(sync: Session) -> tuple[list[Any], set[str]]:
            conn = sync.connection()
            surveys = conn.execute(
                select(Survey.code, Survey.title, Survey.period_start, Survey.period_end).order_by(
                    Survey.period_start.desc(), Survey.code
                )
            ).all()
            return list(surveys), {s.survey_code for s in latest_snapshots(conn)}

        surveys, published = await db_session.run_sync(read)
        analyst = staff.role in ANALYSTS
        language = choose_language(staff.language)
        return Template(
            template_name="staff/exports.html",
            context={
                "staff": staff,
                "lang": language,
                "surveys": [s for s in surveys if analyst or s.code in published],
                "published": published,
                "microdata": analyst,
                "et": lambda key: export_text(key, language),
            },
        )

    async def _table(
        self,
        staff: Staff,
        db_session: DbSession,
        survey_code: str,
        unit: str | None,
        source: Source,
        only: tuple[FilterKind, str] | None = None,
    ) -> EstimatesTable:
        await _check_unit(db_session, staff, unit)
        source = _allowed_source(staff, source)
        if only is not None and source == "live":
            raise ValidationException("channel and field estimates are published ones only")

        def published(sync: Session) -> EstimatesTable | None:
            conn = sync.connection()
            scope = _scope(staff, load_units(conn), unit)
            return published_table(conn, survey_code, scope, only)

        if source != "live":
            try:
                table = await db_session.run_sync(published)
            except FilterNotPublishedError as exc:
                raise ValidationException(str(exc)) from exc
            if table is not None:
                return table
            if source == "published" or only is not None:
                raise NotFoundException("no published results for this survey")

        def load(sync: Session) -> SurveyData:
            return load_survey_data(sync.connection(), survey_code)

        data = await db_session.run_sync(load)
        scope = _scope(staff, data.units, unit)
        return await anyio.to_thread.run_sync(
            lambda: make_estimates_table(estimate_survey(data), scope)
        )

    async def _record(
        self,
        request: Request[Any, Any, Any],
        staff: Staff,
        db_session: DbSession,
        action: str,
        survey_code: str,
        detail: dict[str, Any],
    ) -> None:
        await audit(
            db_session,
            staff,
            action,
            object_type="survey",
            object_id=survey_code,
            detail=detail,
            client_address=client_address(request),
        )
        await db_session.commit()

    async def _estimates(
        self,
        request: Request[Any, Any, Any],
        staff: Staff,
        db_session: DbSession,
        survey_code: str,
        unit: str | None,
        source: Source,
        only: tuple[FilterKind, str] | None,
        name: str,
    ) -> Response[bytes]:
        """The estimates file ``name`` (written in a worker thread), its download audited."""
        media_type, write = _ESTIMATES_FILES[name]
        table = await self._table(staff, db_session, survey_code, unit, source, only)
        content = await anyio.to_thread.run_sync(write, table)
        detail = {
            "rows": len(table.rows),
            "units": table.units,
            "unit": unit,
            "source": table.source,
            "filter": None if only is None else "/".join(only),
        }
        await self._record(request, staff, db_session, f"export.{name}", survey_code, detail)
        return _download(content, media_type, _filename(survey_code, _named(name, only)))

    @get("/{survey_code:str}/estimates.csv", opt={"unit_param": "unit"})
    async def estimates_csv(
        self,
        request: Request[Any, Any, Any],
        staff: CurrentStaff,
        db_session: DbSession,
        survey_code: FromPath[str],
        unit: UnitCode = None,
        source: Which = "auto",
        channel: FilterParam = None,
        field: FilterParam = None,
    ) -> Response[bytes]:
        """Estimates of the visible units as CSV (UTF-8 with a byte-order mark)
        (``channel``/``field``: published estimates in that channel or field)."""
        only = _only(channel, field)
        return await self._estimates(
            request, staff, db_session, survey_code, unit, source, only, "estimates.csv"
        )

    @get("/{survey_code:str}/estimates.xlsx", opt={"unit_param": "unit"})
    async def estimates_xlsx(
        self,
        request: Request[Any, Any, Any],
        staff: CurrentStaff,
        db_session: DbSession,
        survey_code: FromPath[str],
        unit: UnitCode = None,
        source: Which = "auto",
        channel: FilterParam = None,
        field: FilterParam = None,
    ) -> Response[bytes]:
        """Estimates of the visible units as an XLSX workbook (with a README sheet)
        (``channel``/``field``: published estimates in that channel or field)."""
        only = _only(channel, field)
        return await self._estimates(
            request, staff, db_session, survey_code, unit, source, only, "estimates.xlsx"
        )

    @get(
        "/{survey_code:str}/microdata.zip",
        guards=[roles_guard(*ANALYSTS)],
        opt={"unit_param": None},
    )
    async def microdata(
        self,
        request: Request[Any, Any, Any],
        staff: CurrentStaff,
        db_session: DbSession,
        survey_code: FromPath[str],
    ) -> Stream:
        """Anonymised microdata with its codebook, as a ZIP archive (analysts only).

        The archive is written in a worker thread on a synchronous engine (a national
        survey takes a while: the event loop keeps serving), into a temporary file that
        stays in memory up to 32 MB, and streamed from there.
        """
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115

        def write(conn: Connection) -> MicrodataSummary:
            return microdata_zip(conn, survey_code, spool)

        try:
            summary = await _in_worker(request, write)
        except BaseException:
            spool.close()
            raise
        detail = {"rows": summary.rows, "columns": summary.columns}
        await self._record(request, staff, db_session, "export.microdata", survey_code, detail)
        spool.seek(0)
        return Stream(
            _chunks(spool),
            media_type=ZIP_TYPE,
            headers=_attachment(_filename(survey_code, "microdata.zip")),
        )

    @get("/{survey_code:str}/print/{unit_code:str}", opt={"unit_param": "unit_code"})
    async def printable(
        self,
        request: Request[Any, Any, Any],
        staff: CurrentStaff,
        db_session: DbSession,
        survey_code: FromPath[str],
        unit_code: FromPath[str],
        source: Which = "auto",
    ) -> Template:
        """The unit's one-page scorecard, ready to print (A4)."""
        await _check_unit(db_session, staff, unit_code)
        allowed = _allowed_source(staff, source)
        card = await _in_worker(
            request, lambda conn: printable_scorecard(conn, survey_code, unit_code, allowed)
        )
        if card is None:
            raise NotFoundException("no published results for this unit")
        detail = {"unit": unit_code, "source": card.source}
        await self._record(request, staff, db_session, "export.print", survey_code, detail)
        language = choose_language(staff.language)
        return Template(
            template_name="staff/print_scorecard.html",
            context={
                "lang": language,
                "card": card.scorecard,
                "rank": card.rank,
                "source": card.source,
                "bar": bar_of,
                "pt": lambda key: print_text(key, language),
                "pct": lambda v, d=1: percent(v, language, d),
            },
        )
